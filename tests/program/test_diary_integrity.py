"""A diary night is saved once, for the morning the patient saw, from answers the patient
gave: the same form sent again, a night copied under another date, invented defaults and
times written as people write them."""

from __future__ import annotations

import re
import threading
from datetime import date, time

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from program.diary import actions as diary_service
from program.models import DiaryEntry, DiaryEntryRevision
from program.rules.clock import parse_clock
from tests.conftest import client_for
from tests.nights import API_NIGHT, night_answers

TODAY = "2026-11-25"
NIGHT = {
    "diary_date": TODAY,
    "into_bed": "22:40",
    "lights_off": "23:05",
    "sleep_latency_min": "30",
    "awakenings": "2",
    "awake_min": "40",
    "final_wake": "05:50",
    "out_of_bed": "06:20",
    "quality": "2",
}
TIME_INPUTS = ("into_bed", "lights_off", "final_wake", "out_of_bed")


@pytest.fixture(autouse=True)
def morning():
    # 08:00 in London on 25 November 2026.
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def _form_key(page: str) -> str:
    match = re.search(r'name="submission_key" value="([^"]+)"', page)
    assert match, "the new night's form carries its key"
    return match.group(1)


def _value_of(page: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert match, name
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else None


# --- The same form sent again ------------------------------------------------------


def test_save_back_save_keeps_one_night_and_says_so(patient) -> None:
    """Save; Back brings the form again with its key but another morning chosen (the
    saved one is no longer offered); Save: nothing is stored twice, and the patient is
    taken to the night already saved, told so."""
    client = client_for(patient)
    key = _form_key(client.get(reverse("program:diary_new")).content.decode())
    first = client.post(reverse("program:diary_new"), {**NIGHT, "submission_key": key})
    assert first.status_code == 302
    again = client.post(
        reverse("program:diary_new"),
        {**NIGHT, "diary_date": "2026-11-23", "submission_key": key},
        follow=True,
    )
    assert DiaryEntry.objects.filter(patient=patient).count() == 1
    assert DiaryEntry.objects.get(patient=patient).diary_date == date(2026, 11, 25)
    page = again.content.decode()
    assert "This diary was already saved, for the morning of Wednesday 25 November" in page
    assert "nothing was saved twice" in page
    assert again.redirect_chain[-1][0] == reverse("program:diary_edit", args=[TODAY])


def test_a_double_tap_saves_one_night(patient) -> None:
    client = client_for(patient)
    key = _form_key(client.get(reverse("program:diary_new")).content.decode())
    for _ in range(2):
        client.post(reverse("program:diary_new"), {**NIGHT, "submission_key": key})
    assert DiaryEntry.objects.filter(patient=patient).count() == 1


def test_each_new_form_has_a_key_of_its_own(patient) -> None:
    client = client_for(patient)
    keys = {_form_key(client.get(reverse("program:diary_new")).content.decode()) for _ in "ab"}
    assert len(keys) == 2


def test_the_form_names_the_morning_it_saves_beside_the_button(patient) -> None:
    says = "This saves the night before the morning you chose: <strong>{}</strong>."
    page = client_for(patient).get(reverse("program:diary_new")).content.decode()
    assert says.format("Today, Wednesday 25 November") in page
    late = client_for(patient).get(reverse("program:diary_new") + "?date=2026-11-23")
    assert says.format("Monday 23 November (late)") in late.content.decode()


# --- The same night under another date ---------------------------------------------


def test_a_night_with_another_nights_times_is_asked_about_first(patient) -> None:
    client = client_for(patient)
    client.post(reverse("program:diary_new"), NIGHT)
    copy = {**NIGHT, "diary_date": "2026-11-24", "comments": "kept as typed"}
    asked = client.post(reverse("program:diary_new"), copy)
    assert asked.status_code == 200
    page = asked.content.decode()
    assert "Your diary for Wednesday 25 November has exactly these times." in page
    assert "Is this the same night?" in page
    assert "kept as typed" in page  # nothing typed is lost
    assert DiaryEntry.objects.filter(patient=patient).count() == 1
    confirmed = client.post(reverse("program:diary_new"), {**copy, "same_times_confirmed": "on"})
    assert confirmed.status_code == 302
    assert DiaryEntry.objects.filter(patient=patient).count() == 2


def test_other_times_are_not_asked_about(patient) -> None:
    client = client_for(patient)
    client.post(reverse("program:diary_new"), NIGHT)
    other = client.post(
        reverse("program:diary_new"), {**NIGHT, "diary_date": "2026-11-24", "into_bed": "22:41"}
    )
    assert other.status_code == 302
    assert DiaryEntry.objects.filter(patient=patient).count() == 2


# --- No invented answers ------------------------------------------------------------


def test_a_new_patients_form_has_no_value_in_any_time_field(patient) -> None:
    page = client_for(patient).get(reverse("program:diary_new")).content.decode()
    for name in (*TIME_INPUTS, "sleep_latency_min", "awakenings", "awake_min", "nap_count"):
        assert not _value_of(page, name), name
    assert "Start from my last night" not in page  # there is no last night yet


def test_last_nights_times_come_only_when_asked_and_visibly(patient) -> None:
    diary_service.save_entry(
        patient=patient,
        diary_date=date(2026, 11, 24),
        answers=night_answers(into_bed=time(22, 50)),
        changed_by=patient,
    )
    client = client_for(patient)
    plain = client.get(reverse("program:diary_new")).content.decode()
    assert not _value_of(plain, "into_bed")
    assert "Start from my last night" in plain
    filled = client.get(reverse("program:diary_new") + "?start=last").content.decode()
    assert _value_of(filled, "into_bed") == "22:50"
    assert _value_of(filled, "out_of_bed") == "06:30"
    assert not _value_of(filled, "sleep_latency_min")  # only the clock times
    assert "The four clock times below are your last night" in filled


# --- Times as people write them ------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("11pm", time(23)),
        ("11:15 pm", time(23, 15)),
        ("11.15PM", time(23, 15)),
        ("6.30am", time(6, 30)),
        ("6:30 a.m.", time(6, 30)),
        ("7am", time(7)),
        ("12am", time(0)),
        ("12 pm", time(12)),
        ("23h15", time(23, 15)),
        ("23 h 15", time(23, 15)),
        ("23.15", time(23, 15)),
        ("2315", time(23, 15)),
        ("615", time(6, 15)),
        ("23 Uhr", time(23)),
        ("23:15:00", time(23, 15)),
        ("midnight", time(0)),
    ],
)
def test_clock_times_as_people_write_them(written, meant) -> None:
    assert parse_clock(written) == meant


@pytest.mark.parametrize("written", ["25:00", "13pm", "0am", "7:75", "11h pm", "soon", "", "1:2"])
def test_impossible_or_unclear_times_are_refused(written) -> None:
    assert parse_clock(written) is None


@settings(deadline=None)
@given(st.times())
def test_every_clock_time_reads_back_in_every_common_spelling(moment: time) -> None:
    hour12 = moment.hour % 12 or 12
    meridiem = "am" if moment.hour < 12 else "pm"
    minute = f"{moment.minute:02d}"
    for written in (
        f"{moment.hour:02d}:{minute}",
        f"{moment.hour}.{minute}",
        f"{moment.hour}h{minute}",
        f"{moment.hour:02d}{minute}",
        f"{hour12}:{minute} {meridiem}",
        f"{hour12}.{minute}{meridiem.upper()}",
        f"{hour12}:{minute} {meridiem[0]}.m.",
    ):
        assert parse_clock(written) == moment.replace(second=0, microsecond=0), written


def test_a_time_the_server_could_not_read_comes_back_as_typed(patient) -> None:
    response = client_for(patient).post(
        reverse("program:diary_new"), {**NIGHT, "into_bed": "11:75 pm", "out_of_bed": "6.20am"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter a time like 23:15 or 11:15 pm." in page
    assert _value_of(page, "into_bed") == "11:75 pm"
    assert _value_of(page, "out_of_bed") == "6.20am"


def test_a_night_typed_in_12_hour_times_is_saved(patient) -> None:
    response = client_for(patient).post(
        reverse("program:diary_new"),
        {
            **NIGHT,
            "into_bed": "10:40pm",
            "lights_off": "11.05 pm",
            "final_wake": "5:50am",
            "out_of_bed": "6.20 a.m.",
        },
    )
    assert response.status_code == 302
    entry = DiaryEntry.objects.get(patient=patient)
    assert entry.into_bed.isoformat() == "2026-11-24T22:40:00+00:00"
    assert entry.out_of_bed.isoformat() == "2026-11-25T06:20:00+00:00"


# --- The API's Idempotency-Key -------------------------------------------------------


def test_the_api_answers_a_retried_key_with_the_first_entry(patient) -> None:
    from accounts.tokens import issue_token

    _, token = issue_token(patient, "phone")
    client = client_for(None)
    body = {**API_NIGHT, "diary_date": TODAY}
    url = f"/api/v1/patients/{patient.pk}/diary"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_IDEMPOTENCY_KEY": "night-1"}
    first = client.post(url, body, content_type="application/json", **headers)
    retry = client.post(url, body, content_type="application/json", **headers)
    assert (first.status_code, retry.status_code) == (201, 200)
    assert retry.json()["diary_date"] == TODAY
    assert DiaryEntry.objects.filter(patient=patient).count() == 1
    # Without a key, the same morning again is refused in words, as before.
    plain = client.post(
        url, body, content_type="application/json", HTTP_AUTHORIZATION=headers["HTTP_AUTHORIZATION"]
    )
    assert plain.status_code == 422


# --- Concurrent edits -------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_edits_each_keep_the_answers_they_replaced(patient) -> None:
    """Ten edits of one night at once: each revision records the answers just before it,
    so the history, read in order, accounts for every change (PostgreSQL locks the row;
    SQLite runs one writer at a time)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's test database is one connection)")
    entry = diary_service.save_entry(
        patient=patient,
        diary_date=date(2026, 11, 25),
        answers=night_answers(awake_min=0),
        changed_by=patient,
    ).entry
    errors: list[BaseException] = []

    def edit(minutes: int) -> None:
        try:
            diary_service.save_entry(
                patient=patient,
                diary_date=entry.diary_date,
                answers=night_answers(awake_min=minutes),
                changed_by=patient,
                entry=DiaryEntry.objects.get(pk=entry.pk),
            )
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(m,)) for m in range(1, 11)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    revisions = list(DiaryEntryRevision.objects.filter(entry=entry).order_by("pk"))
    assert len(revisions) == 10
    final = DiaryEntry.objects.get(pk=entry.pk).awake_min
    # Each revision's "previous" is what the one before it wrote: a chain from 0 to final.
    previous = [r.previous["awake_min"] for r in revisions]
    assert previous[0] == 0
    assert len(set(previous)) == 10, previous
    assert final not in previous


# --- One rounding --------------------------------------------------------------------


def test_a_night_at_a_half_tenth_shows_one_figure_on_every_surface(patient, therapist) -> None:
    """400 min in bed, 343 asleep: 85.75 %. Rounded half up everywhere, 85.8 % (Django's
    number_format alone would write 85.7, Python's f-string 85.8, and floatformat 85.8)."""
    from accounts.tokens import issue_token
    from program.rules.sleep import percent

    assert str(percent(85.75)) == "85.8"
    assert str(percent(65.85)) == "65.9"  # stored as 65.8499…
    assert str(percent(89.996)) == "90.0"
    client = client_for(patient)
    saved = client.post(
        reverse("program:diary_new"),
        {
            **NIGHT,
            "into_bed": "22:00",
            "lights_off": "22:00",
            "sleep_latency_min": "17",
            "awakenings": "1",
            "awake_min": "40",
            "final_wake": "04:40",
            "out_of_bed": "04:40",
        },
        follow=True,
    )
    entry = DiaryEntry.objects.get(patient=patient)
    assert (entry.time_in_bed_min, entry.total_sleep_min) == (400, 343)
    assert entry.sleep_efficiency == pytest.approx(85.75)
    surfaces = {
        "saved message and diary page": saved.content.decode(),
        "today": client.get(reverse("program:patient_home")).content.decode(),
        "diary CSV": client.get(reverse("program:diary_export")).content.decode(),
        "therapist's diary page": client_for(therapist)
        .get(reverse("program:patient_diary", args=[patient.pk]))
        .content.decode(),
    }
    _, token = issue_token(patient, "phone")
    api = client_for(None)
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    surfaces["API diary"] = api.get(
        f"/api/v1/patients/{patient.pk}/diary", **bearer
    ).content.decode()
    surfaces["API nightly metrics"] = api.get(
        f"/api/v1/patients/{patient.pk}/metrics/nightly", **bearer
    ).content.decode()
    for name, text in surfaces.items():
        assert "85.8" in text, name
        assert "85.7" not in text and "85.75" not in text, name
    assert "sleep efficiency 85.8%" in surfaces["saved message and diary page"]


def test_a_failed_save_lists_each_error_with_a_link_to_its_field(patient) -> None:
    page = (
        client_for(patient)
        .post(reverse("program:diary_new"), {**NIGHT, "quality": "", "awakenings": "lots"})
        .content.decode()
    )
    assert "data-error-summary" in page
    assert '<a href="#id_quality_0">How would you rate the quality of your sleep?</a>' in page
    assert '<a href="#id_awakenings">' in page
    # The quality error is tied to its radios.
    assert 'aria-describedby="id_quality_error"' in page and 'id="id_quality_error"' in page


def test_the_sleep_window_explanation_rounds_as_the_pages_do() -> None:
    from program.sleep_window import actions as sleep_window

    text = sleep_window.explain("hold", {"sleep_efficiency": 85.75, "nights": 7})
    assert "85.8" in text and "85.7" not in text

"""The patient fills the diary; the therapist reads it; edits keep their history."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from program.diary import actions as diary_service
from program.models import DiaryEntry, DiaryEntryRevision, Enrolment
from tests.conftest import client_for
from tests.nights import night_answers

TODAY = "2026-11-25"
NIGHT = {
    "diary_date": TODAY,
    "into_bed": "22:45",
    "lights_off": "23:00",
    "sleep_latency_min": "30",
    "awakenings": "2",
    "awake_min": "40",
    "final_wake": "06:20",
    "out_of_bed": "06:30",
    "quality": "3",
}


@pytest.fixture(autouse=True)
def morning():
    # 08:00 in London on 25 November 2026.
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def test_a_patient_fills_in_this_mornings_diary(patient) -> None:
    client = client_for(patient)
    response = client.post(reverse("program:diary_new"), NIGHT)
    assert response.status_code == 302, response.content.decode()[:2000]
    entry = DiaryEntry.objects.get(patient=patient)
    # D1 of docs/clinical-rules.md (Worked examples), in London: 465 in bed, 370 asleep, 79.6 %.
    assert (entry.time_in_bed_min, entry.total_sleep_min) == (465, 370)
    assert round(entry.sleep_efficiency, 1) == 79.6
    assert entry.into_bed.isoformat() == "2026-11-24T22:45:00+00:00"
    assert not entry.is_late
    page = client.get(reverse("program:diary"))
    assert b"This morning&#x27;s entry is done" in page.content or b"entry is done" in page.content
    assert b"79.6%" in page.content


def test_a_bedtime_after_midnight_is_this_mornings_date(patient) -> None:
    client_for(patient).post(
        reverse("program:diary_new"), {**NIGHT, "into_bed": "00:40", "lights_off": "00:40"}
    )
    entry = DiaryEntry.objects.get(patient=patient)
    assert entry.into_bed.date() == date(2026, 11, 25)
    assert entry.time_in_bed_min == 350


def test_a_wrong_order_is_an_error_on_that_field_and_keeps_the_answers(patient) -> None:
    response = client_for(patient).post(
        reverse("program:diary_new"), {**NIGHT, "out_of_bed": "06:00"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "before your final awakening" in html
    assert 'id="id_out_of_bed_error"' in html
    assert 'value="22:45"' in html and 'value="40"' in html  # nothing typed is lost
    assert not DiaryEntry.objects.exists()


def test_latency_and_waking_cannot_exceed_the_night(patient) -> None:
    response = client_for(patient).post(
        reverse("program:diary_new"), {**NIGHT, "sleep_latency_min": "300", "awake_min": "200"}
    )
    assert b"more than the 440 minutes" in response.content


@pytest.mark.parametrize(
    ("field", "value", "words"),
    [
        ("sleep_latency_min", "-5", b"can&#x27;t be negative"),
        ("awakenings", "lots", b"Enter a whole number"),
        ("into_bed", "25:99", b"Enter a time like 23:15 or 11:15 pm"),
        ("quality", "", b"Choose how well you slept"),
    ],
)
def test_bad_values_get_clear_messages(patient, field, value, words) -> None:
    response = client_for(patient).post(reverse("program:diary_new"), {**NIGHT, field: value})
    assert response.status_code == 200
    assert words in response.content


def test_future_and_too_old_dates_are_refused(patient) -> None:
    client = client_for(patient)
    future = client.post(reverse("program:diary_new"), {**NIGHT, "diary_date": "2026-11-26"})
    assert future.status_code == 200
    assert not DiaryEntry.objects.exists()
    old = client.post(reverse("program:diary_new"), {**NIGHT, "diary_date": "2026-11-01"})
    assert old.status_code == 200
    assert not DiaryEntry.objects.exists()


def test_a_missed_morning_can_be_backfilled_and_is_marked_late(patient) -> None:
    response = client_for(patient).post(
        reverse("program:diary_new"), {**NIGHT, "diary_date": "2026-11-22"}
    )
    assert response.status_code == 302
    entry = DiaryEntry.objects.get()
    assert entry.is_late
    assert entry.into_bed.date() == date(2026, 11, 21)


def test_the_diary_offers_every_missed_morning_before_today(patient) -> None:
    """With this morning filled in, yesterday is the first missed morning, and is offered
    (the list used to drop its first date, taking it for today's)."""
    client = client_for(patient)
    client.post(reverse("program:diary_new"), NIGHT)  # this morning, 25 November
    page = client.get(reverse("program:diary")).content.decode()
    missed = page.split("Missed a morning?", 1)[1].split("</p>", 1)[0]
    assert "?date=2026-11-24" in missed and "?date=2026-11-23" in missed
    assert "?date=2026-11-25" not in missed
    # Without this morning's entry, today has its own card, not a place in the list.
    DiaryEntry.objects.all().delete()
    page = client.get(reverse("program:diary")).content.decode()
    missed = page.split("Missed a morning?", 1)[1].split("</p>", 1)[0]
    assert "?date=2026-11-24" in missed and "?date=2026-11-25" not in missed


def test_no_morning_before_the_programme_is_offered(patient) -> None:
    """The programme's weeks count the nights from its start, so a morning before it is
    not offered as "missed" on the diary page nor in the form's choice of mornings."""
    Enrolment.objects.filter(patient=patient).update(start_date=date(2026, 11, 23))
    client = client_for(patient)
    client.post(reverse("program:diary_new"), NIGHT)  # this morning, 25 November
    page = client.get(reverse("program:diary")).content.decode()
    missed = page.split("Missed a morning?", 1)[1].split("</p>", 1)[0]
    assert "?date=2026-11-24" in missed and "?date=2026-11-23" in missed
    assert "?date=2026-11-22" not in missed
    form = client.get(reverse("program:diary_new")).content.decode()
    assert 'value="2026-11-23"' in form and 'value="2026-11-22"' not in form


def test_a_second_entry_for_the_same_morning_is_refused(patient) -> None:
    client = client_for(patient)
    client.post(reverse("program:diary_new"), NIGHT)
    again = client.post(reverse("program:diary_new"), NIGHT)
    assert again.status_code == 200
    assert b"There is already an entry for this morning" in again.content
    assert b'value="22:45"' in again.content  # what was typed stays in the form
    assert DiaryEntry.objects.count() == 1


def test_a_morning_saved_between_the_form_and_the_save_is_refused_by_the_database(
    patient,
) -> None:
    """Another tab saved this morning after this request listed the missing ones: the
    unique constraint refuses it, with the same words and nothing half-saved."""
    from program.models import DiaryEntry as Entry

    client = client_for(patient)
    client.post(reverse("program:diary_new"), NIGHT)
    first = Entry.objects.get()
    real_between = diary_service.DiaryEntry.objects.for_patient

    def as_if_missing(who):
        return real_between(who).exclude(pk=first.pk)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Entry.objects, "for_patient", as_if_missing)
        again = client.post(reverse("program:diary_new"), NIGHT)
    assert again.status_code == 200
    assert b"There is already an entry for this morning" in again.content
    assert b'value="22:45"' in again.content
    assert Entry.objects.count() == 1


def test_unusual_but_possible_nights_save_with_a_warning(patient) -> None:
    response = client_for(patient).post(
        reverse("program:diary_new"),
        {**NIGHT, "into_bed": "20:00", "lights_off": "20:00", "out_of_bed": "07:30"},
        follow=True,
    )
    assert DiaryEntry.objects.count() == 1
    assert b"more than 10 hours" in response.content


def test_editing_keeps_the_previous_answers_for_the_therapist(patient, therapist) -> None:
    client = client_for(patient)
    client.post(reverse("program:diary_new"), NIGHT)
    response = client.post(
        reverse("program:diary_edit", args=[TODAY]), {**NIGHT, "awake_min": "10"}
    )
    assert response.status_code == 302
    entry = DiaryEntry.objects.get()
    assert entry.total_sleep_min == 400
    revision = DiaryEntryRevision.objects.get()
    assert revision.previous["awake_min"] == 40
    assert revision.changed_fields == ["awake_min"]
    assert revision.changed_by == patient
    page = client_for(therapist).get(reverse("program:patient_diary", args=[patient.pk]))
    assert b"awake_min" in page.content


def test_old_entries_can_no_longer_be_edited(patient) -> None:
    diary_service.save_entry(
        patient=patient,
        diary_date=date(2026, 11, 10),
        changed_by=patient,
        enforce_backfill=False,
        answers=night_answers(),
    )
    response = client_for(patient).get(reverse("program:diary_edit", args=["2026-11-10"]))
    assert response.status_code == 302


def test_the_csv_download_has_every_night(patient) -> None:
    client = client_for(patient)
    client.post(reverse("program:diary_new"), NIGHT)
    response = client.get(reverse("program:diary_export"))
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0].startswith("diary_date,into_bed,lights_off")
    assert lines[1].startswith("2026-11-25,2026-11-24T22:45,2026-11-24T23:00,30,2,40")
    assert len(lines) == 2


def test_the_diary_page_uses_a_fixed_number_of_queries(patient, django_assert_max_num_queries):
    client = client_for(patient)
    client.get(reverse("program:diary"))
    # Session, user, enrolment, the nights shown (and the diary's first night),
    # prescriptions (the chart's window), the taper plan card, the footer's crisis lines,
    # and the device's nights beside the diary (whether hidden, then the nights shown).
    with django_assert_max_num_queries(9) as few:
        client.get(reverse("program:diary"))
    for back in range(1, 60):
        diary_service.save_entry(
            patient=patient,
            diary_date=date(2026, 11, 25) - timedelta(days=back),
            changed_by=patient,
            enforce_backfill=False,
            answers=night_answers(),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("program:diary"))
    assert response.status_code == 200


def test_the_csv_download_includes_the_nights_medication(patient) -> None:
    from decimal import Decimal

    from program.medication.actions import DoseIn, record_night
    from program.models import Medication

    client = client_for(patient)
    client.post(reverse("program:diary_new"), NIGHT)
    medicine = Medication.objects.create(
        patient=patient, name="zolpidem", strengths_mg=["5"], usual_dose_mg=Decimal(5)
    )
    record_night(
        entry=DiaryEntry.objects.get(),
        answer="other",
        doses=[DoseIn(medicine, Decimal("2.5"), time(22, 45))],
        changed_by=patient,
    )
    lines = client.get(reverse("program:diary_export")).content.decode().splitlines()
    assert lines[0].endswith("sleep_medication,sleep_medication_doses")
    assert lines[1].endswith("other,zolpidem 2.5 mg at 22:45")


def test_clock_times_read_the_browsers_form_first_and_the_languages_otherwise() -> None:
    from django.utils import translation

    from program.form_fields import ClockField

    field = ClockField()
    assert field.clean("23:15") == time(23, 15)
    assert field.clean("06:05:30") == time(6, 5)  # seconds read, dropped: the diary counts minutes
    with translation.override("nl"):
        assert field.clean("23.15") == time(23, 15)  # Dutch, typed where no time picker
    with pytest.raises(ValidationError):
        field.clean("25:99")


def _nights_back(patient, count: int) -> None:
    for back in range(1, count + 1):
        diary_service.save_entry(
            patient=patient,
            diary_date=date(2026, 11, 25) - timedelta(days=back),
            changed_by=patient,
            enforce_backfill=False,
            answers=night_answers(),
        )


def test_older_nights_are_on_pages_of_four_weeks_linked_without_javascript(
    patient, therapist
) -> None:
    _nights_back(patient, 70)  # 25 November back to 16 September: three pages
    client = client_for(patient)
    url = reverse("program:diary")
    first = client.get(url).content.decode()
    assert "The last four weeks" in first
    # The chart is narrower than the table: it says which nights it draws.
    assert "The chart: the last 14 nights." in first
    assert "Thu 29 Oct" in first and "Wed 28 Oct" not in first  # 28 nights to 25 Nov
    assert 'href="?page=2#nights-heading" rel="next">Older nights</a>' in first
    assert "Newer nights" not in first
    assert "Page 1 of 3" in first

    second = client.get(url, {"page": 2}).content.decode()
    assert "Wed 28 Oct" in second and "Thu 1 Oct" in second and "Wed 30 Sep" not in second
    assert "Nights from 1 Oct 2026 to 28 Oct 2026" in second
    assert 'href="?page=1#nights-heading" rel="prev">Newer nights</a>' in second
    assert 'href="?page=3#nights-heading" rel="next">Older nights</a>' in second

    last = client.get(url, {"page": 3}).content.decode()
    assert "Wed 16 Sep" in last and "Older nights" not in last
    # A page past the end shows the last one; anything not a number, the first.
    assert "Page 3 of 3" in client.get(url, {"page": 99}).content.decode()
    assert "Page 1 of 3" in client.get(url, {"page": "x"}).content.decode()

    # The therapist's view of the diary pages the same way; the patient page's table
    # leads to it.
    diary_url = reverse("program:patient_diary", args=[patient.pk])
    theirs = client_for(therapist).get(diary_url, {"page": 2}).content.decode()
    assert "Wed 28 Oct" in theirs and "70 entries." in theirs
    detail = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert f'href="{diary_url}?page=2#nights-heading"' in detail.content.decode()


def test_the_weekly_table_shows_eight_weeks_up_to_the_pages_newest_night(patient) -> None:
    _nights_back(patient, 120)
    client = client_for(patient)
    first = client.get(reverse("program:diary")).content.decode()
    weeks = first.split('id="weeks-heading"')[1]
    assert weeks.count('<tr role="row">') == 1 + 8  # the head and eight weeks
    # Programme weeks 4 back to -3 (5 to 11 October); week -4 (from 28 September) is on
    # the older pages.
    table = weeks.split("</table>")[0]
    assert "Week 4" in table and "5–11 Oct" in table and "28 Sep" not in table


def test_weekly_figures_from_stored_minutes_match_the_recomputed_ones(patient) -> None:
    _nights_back(patient, 20)
    entries = list(DiaryEntry.objects.filter(patient=patient))
    for entry in entries:
        assert diary_service.stored_metrics(entry) == diary_service.entry_metrics(entry)
    entry = entries[0]
    entry.metrics_version = 0  # saved under older rules: worked out afresh
    entry.time_in_bed_min = 1
    assert diary_service.stored_metrics(entry) == diary_service.entry_metrics(entry)


def test_a_diary_without_a_programme_pages_from_its_first_night(patient) -> None:
    from program.models import Enrolment

    Enrolment.objects.filter(patient=patient).delete()
    _nights_back(patient, 40)  # 16 October to 24 November: two pages
    client = client_for(patient)
    first = client.get(reverse("program:diary")).content.decode()
    assert "Page 1 of 2" in first and "Thu 29 Oct" in first
    second = client.get(reverse("program:diary"), {"page": 2}).content.decode()
    assert "Fri 16 Oct" in second and "Thu 15 Oct" not in second


def test_the_printable_summary_still_lists_every_week(patient, therapist) -> None:
    _nights_back(patient, 120)
    page = client_for(therapist).get(reverse("program:patient_summary", args=[patient.pk]))
    weeks = page.content.decode().split('id="s-weeks"')[1].split("</table>")[0]
    assert weeks.count("<tr>") >= 1 + 17  # 120 nights: eighteen programme weeks


def test_the_therapist_sees_bed_and_up_times_in_the_patients_zone(patient, therapist) -> None:
    """The therapist's view says "Times are in the patient's zone": so they are, whatever
    the therapist's own zone (it once showed them in the therapist's)."""
    therapist.time_zone = "America/New_York"
    therapist.save()
    _nights_back(patient, 3)  # in bed 23:00, up 06:30, London time
    page = client_for(therapist).get(reverse("program:patient_diary", args=[patient.pk]))
    html = page.content.decode()
    assert "Europe/London" in html
    assert html.count(">23:00–06:30</td>") == 3
    assert "18:00–01:30" not in html


@pytest.mark.parametrize(
    ("language", "written"),
    [("en", "D j M"), ("fr", "D. j\u00a0N"), ("de", "D., j.\u00a0N")],
)
def test_a_tables_short_day_reads_as_the_language_writes_it(language, written) -> None:
    from django.utils import translation
    from django.utils.formats import date_format

    from program.diary.views import short_day

    with translation.override(language):
        for back in range(366):
            day = date(2026, 12, 31) - timedelta(days=back)
            assert short_day(day) == date_format(day, written)

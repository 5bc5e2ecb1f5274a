"""Device sleep beside the diary: importing Apple Health's export (the patient, or their
therapist), re-imports stored once, the figures beside the diary's on both diary pages,
the therapist's choice to hide them, bad files, the upload bound and query counts."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from program.diary.actions import save_entry
from program.models import DeviceSleepPeriod, DeviceSleepSetting, DiaryEntry
from tests.conftest import client_for
from tests.nights import night_answers
from tests.pages import as_read

DATA = Path(__file__).parent.parent / "program" / "data" / "apple_health"


@pytest.fixture(autouse=True)
def morning():
    # 08:00 in London on 4 November 2026: the test file's nights are all in the last year.
    with time_machine.travel("2026-11-04 08:00Z", tick=False):
        yield


def upload(name: str = "export.zip", data: bytes | None = None) -> dict[str, object]:
    content = data if data is not None else (DATA / name).read_bytes()
    return {"export": SimpleUploadedFile(name, content)}


def diary_nights(patient, *days: date) -> None:
    for day in days:
        save_entry(
            patient=patient,
            diary_date=day,
            answers=night_answers(),
            changed_by=patient,
            today=date(2026, 11, 4),
            enforce_backfill=False,
        )


def text(response) -> str:
    return response.content.decode()


def test_a_patient_imports_their_export_and_sees_what_was_read(patient) -> None:
    client = client_for(patient)
    response = client.post(reverse("program:device_import"), upload())
    assert response.status_code == 200
    page = text(response)
    assert "5 nights read." in page
    assert "12 new sleep records saved" in page
    assert "1 sleep record could not be read" in page
    # Each morning, by the diary's rule in London, with the source chosen.
    assert "Sun 25 Oct 2026" in page and "Sun 29 Mar 2026" in page
    assert DeviceSleepPeriod.objects.filter(patient=patient).count() == 12
    assert set(
        DeviceSleepPeriod.objects.filter(patient=patient).values_list("diary_date", flat=True)
    ) == {
        date(2026, 3, 29),
        date(2026, 10, 24),
        date(2026, 10, 25),
        date(2026, 10, 26),
        date(2026, 11, 1),
    }
    assert set(DeviceSleepPeriod.objects.values_list("imported_by", flat=True)) == {patient.pk}


def test_importing_again_saves_nothing_twice(patient, therapist) -> None:
    client_for(patient).post(reverse("program:device_import"), upload("export.xml"))
    again = client_for(patient).post(reverse("program:device_import"), upload("export.zip"))
    assert "0 new sleep records saved" in text(again)
    assert "12 were already here and were not saved again." in text(again)
    by_therapist = client_for(therapist).post(
        reverse("program:patient_device_import", args=[patient.pk]), upload()
    )
    assert by_therapist.status_code == 200
    assert "0 new sleep records saved" in text(by_therapist)
    assert DeviceSleepPeriod.objects.filter(patient=patient).count() == 12


def test_a_therapist_imports_for_their_patient(patient, therapist) -> None:
    response = client_for(therapist).post(
        reverse("program:patient_device_import", args=[patient.pk]), upload()
    )
    assert "12 new sleep records saved" in text(response)
    assert set(DeviceSleepPeriod.objects.values_list("imported_by", flat=True)) == {therapist.pk}


def test_the_device_is_shown_beside_the_diary_on_both_pages(patient, therapist) -> None:
    diary_nights(patient, date(2026, 10, 25), date(2026, 11, 1))
    client_for(patient).post(reverse("program:device_import"), upload())
    for client, url in [
        (client_for(patient), reverse("program:diary")),
        (client_for(therapist), reverse("program:patient_diary", args=[patient.pk])),
    ]:
        page = as_read(text(client.get(url)))
        # The DST night: diary 8h 30m in bed (23:00 BST to 06:30 GMT), 7h 40m asleep; the
        # watch 8h 25m and 8h 00m.
        assert "8h 30m</td><td>8h 25m</td><td>−5m</td>" in page
        assert "7h 40m</td><td>8h 00m</td><td>+20m</td>" in page
        # 1 November: the older app's night, 7h 30m in bed and asleep.
        assert "7h 30m</td><td>7h 30m</td><td>±0m</td>" in page
        assert "Pat’s Apple Watch" in page
    # The diary's own figures are unchanged: the diary stays the input.
    entry = DiaryEntry.objects.get(patient=patient, diary_date=date(2026, 10, 25))
    assert (entry.time_in_bed_min, entry.total_sleep_min) == (510, 460)
    own = text(client_for(patient).get(reverse("program:diary")))
    assert reverse("program:device_import") in own


def test_a_therapist_hides_the_figures_and_the_patient_is_told_kindly(patient, therapist) -> None:
    diary_nights(patient, date(2026, 10, 25))
    client_for(patient).post(reverse("program:device_import"), upload())
    staff = client_for(therapist)
    response = staff.post(reverse("program:device_visibility", args=[patient.pk]), {"hidden": "on"})
    assert response.status_code == 302
    assert DeviceSleepSetting.objects.get(patient=patient).hidden_from_patient
    followed = text(staff.get(response["Location"]))
    assert "Pat Patient no longer sees the device&#x27;s figures." in followed
    assert "Hidden from the patient." in followed
    assert "8h 25m" in followed  # the therapist still sees them

    own = text(client_for(patient).get(reverse("program:diary")))
    assert "Your therapist has chosen to keep your device" in own
    assert "8h 25m" not in own and "Pat’s Apple Watch" not in own
    # An import by the patient says what was read, not the minutes.
    report = text(client_for(patient).post(reverse("program:device_import"), upload()))
    assert "5 nights read." in report and "8h 25m" not in report

    client_for(therapist).post(reverse("program:device_visibility", args=[patient.pk]), {})
    assert not DeviceSleepSetting.objects.get(patient=patient).hidden_from_patient
    assert "8h 25m" in text(client_for(patient).get(reverse("program:diary")))


BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE HealthData [<!ENTITY a "lol">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><HealthData locale="en">&b;</HealthData>'
)


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("diary.csv", b"date,bed\n", "not an Apple Health export"),
        ("export.xml", BOMB, "declares entities"),
        ("export.zip", b"PK\x03\x04broken", "zip file could not be opened"),
    ],
)
def test_a_file_that_cannot_be_read_says_why_and_saves_nothing(patient, name, data, words) -> None:
    response = client_for(patient).post(reverse("program:device_import"), upload(name, data))
    assert response.status_code == 200
    assert words in text(response)
    assert "Nothing was saved from it." in text(response)
    assert not DeviceSleepPeriod.objects.exists()


def test_no_file_chosen_asks_for_one(patient) -> None:
    response = client_for(patient).post(reverse("program:device_import"), {})
    assert response.status_code == 200
    assert "This field is required." in text(response)


def test_the_upload_is_bounded_but_above_the_sites_usual_limit(patient, settings) -> None:
    client = client_for(patient)
    url = reverse("program:device_import")
    too_big = settings.DEVICE_EXPORT_MAX_BYTES + 1
    refused = client.post(url, upload(), CONTENT_LENGTH=str(too_big))
    assert refused.status_code == 413
    # A 6 MB export is more than other pages take, and this one reads it.
    assert settings.MAX_REQUEST_BYTES < 6 * 1024 * 1024 < settings.DEVICE_EXPORT_MAX_BYTES
    elsewhere = client.post(reverse("program:diary_new"), {}, CONTENT_LENGTH=str(6 * 1024 * 1024))
    assert elsewhere.status_code == 413
    settings.DEVICE_EXPORT_MAX_BYTES = 1000
    too_large = client.post(url, upload("export.xml"))
    assert too_large.status_code == 200
    assert "That file is larger than 1000" in text(too_large)
    assert not DeviceSleepPeriod.objects.exists()


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("as_therapist", [False, True])
def test_the_diary_pages_cost_the_same_with_more_device_nights(
    patient, therapist, as_therapist
) -> None:
    client = client_for(therapist if as_therapist else patient)
    url = (
        reverse("program:patient_diary", args=[patient.pk])
        if as_therapist
        else reverse("program:diary")
    )
    diary_nights(patient, date(2026, 10, 25))
    client_for(patient).post(reverse("program:device_import"), upload())
    _queries(client, url)  # the first request of a session writes to it
    few = _queries(client, url)
    diary_nights(patient, date(2026, 10, 24), date(2026, 10, 26), date(2026, 11, 1))
    many = _queries(client, url)
    assert many == few


def test_the_import_page_costs_the_same_with_more_nights(patient) -> None:
    client = client_for(patient)
    url = reverse("program:device_import")
    with CaptureQueriesContext(connection) as first:
        client.post(url, upload())
    with CaptureQueriesContext(connection) as again:
        client.post(url, upload())
    assert len(again.captured_queries) <= len(first.captured_queries)


def test_the_patients_own_download_holds_the_device_periods(patient) -> None:
    from program.my_data.export import export

    client_for(patient).post(reverse("program:device_import"), upload())
    data = export(patient)
    assert len(data["device_sleep"]) == 12
    assert {row["source"] for row in data["device_sleep"]} == {
        "Pat’s iPhone",
        "Pat’s Apple Watch",
        "Sleep Diary App",
    }


def test_the_therapist_sets_a_threshold_and_sees_the_nights_flagged(patient, therapist) -> None:
    diary_nights(patient, date(2026, 10, 25), date(2026, 11, 1))
    client_for(patient).post(reverse("program:device_import"), upload())
    staff = client_for(therapist)
    url = reverse("program:patient_diary", args=[patient.pk])
    page = text(staff.get(url))
    # An hour by default: the DST night's +20 min is not flagged.
    assert 'name="threshold" value="60"' in page
    assert "0 of the 3 device nights shown differ by more than 60 min" in page
    assert "row-flagged" not in page

    response = staff.post(reverse("program:device_flag", args=[patient.pk]), {"threshold": "30"})
    assert response.status_code == 302
    assert DeviceSleepSetting.objects.get(patient=patient).flag_threshold_min == 30
    followed = text(staff.get(response["Location"]))
    assert "more than 30 min are now flagged." in followed
    assert 'name="threshold" value="30"' in followed
    # 1 November: diary 6h 40m asleep, the older app 7h 30m (+50 min): flagged at 30; the
    # DST night's +20 min is not; 26 October has no diary entry, so nothing to compare.
    assert "1 of the 3 device nights shown differs by more than 30 min" in followed
    assert followed.count('class="row-flagged"') == 1
    flagged_row = followed[followed.index('class="row-flagged"') :]
    assert flagged_row.index("Sun 1 Nov") < flagged_row.index("Differs by more than 30 min")
    assert flagged_row.index("Differs by more than 30 min") < flagged_row.index("</tr>")
    # A flag changes nothing of the diary.
    entry = DiaryEntry.objects.get(patient=patient, diary_date=date(2026, 10, 25))
    assert (entry.time_in_bed_min, entry.total_sleep_min) == (510, 460)
    # The patient's page marks nothing.
    own = text(client_for(patient).get(reverse("program:diary")))
    assert "row-flagged" not in own and "Differs by more than" not in own
    assert 'name="threshold"' not in own


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("an hour", "Enter a whole number of minutes, for example 60."),
        ("5", "Enter at least 10 minutes."),
        ("900", "Enter at most 600 minutes (10 hours)."),
        ("", "Enter a number of minutes, for example 60."),
    ],
)
def test_a_bad_threshold_says_why_keeps_what_was_typed_and_saves_nothing(
    patient, therapist, typed, words
) -> None:
    diary_nights(patient, date(2026, 10, 25))
    client_for(patient).post(reverse("program:device_import"), upload())
    staff = client_for(therapist)
    staff.post(reverse("program:device_flag", args=[patient.pk]), {"threshold": "45"})
    response = staff.post(reverse("program:device_flag", args=[patient.pk]), {"threshold": typed})
    assert response.status_code == 400
    page = text(response)
    assert words in page
    assert f'name="threshold" value="{typed}"' in page or (
        typed == "" and 'name="threshold"' in page
    )
    assert "8h 25m" in page  # the rest of the diary page is there
    assert DeviceSleepSetting.objects.get(patient=patient).flag_threshold_min == 45


def test_the_nights_chart_marks_the_device_beside_the_diary(patient, therapist) -> None:
    diary_nights(patient, date(2026, 10, 25), date(2026, 11, 1))
    own_url = reverse("program:diary")
    staff_url = reverse("program:patient_diary", args=[patient.pk])
    before = text(client_for(patient).get(own_url))
    assert 'class="device"' not in before and "key-device" not in before
    client_for(patient).post(reverse("program:device_import"), upload())
    for client, url in [(client_for(patient), own_url), (client_for(therapist), staff_url)]:
        page = text(client.get(url))
        chart = page[page.index('<svg class="chart"') : page.index("</svg>")]
        # The device nights of the last 14 mornings (25 and 26 Oct, 1 Nov) are marked, the
        # 26th without a diary bar beside it.
        assert chart.count('<line class="device"') == 3
        assert "8 h 00 min asleep by the device" in chart
        assert "A short dark mark across a bar" in chart
        assert "key-device" in page
    client_for(therapist).post(
        reverse("program:device_visibility", args=[patient.pk]), {"hidden": "on"}
    )
    hidden = text(client_for(patient).get(own_url))
    assert 'class="device"' not in hidden and "key-device" not in hidden
    assert text(client_for(therapist).get(staff_url)).count('<line class="device"') == 3

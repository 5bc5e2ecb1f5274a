"""Therapists import paper diaries for their own patients, row by row, with a report."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from program.models import DiaryEntry
from tests.conftest import client_for

HEADER = (
    "diary_date,into_bed,lights_off,sleep_latency_min,awakenings,awake_min,final_wake,"
    "out_of_bed,quality,nap_count,nap_min,early_wake_min,alcohol_drinks,caffeine_drinks,"
    "unusual_night,unusual_reason,comments\n"
)
GOOD1 = "2026-10-05,22:45,23:00,30,2,40,06:20,06:30,3,0,0,0,0,2,no,,\n"
GOOD2 = "2026-10-06,00:40,00:40,20,1,15,06:45,07:00,4,1,30,0,1,1,no,,paper\n"
BAD = "2026-10-07,23:00,22:00,10,0,0,06:00,06:30,3,0,0,0,0,0,no,,\n"
WORSE = "yesterday,23:00,23:00,ten,0,0,06:00,06:30,9,0,0,0,0,0,no,,\n"


def check(client, patient, text: str, **extra):
    """The file sent to "Check the file": answered by its report, shown after a redirect."""
    return client.post(
        reverse("program:diary_import", args=[patient.pk]),
        {"file": SimpleUploadedFile("diary.csv", text.encode(), "text/csv"), **extra},
        follow=True,
    )


def upload(client, patient, text: str, **extra):
    """The file checked, then its good rows imported from the report (when it has any)."""
    response = check(client, patient, text, **extra)
    if '<input type="hidden" name="confirm" value="good-rows">' not in response.content.decode():
        return response
    return client.post(
        reverse("program:diary_import", args=[patient.pk]),
        {"csv_text": text, "confirm": "good-rows"},
        follow=True,
    )


def test_a_clean_file_is_checked_first_then_imports_every_night(therapist, patient) -> None:
    client = client_for(therapist)
    checked = check(client, patient, HEADER + GOOD1 + GOOD2)
    # "Check the file" checks: the report, and nothing in the diary yet.
    assert checked.redirect_chain[-1][0].endswith("?checked=1")
    html = checked.content.decode()
    assert "2 rows can be imported; 0 cannot. Nothing has been imported yet." in html
    assert "Import 2 nights" in html
    assert not DiaryEntry.objects.exists()
    response = upload(client, patient, HEADER + GOOD1 + GOOD2)
    assert response.redirect_chain[-1][0] == reverse("program:patient_diary", args=[patient.pk])
    assert "Imported 2 nights into the diary of" in response.content.decode()
    assert DiaryEntry.objects.filter(patient=patient).count() == 2
    night = DiaryEntry.objects.get(diary_date="2026-10-06")
    assert night.time_in_bed_min == 380 and night.comments == "paper"


def test_import_twice_imports_once_and_says_so(therapist, patient) -> None:
    """A second click on Import (or Back and Import again) read the text sent back by the
    form, found every row "already in the diary" and showed "0 rows can be imported"
    under the first click's "Imported 2 nights". It imports the very text checked, once;
    the second finds the check gone, imports nothing and says what happened."""
    client = client_for(therapist)
    check(client, patient, HEADER + GOOD1 + GOOD2)
    url = reverse("program:diary_import", args=[patient.pk])
    # What the form sends back is not what is imported: the check kept in the session is.
    first = client.post(url, {"csv_text": HEADER + GOOD1, "confirm": "good-rows"}, follow=True)
    assert "Imported 2 nights" in first.content.decode()
    again = client.post(url, {"csv_text": HEADER + GOOD1 + GOOD2, "confirm": "good-rows"})
    assert again["Location"] == reverse("program:patient_diary", args=[patient.pk])
    said = client.get(again["Location"]).content.decode()
    assert "This check was imported already" in said
    assert DiaryEntry.objects.filter(patient=patient).count() == 2


def test_a_file_with_bad_rows_imports_nothing_until_the_good_rows_are_confirmed(
    therapist, patient
) -> None:
    client = client_for(therapist)
    text = HEADER + GOOD1 + BAD + WORSE + GOOD2
    response = check(client, patient, text)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("?checked=1")
    html = response.content.decode()
    assert "2 rows can be imported; 2 cannot" in html
    assert "Tried to sleep before getting into bed: check both times." in html
    assert "is not a date like" in html
    assert not DiaryEntry.objects.exists()
    response = client.post(
        reverse("program:diary_import", args=[patient.pk]),
        {"csv_text": text, "confirm": "good-rows"},
    )
    assert response.status_code == 302
    assert DiaryEntry.objects.count() == 2


def test_a_file_saved_by_a_french_or_german_spreadsheet_imports_too(therapist, patient) -> None:
    """Set to French or German, a spreadsheet saves "CSV" with semicolons between the
    columns (the comma is their decimal mark); tabs are read too."""
    semicolons = (HEADER + GOOD1).replace(",", ";")
    tabs = HEADER.replace(",", "\t") + GOOD2.replace(",", "\t")
    upload(client_for(therapist), patient, semicolons)
    upload(client_for(therapist), patient, tabs)
    assert sorted(str(d) for d in DiaryEntry.objects.values_list("diary_date", flat=True)) == [
        "2026-10-05",
        "2026-10-06",
    ]
    assert DiaryEntry.objects.get(diary_date="2026-10-06").comments == "paper"


def test_a_file_without_the_columns_says_which_are_missing(therapist, patient) -> None:
    response = upload(client_for(therapist), patient, "date,bed\n2026-10-05,23:00\n")
    assert b"no column named diary_date" in response.content
    assert not DiaryEntry.objects.exists()


def test_nights_already_in_the_diary_are_rejected(therapist, patient) -> None:
    client = client_for(therapist)
    upload(client, patient, HEADER + GOOD1)
    response = upload(client, patient, HEADER + GOOD1)
    assert b"already an entry" in response.content
    assert DiaryEntry.objects.count() == 1


def test_a_therapist_cannot_import_for_someone_elses_patient(other_therapist, patient) -> None:
    response = upload(client_for(other_therapist), patient, HEADER + GOOD1)
    assert response.status_code == 404
    assert not DiaryEntry.objects.exists()


def test_the_patients_own_download_imports_back(therapist, patient, other_patient) -> None:
    upload(client_for(therapist), patient, HEADER + GOOD1 + GOOD2)
    exported = client_for(patient).get(reverse("program:diary_export")).content.decode()
    other_patient.therapist = therapist
    response = upload(client_for(therapist), other_patient, exported)
    assert response.redirect_chain[-1][0] == reverse(
        "program:patient_diary", args=[other_patient.pk]
    )
    mine = DiaryEntry.objects.filter(patient=patient).order_by("diary_date")
    theirs = DiaryEntry.objects.filter(patient=other_patient).order_by("diary_date")
    assert [(e.total_sleep_min, e.time_in_bed_min) for e in mine] == [
        (e.total_sleep_min, e.time_in_bed_min) for e in theirs
    ]


def test_a_comment_too_long_for_the_diary_is_said_to_be_cut_before_the_import(
    therapist, patient
) -> None:
    client = client_for(therapist)
    text = HEADER + GOOD1.replace(",no,,\n", ",no,," + "z" * 2500 + "\n")
    html = check(client, patient, text).content.decode()
    assert "comments are 2,500 characters long: only the first 2,000 will be kept." in html
    upload(client, patient, text)
    assert DiaryEntry.objects.get(patient=patient).comments == "z" * 2000

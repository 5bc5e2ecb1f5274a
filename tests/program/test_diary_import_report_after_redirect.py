"""The paper-diary import's check answers with a redirect to a page that shows its
report (POST-redirect-GET): Back to the report, or a reload, shows it again without
the browser asking to send the file again ("Confirm Form Resubmission"), and the good
rows can still be imported from it. Once they are, or once the page is opened afresh,
the file's text is no longer kept."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditEvent
from program.models import DiaryEntry
from tests.conftest import client_for
from tests.program.test_diary_import import BAD, GOOD1, GOOD2, HEADER

TEXT = HEADER + GOOD1 + BAD + GOOD2
REPORT = "2 rows can be imported; 1 cannot"


def test_the_check_redirects_to_its_report_which_comes_back_on_back(therapist, patient) -> None:
    client = client_for(therapist)
    url = reverse("program:diary_import", args=[patient.pk])
    sent = client.post(url, {"file": SimpleUploadedFile("diary.csv", TEXT.encode(), "text/csv")})
    assert sent.status_code == 302
    assert sent["Location"] == f"{url}?checked=1"
    # A check imports nothing: the trail says it looked, not that it changed the diary.
    event = AuditEvent.objects.get(actor=therapist, path=url, method="POST")
    assert event.action == "view"
    for _ in range(2):  # shown, then shown again (Back, or a reload) by a GET
        shown = client.get(sent["Location"]).content.decode()
        assert REPORT in shown
        assert "Tried to sleep before getting into bed: check both times." in shown
    assert not DiaryEntry.objects.exists()
    # The good rows are imported from the report shown by the GET.
    assert '<input type="hidden" name="confirm" value="good-rows">' in shown
    imported = client.post(url, {"csv_text": TEXT, "confirm": "good-rows"})
    assert imported["Location"] == reverse("program:patient_diary", args=[patient.pk])
    assert DiaryEntry.objects.filter(patient=patient).count() == 2
    # Back to the report after the import: the file is no longer kept.
    assert REPORT not in client.get(sent["Location"]).content.decode()


def test_the_file_is_not_kept_once_the_page_is_opened_afresh(therapist, patient) -> None:
    client = client_for(therapist)
    url = reverse("program:diary_import", args=[patient.pk])
    sent = client.post(url, {"file": SimpleUploadedFile("diary.csv", TEXT.encode(), "text/csv")})
    assert "diary_import_checked" in client.session
    assert REPORT not in client.get(url).content.decode()
    assert "diary_import_checked" not in client.session
    assert REPORT not in client.get(sent["Location"]).content.decode()


def test_another_patients_report_is_never_shown(therapist, patient, other_patient) -> None:
    client = client_for(therapist)
    url = reverse("program:diary_import", args=[patient.pk])
    client.post(url, {"file": SimpleUploadedFile("diary.csv", TEXT.encode(), "text/csv")})
    other = reverse("program:diary_import", args=[other_patient.pk])
    assert REPORT not in client.get(f"{other}?checked=1").content.decode()

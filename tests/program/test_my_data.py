"""A patient downloads all of their data and can delete their account after a grace period."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, User
from accounts.services import delete_due_accounts
from program.diary.actions import save_entry
from program.models import DiaryEntry
from program.my_data.export import export as export_data
from tests.conftest import PASSWORD, client_for, reauthenticated_client_for
from tests.nights import night_answers


def night(patient):
    save_entry(
        patient=patient,
        diary_date=patient.local_today(),
        changed_by=patient,
        answers=night_answers(comments="slept at my sister's"),
    )


def test_the_json_download_holds_everything_and_no_secrets(patient, therapist) -> None:
    night(patient)
    client_for(therapist).get(reverse("program:patient_diary", args=[patient.pk]))
    response = reauthenticated_client_for(patient).get(reverse("program:my_data_json"))
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"][0]["email"] == patient.email
    assert "password" not in data["account"][0]
    assert data["diary"][0]["comments"] == "slept at my sister's"
    assert len(data["who_opened_my_record"]) == 1
    assert "therapist_notes" not in data


def test_the_csv_zip_has_a_file_per_kind_of_record(patient) -> None:
    night(patient)
    response = reauthenticated_client_for(patient).get(reverse("program:my_data_zip"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "diary.csv" in archive.namelist()
    assert "slept at my sister's" in archive.read("diary.csv").decode()


def test_deleting_needs_the_password_and_waits_for_the_grace_period(
    patient, therapist, settings
) -> None:
    night(patient)
    client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    client = client_for(patient)
    client.post(reverse("program:delete_account"), {"password": "wrong"})
    assert User.objects.get(pk=patient.pk).deletion_requested_at is None
    response = client.post(reverse("program:delete_account"), {"password": PASSWORD})
    assert response["Location"].startswith(reverse("account_login"))
    settings.ACCOUNT_DELETION_GRACE_DAYS = 14
    assert delete_due_accounts(now=timezone.now() + timedelta(days=13)) == 0
    # Signing in again during the grace period, the patient can keep the account.
    again = Client()
    again.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})
    again.post(reverse("program:delete_account"), {"cancel": "1"})
    assert User.objects.get(pk=patient.pk).deletion_requested_at is None
    client_for(patient).post(reverse("program:delete_account"), {"password": PASSWORD})
    assert delete_due_accounts(now=timezone.now() + timedelta(days=15)) == 1
    assert not User.objects.filter(pk=patient.pk).exists()
    assert not DiaryEntry.objects.exists()
    kept = AuditEvent.objects.get()  # the trail of access is kept, without the person
    assert kept.patient is None and kept.actor == therapist


def test_the_deletion_words_give_the_date_and_say_how_to_keep_the_account(patient) -> None:
    """Signing in does not keep the account, "Keep my account" does: the sign-in page and
    My data say so, with the day it is deleted, not "14 days after 7 December 2026"."""
    keep = "choose “Keep my account”"
    client = client_for(patient)
    assert keep in client.get(reverse("program:my_data")).content.decode()
    with time_machine.travel(datetime(2026, 12, 7, 10, tzinfo=UTC), tick=False):
        response = client.post(reverse("program:delete_account"), {"password": PASSWORD})
        sign_in = client.get(response["Location"]).content.decode()
        assert "will be deleted on 21 December 2026" in sign_in
        assert f"sign in and {keep} before then" in sign_in
        assert "if you change your mind" not in sign_in
        page = client_for(patient).get(reverse("program:my_data")).content.decode()
    assert "due to be deleted on 21 December 2026" in page and keep in page
    assert "days after" not in page and "by signing in" not in page


def test_the_download_holds_the_risk_alerts_and_their_trail(patient, therapist) -> None:
    """What the app did with a risk answer: the alert, its steps, who acknowledged it."""
    from program.assessments.models import RiskAlert
    from program.risk import actions as risk

    alert = risk.raise_alert(
        patient,
        RiskAlert.Source.FLAGGED_WORDS,
        matches=[{"rule": "“end my life”", "where": "a message", "excerpt": "x", "negated": False}],
    )
    risk.acknowledge(alert, by=therapist)
    response = reauthenticated_client_for(patient).get(reverse("program:my_data_json"))
    data = json.loads(response.content)
    [exported] = data["risk_alerts"]
    assert exported["source"] == "flagged_words" and exported["acknowledged_by"] == therapist.pk
    assert exported["matches"][0]["rule"] == "“end my life”"
    kinds = [step["kind"] for step in data["risk_alert_trail"]]
    assert kinds[0] == "raised" and "acknowledged" in kinds
    assert therapist.email not in json.dumps(data["risk_alerts"])
    zipped = zipfile.ZipFile(
        io.BytesIO(reauthenticated_client_for(patient).get(reverse("program:my_data_zip")).content)
    )
    assert {"risk_alerts.csv", "risk_alert_trail.csv"} <= set(zipped.namelist())


# Records about a person that the download leaves out on purpose, and why. A new model that
# points at a person must be in the download or here: the test below fails otherwise.
LEFT_OUT = {
    "admin.LogEntry": "the Django admin's log of staff actions",
    "accounts.DutyMember": "the clinic's duty list, pointing at the admin who added a person",
    "accounts.ClinicHours": "the clinic's hours, pointing at the admin who set them",
    "accounts.ClinicDelays": "the clinic's escalation and reminder delays, pointing at the "
    "admin who set them",
    "mfa.Authenticator": "two-factor secrets",
    "program.Invitation": "the clinic's record of inviting them (the address is in the account)",
    "program.TherapistNote": "the care team's private notes (the clinic provides them on request)",
    "program.NoteRevision": "earlier text of those notes",
    "program.CrisisContact": "clinic settings, pointing at the staff member who changed them",
    "program.LessonVersion": "the curriculum, pointing at the staff who wrote it",
    "program.ReminderSchedule": "worked out from the reminder choices, which are included",
    "program.PushSubscription": "a browser's push keys (secrets)",
    "program.RiskRule": "clinic settings",
    "program.RotaLine": "the clinic's duty rota",
}


def test_every_record_that_points_at_a_person_is_in_the_download_or_left_out_on_purpose(
    patient,
) -> None:
    from django.apps import apps

    from program.my_data.export import _querysets

    exported = {qs.model._meta.label for qs in _querysets(patient).values()}
    pointing = {
        model._meta.label
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if getattr(field, "many_to_one", False) and field.concrete and field.related_model is User
    }
    assert pointing - exported - set(LEFT_OUT) == set()
    assert set(LEFT_OUT) & exported == set()


def test_the_download_holds_breaks_and_sign_in_sessions_without_their_keys(patient) -> None:
    from allauth.usersessions.models import UserSession

    from program.models import PatientPause

    today = patient.local_today()
    PatientPause.objects.create(
        patient=patient, reason="travel", started_on=today, ends_on=today + timedelta(days=5)
    )
    UserSession.objects.create(
        user=patient, ip="192.0.2.7", session_key="secret-key-1", user_agent="Firefox", data={}
    )
    data = export_data(patient)
    assert [b["reason"] for b in data["breaks"]] == ["travel"]
    assert data["sign_in_sessions"][0]["ip"] == "192.0.2.7"
    assert "secret-key-1" not in json.dumps(data, default=str)
    assert data["email_addresses"] == [] or data["email_addresses"][0]["email"] == patient.email


def test_the_download_holds_what_the_patient_wrote_in_the_lessons(patient, programme) -> None:
    """The page promises the lesson answers: each with what was written, not only its key
    (a session's ``data`` stays out; a lesson answer's is the patient's own)."""
    from program.curriculum.actions import open_lesson, save_answer
    from program.models import Enrolment, Lesson

    enrolment = Enrolment.objects.get(patient=patient)
    lesson = Lesson.objects.filter(week__programme=programme, week__number=1).first()
    progress = open_lesson(enrolment=enrolment, lesson=lesson, language="en")
    save_answer(
        progress=progress,
        part_key="reflection",
        data={"text": "Around 3pm I lie down and cannot get up"},
        share=False,
    )
    data = export_data(patient)
    (answer,) = data["lesson_answers"]
    assert answer["data"] == {"text": "Around 3pm I lie down and cannot get up"}
    response = reauthenticated_client_for(patient).get(reverse("program:my_data_zip"))
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert "Around 3pm I lie down" in archive.read("lesson_answers.csv").decode()


def test_a_download_link_asks_the_password_then_starts_the_file_from_the_page(patient) -> None:
    """The page's links lead to the password, then back to the page, which says the
    download started and starts it (the file itself, for this session, answers)."""
    ready = reverse("program:my_data_ready") + "?file=zip"
    asked = client_for(patient).get(ready)
    assert asked.status_code == 302
    assert asked["Location"].startswith(reverse("account_reauthenticate"))
    client = reauthenticated_client_for(patient)
    page = client.get(ready).content.decode()
    zip_url = reverse("program:my_data_zip")
    assert f'<meta http-equiv="refresh" content="0;url={zip_url}">' in page
    assert "Thank you: your download has started." in page
    file = client.get(zip_url)
    assert file["Content-Disposition"].startswith("attachment;")
    # Anything but a file the page offers: the page itself.
    assert client.get(reverse("program:my_data_ready") + "?file=../x")["Location"] == reverse(
        "program:my_data"
    )


def test_a_wrong_deletion_password_is_said_at_the_password_field(patient) -> None:
    """The error sits under the field at the foot of the long page, and the form posts to
    the section's anchor so the page opens there, not in a message at its top."""
    response = client_for(patient).post(reverse("program:delete_account"), {"password": "wrong"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'action="' + reverse("program:delete_account") + '#delete-account"' in page
    section = page[page.index('id="delete-account"') :]
    field = section[section.index('id="id_password"') - 200 :]
    assert 'aria-invalid="true"' in field and 'aria-describedby="id_password_error"' in field
    assert 'id="id_password_error">That password is not right' in field
    assert page.count("That password is not right") == 1
    assert User.objects.get(pk=patient.pk).deletion_requested_at is None


def test_the_export_explains_itself_in_the_patients_language(patient, monkeypatch) -> None:
    """The "about" text of the JSON download goes through the translation catalogue, so a
    French patient's file explains itself in French."""
    from django.utils import translation

    from program.my_data.export import export

    about = (
        "Everything this service holds about you. Your therapist's private notes "
        "are kept by your clinic; ask them for a copy."
    )
    real = translation.gettext
    monkeypatch.setattr(
        translation._trans,  # type: ignore[attr-defined]
        "gettext",
        lambda message: (
            "Tout ce que ce service garde sur vous." if message == about else real(message)
        ),
        raising=False,
    )
    assert export(patient)["about"] == "Tout ce que ce service garde sur vous."

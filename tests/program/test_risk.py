"""The risk workflow (program.risk.actions, issue 16): every answer that signals a risk of
self-harm — PHQ-9 item 9 and the safety screen's self-harm question — raises the urgent
flag, emails the therapist and the duty list, is acknowledged by a person, and is
escalated when nobody does; and the patient reads only what really happened.

(The emails' retries while the broker is down: tests/program/test_notifications.py.)
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import translation

from accounts.models import AuditEvent, Role, User
from program import tasks
from program.assessments.models import RiskAlert, RiskAlertEvent, RiskNotice
from program.clinical_text import CRISIS_MESSAGE, SAFETY_ADVICE
from program.enrolment.actions import enrol
from program.models import Assessment
from program.risk import actions as risk
from program.rules.safety import SCREEN
from tests.conftest import client_for, make_user

PHQ_RISK = {**{f"phq{i}": "0" for i in range(1, 9)}, "phq9": "2"}
SCREEN_SELF_HARM = {q.key: "yes" if q.key == "self_harm" else "no" for q in SCREEN}
SCREEN_APNOEA = {q.key: "yes" if q.key == "apnoea" else "no" for q in SCREEN}
ALERT_SUBJECT = "A patient's answer needs a clinician's attention — sign in"
ESCALATION_SUBJECT = (
    "Not yet acknowledged: a patient's answer needs a clinician's attention — sign in"
)
TOLD = str(risk.TOLD)
NOT_TOLD = str(risk.NOT_TOLD)
DUTY = "duty@clinic.test"


@pytest.fixture(autouse=True)
def _no_duty_list_unless_a_test_sets_one(settings) -> None:
    """The duty list is what each test says, whatever the environment holds."""
    settings.RISK_DUTY_EMAILS = []
    settings.RISK_ESCALATE_AFTER_HOURS = 4
    # Clock hours, unless a test says otherwise (the working-hours tests below do).
    settings.CLINIC_HOURS = "Mon-Sun 00:00-24:00"
    settings.CLINIC_TIME_ZONE = "Europe/London"


@pytest.fixture
def solo_patient(programme) -> User:
    """Signed up on their own: no therapist."""
    user = make_user("sam@example.test", Role.PATIENT, name="Sam Solo")
    enrol(patient=user, programme=programme, start_date=user.local_today())
    return user


def answer(patient: User, source: str, capture) -> tuple[str, RiskAlert | None]:
    """The patient gives a self-harm answer (``screen`` or ``phq9``) in the browser; the
    page they land on, and the alert it raised."""
    client = client_for(patient)
    with capture(execute=True):
        if source == "screen":
            response = client.post(
                reverse("program:sleep_window_screen"), SCREEN_SELF_HARM, follow=True
            )
        else:
            response = client.post(
                reverse("program:questionnaire", args=["phq9"]), PHQ_RISK, follow=True
            )
    assert response.status_code == 200
    return response.content.decode(), RiskAlert.objects.filter(patient=patient).first()


def page_again(patient: User, source: str) -> str:
    """The page the patient finds later (the sleep window, or the questionnaire's result)."""
    client = client_for(patient)
    if source == "screen":
        return client.get(reverse("program:sleep_window")).content.decode()
    assessment = Assessment.objects.get(patient=patient, risk=True)
    url = reverse("program:questionnaire_result", args=[assessment.pk])
    return client.get(url).content.decode()


def tick_at(moment) -> None:
    with time_machine.travel(moment, tick=False):
        tasks.reminder_tick_task()


def to(address: str, subject: str = ALERT_SUBJECT) -> int:
    return sum(1 for m in mail.outbox if m.to == [address] and m.subject == subject)


def events(alert: RiskAlert) -> list[str]:
    return list(alert.events.values_list("kind", flat=True))


# --- The flag, the emails, and what the patient reads ---------------------------------


@pytest.mark.parametrize("source", ["screen", "phq9"])
def test_a_self_harm_answer_flags_the_patient_and_emails_the_therapist_and_the_duty_list(
    source, patient, other_patient, therapist, clinic_admin, settings,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    settings.RISK_DUTY_EMAILS = [DUTY]
    page, alert = answer(patient, source, django_capture_on_commit_callbacks)
    assert alert is not None and alert.acknowledged_at is None
    assert alert.source == {"screen": "screen_self_harm", "phq9": "phq9_item9"}[source]
    notice = alert.notices.get()
    assert notice.recipients == [therapist.email, DUTY, clinic_admin.email]
    assert notice.email_sent_at is not None
    assert [to(a) for a in notice.recipients] == [1, 1, 1]
    # The crisis contacts, then the truth: the care team was alerted.
    assert str(CRISIS_MESSAGE) in page and TOLD in page and NOT_TOLD not in page
    assert "has been told" not in page
    # The urgent flag, first on the caseload whatever the name order ...
    # (each naming the answer that raised it, as the patient page does).
    words = {"screen": "on the safety screen", "phq9": "on the PHQ-9"}[source]
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert f"Urgent: self-harm answer {words}" in caseload
    assert caseload.index(patient.display_name) < caseload.index(other_patient.display_name)
    csv = client_for(therapist).get(reverse("program:caseload_export")).getvalue().decode()
    assert f"Urgent: self-harm answer {words}" in csv
    round_page = client_for(therapist).get(reverse("program:round_patient", args=[patient.pk]))
    assert f"Urgent: self-harm answer {words}" in round_page.content.decode()
    # ... on the patient's page, saying which answer, and on the clinic's page.
    detail = reverse("program:patient_detail", args=[patient.pk])
    assert f"Urgent: self-harm answer {words}" in client_for(therapist).get(detail).content.decode()
    clinic = client_for(clinic_admin).get(reverse("program:clinic_home")).content.decode()
    assert "1 risk alert waiting for a clinician" in clinic and patient.display_name in clinic
    assert events(alert) == ["raised", "emailed"]


def test_the_alert_emails_carry_no_health_detail_only_a_sign_in_link(
    patient, therapist, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    answer(patient, "screen", django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    for message in mail.outbox:
        assert message.subject == ALERT_SUBJECT
        bodies = [message.body, *(body for body, _type in message.alternatives)]
        for body in bodies:
            for secret in (patient.display_name, patient.email, "harm", "screen", "PHQ", "sleep"):
                assert secret not in body, secret
            assert reverse("program:risk_alerts") in body


def test_an_alert_email_is_in_its_reader_s_language(
    patient, therapist, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    clinic_admin.language = "fr"
    clinic_admin.save(update_fields=["language"])
    answer(patient, "phq9", django_capture_on_commit_callbacks)
    french = next(m for m in mail.outbox if m.to == [clinic_admin.email])
    with translation.override("fr"):
        assert french.subject == translation.gettext(ALERT_SUBJECT) != ALERT_SUBJECT


@pytest.mark.parametrize("source", ["screen", "phq9"])
def test_a_patient_without_a_therapist_is_the_duty_list_s(
    source, solo_patient, clinic_admin, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RISK_DUTY_EMAILS = [DUTY]
    page, alert = answer(solo_patient, source, django_capture_on_commit_callbacks)
    assert alert is not None and alert.therapist is None
    assert alert.notices.get().recipients == [DUTY, clinic_admin.email]
    assert to(DUTY) == 1 and to(clinic_admin.email) == 1
    assert TOLD in page and NOT_TOLD not in page
    assert TOLD in page_again(solo_patient, source)
    # The admin (on the duty list) sees it on the alerts page the email links to.
    alerts = client_for(clinic_admin).get(reverse("program:risk_alerts")).content.decode()
    assert solo_patient.display_name in alerts
    assert "None: this patient is the duty list's" in alerts


@pytest.mark.parametrize("source", ["screen", "phq9"])
def test_with_nobody_to_tell_the_patient_reads_so_and_whom_to_call(
    source, solo_patient, django_capture_on_commit_callbacks
) -> None:
    """No therapist, no admin, no duty list: nobody is told, and the page says so."""
    page, alert = answer(solo_patient, source, django_capture_on_commit_callbacks)
    assert alert is not None and not alert.notices.exists()
    assert events(alert) == ["raised", "nobody"]
    assert mail.outbox == []
    for shown in (page, page_again(solo_patient, source)):
        assert NOT_TOLD in shown and TOLD not in shown
        assert "116 123" in shown and "999" in shown  # whom to call, right above


@pytest.mark.parametrize("source", ["screen", "phq9"])
@pytest.mark.parametrize(
    ("therapist_kind", "admin", "duty"),
    [
        ("active", False, False),
        ("active", True, True),
        ("removed", False, False),  # reassigned away: no therapist
        ("left", False, False),  # their account was deactivated
        ("removed", True, False),
        ("none", False, True),
        ("none", False, False),
    ],
)
def test_told_your_care_team_is_said_if_and_only_if_an_email_went_to_a_person(
    source, therapist_kind, admin, duty, patient, therapist, settings,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    if therapist_kind == "removed":
        User.objects.filter(pk=patient.pk).update(therapist=None)
    elif therapist_kind == "left":
        User.objects.filter(pk=therapist.pk).update(is_active=False)
    elif therapist_kind == "none":
        User.objects.filter(pk=patient.pk).update(therapist=None)
        User.objects.filter(pk=therapist.pk).delete()
    if admin:
        make_user("admin@clinic.test", Role.ADMIN)
    if duty:
        settings.RISK_DUTY_EMAILS = [DUTY]
    patient.refresh_from_db()
    page, alert = answer(patient, source, django_capture_on_commit_callbacks)
    notice = alert.notices.filter(kind="alert").first() if alert else None
    emailed = (
        notice is not None
        and bool(notice.recipients)
        and notice.email_sent_at is not None
        and {m.to[0] for m in mail.outbox} == set(notice.recipients)
    )
    assert emailed == (therapist_kind == "active" or admin or duty)
    for shown in (page, page_again(patient, source)):
        assert (TOLD in shown) == emailed
        assert (NOT_TOLD in shown) == (not emailed)
        assert str(CRISIS_MESSAGE) in shown  # always


# --- Acknowledgement and escalation ---------------------------------------------------


def test_acknowledging_stops_the_escalation_and_records_who_and_when(
    patient, therapist, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    _page, alert = answer(patient, "phq9", django_capture_on_commit_callbacks)
    raised = alert.created_at
    with time_machine.travel(raised + timedelta(hours=1), tick=False):
        response = client_for(therapist).post(
            reverse("program:acknowledge_alert", args=[patient.pk, alert.pk])
        )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist
    assert alert.acknowledged_at == raised + timedelta(hours=1)
    # The answer itself says so too (the API and the data export read it there).
    assessment = Assessment.objects.get(pk=alert.assessment_id)
    assert assessment.risk_acknowledged_by == therapist
    tick_at(raised + timedelta(hours=5))
    alert.refresh_from_db()
    assert alert.escalated_at is None
    assert to(clinic_admin.email, ESCALATION_SUBJECT) == 0
    assert events(alert) == ["raised", "emailed", "acknowledged"]
    step = alert.events.get(kind="acknowledged")
    assert step.actor == therapist and step.at == raised + timedelta(hours=1)
    # The flag is down everywhere.
    detail = reverse("program:patient_detail", args=[patient.pk])
    assert "Urgent" not in client_for(therapist).get(detail).content.decode()
    assert "Urgent" not in client_for(therapist).get(reverse("program:caseload")).content.decode()
    # The acknowledgement is in the patient's audit trail, by whom.
    audited = AuditEvent.objects.filter(patient=patient, actor=therapist, action="change")
    assert audited.filter(path__contains=f"/alerts/{alert.pk}/acknowledge/").exists()


@pytest.mark.parametrize("source", ["screen", "phq9"])
def test_an_alert_nobody_acknowledges_in_time_is_escalated_once(
    source, patient, therapist, clinic_admin, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RISK_DUTY_EMAILS = [DUTY]
    _page, alert = answer(patient, source, django_capture_on_commit_callbacks)
    raised = alert.created_at
    tick_at(raised + timedelta(hours=3, minutes=59))
    assert to(DUTY, ESCALATION_SUBJECT) == 0
    tick_at(raised + timedelta(hours=4, minutes=1))
    alert.refresh_from_db()
    assert alert.escalated_at == raised + timedelta(hours=4, minutes=1)
    escalation = alert.notices.get(kind="escalation")
    assert escalation.recipients == [DUTY, clinic_admin.email]
    assert escalation.email_sent_at is not None
    assert to(DUTY, ESCALATION_SUBJECT) == 1 and to(clinic_admin.email, ESCALATION_SUBJECT) == 1
    assert "4 working hours" in next(m.body for m in mail.outbox if m.subject == ESCALATION_SUBJECT)
    for hours in (5, 9, 30):  # once
        tick_at(raised + timedelta(hours=hours))
    assert to(DUTY, ESCALATION_SUBJECT) == 1
    assert events(alert) == ["raised", "emailed", "escalated", "emailed"]
    detail = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert "Not acknowledged in time: escalated to 2 people" in detail.content.decode()


def test_the_escalation_delay_is_a_setting(
    patient, clinic_admin, settings, django_capture_on_commit_callbacks
) -> None:
    settings.RISK_ESCALATE_AFTER_HOURS = 0.5
    _page, alert = answer(patient, "phq9", django_capture_on_commit_callbacks)
    tick_at(alert.created_at + timedelta(minutes=29))
    assert to(clinic_admin.email, ESCALATION_SUBJECT) == 0
    tick_at(alert.created_at + timedelta(minutes=31))
    assert to(clinic_admin.email, ESCALATION_SUBJECT) == 1


def test_an_escalation_published_while_the_broker_is_down_goes_out_late(
    patient, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    _page, alert = answer(patient, "phq9", django_capture_on_commit_callbacks)
    due = alert.created_at + timedelta(hours=4, minutes=1)

    def down(*args, **kwargs):
        raise OSError("broker down")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tasks.risk_notice_email_task, "apply_async", down)
        tick_at(due)  # never raises
    escalation = alert.notices.get(kind="escalation")
    assert escalation.email_sent_at is None and to(clinic_admin.email, ESCALATION_SUBJECT) == 0
    tick_at(due + timedelta(minutes=3))  # program.notifications queues it again
    assert to(clinic_admin.email, ESCALATION_SUBJECT) == 1


def test_an_escalation_with_nobody_on_the_duty_list_is_recorded(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    _page, alert = answer(patient, "screen", django_capture_on_commit_callbacks)
    tick_at(alert.created_at + timedelta(hours=5))
    alert.refresh_from_db()
    assert alert.escalated_at is not None
    assert events(alert) == ["raised", "emailed", "escalated", "nobody"]
    # The flag stays up on the therapist's caseload.
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert "Urgent: self-harm answer" in caseload


# --- The clinic's working hours -------------------------------------------------------

OFFICE = "Mon-Fri 09:00-17:00"
FRIDAY_4PM = datetime(2026, 12, 11, 16, 0, tzinfo=UTC)  # GMT: London time is UTC
SATURDAY_10AM = datetime(2026, 12, 12, 10, 0, tzinfo=UTC)
TUESDAY_10AM = datetime(2026, 12, 15, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("source", ["screen", "phq9"])
def test_the_escalation_clock_runs_in_the_clinics_working_hours(
    source, patient, therapist, clinic_admin, settings, django_capture_on_commit_callbacks
) -> None:
    """Raised on Friday at 16:00 in a Mon-Fri 09:00-17:00 clinic: the alert goes out at
    once, and is escalated on Monday at 12:00 (1 working hour Friday, 3 Monday), not on
    Friday at 20:00."""
    settings.CLINIC_HOURS = OFFICE
    settings.RISK_DUTY_EMAILS = [DUTY]
    with time_machine.travel(FRIDAY_4PM, tick=False):
        _page, alert = answer(patient, source, django_capture_on_commit_callbacks)
    assert to(therapist.email) == 1 and to(DUTY) == 1  # out of hours too: at once
    assert risk.escalates_at(alert.created_at) == datetime(2026, 12, 14, 12, 0, tzinfo=UTC)
    for moment in (FRIDAY_4PM + timedelta(hours=4, minutes=1), SATURDAY_10AM,
                   datetime(2026, 12, 14, 11, 59, tzinfo=UTC)):  # fmt: skip
        tick_at(moment)
    alert.refresh_from_db()
    assert alert.escalated_at is None and to(DUTY, ESCALATION_SUBJECT) == 0
    tick_at(datetime(2026, 12, 14, 12, 0, tzinfo=UTC))
    alert.refresh_from_db()
    assert alert.escalated_at == datetime(2026, 12, 14, 12, 0, tzinfo=UTC)
    assert to(DUTY, ESCALATION_SUBJECT) == 1
    body = next(m.body for m in mail.outbox if m.subject == ESCALATION_SUBJECT)
    assert "4 working hours" in body and "Monday to Friday, 09:00–17:00" in body


@pytest.mark.parametrize("source", ["screen", "phq9"])
def test_out_of_hours_the_patient_is_told_the_clinics_hours_and_when_it_opens(
    source, patient, therapist, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CLINIC_HOURS = OFFICE
    hours = "Your clinic is open Monday to Friday, 09:00–17:00 (Europe/London time)."
    opens = (
        "nobody may read your answer before it opens again on Monday 14 December at 09:00 "
        "(your time)."
    )
    with time_machine.travel(SATURDAY_10AM, tick=False):
        page, alert = answer(patient, source, django_capture_on_commit_callbacks)
        assert TOLD in page and hours in page and opens in page
        assert hours in page_again(patient, source)
    # Once someone has acknowledged it, or while the clinic is open, it is not said.
    with time_machine.travel(TUESDAY_10AM, tick=False):
        assert TOLD in page_again(patient, source) and hours not in page_again(patient, source)
    with time_machine.travel(SATURDAY_10AM + timedelta(days=7), tick=False):
        assert hours in page_again(patient, source)
        risk.acknowledge(alert, by=therapist)
        assert hours not in page_again(patient, source)


def test_the_opening_is_given_in_full_on_the_patients_own_clock(patient, settings) -> None:
    """Closed on a Monday evening in London; the patient lives in New York: the clinic
    opens at 09:00 London time, 04:00 on the patient's clock, on Tuesday 8 December."""
    settings.CLINIC_HOURS = OFFICE
    patient.time_zone = "America/New_York"
    patient.save()
    alert = RiskAlert.objects.create(patient=patient, source="screen_self_harm")
    words = risk.closed_words(alert, now=datetime(2026, 12, 7, 20, tzinfo=UTC))
    assert "Monday to Friday, 09:00–17:00 (Europe/London time)." in words
    assert words.endswith("opens again on Tuesday 8 December at 04:00 (your time).")


def test_in_hours_the_patient_is_not_told_the_clinic_is_closed(
    patient, therapist, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CLINIC_HOURS = OFFICE
    with time_machine.travel(TUESDAY_10AM, tick=False):
        page, _alert = answer(patient, "phq9", django_capture_on_commit_callbacks)
    assert TOLD in page and "It is closed now" not in page


def test_nobody_told_is_not_softened_by_the_clinics_hours(
    solo_patient, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CLINIC_HOURS = OFFICE
    with time_machine.travel(SATURDAY_10AM, tick=False):
        page, _alert = answer(solo_patient, "screen", django_capture_on_commit_callbacks)
    assert NOT_TOLD in page and "It is closed now" not in page


def test_the_clinics_hours_are_worded_in_the_readers_language(db, settings) -> None:
    settings.CLINIC_HOURS = OFFICE
    assert risk.clinic_hours_words().startswith("Monday to Friday, 09:00–17:00")
    french = risk.clinic_hours_words("fr")
    assert "lundi" in french and "vendredi" in french and "Monday" not in french
    settings.CLINIC_HOURS = "Mon-Sun 00:00-24:00"
    assert risk.clinic_hours_words() == "every day and night"


def test_the_alerts_page_states_the_clinics_hours(therapist, settings) -> None:
    settings.CLINIC_HOURS = "Mon-Thu 08:30-18:00; Fri 08:30-16:00"
    page = client_for(therapist).get(reverse("program:risk_alerts")).content.decode()
    assert "within 4 working hours" in page
    assert "Monday to Thursday, 08:30–18:00; Friday, 08:30–16:00 (Europe/London time)" in page


# --- Who may acknowledge --------------------------------------------------------------


def acknowledge(client: Client, alert: RiskAlert) -> int:
    url = reverse("program:acknowledge_alert", args=[alert.patient_id, alert.pk])
    return client.post(url).status_code


@pytest.mark.parametrize(
    ("who", "status", "acknowledged"),
    [
        ("therapist", 302, True),  # the patient's own
        ("admin", 302, True),
        ("duty_therapist", 302, True),  # another therapist, on the duty list
        ("other_therapist", 404, False),
        ("patient", 403, False),
        ("other_patient", 403, False),
    ],
)
def test_only_the_therapist_the_duty_list_or_an_admin_may_acknowledge(
    who, status, acknowledged, patient, other_patient, therapist, other_therapist,
    clinic_admin, settings, django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    _page, alert = answer(patient, "screen", django_capture_on_commit_callbacks)
    if who == "duty_therapist":
        settings.RISK_DUTY_EMAILS = [other_therapist.email.upper()]
    user = {
        "therapist": therapist,
        "admin": clinic_admin,
        "duty_therapist": other_therapist,
        "other_therapist": other_therapist,
        "patient": patient,
        "other_patient": other_patient,
    }[who]
    assert acknowledge(client_for(user), alert) == status
    alert.refresh_from_db()
    assert (alert.acknowledged_by == user) == acknowledged
    assert (alert.acknowledged_at is not None) == acknowledged


def test_the_alerts_page_shows_each_person_only_what_they_may_act_on(
    patient, outsider_patient, therapist, other_therapist, clinic_admin, settings,
    django_capture_on_commit_callbacks,
) -> None:  # fmt: skip
    answer(patient, "phq9", django_capture_on_commit_callbacks)

    def alerts_page(user: User) -> str:
        return client_for(user).get(reverse("program:risk_alerts")).content.decode()

    assert patient.display_name in alerts_page(therapist)
    assert patient.display_name in alerts_page(clinic_admin)
    assert patient.display_name not in alerts_page(other_therapist)
    settings.RISK_DUTY_EMAILS = [other_therapist.email]
    on_duty = alerts_page(other_therapist)
    assert patient.display_name in on_duty and "on the clinic's duty list" in on_duty
    # A duty therapist who is not the patient's is sent back to the alerts page.
    alert = RiskAlert.objects.get(patient=patient)
    response = client_for(other_therapist).post(
        reverse("program:acknowledge_alert", args=[patient.pk, alert.pk])
    )
    assert response["Location"] == reverse("program:risk_alerts")
    assert "Acknowledged in the last week" in alerts_page(other_therapist)


def test_a_second_acknowledgement_keeps_the_first(
    patient, therapist, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    _page, alert = answer(patient, "phq9", django_capture_on_commit_callbacks)
    acknowledge(client_for(therapist), alert)
    response = client_for(clinic_admin).post(
        reverse("program:acknowledge_alert", args=[patient.pk, alert.pk]), follow=True
    )
    assert "Dr Tess Ward had already acknowledged this alert." in response.content.decode()
    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist
    assert events(alert).count("acknowledged") == 1


def test_the_trail_is_append_only(patient, therapist, django_capture_on_commit_callbacks) -> None:
    _page, alert = answer(patient, "phq9", django_capture_on_commit_callbacks)
    step = alert.events.first()
    with pytest.raises(ValueError, match="append-only"):
        step.save()
    with pytest.raises(ValueError):
        step.delete()


# --- Other sentences that say someone was told ----------------------------------------


@pytest.mark.parametrize("has_therapist", [True, False])
def test_the_sleepiness_advice_mentions_the_therapist_only_when_their_caseload_shows_it(
    has_therapist, patient, therapist
) -> None:
    from program.sleep_window import actions as sw

    if not has_therapist:
        User.objects.filter(pk=patient.pk).update(therapist=None)
        patient.refresh_from_db()
    sw.course_for(patient)
    response = client_for(patient).post(
        reverse("program:sleep_window_sleepiness"), {"dozing": "3", "unsafe": "yes"}, follow=True
    )
    page = response.content.decode()
    sentence = "Your therapist will see this on their list of patients."
    assert str(SAFETY_ADVICE) in page
    assert (sentence in page) == has_therapist
    if has_therapist:
        caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
        assert "Severe daytime sleepiness" in caseload


@pytest.mark.parametrize("has_therapist", [True, False])
def test_a_positive_screen_says_who_will_see_it_only_as_it_is(
    has_therapist, patient, therapist, django_capture_on_commit_callbacks
) -> None:
    if not has_therapist:
        User.objects.filter(pk=patient.pk).update(therapist=None)
        patient.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(patient).post(
            reverse("program:sleep_window_screen"), SCREEN_APNOEA, follow=True
        )
    shown = [response.content.decode(), page_again(patient, "screen")]
    sees = "Your therapist will see your answers on their list of patients."
    nobody = "nobody will look at these answers automatically"
    for page in shown:
        assert (sees in page) == has_therapist
        assert (nobody in page) == (not has_therapist)
    assert "They will see your answers on their list of patients." in shown[0] or not has_therapist
    assert not RiskAlert.objects.exists()  # not a risk answer
    if has_therapist:
        caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
        assert "Positive safety screen (to review)" in caseload


@pytest.mark.parametrize("has_therapist", [True, False])
def test_the_questionnaire_result_says_the_therapist_sees_it_only_when_there_is_one(
    has_therapist, patient, django_capture_on_commit_callbacks
) -> None:
    if not has_therapist:
        User.objects.filter(pk=patient.pk).update(therapist=None)
        patient.refresh_from_db()
    no_risk = {f"phq{i}": "0" for i in range(1, 10)}
    response = client_for(patient).post(
        reverse("program:questionnaire", args=["phq9"]), no_risk, follow=True
    )
    page = response.content.decode()
    assert ("Your therapist sees your answers" in page) == has_therapist


PROMISES = ("has been told", "have been told", "we have told", "let your therapist know")


def _sources() -> list[tuple[str, str]]:
    from django.conf import settings

    from program import clinical_text
    from program.rules import safety

    base = settings.BASE_DIR
    files = [*(base / "templates").rglob("*.html"), *(base / "templates").rglob("*.txt")]
    files += [*(base / "program").glob("*.py"), *(base / "program" / "views").glob("*.py")]
    texts = [(str(f), f.read_text(encoding="utf-8")) for f in files]
    texts += [("safety", " ".join(map(str, vars(safety).values())))]
    texts += [("clinical_text", " ".join(clinical_text.MARKED))]
    texts += [("clinical_text", " ".join(map(str, vars(clinical_text).values())))]
    words = [*clinical_text.SCREEN_QUESTIONS.values(), *clinical_text.DOZING_CHOICES.values()]
    words += [*clinical_text.NIGHT_WORDS.values(), *clinical_text.FLAG_WORDS.values()]
    texts += [("clinical_text", " ".join(map(str, words)))]
    return texts


def test_no_sentence_says_someone_was_told_without_the_app_knowing_it() -> None:
    """Every "has been told" of issue 16 is gone; what the app says it did is said by
    program.risk.actions.patient_words and the sentences tested above. ("Have you been told you
    stop breathing" is a screen question, not a promise.)"""
    offenders = []
    for name, text in _sources():
        if name.endswith("test_risk.py"):
            continue
        lowered = text.lower().replace("have you been told you stop breathing", "")
        offenders += [(name, p) for p in PROMISES if p in lowered]
    assert not offenders, offenders


def test_an_alert_task_queued_before_the_upgrade_sends_its_alert(
    patient, therapist, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    """A task of the old name (queued by assessment id) still reaching a worker."""
    sent: list[int] = []
    real: Callable[[int], None] = tasks.risk_notice_email_task
    monkeypatch.setattr(tasks.risk_notice_email_task, "apply_async", lambda *a, **k: None)
    _page, alert = answer(patient, "phq9", django_capture_on_commit_callbacks)
    assert mail.outbox == []
    monkeypatch.setattr(tasks, "risk_notice_email_task", lambda pk: sent.append(pk) or real(pk))
    tasks.attention_email_task(alert.assessment_id)
    assert sent == [alert.notices.get().pk] and to(therapist.email) == 1
    assert RiskNotice.objects.get(pk=sent[0]).email_sent_at is not None
    assert RiskAlertEvent.objects.filter(alert=alert, kind="emailed").count() == 1

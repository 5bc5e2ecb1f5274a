"""Celery tasks: thin, take ids, call domain code."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from program.emails import send_sign_in_email, send_templated_email
from program.models import Invitation, WorkerHeartbeat

if TYPE_CHECKING:
    from accounts.models import User
    from program.models import Message

log = logging.getLogger(__name__)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8)
def send_invitation_task(invitation_id: int, token: str) -> None:
    """Email an invitation link.

    At-least-once: with late acknowledgement a worker killed after sending but
    before acknowledging sends it again. A duplicate invitation email is
    harmless (the same single-use link), whereas a lost one strands a patient,
    so we prefer a rare duplicate. ``sent_at`` skips re-sends of a task that
    already finished.
    """
    invitation = Invitation.objects.select_related("therapist").filter(pk=invitation_id).first()
    if invitation is None or invitation.sent_at or invitation.status != "pending":
        return
    from django.conf import settings

    link = settings.SITE_URL.rstrip("/") + reverse("program:accept_invitation", args=[token])
    send_templated_email(
        "invitation",
        invitation.email,
        {"invitation": invitation, "link": link, "therapist": invitation.therapist},
        # The invited person has no account yet: write in their therapist's language.
        language=invitation.therapist.language,
    )
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8)
def send_staff_invitation_task(user_id: int, invited_by_id: int) -> None:
    """Email a new therapist or admin the link to choose their password (allauth's
    password-reset link: it stops working once they have set one or signed in).

    Skipped once the person has signed in: a late or repeated task sends nothing stale.
    """
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.conf import settings

    from accounts.models import User
    from program.clinic.actions import invitation_pending

    user = User.objects.filter(pk=user_id, is_active=True).first()
    invited_by = User.objects.filter(pk=invited_by_id).first()
    if user is None or not invitation_pending(user):
        return
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    send_templated_email(
        "staff_invitation",
        user.email,
        {
            "person": user,
            "invited_by": invited_by,
            "link": settings.SITE_URL.rstrip("/") + path,
            "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        },
        language=user.language,
    )


@shared_task
def heartbeat_task() -> None:
    """Beat runs this every minute; /healthz reports how long ago a worker ran it."""
    WorkerHeartbeat.objects.update_or_create(name="worker", defaults={"seen_at": timezone.now()})


@shared_task
def titration_tick_task() -> int:
    """Hourly: make the weekly sleep-window recommendation for every patient whose
    titration day it now is in their own time zone.

    Idempotent (at-least-once is safe): a unique key per (course, date, kind)
    means a repeated tick or a task run twice finds the first recommendation.
    """
    from program import clock_guard
    from program.sleep_window import actions as sleep_window

    if not clock_guard.may_act_at(timezone.now(), "the titration tick"):
        return 0
    made = 0
    for course, today in sleep_window.due_reviews():
        if sleep_window.weekly_review(course, today) is not None:
            made += 1
    return made


@shared_task
def reminder_tick_task() -> int:
    """Every minute (beat, in UTC): due reminders become outbox rows and are enqueued
    in batches. Duplicated ticks are harmless (unique outbox key, conditional claims).

    While the broker is down the rows stay pending and unmarked, so the first tick
    after it returns enqueues them (tests/program/test_broker_outage.py). A batch
    published but lost with the broker's memory is enqueued again REENQUEUE_AFTER
    later. Either way it is sent late within REMINDER_GRACE_MINUTES, or recorded
    as skipped: never silently lost."""
    from program import clock_guard
    from program.reminders import actions as reminders

    now = timezone.now()
    if not clock_guard.may_act_at(now, "the reminder tick"):
        return 0
    reminders.sweep_interrupted(now)
    batches = reminders.tick(now)
    for n, ids in enumerate(batches):
        try:
            send_deliveries_task.delay(ids)
        except Exception as error:  # the broker is down: the rows wait for the next tick
            unsent = [pk for batch in batches[n:] for pk in batch]
            reminders.not_enqueued(unsent, marked_at=now)
            log.warning(
                "Could not enqueue %s reminders, left for the next tick: %s", len(unsent), error
            )
            return sum(len(batch) for batch in batches[:n])
    _reschedule_after_new_nights(now)
    _end_due_pauses()
    _escalate_risk_alerts(now)
    _remind_waiting_recommendations(now)
    _queue_unsent_emails(now)
    return sum(len(ids) for ids in batches)


def _end_due_pauses() -> None:
    """Patients' breaks whose end date has come resume (program.today.actions)."""
    from program.today import actions as pauses

    try:
        pauses.end_due()
    except Exception:
        log.exception("Could not end the pauses due; the next tick tries again")


def _escalate_risk_alerts(now: datetime) -> None:
    """Risk alerts nobody acknowledged in time go to the duty list and the admins
    (program.risk.actions). Never fails the tick: what is not escalated now is next minute."""
    from program.risk import actions as risk

    try:
        risk.escalate_and_publish(
            now, lambda pk: risk_notice_email_task.apply_async(args=[pk], retry=False)
        )
    except Exception:
        log.exception("Could not escalate risk alerts; the next tick tries again")


def _remind_waiting_recommendations(now: datetime) -> None:
    """Recommendations waiting for a clinician too long remind the therapist, then the
    duty list (program.sleep_window.waiting). Never fails the tick."""
    from program.sleep_window import waiting

    try:
        waiting.remind_and_publish(
            now, lambda pk: recommendation_reminder_task.apply_async(args=[pk], retry=False)
        )
    except Exception:
        log.exception("Could not remind about waiting recommendations; the next tick tries")


@shared_task
def recommendation_reminder_task(reminder_id: int) -> int:
    """Send one "a sleep window is waiting for your decision" reminder, at most once
    (program.sleep_window.waiting)."""
    from program.sleep_window import waiting

    return waiting.send(reminder_id, timezone.now())


def _queue_unsent_emails(now: datetime) -> None:
    """Risk alert emails and new-message emails that never reached a worker (published
    while the broker was down, or lost with its memory) are queued again
    (program.notifications)."""
    from program import notifications

    try:
        notifications.queue_again(
            now,
            publish_alert=lambda pk: risk_notice_email_task.apply_async(args=[pk], retry=False),
            publish_message=lambda pk: message_email_task.apply_async(args=[pk], retry=False),
        )
    except Exception as error:  # the broker is down again: the next tick tries
        log.warning("Could not queue unsent emails again: %s", error)


def _reschedule_after_new_nights(now: datetime) -> None:
    """New diary nights may bring a week's opening forward: their patients' new-week
    reminders are rescheduled in batches (reminders.patients_with_new_nights). The read
    mark moves on only once every batch is enqueued; otherwise the next tick reads again."""
    from program.reminders import actions as reminders

    patients = reminders.patients_with_new_nights(now)
    for i in range(0, len(patients), reminders.BATCH):
        try:
            refresh_new_week_task.delay(patients[i : i + reminders.BATCH])
        except Exception as error:  # the broker is down: read again at the next tick
            log.warning("Could not enqueue new-week reschedules: %s", error)
            return
    reminders.nights_read_until(now)


@shared_task
def refresh_new_week_task(user_ids: list[int]) -> None:
    """Reschedule these people's new-week reminders (idempotent)."""
    from accounts.models import User
    from program.reminders import actions as reminders

    for user in User.objects.filter(pk__in=user_ids, is_active=True):
        reminders.refresh_schedules(user, kinds=[reminders.ReminderKind.NEW_WEEK])


@shared_task
def send_deliveries_task(ids: list[int]) -> dict[str, int]:
    """Send a batch of reminders, each at most once (see program/reminders/actions.py)."""
    from program.reminders import actions as reminders

    return reminders.deliver(ids)


@shared_task
def refresh_caseload_summaries_task() -> int:
    """Every minute: the caseload rows a write distrusted, or whose day has ended in their
    patient's zone, are worked out again ahead of the readers, so that a clinician's page
    seldom pays for them (program/clinic/summary.py). Returns how many."""
    from accounts.models import User
    from program.clinic import summary

    return summary.refresh(User.objects.patients())


@shared_task
def purge_audit_task() -> int:
    """Daily: audit events older than AUDIT_RETENTION_DAYS are deleted."""
    from accounts.audit import purge

    return purge()


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8)
def risk_notice_email_task(notice_id: int) -> None:
    """Send one risk alert email (the first alert or its escalation, program.risk.actions) to each
    of its addresses, then a web push to those of them who turned it on for a device: "a
    patient's answer needs a clinician's attention — sign in", with no health detail, in each
    person's language where the address is an account's.

    At-least-once: a mail server that fails half way retries the whole list, and a
    duplicate "please sign in" is harmless; a lost one is not (one that never reached a
    worker is queued again: program.notifications). The urgent flag does not depend on
    this email."""
    from accounts.models import User
    from program import notifications
    from program.assessments.models import RiskAlert, RiskAlertEvent, RiskNotice
    from program.risk import actions as risk

    notice = RiskNotice.objects.select_related("alert").filter(pk=notice_id).first()
    if notice is None or notice.email_sent_at is not None:
        return
    if notice.alert.acknowledged_at is None:
        people = {u.email.lower(): u for u in User.objects.filter(email__in=notice.recipients)}
        escalation = notice.kind == RiskNotice.Kind.ESCALATION
        hours = risk.clinic_hours()  # the clinic's, read once for every recipient
        sent = 0
        for address in notice.recipients:
            person = people.get(address)
            if person is not None and not person.is_active:
                continue  # left the clinic since: the rest of the list has it
            send_sign_in_email(
                "risk_escalation" if escalation else "risk_alert",
                address,
                reverse("program:risk_alerts"),
                {
                    "person": person,
                    # Words the patient wrote, or an answer: the email says which, and no more.
                    "wrote": notice.alert.source == RiskAlert.Source.FLAGGED_WORDS,
                    "hours": risk.escalate_after_hours(),
                    "clinic_hours": risk.clinic_hours_words(
                        person.language if person else "", hours=hours
                    ),
                },
                language=person.language if person else "",
            )
            sent += 1
        RiskAlertEvent.objects.create(
            alert=notice.alert,
            kind=RiskAlertEvent.Kind.EMAILED,
            detail=f"{notice.get_kind_display()} to {sent} of {len(notice.recipients)} addresses",
        )
        # The same people's devices, where they turned alert pushes on: after the emails,
        # and a push that fails never stops or repeats them.
        risk.push_notice(notice, reverse("program:risk_alerts"))
    # Sent, or no longer needed (already acknowledged).
    notifications.mark_sent(RiskNotice, notice.pk, timezone.now())


@shared_task
def attention_email_task(assessment_id: int) -> None:
    """Before migration 0031 a PHQ-9 alert was queued by its assessment's id: such a task
    still waiting in the broker sends that answer's alert email (program.risk.actions)."""
    from program.assessments.models import RiskNotice

    notice = RiskNotice.objects.filter(
        alert__assessment_id=assessment_id, kind=RiskNotice.Kind.ALERT
    ).first()
    if notice is not None:
        risk_notice_email_task(notice.pk)


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8)
def message_email_task(message_id: int) -> None:
    """Tell the other side of a thread that a message is waiting, without its content.

    At-least-once (a duplicate "you have a new message" is harmless; one that never
    reached a worker is queued again: program.notifications)."""
    from program import notifications
    from program.models import Message

    message = (
        Message.objects.select_related("patient__therapist", "sender").filter(pk=message_id).first()
    )
    if message is None or message.email_sent_at is not None:
        return
    if message.read_at is None:
        for recipient, address, path in _message_recipients(message):
            send_sign_in_email(
                "new_message",
                address,
                path,
                {"recipient": recipient},
                language=recipient.language if recipient else "",
            )
    # Sent, or no longer needed (nobody to tell, or already read).
    notifications.mark_sent(Message, message.pk, timezone.now())


def _message_recipients(message: Message) -> list[tuple[User | None, str, str]]:
    """Who is told of ``message``, with the page to sign in to: the patient, for a
    clinician's message; for the patient's own, their active therapist, or without one
    the duty list's members on duty (program.messaging.actions), each with their account
    where they have one (for their name and language; a shared inbox has none)."""
    from accounts.access import active_therapist
    from accounts.models import User
    from program.messaging import actions as messaging

    patient = message.patient
    if message.sender_id != patient.pk:
        return [(patient, patient.email, reverse("program:messages"))]
    path = reverse("program:patient_messages", args=[patient.pk])
    therapist = active_therapist(patient)
    if therapist is not None:
        return [(therapist, therapist.email, path)]
    addresses = messaging.readers_without_therapist()
    accounts = {u.email.lower(): u for u in User.objects.filter(email__in=addresses)}
    return [(accounts.get(address), address, path) for address in addresses]


@shared_task
def delete_accounts_task() -> int:
    """Hourly: accounts whose deletion grace period has passed are deleted."""
    from accounts.services import delete_due_accounts

    return delete_due_accounts()


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8)
def patient_pause_email_task(pause_id: int) -> None:
    """Ask the therapist to sign in: a patient has paused their programme (no details)."""
    from program.models import PatientPause

    pause = PatientPause.objects.select_related("patient__therapist").filter(pk=pause_id).first()
    if pause is None or pause.therapist_emailed_at is not None:
        return
    from accounts.access import active_therapist

    therapist = active_therapist(pause.patient)
    if therapist is not None:
        send_sign_in_email(
            "patient_paused",
            therapist.email,
            reverse("program:patient_detail", args=[pause.patient_id]),
            {"person": therapist},
            language=therapist.language,
        )
        PatientPause.objects.filter(pk=pause.pk).update(therapist_emailed_at=timezone.now())


@shared_task
def refresh_reminders_task(user_id: int, kinds: list[str]) -> None:
    """Recompute some of a person's reminder schedules (idempotent)."""
    from accounts.models import User
    from program.reminders import actions as reminders

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        reminders.refresh_schedules(user, kinds=kinds)


@shared_task
def comeback_task() -> int:
    """Hourly (beat, in UTC): the come-back notes due now, each patient's hours read in
    their own zone (program.reminders.comeback). Running twice is harmless: one note per
    patient and local date (a unique key)."""
    from program import clock_guard
    from program.reminders import comeback

    now = timezone.now()
    if not clock_guard.may_act_at(now, "the come-back notes"):
        return 0
    return comeback.send_due(now)

"""Celery tasks: thin, take ids, call domain code."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from celery import shared_task
from django.urls import reverse
from django.utils import timezone

from .emails import send_templated_email
from .models import Invitation, WorkerHeartbeat

if TYPE_CHECKING:
    from accounts.models import User

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
    from . import sleep_window

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
    from . import reminders

    now = timezone.now()
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
    _queue_unsent_emails(now)
    return sum(len(ids) for ids in batches)


def _queue_unsent_emails(now: datetime) -> None:
    """Risk alerts and new-message emails that never reached a worker (published while
    the broker was down, or lost with its memory) are queued again (program.notifications)."""
    from . import notifications

    try:
        notifications.queue_again(
            now,
            publish_alert=lambda pk: attention_email_task.apply_async(args=[pk], retry=False),
            publish_message=lambda pk: message_email_task.apply_async(args=[pk], retry=False),
        )
    except Exception as error:  # the broker is down again: the next tick tries
        log.warning("Could not queue unsent emails again: %s", error)


def _reschedule_after_new_nights(now: datetime) -> None:
    """New diary nights may bring a week's opening forward: their patients' new-week
    reminders are rescheduled in batches (reminders.patients_with_new_nights). The read
    mark moves on only once every batch is enqueued; otherwise the next tick reads again."""
    from . import reminders

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

    from . import reminders

    for user in User.objects.filter(pk__in=user_ids, is_active=True):
        reminders.refresh_schedules(user, kinds=[reminders.ReminderKind.NEW_WEEK])


@shared_task
def send_deliveries_task(ids: list[int]) -> dict[str, int]:
    """Send a batch of reminders, each at most once (see program/reminders.py)."""
    from . import reminders

    return reminders.deliver(ids)


@shared_task
def purge_audit_task() -> int:
    """Daily: audit events older than AUDIT_RETENTION_DAYS are deleted."""
    from accounts.audit import purge

    return purge()


def _sign_in_email(name: str, person: User, path: str, called: str) -> None:
    """A content-free email asking ``person`` to sign in at ``path`` (in the template's
    context as ``called``, beside ``link``), in their language."""
    from django.conf import settings

    link = settings.SITE_URL.rstrip("/") + path
    send_templated_email(
        name, person.email, {called: person, "link": link}, language=person.language
    )


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8)
def attention_email_task(assessment_id: int) -> None:
    """Tell the therapist that a patient needs attention (PHQ-9 item 9), with no content.

    At-least-once: a duplicate "please sign in" email is harmless; a lost one is not
    (one that never reached a worker is queued again: program.notifications). The
    urgent flag on the caseload does not depend on this email.
    """
    from . import notifications
    from .models import Assessment

    assessment = (
        Assessment.objects.select_related("patient__therapist").filter(pk=assessment_id).first()
    )
    if assessment is None or assessment.email_sent_at is not None:
        return
    therapist = assessment.patient.therapist
    if therapist is not None and assessment.risk_acknowledged_at is None:
        _sign_in_email("attention_needed", therapist, reverse("program:caseload"), "therapist")
    # Sent, or no longer needed (no therapist, or already acknowledged).
    notifications.mark_sent(Assessment, assessment.pk, timezone.now())


@shared_task(autoretry_for=(OSError,), retry_backoff=30, retry_backoff_max=600, max_retries=8)
def message_email_task(message_id: int) -> None:
    """Tell the other side of a thread that a message is waiting, without its content.

    At-least-once (a duplicate "you have a new message" is harmless; one that never
    reached a worker is queued again: program.notifications)."""
    from . import notifications
    from .models import Message

    message = (
        Message.objects.select_related("patient__therapist", "sender").filter(pk=message_id).first()
    )
    if message is None or message.email_sent_at is not None:
        return
    patient = message.patient
    if message.sender_id == patient.pk:
        recipient = patient.therapist
        path = reverse("program:patient_messages", args=[patient.pk])
    else:
        recipient = patient
        path = reverse("program:messages")
    if recipient is not None and message.read_at is None:
        _sign_in_email("new_message", recipient, path, "recipient")
    # Sent, or no longer needed (nobody to tell, or already read).
    notifications.mark_sent(Message, message.pk, timezone.now())


@shared_task
def delete_accounts_task() -> int:
    """Hourly: accounts whose deletion grace period has passed are deleted."""
    from accounts.services import delete_due_accounts

    return delete_due_accounts()


@shared_task
def refresh_reminders_task(user_id: int, kinds: list[str]) -> None:
    """Recompute some of a person's reminder schedules (idempotent)."""
    from accounts.models import User

    from . import reminders

    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is not None:
        reminders.refresh_schedules(user, kinds=kinds)

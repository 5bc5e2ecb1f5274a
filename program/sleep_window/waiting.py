"""Recommendations that wait (issue 16 part 6): a sleep-window recommendation still
waiting for a clinician the clinic's reminder delay after it was made (default 3 days;
kept on /clinic/duty/, ``RECOMMENDATION_REMIND_AFTER_DAYS`` until an admin saves it)
reminds the patient's therapist by email; after as many days again, the duty list
(``accounts.duty.duty_list``, kept on /clinic/duty/). A patient without an active
therapist is the duty list's from the first reminder.

Each reminder is written once and sent at most once: the row's unique key
(recommendation, stage) is the claim that a doubled tick cannot take twice, and the
task claims ``email_sent_at`` before it sends. A reminder published while the broker
was down is published again by the next ticks (the claim keeps it to one email).
The emails hold no health detail ("a change to a patient's sleep window is waiting —
sign in"), like the risk alerts'.

Run by the reminder tick every minute (``program.tasks.reminder_tick_task``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models.functions import Coalesce
from django.urls import reverse

from accounts.duty import duty_list, remind_after_days
from accounts.models import User
from program.emails import send_sign_in_email
from program.models import Recommendation, RecommendationReminder

log = logging.getLogger(__name__)

BATCH = 200
# Reminders not sent this long after they were written are published again.
PUBLISH_AGAIN_AFTER = timedelta(minutes=10)
# ... up to this age; older ones are stale (the caseload and the clinic page show it).
GIVE_UP_AFTER = timedelta(days=2)


def remind_after() -> timedelta:
    """The clinic's reminder delay (``accounts.duty.remind_after_days``: as an admin saved
    it on /clinic/duty/, else ``RECOMMENDATION_REMIND_AFTER_DAYS``, default 3 days)."""
    return timedelta(days=remind_after_days())


def _therapist(recommendation: Recommendation) -> User | None:
    from program.sleep_window.rescreen import active_therapist

    return active_therapist(recommendation.course.patient)


def _write(recommendation: Recommendation, stage: str, recipients: list[str]) -> int | None:
    """The claim: one row per (recommendation, stage), or None if a tick took it first."""
    try:
        with transaction.atomic():
            row = RecommendationReminder.objects.create(
                recommendation=recommendation, stage=stage, recipients=recipients
            )
    except IntegrityError:
        return None
    return row.pk


def remind_due(now: datetime) -> list[int]:
    """Write the reminders now due; returns the new rows' ids, for the caller to publish.

    Waiting counts from ``waiting_since`` when the recommendation replaced one still
    waiting (the next week's review supersedes it), so the wait is not restarted each
    week. The therapist's at ``remind_after()`` of waiting, the duty list's at twice that (at
    once, with the therapist's, for a patient without a therapist)."""
    after = remind_after()
    waiting = (
        Recommendation.objects.pending()
        .annotate(since=Coalesce("waiting_since", "created_at"))
        .filter(since__lte=now - after, course__status__in=("active", "setting_up"))
        .select_related("course__patient__therapist")
        .prefetch_related("reminders")
        .order_by("created_at")[:BATCH]
    )
    written = []
    for recommendation in waiting:
        stages = {r.stage for r in recommendation.reminders.all()}
        therapist = _therapist(recommendation)
        duty_due = therapist is None or recommendation.since <= now - 2 * after
        if therapist is not None and RecommendationReminder.Stage.THERAPIST not in stages:
            pk = _write(recommendation, RecommendationReminder.Stage.THERAPIST, [therapist.email])
            if pk:
                written.append(pk)
        if duty_due and RecommendationReminder.Stage.DUTY not in stages:
            recipients = duty_list()
            if not recipients:
                log.error(
                    "Recommendation %s waits and nobody is on the duty list", recommendation.pk
                )
            pk = _write(recommendation, RecommendationReminder.Stage.DUTY, recipients)
            if pk:
                written.append(pk)
    return written


def unsent(now: datetime) -> list[int]:
    """Reminders written but not sent (published while the broker was down, or lost)."""
    return list(
        RecommendationReminder.objects.filter(
            email_sent_at__isnull=True,
            created_at__lte=now - PUBLISH_AGAIN_AFTER,
            created_at__gte=now - GIVE_UP_AFTER,
            recommendation__status=Recommendation.Status.PENDING,
        )
        .exclude(recipients=[])
        .values_list("pk", flat=True)[:BATCH]
    )


def remind_and_publish(now: datetime, publish: Callable[[int], None]) -> int:
    """The reminder tick's step: write what is due and publish it, with any earlier
    reminder that never went out. A broker that is down leaves them for the next tick."""
    ids = remind_due(now)
    for pk in [*ids, *unsent(now)]:
        try:
            publish(pk)
        except Exception as error:
            log.warning("Could not publish recommendation reminders, next tick: %s", error)
            break
    return len(ids)


def send(reminder_id: int, now: datetime) -> int:
    """Send one reminder to each of its addresses, at most once; returns how many
    emails went out. Nothing is sent once the recommendation was decided."""
    claimed = RecommendationReminder.objects.filter(
        pk=reminder_id,
        email_sent_at__isnull=True,
        recommendation__status=Recommendation.Status.PENDING,
    ).update(email_sent_at=now)
    if not claimed:
        return 0
    reminder = RecommendationReminder.objects.select_related("recommendation__course__patient").get(
        pk=reminder_id
    )
    recommendation = reminder.recommendation
    patient = recommendation.course.patient
    duty = reminder.stage == RecommendationReminder.Stage.DUTY
    reminded = recommendation.reminders.filter(
        stage=RecommendationReminder.Stage.THERAPIST, email_sent_at__isnull=False
    ).exists()
    days = max(1, (now - (recommendation.waiting_since or recommendation.created_at)).days)
    people = {u.email.lower(): u for u in User.objects.filter(email__in=reminder.recipients)}
    sent = 0
    for address in reminder.recipients:
        person = people.get(address.lower())
        if person is not None and not person.is_active:
            continue
        send_sign_in_email(
            "recommendation_waiting",
            address,
            reverse("program:patient_sleep_window", args=[patient.pk]),
            {
                "person": person,
                "duty": duty,
                "therapist": _therapist(recommendation) is not None,
                "reminded": reminded,
                "days": days,
            },
            language=person.language if person else "",
        )
        sent += 1
    return sent

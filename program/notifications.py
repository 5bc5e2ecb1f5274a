"""Emails that must not be lost with the broker: a risk alert's emails to the care team
and the duty list (``RiskNotice``: the first alert and its escalation, program.risk.actions), and
"you have a new message".

A request (or the reminder tick, for an escalation) publishes its email after the commit
(``program.publish``) and never waits for the broker. The row remembers whether the
email went out (``email_sent_at``, set by the task once it is sent). The reminder tick,
every minute, queues again the rows whose email has not gone out
``NOTIFY_RETRY_AFTER_SECONDS`` after they were written (and an hour after it last
queued them): an email published while Redis was down, or lost with Redis's memory,
goes out late once the broker and a worker are back, never silently not at all.

At least once: a worker killed between sending and marking sends it again, which is
harmless (the emails carry no content, only "please sign in"). Nothing is resent for
a row older than ``GIVE_UP_AFTER`` (its news is stale; the caseload's urgent flag and
the unread thread still show it, and an alert nobody acknowledged has been escalated),
for an alert already acknowledged, or for a message already read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from program.assessments.models import RiskNotice
from program.models import Message

GIVE_UP_AFTER = timedelta(days=7)
QUEUE_AGAIN_AFTER = timedelta(hours=1)
BATCH = 500


def retry_after() -> timedelta:
    return timedelta(seconds=settings.NOTIFY_RETRY_AFTER_SECONDS)


def alerts_to_send(now: datetime) -> QuerySet[RiskNotice]:
    """Risk alert emails (first alerts and escalations) that have not gone out, for
    alerts nobody has acknowledged yet. (A notice is only written with recipients.)"""
    return RiskNotice.objects.filter(
        email_sent_at__isnull=True,
        alert__acknowledged_at__isnull=True,
        **_due(now, "created_at"),
    )


def messages_to_announce(now: datetime) -> QuerySet[Message]:
    """Unread messages whose email has not gone out."""
    return Message.objects.filter(
        email_sent_at__isnull=True, read_at__isnull=True, **_due(now, "created_at")
    )


def _due(now: datetime, written: str) -> dict[str, object]:
    wait = retry_after()
    return {
        f"{written}__gte": now - GIVE_UP_AFTER,
        f"{written}__lte": now - wait,
    }


def _not_queued_recently(now: datetime) -> Q:
    """Never queued again, or long enough ago that the task (with its own retries for a
    mail server that is down, about 45 minutes) has given up or was lost."""
    return Q(email_queued_at__isnull=True) | Q(email_queued_at__lte=now - QUEUE_AGAIN_AFTER)


def queue_again(
    now: datetime,
    publish_alert: Callable[[int], None],
    publish_message: Callable[[int], None],
) -> int:
    """Queue the emails that have not gone out; returns how many were queued. A publish
    that fails (the broker went down again) stops the sweep and raises: the rows not
    queued are left for the next tick."""
    queued = 0
    for rows, publish in (
        (alerts_to_send(now), publish_alert),
        (messages_to_announce(now), publish_message),
    ):
        ids = list(
            rows.filter(_not_queued_recently(now))
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not ids:
            continue
        rows.model.objects.filter(pk__in=ids).update(email_queued_at=now)
        queued += _publish_each(ids, publish, rows.model, now)
    return queued


def _publish_each(
    ids: Sequence[int],
    publish: Callable[[int], None],
    model: type[RiskNotice] | type[Message],
    now: datetime,
) -> int:
    for n, pk in enumerate(ids):
        try:
            publish(pk)
        except Exception:
            # This one and the rest were not queued after all: the next tick takes them.
            model.objects.filter(pk__in=ids[n:], email_queued_at=now).update(email_queued_at=None)
            raise
    return len(ids)


def mark_sent(model: type[RiskNotice] | type[Message], pk: int, now: datetime) -> None:
    model.objects.filter(pk=pk, email_sent_at__isnull=True).update(email_sent_at=now)

"""Repairing what a past forward clock jump left behind in the reminders.

Before the clock guard (``program.clock_guard``), a reminder tick run under a host clock days
ahead advanced every schedule it saw to the next occurrence after that false "now": back at
the real time, those schedules sat days or weeks ahead and nobody got their reminders until
then. The guard stops new damage; this finds the old.

A schedule is *pushed ahead* when its ``next_due_at`` is later than the next occurrence its
rule gives after the real now (``reminders.planned``: the person's choices, time zone, quiet
hours, sleep window, programme). A healthy schedule is never later than that: the tick and
``refresh_schedules`` both set it to exactly that occurrence, and one already due waits for
the tick. Recomputing a pushed-ahead schedule is ``refresh_schedules`` for that kind, so a
second run finds nothing (idempotent).

The same jump wrote outbox rows (``Delivery``) for reminders not yet due; the unique
(person, kind, local date) key would then stop that real day's reminder. They are listed,
and removed only when asked (``--remove-future-deliveries``): each records a reminder sent or
skipped at the wrong time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from program.models import Delivery, ReminderPreference, ReminderSchedule


@dataclass(frozen=True)
class PushedAhead:
    schedule_id: int
    user_id: int
    kind: str
    stored: datetime
    planned: datetime

    @property
    def ahead(self) -> timedelta:
        return self.stored - self.planned


def find_pushed_ahead(now: datetime) -> list[PushedAhead]:
    """Schedules due later than their rule allows at ``now``, oldest person first."""
    from program.reminders import actions as reminders

    found: list[PushedAhead] = []
    schedules = (
        ReminderSchedule.objects.filter(next_due_at__gt=now)
        .select_related("user", "user__reminder_preference")
        .order_by("user_id", "kind")
    )
    for item in schedules.iterator(chunk_size=2000):
        user = item.user
        preference = getattr(user, "reminder_preference", None) or ReminderPreference(user=user)
        if not item.once:
            # Arithmetic first, from the schedule's own clock: most are fine, and cost no query.
            quiet = ReminderPreference(
                quiet_start=preference.quiet_start, quiet_end=preference.quiet_end
            )
            rule = reminders.occurrence_after(item.clock, item.weekday, user.zone, now, quiet)
            if item.next_due_at <= rule.due_at:
                continue
        plan = reminders.planned(user, item.kind, preference, user.local_today(now), now)
        if plan is not None and item.next_due_at > plan.occurrence.due_at:
            found.append(
                PushedAhead(item.pk, user.pk, item.kind, item.next_due_at, plan.occurrence.due_at)
            )
    return found


def recompute(found: list[PushedAhead], now: datetime) -> int:
    """Put each schedule back where its rule says; returns how many moved."""
    from accounts.models import User
    from program.reminders import actions as reminders

    users = User.objects.in_bulk({f.user_id for f in found})
    for item in found:
        reminders.refresh_schedules(users[item.user_id], now, kinds=[item.kind])
    return len(found)


def future_deliveries(now: datetime) -> list[Delivery]:
    """Outbox rows for reminders not due yet at ``now``: the tick writes a row only once
    its reminder is due, so these were written under a clock that was ahead."""
    return list(Delivery.objects.filter(due_at__gt=now).order_by("user_id", "due_at"))

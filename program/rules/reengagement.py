"""A gentle, capped reminder to come back (issue 22, part 5). No Django.

Dropout in internet-delivered CBT-I is common and early, and "difficulties resuming after a
break" is among the reasons patients give [SIMON25]. So a patient who has gone quiet (no diary
night written, no lesson opened, no sign-in) for a few days gets one kind note, and one more
some days later, and then nothing until they come back: a reminder that repeats for ever
teaches people to ignore it, or to leave.

The numbers are **the clinic's choice** [D], settings with documented defaults
(``COMEBACK_AFTER_DAYS``, ``COMEBACK_MAX_REMINDERS``; docs/configuration.md), not published
values. The rules:

1. Quiet days are counted from the patient's last sign of activity (``last_active``, a local
   date: the latest of a diary entry written, a lesson opened, a sign-in, the programme's
   start, the end of their last pause).
2. Reminder ``k`` (0-based) is due ``after_days[k]`` days after ``last_active`` (3 and 7 by
   default), and never sooner than ``after_days[k] - after_days[k-1]`` days after reminder
   ``k-1`` was sent, so a late first reminder does not bring the second one the same day.
3. At most ``max_reminders`` per absence (never more than ``len(after_days)``): reminders sent
   before ``last_active`` do not count, so coming back resets the count.
4. Never while a pause the patient took is running (they told us why they are away).
5. Only at a kind hour of the patient's day: from ``SEND_FROM`` to ``SEND_UNTIL`` local time
   (10:00 to 20:00) [D], and never in their quiet hours.
6. At most one a day (the caller's unique key per patient and local date).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from program.rules.schedule import in_quiet_hours

SEND_FROM = time(10, 0)  # [D] late enough not to wake anyone, early enough to act on it
SEND_UNTIL = time(20, 0)  # [D] not at bedtime: a note about the app is not a wind-down


@dataclass(frozen=True)
class Settings:
    """[D] The clinic's choices (defaults: settings.COMEBACK_*)."""

    after_days: tuple[int, ...] = (3, 7)
    max_reminders: int = 2

    @property
    def cap(self) -> int:
        return max(0, min(self.max_reminders, len(self.after_days)))


def kind_hour(clock: time, quiet_start: time | None, quiet_end: time | None) -> bool:
    """Rule 5: a time of day at which a come-back note may go."""
    return SEND_FROM <= clock < SEND_UNTIL and not in_quiet_hours(clock, quiet_start, quiet_end)


def due_number(
    *,
    local_now: datetime,
    last_active: date,
    sent_on: Sequence[date],
    paused: bool,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    settings: Settings = Settings(),  # frozen, so one default is safe to share
) -> int | None:
    """The number (1-based) of the come-back reminder to send now, or None.

    ``local_now`` is the patient's local wall-clock time (naive); ``sent_on`` the local
    dates earlier come-back reminders were sent on (any order, any age)."""
    if paused or not kind_hour(local_now.time(), quiet_start, quiet_end):
        return None
    today = local_now.date()
    since = sorted(day for day in sent_on if day > last_active)
    k = len(since)
    if k >= settings.cap or today in since:
        return None
    due = last_active + timedelta(days=settings.after_days[k])
    if k:
        gap = settings.after_days[k] - settings.after_days[k - 1]
        due = max(due, since[-1] + timedelta(days=max(gap, 1)))
    return k + 1 if today >= due else None

"""Local wall-clock times to UTC instants, for reminders (no Django imports).

Every reminder is "at HH:MM on the person's own clock". Beat ticks in UTC; this
module answers "when, in UTC, is the next HH:MM in this zone after that instant?",
including the two awkward cases of daylight saving time:

- a local time that does not exist (clocks spring forward over it, e.g. 02:30 on
  the last Sunday of March in Europe): the reminder goes at the same distance
  after the gap, i.e. the instant the wall clock would have shown had it not
  jumped (02:30 -> 03:30 local) — a reminder is never silently dropped;
- a local time that happens twice (clocks fall back): the first occurrence only
  (``fold=0``) — a reminder is never sent twice.

Quiet hours move a reminder that falls inside them to their end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def local_instant(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of ``clock`` on ``day`` in ``zone`` (DST handled as above)."""
    naive = datetime.combine(day, clock)
    first = naive.replace(tzinfo=zone, fold=0)
    instant = first.astimezone(UTC)
    # A wall time that does not exist does not survive the round trip: zoneinfo
    # reads it with the offset from before the change, which lands after the gap.
    return instant


def exists(day: date, clock: time, zone: ZoneInfo) -> bool:
    naive = datetime.combine(day, clock)
    back = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return back == naive


def in_quiet_hours(clock: time, start: time | None, end: time | None) -> bool:
    """Quiet hours may span midnight (22:00-07:00)."""
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= clock < end
    return clock >= start or clock < end


@dataclass(frozen=True)
class Occurrence:
    due_at: datetime  # UTC
    local_date: date  # the local date the reminder belongs to (its idempotency key)


def next_occurrence(
    clock: time,
    zone: ZoneInfo,
    after: datetime,
    *,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
) -> Occurrence:
    """The first occurrence of ``clock`` (moved out of quiet hours) strictly after ``after``.

    1. Start from the local date of ``after`` in ``zone``.
    2. Move ``clock`` to the end of quiet hours if it falls inside them.
    3. Convert with the DST rules above; if not after ``after``, try the next day.
    The local date stays the day the reminder was meant for, even when quiet hours
    push it past midnight.
    """
    effective = quiet_end if in_quiet_hours(clock, quiet_start, quiet_end) else clock
    assert effective is not None
    day = after.astimezone(zone).date() - timedelta(days=1)
    for _ in range(4):
        due_day = day + timedelta(days=1) if effective < clock else day
        instant = local_instant(due_day, effective, zone)
        if instant > after:
            return Occurrence(instant, day)
        day += timedelta(days=1)
    raise AssertionError("unreachable: a clock time recurs within two days")

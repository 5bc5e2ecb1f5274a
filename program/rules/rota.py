"""Who on the clinic's duty list is on duty at an instant (no Django): issue 16, rotas.

A clinic keeps a rota for the people on its duty list (``program.risk.models.RotaLine``,
edited by its admins on /clinic/duty/rota/). Each line is either

- a **weekly shift**: a weekday and two wall-clock times in the clinic's time zone
  (``CLINIC_TIME_ZONE``), e.g. Monday 09:00-17:00; a shift whose end is at or before its
  start runs overnight into the next day (Friday 17:00-09:00 ends Saturday 09:00), and
  one whose end equals its start lasts the whole day round (24 hours of wall clock); or
- **dates**: on duty all day, from the first day's midnight to the midnight after the
  last day, in the clinic's zone (cover for a holiday, a week on call).

The rule (design decision [D], docs/sources.md "Design decisions", ``rota``; no source
gives one):

1. A member with no line at all is always on duty: a shared inbox, or an admin who has
   not been put on the rota, keeps receiving alerts as before rotas existed.
2. A member with lines is on duty while one of them covers the instant.
3. If that leaves nobody, everyone on the list is (``route``): an alert never goes to
   nobody because a rota has a gap.

Time is real elapsed time: the wall-clock times are read in the clinic's zone on the day
of the shift, so a shift's length follows the clocks. A time that does not exist that
day (the spring-forward gap) is read with the offset before the change, and an
ambiguous one (the autumn repeat) as its first occurrence (``fold=0``), as
``working_hours`` reads opening times.

Worked examples (Europe/London; tests/program/test_rota_rules.py checks each):

- Monday 09:00-17:00: on duty on Monday 2 November 2026 at 12:00 GMT, not at 17:00
  (the end is not included) nor at 08:59;
- Friday 17:00-09:00 (overnight): on duty on Saturday 7 November 2026 at 03:00;
- Saturday 22:00-08:00 on the night the clocks go back (Saturday 24 October 2026 to
  Sunday 25 October, 02:00 BST becomes 01:00 GMT): 22:00 BST is 21:00 UTC, 08:00 GMT is
  08:00 UTC, so the shift is 11 hours long; on the spring night (Saturday 28 March
  2026 to Sunday 29 March, 01:00 GMT becomes 02:00 BST) 22:00 GMT to 08:00 BST is 22:00
  to 07:00 UTC, 9 hours;
- dates 24-26 December 2026: on duty from 24 December 00:00 GMT to 27 December 00:00 GMT.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Weekly:
    """On duty each ``weekday`` (0 is Monday) from ``starts`` to ``ends`` (overnight when
    ``ends <= starts``; the whole day round when equal)."""

    member: str
    weekday: int
    starts: time
    ends: time

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError("A weekday is 0 (Monday) to 6 (Sunday).")


@dataclass(frozen=True)
class Dates:
    """On duty all day from ``first`` to ``last``, both included."""

    member: str
    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError("The last day is before the first.")


Line = Weekly | Dates


def _instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant the wall clock in ``zone`` shows ``at`` on ``day`` (fold=0)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def span(line: Weekly, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The instants (UTC) a weekly shift starting on ``day`` covers, end excluded."""
    ends_on = day if line.ends > line.starts else day + timedelta(days=1)
    return _instant(day, line.starts, zone), _instant(ends_on, line.ends, zone)


def covers(line: Line, t: datetime, zone: ZoneInfo) -> bool:
    """Whether ``line`` covers the aware instant ``t``."""
    if t.tzinfo is None:
        raise ValueError("An instant needs a time zone.")
    t = t.astimezone(UTC)
    local = t.astimezone(zone).date()
    if isinstance(line, Dates):
        first = _instant(line.first, time(), zone)
        after = _instant(line.last + timedelta(days=1), time(), zone)
        return first <= t < after
    # A shift that covers t started on t's local day or the day before (overnight).
    for day in (local, local - timedelta(days=1)):
        if day.weekday() == line.weekday:
            starts, ends = span(line, day, zone)
            if starts <= t < ends:
                return True
    return False


def on_duty(
    members: Sequence[str], lines: Iterable[Line], t: datetime, zone: ZoneInfo
) -> list[str]:
    """The members on duty at ``t``, in the list's order: those with no line, and those
    with a line covering ``t`` (rules 1 and 2; may be empty)."""
    with_lines: set[str] = set()
    covered: set[str] = set()
    for line in lines:
        with_lines.add(line.member)
        if covers(line, t, zone):
            covered.add(line.member)
    return [m for m in members if m not in with_lines or m in covered]


def route(members: Sequence[str], lines: Iterable[Line], t: datetime, zone: ZoneInfo) -> list[str]:
    """Whom to tell at ``t``: ``on_duty``, or the whole list when nobody is (rule 3)."""
    return on_duty(members, lines, t, zone) or list(members)

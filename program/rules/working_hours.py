"""The clinic's working hours, and N working hours after an instant (no Django): issue 16.

An alert nobody acknowledges is escalated after a clinic-set number of *working* hours
(``RISK_ESCALATE_AFTER_HOURS``, default 4): the hours the clinic is open, in the clinic's
own time zone (``CLINIC_HOURS``, ``CLINIC_TIME_ZONE``). Design decision (docs/sources.md
[D], "Design decisions", ``working_hours``): no source gives a figure; the issue's
"4 working hours" is the default, and out of hours the alert still goes at once to the
therapist and the duty list, only the escalation clock stops.

The hours are written the way a clinic states them: one or more day ranges with their
times, separated by ``;``::

    Mon-Fri 09:00-17:00
    Mon-Thu 08:30-18:00; Fri 08:30-16:00
    Mon,Wed,Fri 09:00-13:00
    Mon-Sun 00:00-24:00          (always open: working hours are clock hours)

A day range wraps (``Sat-Mon``); ``24:00`` closes at midnight; a period may not cross
midnight, and a day may have only one period. Anything else is refused with a
``ValueError`` that says what is wrong (the settings turn it into an error at start-up).

Time is counted in real elapsed time, in the clinic's zone: on the night the clocks go
forward an ``00:00-24:00`` day is 23 hours long, and a period's opening time that does
not exist that day (a 01:30 opening when 01:00-02:00 is skipped) is read with the offset
before the change, as ``sleep.resolve_clock_time`` reads a diary time.

Worked examples (Europe/London, ``Mon-Fri 09:00-17:00``, 4 working hours; the tests in
tests/program/test_working_hours.py check each):

- raised Tuesday 10:00 → Tuesday 14:00 (open all the time: 4 clock hours);
- raised Tuesday 15:00 → Wednesday 11:00 (2 hours Tuesday, 2 Wednesday);
- raised Friday 16:00 → Monday 12:00 (1 hour Friday, 3 Monday);
- raised Saturday 23:00 → Monday 13:00 (nothing counts until Monday 09:00);
- raised Friday 27 March 2026 16:00 GMT → Monday 30 March 12:00 BST, which is 11:00 UTC:
  67 clock hours later, not 68, because the clocks went forward on the Sunday.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# How far ahead to look for open hours: a schedule that opens at all opens within a week.
_SEARCH_DAYS = 8

_PERIOD = re.compile(
    r"^\s*(?P<days>[A-Za-z]{3}(?:\s*-\s*[A-Za-z]{3}|(?:\s*,\s*[A-Za-z]{3})*))\s+"
    r"(?P<open>\d{1,2}:\d{2})\s*-\s*(?P<close>\d{1,2}:\d{2})\s*$"
)


@dataclass(frozen=True)
class Period:
    """Open from ``opens`` to ``closes`` (minutes after midnight, ``closes`` up to 1440)
    on each weekday in ``days`` (0 is Monday)."""

    days: frozenset[int]
    opens: int
    closes: int


@dataclass(frozen=True)
class Hours:
    periods: tuple[Period, ...]
    zone: ZoneInfo

    def period_on(self, weekday: int) -> Period | None:
        for period in self.periods:
            if weekday in period.days:
                return period
        return None


def _day(name: str) -> int:
    try:
        return [d.lower() for d in DAYS].index(name.strip().lower())
    except ValueError:
        raise ValueError(f"{name.strip()!r} is not a day; use {', '.join(DAYS)}") from None


def _minutes(text: str) -> int:
    hours, minutes = (int(part) for part in text.split(":"))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ValueError(f"{text!r} is not a time of day (00:00 to 24:00)")
    return hours * 60 + minutes


def _days(text: str) -> frozenset[int]:
    if "-" in text:
        first, last = (_day(part) for part in text.split("-"))
        span = (last - first) % 7
        return frozenset((first + i) % 7 for i in range(span + 1))
    return frozenset(_day(part) for part in text.split(","))


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name`` (``Europe/London``); a ValueError if there is none."""
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone (e.g. Europe/London)") from None


def parse(text: str, zone_name: str) -> Hours:
    """The hours ``text`` (``Mon-Fri 09:00-17:00``) in the zone ``zone_name``; a
    ValueError naming what is wrong for anything else, or for hours that never open."""
    periods = []
    taken: set[int] = set()
    for part in text.split(";"):
        match = _PERIOD.match(part)
        if not match:
            raise ValueError(
                f"{part.strip()!r} is not opening hours; write e.g. 'Mon-Fri 09:00-17:00'"
            )
        days = _days(match["days"])
        opens, closes = _minutes(match["open"]), _minutes(match["close"])
        if closes <= opens:
            raise ValueError(f"{part.strip()!r} closes before it opens (or crosses midnight)")
        if days & taken:
            raise ValueError(f"{part.strip()!r} gives a day a second period")
        taken |= days
        periods.append(Period(days, opens, closes))
    return Hours(tuple(periods), zone(zone_name))


def _at(day: date, minutes: int, tz: ZoneInfo) -> datetime:
    """The instant of ``minutes`` after local midnight on ``day`` (1440: the next
    midnight), in UTC; a skipped local time is read with the offset before the change."""
    local = datetime.combine(day, time()) + timedelta(minutes=minutes)
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


Span = tuple[datetime, datetime]


def open_spans(hours: Hours, start: datetime, days: int = _SEARCH_DAYS) -> list[Span]:
    """The open periods, as UTC instants, of the ``days`` local days from ``start``'s own
    (the day before included, for a period still open at ``start``), in order."""
    first = start.astimezone(hours.zone).date() - timedelta(days=1)
    spans = []
    for offset in range(days + 1):
        day = first + timedelta(days=offset)
        period = hours.period_on(day.weekday())
        if period is not None:
            begins, ends = _at(day, period.opens, hours.zone), _at(day, period.closes, hours.zone)
            if ends > begins:
                spans.append((begins, ends))
    return spans


def add(start: datetime, working_hours: float, hours: Hours) -> datetime:
    """The instant ``working_hours`` of the clinic's open time after ``start`` (aware).

    Only open time counts: from ``start`` if the clinic is open then, else from its next
    opening. Zero hours is ``start`` itself. The result is always an open instant (an
    instant at closing time counts as open), except ``start`` itself for zero hours."""
    remaining = timedelta(hours=working_hours)
    if remaining < timedelta(0):
        raise ValueError("working hours cannot be negative")
    if remaining == timedelta(0):
        return start
    cursor = start.astimezone(UTC)
    while True:
        before = cursor
        for begins, ends in open_spans(hours, cursor):
            if ends <= cursor:
                continue
            begins = max(begins, cursor)
            if remaining <= ends - begins:
                return begins + remaining
            remaining -= ends - begins
            cursor = ends
        if cursor == before:  # a week with no open time after the cursor: never opens
            raise ValueError("the clinic's hours never open")


def is_open(instant: datetime, hours: Hours) -> bool:
    """Whether the clinic is open at ``instant`` (opening time included, closing not)."""
    return any(b <= instant < e for b, e in open_spans(hours, instant, days=1))


def next_opening(instant: datetime, hours: Hours) -> datetime:
    """When the clinic next opens at or after ``instant`` (``instant`` itself if open)."""
    for begins, ends in open_spans(hours, instant):
        if begins <= instant < ends:
            return instant
        if begins > instant:
            return begins
    raise ValueError("the clinic's hours never open")


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def write(week: dict[int, tuple[int, int]]) -> str:
    """The hours text of ``week`` (weekday, 0 is Monday → opens, closes in minutes after
    midnight; a day left out is closed), as ``parse`` reads it: days in a row with the
    same times as one range. ``{0: (540, 1020), …, 4: (540, 1020)}`` → ``Mon-Fri
    09:00-17:00``. Empty for a week with no open day (which ``parse`` refuses)."""
    parts: list[str] = []
    run: list[int] = []
    for day in [*range(7), 7]:
        if run and (day == 7 or week.get(day) != week[run[0]]):
            names = DAYS[run[0]] if len(run) == 1 else f"{DAYS[run[0]]}-{DAYS[run[-1]]}"
            opens, closes = week[run[0]]
            parts.append(f"{names} {_clock(opens)}-{_clock(closes)}")
            run = []
        if day < 7 and day in week:
            run.append(day)
    return "; ".join(parts)


def always_open(hours: Hours) -> bool:
    """Open every day from 00:00 to 24:00: working hours are clock hours."""
    return all(
        (p := hours.period_on(d)) is not None and p.opens == 0 and p.closes == 1440
        for d in range(7)
    )

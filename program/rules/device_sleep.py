"""Sleep a device recorded (a watch, a ring, a phone), read beside the diary.

A pure module: no Django imports. Tested with worked examples and hypothesis
properties in tests/program/test_device_sleep_rules.py.

What a device gives is a list of periods (instants, not clock times), each one
stage: in bed, asleep (with or without a stage), or awake. This module assigns
each period to a morning by the diary's own rule and sums a night's minutes in
bed and asleep. The diary stays the input to the sleep window; these figures
are only shown beside it.

Sources (keys in docs/sources.md):
- [APPLE-HK] Apple's HealthKit documentation of ``HKCategoryValueSleepAnalysis``:
  the stages inBed, asleepUnspecified, awake, asleepCore (N1 and N2),
  asleepDeep (N3), asleepREM (REM), and the older ``asleep`` (until iOS 16).
- [CSD] the diary date is the morning's date; [CBTIC] the 16:00 pivot, read
  from ``sleep.EVENING_PIVOT`` so the two rules cannot drift apart.
- [D] design decisions, listed in docs/sources.md: in bed is the union of every
  period of the night; one source per night (the one that saw most sleep); a
  night is flagged when total sleep differs by more than the therapist's
  threshold, an hour unless they set another.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from program.rules.sleep import EVENING_PIVOT


class Stage(enum.StrEnum):
    """A period's stage [APPLE-HK]."""

    IN_BED = "in_bed"
    AWAKE = "awake"
    ASLEEP = "asleep"  # the stage is not known (asleepUnspecified, or the older asleep)
    CORE = "core"  # N1 and N2
    DEEP = "deep"  # N3
    REM = "rem"


ASLEEP_STAGES = frozenset({Stage.ASLEEP, Stage.CORE, Stage.DEEP, Stage.REM})


@dataclass(frozen=True)
class Period:
    """One recorded period: ``start`` and ``end`` are aware instants."""

    source: str
    stage: Stage
    start: datetime
    end: datetime


@dataclass(frozen=True)
class DeviceNight:
    """One night as one source recorded it, for the morning ``diary_date``.

    ``asleep_min`` is None when the source recorded no sleep at all (a phone's
    bedtime schedule records only time in bed).
    """

    diary_date: date
    source: str
    in_bed_min: int
    asleep_min: int | None
    first_start: datetime
    last_end: datetime
    periods: int
    other_sources: tuple[str, ...] = ()


def morning_of(start: datetime, zone: ZoneInfo) -> date:
    """The diary date (the morning's date [CSD]) of a period starting at ``start``.

    The diary reads a bedtime at or after 16:00 as the evening before its date and
    one before 16:00 as on its date [CBTIC]; this is the same rule read backwards:
    the instant is put on the patient's wall clock, and a start at or after 16:00
    belongs to the next morning, one before 16:00 to that day's morning.

    DST (our decision): the instant is converted, never a clock time, so there is
    no skipped or repeated time to choose between: a night that starts at 23:10
    before the clocks change keeps its evening date whatever the offset is when
    it ends. Periods are counted by their start, so every period of one night
    (16:00 to 16:00) lands on the same morning.
    """
    local = start.astimezone(zone)
    day = local.date()
    return day + timedelta(days=1) if local.time() >= EVENING_PIVOT else day


def union_minutes(intervals: Iterable[tuple[datetime, datetime]]) -> int:
    """Whole minutes covered by ``intervals`` (overlaps counted once), in UTC.

    Like ``sleep.minutes_between``, lengths are taken in UTC so a DST change
    does not add or lose an hour; seconds left over are dropped.
    """
    spans = sorted((a.astimezone(UTC), b.astimezone(UTC)) for a, b in intervals if b > a)
    total = 0.0
    current_start: datetime | None = None
    current_end: datetime | None = None
    for a, b in spans:
        if current_end is None or current_start is None or a > current_end:
            if current_end is not None and current_start is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = a, b
        elif b > current_end:
            current_end = b
    if current_end is not None and current_start is not None:
        total += (current_end - current_start).total_seconds()
    return int(total // 60)


def summarise_source(diary_date: date, source: str, periods: Iterable[Period]) -> DeviceNight:
    """One source's night: minutes in bed and asleep.

    In bed [D]: the union of every period, in bed, asleep or awake (a watch that
    records stages but no "in bed" period still says when the night began and
    ended). Asleep: the union of the asleep stages [APPLE-HK]; overlaps are
    counted once, so a period sent twice never counts twice.
    """
    rows = list(periods)
    asleep = [(p.start, p.end) for p in rows if p.stage in ASLEEP_STAGES]
    return DeviceNight(
        diary_date=diary_date,
        source=source,
        in_bed_min=union_minutes((p.start, p.end) for p in rows),
        asleep_min=union_minutes(asleep) if asleep else None,
        first_start=min(p.start for p in rows),
        last_end=max(p.end for p in rows),
        periods=len(rows),
    )


def choose(candidates: Iterable[DeviceNight]) -> DeviceNight:
    """The one night shown when several sources recorded the same morning [D].

    Their periods are not mixed: the night shown is the source that recorded the most
    sleep (then the most time in bed, then by name, so the choice is stable), and the
    others are named in ``other_sources``.
    """
    ordered = sorted(candidates, key=lambda n: (-(n.asleep_min or 0), -n.in_bed_min, n.source))
    if not ordered:
        raise ValueError("no night to choose from")
    return dataclasses.replace(ordered[0], other_sources=tuple(n.source for n in ordered[1:]))


def nights(periods: Iterable[Period], zone: ZoneInfo) -> dict[date, DeviceNight]:
    """Each morning's night (one source per morning, see ``choose``)."""
    grouped: dict[date, dict[str, list[Period]]] = {}
    for p in periods:
        grouped.setdefault(morning_of(p.start, zone), {}).setdefault(p.source, []).append(p)
    return {
        day: choose(summarise_source(day, source, rows) for source, rows in sources.items())
        for day, sources in grouped.items()
    }


def difference(device_min: int | None, diary_min: int | None) -> int | None:
    """Device minus diary, in minutes (positive: the device counted more)."""
    if device_min is None or diary_min is None:
        return None
    return device_min - diary_min


# The therapist's threshold for flagging a night [D]: a difference in total sleep of more
# than this many minutes between the device and the diary. An hour by default (the hour is
# our choice): consumer trackers agree poorly with polysomnography [BARON17], so a small
# threshold would flag most nights; the therapist sets it per patient, 10 to 600 minutes.
DEFAULT_FLAG_MIN = 60
FLAG_MIN_LOWEST = 10
FLAG_MIN_HIGHEST = 600


def disagrees(device_asleep: int | None, diary_asleep: int | None, threshold: int) -> bool:
    """Whether a night's total sleep differs by *more than* ``threshold`` minutes [D].

    A night without both figures (no diary entry, or a device that recorded no sleep)
    is never flagged: a missing figure is not a disagreement. Only compares: the diary,
    its metrics and the sleep window are never changed by a flag.
    """
    gap = difference(device_asleep, diary_asleep)
    return gap is not None and abs(gap) > threshold


def count_disagreeing(pairs: Iterable[tuple[int | None, int | None]], threshold: int) -> int:
    """How many (device asleep, diary asleep) pairs ``disagrees`` flags."""
    return sum(1 for device, diary in pairs if disagrees(device, diary, threshold))

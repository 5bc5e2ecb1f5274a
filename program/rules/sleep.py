"""Sleep-diary rules: resolving clock times, validating a night, and its metrics.

A pure module: no Django imports, plain dataclasses and functions, tested with
hand-worked examples and hypothesis properties (tests/program/test_sleep.py).

Sources (keys in docs/sources.md):
- [CSD] Carney CE et al. The Consensus Sleep Diary: standardizing prospective
  sleep self-monitoring. SLEEP 2012;35(2):287-302 — items, the diary date
  (the morning's date), TST, SE ("percent of time asleep out of time in bed").
- [CBTIC] CBT-i Coach (US VA/DoD, Android source, 2016): the 16:00 pivot for
  clock-only times, lights-out-based TIB as an option, nap minutes kept apart
  from nocturnal TST, and the plausibility thresholds used for warnings.
- [PULSE] weekly SE = average sleep time / average time in bed over the
  seven days, i.e. the ratio of the sums, not the mean of nightly SE.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from statistics import fmean
from zoneinfo import ZoneInfo

METRICS_VERSION = 1

# [CBTIC]: a clock time at or after 16:00 belongs to the evening before the
# diary date, one before 16:00 to the diary date itself. Day-sleepers, whose
# nights break this rule, give explicit dates instead.
EVENING_PIVOT = time(16, 0)

# Warning thresholds, in minutes [CBTIC; docs/clinical-rules.md].
LONG_TIME_IN_BED = 600  # more than 10 h in bed
LONG_SLEEP = 600  # more than 10 h asleep
SHORT_SLEEP = 300  # less than 5 h asleep
LONG_AWAKE = 180  # more than 3 h awake (latency + awakenings)
# Naps or dozing of more than 3 h in the day (design decision, docs/sources.md): the
# programme's one nap is 15-30 minutes [CBTIC; ISLEEP], and CBT-i Coach, which asks the
# naps' length, checks nothing of it. More than 3 h is possible (illness, after a night
# shift) but more often a slip (the night's sleep typed as a nap, hours as minutes), so
# it is a warning, as the long nights above are, not an error.
LONG_NAP = 180
# A night in bed longer than a day cannot be one night: an error, not a warning. Nor can
# the day's naps and the night in bed come to a day or more (the naps are the day before
# the night: design decision, docs/sources.md).
MAX_TIME_IN_BED = 24 * 60


class SEDenominator(enum.StrEnum):
    """What sleep efficiency divides by (a protocol's named choice).

    IN_BED: time from getting into bed to getting out of it — the CSD's
    definition and our default for reporting [CSD].
    LIGHTS_OUT: time from trying to sleep to getting out of bed — CBT-i Coach's
    denominator; a protocol may choose it when stimulus control keeps
    non-sleep activity out of bed [CBTIC].
    """

    IN_BED = "in_bed"
    LIGHTS_OUT = "lights_out"


def resolve_clock_time(diary_date: date, clock: time, zone: ZoneInfo) -> datetime:
    """The aware instant a clock-only diary time means.

    1. Times at or after 16:00 are on the evening before ``diary_date``; times
       before 16:00 are on ``diary_date`` itself [CBTIC]. So a bedtime of 00:40
       lands on the diary date, never on the previous day [CSD: the diary date
       is the morning's date].
    2. The wall-clock time is placed in the patient's IANA zone.

    DST (our decision): a time that does not exist (skipped by a spring-forward
    change, e.g. 02:30) is read with ``fold=0`` — as the offset before the
    change, which lands one hour later in the new offset; a time that happens
    twice (autumn) is taken as its first occurrence (``fold=0``). Elapsed
    minutes are then computed in UTC, so they are true lengths.
    """
    day = diary_date - timedelta(days=1) if clock >= EVENING_PIVOT else diary_date
    return datetime.combine(day, clock, tzinfo=zone)


def local_datetime(day: date, clock: time, zone: ZoneInfo) -> datetime:
    """An explicit date and clock time (for day-sleepers) in the patient's zone."""
    return datetime.combine(day, clock, tzinfo=zone)


def minutes_between(start: datetime, end: datetime) -> int:
    """Elapsed whole minutes from ``start`` to ``end``, computed in UTC.

    Subtracting aware datetimes of one ZoneInfo compares wall clocks, which is
    an hour wrong across a DST change; converting to UTC first is not.
    Seconds are dropped (diary times are given to the minute).
    """
    delta = end.astimezone(UTC) - start.astimezone(UTC)
    return int(delta.total_seconds() // 60)


@dataclass(frozen=True)
class Night:
    """One diary entry's answers: four instants and the durations reported [CSD]."""

    into_bed: datetime
    lights_off: datetime
    sleep_latency_min: int
    awakenings: int
    awake_min: int
    final_wake: datetime
    out_of_bed: datetime
    nap_min: int = 0


@dataclass(frozen=True)
class NightMetrics:
    """A night's derived measures, in minutes (SE in percent, unrounded)."""

    time_in_bed: int  # into bed -> out of bed [CSD]
    time_in_bed_from_lights_out: int  # lights out -> out of bed [CBTIC]
    sleep_latency: int  # SOL, reported, from lights out [CSD]
    wake_after_sleep_onset: int  # WASO, reported, not counting the final awakening [CSD]
    awakenings: int  # not counting the final awakening [CSD]
    terminal_wake: int  # final awakening -> out of bed (lingering in bed)
    total_sleep: int  # (lights out -> final awakening) - SOL - WASO [CSD, CBTIC]
    sleep_efficiency: float  # 100 x TST / TIB (into bed) [CSD]
    sleep_efficiency_from_lights_out: float  # 100 x TST / TIB (lights out) [CBTIC]
    nap: int  # reported apart; never added to the night's TST [CBTIC]

    def efficiency(self, denominator: SEDenominator = SEDenominator.IN_BED) -> float:
        if denominator is SEDenominator.LIGHTS_OUT:
            return self.sleep_efficiency_from_lights_out
        return self.sleep_efficiency

    def tib(self, denominator: SEDenominator = SEDenominator.IN_BED) -> int:
        if denominator is SEDenominator.LIGHTS_OUT:
            return self.time_in_bed_from_lights_out
        return self.time_in_bed


def _percent(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole > 0 else 0.0


def night_metrics(night: Night) -> NightMetrics:
    """Derive a night's measures from its answers (a valid night: see ``check_night``).

    1. TIB = into bed -> out of bed; TIB(lights out) = lights out -> out of bed.
    2. Sleep span = lights out -> final awakening.
    3. TST = span - SOL - WASO, never below zero [CSD].
    4. Terminal wakefulness = final awakening -> out of bed.
    5. SE = 100 x TST / TIB, unrounded (thresholds compare unrounded values).
    Naps are carried through untouched: 24-hour sleep is TST + naps, reported
    separately, and never in the night's SE [CBTIC].
    """
    tib = minutes_between(night.into_bed, night.out_of_bed)
    tib_lights = minutes_between(night.lights_off, night.out_of_bed)
    span = minutes_between(night.lights_off, night.final_wake)
    tst = max(0, span - night.sleep_latency_min - night.awake_min)
    return NightMetrics(
        time_in_bed=tib,
        time_in_bed_from_lights_out=tib_lights,
        sleep_latency=night.sleep_latency_min,
        wake_after_sleep_onset=night.awake_min,
        awakenings=night.awakenings,
        terminal_wake=minutes_between(night.final_wake, night.out_of_bed),
        total_sleep=tst,
        sleep_efficiency=_percent(tst, tib),
        sleep_efficiency_from_lights_out=_percent(tst, tib_lights),
        nap=night.nap_min,
    )


class IssueCode(enum.StrEnum):
    """What is wrong, or unusual, about a night's answers. The words for each are at
    the Django boundary (``program.clinical_text.NIGHT_WORDS``), in the reader's
    language; this module gives only the code and its figures."""

    # Errors.
    NEGATIVE = "negative"
    LIGHTS_OFF_BEFORE_BED = "lights_off_before_bed"
    FINAL_WAKE_BEFORE_LIGHTS_OFF = "final_wake_before_lights_off"
    OUT_BEFORE_FINAL_WAKE = "out_before_final_wake"
    OVER_A_DAY = "over_a_day"  # minutes: time in bed
    NAPS_OVER_A_DAY = "naps_over_a_day"  # minutes: naps + time in bed
    AWAKE_OVER_SPAN = "awake_over_span"  # latency, awake, total, span (minutes)
    # Warnings.
    LONG_IN_BED = "long_in_bed"  # minutes: time in bed
    LONG_SLEEP = "long_sleep"  # minutes: total sleep
    SHORT_SLEEP = "short_sleep"  # minutes: total sleep
    LONG_AWAKE = "long_awake"  # minutes: latency + awake
    AWAKE_WITHOUT_AWAKENINGS = "awake_without_awakenings"
    LONG_NAP = "long_nap"  # minutes: naps and dozing


@dataclass(frozen=True)
class Issue:
    """One problem with a night: its code, the answer it is on (errors only) and the
    figures its sentence quotes, by name."""

    code: IssueCode
    field: str = ""
    params: Mapping[str, int] = dataclasses.field(default_factory=dict)


@dataclass
class NightCheck:
    """Problems with a night's answers: errors (each on a field) block saving; warnings
    do not."""

    errors: list[Issue] = dataclasses.field(default_factory=list)
    warnings: list[Issue] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _hours(minutes: int) -> str:
    hours, mins = divmod(minutes, 60)
    if not hours:
        return f"{mins} min"
    return f"{hours} h {mins:02d} min" if mins else f"{hours} h"


def check_night(night: Night) -> NightCheck:
    """Validate a night: ordering and arithmetic are errors; the unusual is a warning.

    Errors [CSD ordering; docs/clinical-rules.md], each on the field most likely wrong:
    1. into bed <= lights out <= final awakening <= out of bed;
    2. minutes to fall asleep + minutes awake fit between lights out and the
       final awakening (else TST would be negative);
    3. no negative durations; no "night" of 24 h or more in bed, nor naps and a night
       in bed that come to 24 h or more.
    Warnings [CBTIC thresholds]: more than 10 h in bed or asleep, less than
    5 h asleep, more than 3 h awake, awake minutes given with no awakenings; and
    more than 3 h of naps (``LONG_NAP``, design decision).
    """
    check = NightCheck()
    for name in ("sleep_latency_min", "awakenings", "awake_min", "nap_min"):
        if getattr(night, name) < 0:
            check.errors.append(Issue(IssueCode.NEGATIVE, name))
    if night.lights_off < night.into_bed:
        check.errors.append(Issue(IssueCode.LIGHTS_OFF_BEFORE_BED, "lights_off"))
    if night.final_wake < night.lights_off:
        check.errors.append(Issue(IssueCode.FINAL_WAKE_BEFORE_LIGHTS_OFF, "final_wake"))
    if night.out_of_bed < night.final_wake:
        check.errors.append(Issue(IssueCode.OUT_BEFORE_FINAL_WAKE, "out_of_bed"))
    if check.errors:
        return check

    tib = minutes_between(night.into_bed, night.out_of_bed)
    if tib >= MAX_TIME_IN_BED:
        check.errors.append(Issue(IssueCode.OVER_A_DAY, "out_of_bed", {"minutes": tib}))
        return check
    if tib + night.nap_min >= MAX_TIME_IN_BED:
        figures = {"minutes": tib + night.nap_min}
        check.errors.append(Issue(IssueCode.NAPS_OVER_A_DAY, "nap_min", figures))
        return check
    span = minutes_between(night.lights_off, night.final_wake)
    awake = night.sleep_latency_min + night.awake_min
    if awake > span:
        figures = {
            "latency": night.sleep_latency_min,
            "awake": night.awake_min,
            "total": awake,
            "span": span,
        }
        # On the minutes to fall asleep when they alone are longer than the night (600
        # typed for 60); otherwise on the minutes awake, the figure added last.
        field = "sleep_latency_min" if night.sleep_latency_min > span else "awake_min"
        check.errors.append(Issue(IssueCode.AWAKE_OVER_SPAN, field, figures))
        return check

    metrics = night_metrics(night)
    if tib > LONG_TIME_IN_BED:
        check.warnings.append(Issue(IssueCode.LONG_IN_BED, params={"minutes": tib}))
    if metrics.total_sleep > LONG_SLEEP:
        check.warnings.append(Issue(IssueCode.LONG_SLEEP, params={"minutes": metrics.total_sleep}))
    if metrics.total_sleep < SHORT_SLEEP:
        check.warnings.append(Issue(IssueCode.SHORT_SLEEP, params={"minutes": metrics.total_sleep}))
    if awake > LONG_AWAKE:
        check.warnings.append(Issue(IssueCode.LONG_AWAKE, params={"minutes": awake}))
    if night.awakenings == 0 and night.awake_min > 0:
        check.warnings.append(Issue(IssueCode.AWAKE_WITHOUT_AWAKENINGS))
    if night.nap_min > LONG_NAP:
        check.warnings.append(Issue(IssueCode.LONG_NAP, params={"minutes": night.nap_min}))
    return check


@dataclass(frozen=True)
class Summary:
    """Metrics over a set of nights (a week, or any date range).

    Means are over the nights recorded: a missing night is missing, never a
    zero. ``sleep_efficiency`` is 100 x sum(TST) / sum(TIB) [PULSE], not the
    mean of nightly percentages, which can differ enough to flip a decision.
    """

    nights: int
    mean_time_in_bed: float | None
    mean_total_sleep: float | None
    mean_sleep_latency: float | None
    mean_wake_after_sleep_onset: float | None
    mean_awakenings: float | None
    mean_terminal_wake: float | None
    mean_nap: float | None
    sleep_efficiency: float | None


def summarise(
    nights: Iterable[NightMetrics], denominator: SEDenominator = SEDenominator.IN_BED
) -> Summary:
    items = list(nights)
    if not items:
        return Summary(0, None, None, None, None, None, None, None, None)

    def mean(values: Iterable[float]) -> float:
        return fmean(values)

    total_tib = sum(n.tib(denominator) for n in items)
    return Summary(
        nights=len(items),
        mean_time_in_bed=mean(n.tib(denominator) for n in items),
        mean_total_sleep=mean(n.total_sleep for n in items),
        mean_sleep_latency=mean(n.sleep_latency for n in items),
        mean_wake_after_sleep_onset=mean(n.wake_after_sleep_onset for n in items),
        mean_awakenings=mean(n.awakenings for n in items),
        mean_terminal_wake=mean(n.terminal_wake for n in items),
        mean_nap=mean(n.nap for n in items),
        sleep_efficiency=_percent(sum(n.total_sleep for n in items), total_tib),
    )


def week_index(diary_date: date, start: date) -> int:
    """The 1-based programme week a diary date falls in (0 or less: before the start)."""
    return (diary_date - start).days // 7 + 1


def group_by_week(
    dated: Sequence[tuple[date, NightMetrics]], start: date
) -> dict[int, list[NightMetrics]]:
    """Nights grouped by programme week, counted from ``start``."""
    weeks: dict[int, list[NightMetrics]] = {}
    for day, metrics in dated:
        weeks.setdefault(week_index(day, start), []).append(metrics)
    return dict(sorted(weeks.items()))


def percent(value: float) -> Decimal:
    """A percentage (sleep efficiency) to one decimal, rounded half up from the decimal
    the number was written as: 85.75 is 85.8, 65.85 is 65.9, 89.996 is 90.0. The one
    rounding every surface uses (messages, tables, charts, the PDF, the CSV, the API,
    the explanations), so a night never shows two figures. [Design decision: half up is
    how people round by hand; Python's own rounding of a float would give 65.8 for
    65.85, which is stored as 65.8499….]"""
    return Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def format_minutes(minutes: float | None) -> str:
    """6 h 05 min, for people; None shows as a dash."""
    if minutes is None:
        return "–"
    return _hours(round(minutes))

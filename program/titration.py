"""Sleep restriction therapy: the initial sleep window and its weekly titration.

A pure module: no Django imports. A protocol is data (``Protocol``), not a code
path; the shipped protocols live as database rows (a data migration) built from
``SHIPPED`` below, so an admin can add new versions.

Sources (keys as in ../shared/CLINICAL.md, section (b)):
- [SPIELMAN87] Spielman AJ, Saskin P, Thorpy MJ. Treatment of chronic insomnia by
  restriction of time in bed. Sleep 1987;10:45-56 — window = mean TST, floor
  4.5 h, +15 min after a week at SE >= 90%. Its "reduce to mean TST below 85%"
  is as reported in summaries; the original text was not checked here.
- [BSM-SRT] Behavioral Treatments for Sleep Disorders (2011), ch. 1: indication
  SE < 85%, lowered by 5 points (< 80%) for older people; contraindications.
- [COMMON] the weekly rule of session guides (e.g. Perlis et al. 2005): >= 90%
  +15 min, 85-90% hold, < 85% -15 min, floor 5 h — as commonly summarised; the
  book itself was not checked here.
- [BBTI] AASM provider fact sheet for Brief Behavioral Treatment for Insomnia
  (Buysse, Germain, Troxel): initial window = mean TST + 30 min.
- [BSM-COMP] Lichstein KL et al. Sleep compression, in Behavioral Treatments for
  Sleep Disorders (2011), ch. 5: time in bed stepped down gradually from the
  baseline toward TST. The equal weekly step of (TIB - TST) / 5 is a common
  reading; the chapter's exact step was not checked here.
- [CBTIC] CBT-i Coach: at least 5 diary nights in the past 7 for a weekly review.
- [CBTI-MOBILE] an open-source implementation: at least 7 valid nights in the
  last 14 for the initial window.
- Clinician review below 70% SE or at the floor while SE stays low, and holding
  reductions while very sleepy: design decisions recorded in CLINICAL.md (b)
  "Safety gates", informed by Kyle et al. SLEEP 2014 and Maurer et al. SLEEP 2022.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

# Clinician review when a week's SE is this low, whatever the protocol [design decision].
REVIEW_SE = 70.0
OLDER_ADULT_AGE = 65  # [BSM-SRT] "older individuals"; the age cut-off is a design decision


class InitialRule(enum.StrEnum):
    MEAN_TST = "mean_tst"  # [SPIELMAN87], [COMMON]
    MEAN_TST_PLUS = "mean_tst_plus"  # [BBTI]: mean TST + initial_offset_min (30)
    COMPRESSION = "compression"  # [BSM-COMP]: start from the current mean time in bed


class ReduceMode(enum.StrEnum):
    STEP = "step"  # minus step_down_min [COMMON]
    TO_MEAN_TST = "to_mean_tst"  # back to the week's mean TST [SPIELMAN87, as summarised]
    COMPRESSION = "compression"  # minus an equal share of (baseline TIB - TST) [BSM-COMP]


class Rule(enum.StrEnum):
    """Which rule fired; stored with every change and shown to both users."""

    INITIAL = "initial"
    EXTEND = "extend"
    HOLD = "hold"
    REDUCE = "reduce"
    COMPRESS = "compress"
    NOT_ENOUGH_DIARY = "not_enough_diary"
    SLEEPY_HOLD = "sleepy_hold"


class Flag(enum.StrEnum):
    AT_FLOOR_LOW_SE = "at_floor_low_se"
    VERY_LOW_SE = "very_low_se"
    SLEEPY = "sleepy"


@dataclass(frozen=True)
class Protocol:
    key: str
    name: str
    initial_rule: InitialRule
    floor_min: int
    ceiling_min: int = 540  # 9 h [design decision: no window needs more]
    round_to_min: int = 15  # [CLINICAL.md (b): 15-minute steps are typical]
    extend_at: float = 90.0
    reduce_below: float = 85.0
    step_up_min: int = 15
    step_down_min: int = 15
    reduce_mode: ReduceMode = ReduceMode.STEP
    se_denominator: str = "in_bed"  # see program.sleep.SEDenominator
    min_nights: int = 5  # [CBTIC]
    lookback_days: int = 7
    baseline_min_nights: int = 7  # [CBTI-MOBILE]
    baseline_lookback_days: int = 14
    initial_offset_min: int = 0
    age_adjust: bool = False  # lower both thresholds by 5 points from OLDER_ADULT_AGE
    compression_weeks: int = 5  # [BSM-COMP], as commonly read


SHIPPED: tuple[Protocol, ...] = (
    Protocol("weekly-90-85", "Weekly rule (90/85)", InitialRule.MEAN_TST, floor_min=300),
    Protocol(
        "older-85-80",
        "Weekly rule for older adults (85/80)",
        InitialRule.MEAN_TST,
        floor_min=300,
        extend_at=85.0,
        reduce_below=80.0,
    ),
    Protocol(
        "spielman-1987",
        "Spielman 1987",
        InitialRule.MEAN_TST,
        floor_min=270,
        reduce_mode=ReduceMode.TO_MEAN_TST,
    ),
    Protocol(
        "bbti",
        "Brief behavioural treatment (BBTI)",
        InitialRule.MEAN_TST_PLUS,
        floor_min=300,
        initial_offset_min=30,
    ),
    Protocol(
        "compression",
        "Sleep compression (gentler)",
        InitialRule.COMPRESSION,
        floor_min=300,
        reduce_mode=ReduceMode.COMPRESSION,
    ),
)


@dataclass(frozen=True)
class NightFigures:
    """What titration needs from one diary night (minutes). ``diary_date`` is the
    morning's date: the night of the evening before."""

    diary_date: date
    total_sleep: int
    time_in_bed: int  # by the protocol's SE denominator
    unusual: bool = False


@dataclass(frozen=True)
class Decision:
    window_min: int
    rule: Rule
    nights: int
    sleep_efficiency: float | None
    mean_total_sleep: float | None
    mean_time_in_bed: float | None
    extend_at: float
    reduce_below: float
    previous_window_min: int | None = None
    flags: tuple[Flag, ...] = field(default_factory=tuple)
    # The mornings read (both included) and the nights a week needs.
    first_morning: date | None = None
    last_morning: date | None = None
    min_nights: int | None = None

    @property
    def changed(self) -> bool:
        return self.previous_window_min is not None and self.window_min != self.previous_window_min


@dataclass(frozen=True)
class ReviewWeek:
    """The nights a weekly review reads: the mornings ``first_morning`` to
    ``last_morning``, both included, for the review on ``review_date``."""

    review_date: date
    first_morning: date
    last_morning: date

    @property
    def next_review_date(self) -> date:
        return self.review_date + timedelta(days=7)

    def __contains__(self, morning: object) -> bool:
        return isinstance(morning, date) and self.first_morning <= morning <= self.last_morning


def round_half_up(minutes: float, step: int) -> int:
    """To the nearest ``step`` minutes, halves up (323.57 -> 330; 322.5 -> 330)."""
    if step <= 1:
        return int(minutes + 0.5)
    return int((minutes + step / 2) // step) * step


def clamp(minutes: int, protocol: Protocol) -> int:
    return max(protocol.floor_min, min(protocol.ceiling_min, minutes))


def thresholds(protocol: Protocol, age: int | None) -> tuple[float, float]:
    """(extend at, reduce below); 5 points lower for older adults where the protocol
    says so [BSM-SRT lowers the indication threshold by 5 points; applying the same
    shift to titration is common practice, unsourced]."""
    if protocol.age_adjust and age is not None and age >= OLDER_ADULT_AGE:
        return protocol.extend_at - 5, protocol.reduce_below - 5
    return protocol.extend_at, protocol.reduce_below


def review_span(
    review_date: date, window_from: date | None = None, lookback_days: int = 7
) -> tuple[date, date]:
    """The mornings (first, last; both included) whose nights a review on
    ``review_date`` reads: the ``lookback_days`` mornings up to and including the
    review day's own, and none before the morning after ``window_from``.

    Design decision, with the reason: a window set from ``window_from`` is first
    slept on that evening, so its nights are the mornings after it. A window in
    force from the evening of R-7 has its seven nights on the mornings R-6..R, and
    the review on day R reads exactly those: the night R-7 -> R-6 is the window's
    first, and the night R-1 -> R its seventh. (Reading the mornings R-7..R-1 would
    count a night slept under the previous window and miss the window's last.) A
    window set later than R-7 (approved late, or a review run early) gives fewer
    nights: only the nights slept under it count.
    """
    first = review_date - timedelta(days=lookback_days - 1)
    if window_from is not None:
        first = max(first, window_from + timedelta(days=1))
    return first, review_date


def last_review_date(today: date, titration_weekday: int) -> date:
    """The latest titration day (0 = Monday) on or before ``today``."""
    return today - timedelta(days=(today.weekday() - titration_weekday) % 7)


def review_week(
    today: date,
    *,
    titration_weekday: int | None,
    window_from: date | None,
    lookback_days: int = 7,
) -> ReviewWeek:
    """The week a patient's figures are shown for — on the caseload, the sleep-window
    pages and the API — so that they are the figures of the review a clinician is
    asked about: the nights the latest weekly review on or before ``today`` reads
    (``review_span``). ``window_from`` is the window in force today; if it started
    on or after that review day, the review read the window before it, whose start
    is not given, so the full ``lookback_days`` are read.

    Without a titration day (no sleep window yet): the ``lookback_days`` mornings up
    to today, as a review today would read them.
    """
    if titration_weekday is None:
        review, window_from = today, None
    else:
        review = last_review_date(today, titration_weekday)
        if window_from is not None and window_from >= review:
            window_from = None
    first, last = review_span(review, window_from, lookback_days)
    return ReviewWeek(review, first, last)


def _valid(nights: Iterable[NightFigures], first: date, last: date) -> list[NightFigures]:
    return [n for n in nights if first <= n.diary_date <= last and not n.unusual]


def _efficiency(nights: Sequence[NightFigures]) -> float | None:
    tib = sum(n.time_in_bed for n in nights)
    return 100.0 * sum(n.total_sleep for n in nights) / tib if tib else None


def initial_window(
    protocol: Protocol, nights: Sequence[NightFigures], today: date, *, age: int | None = None
) -> Decision:
    """The first window from the baseline diary.

    1. Valid nights: the last ``baseline_lookback_days`` mornings up to today,
       unusual nights left out; fewer than ``baseline_min_nights`` -> no window
       yet (rule NOT_ENOUGH_DIARY, window 0).
    2. Window = mean TST (+ offset for BBTI), or the mean time in bed for
       compression, rounded to the nearest 15 minutes (halves up), clamped to
       the floor and ceiling.
    """
    extend, reduce = thresholds(protocol, age)
    # The last ``baseline_lookback_days`` mornings, this morning included.
    valid = _valid(nights, today - timedelta(days=protocol.baseline_lookback_days - 1), today)
    if len(valid) < protocol.baseline_min_nights:
        return Decision(
            0, Rule.NOT_ENOUGH_DIARY, len(valid), _efficiency(valid), None, None, extend, reduce
        )
    mean_tst = sum(n.total_sleep for n in valid) / len(valid)
    mean_tib = sum(n.time_in_bed for n in valid) / len(valid)
    if protocol.initial_rule is InitialRule.COMPRESSION:
        raw = mean_tib
    else:
        raw = mean_tst + protocol.initial_offset_min
    window = clamp(round_half_up(raw, protocol.round_to_min), protocol)
    return Decision(
        window, Rule.INITIAL, len(valid), _efficiency(valid), mean_tst, mean_tib, extend, reduce
    )


def titrate(
    protocol: Protocol,
    current_window_min: int,
    nights: Sequence[NightFigures],
    review_date: date,
    *,
    window_from: date | None = None,
    age: int | None = None,
    very_sleepy: bool = False,
    compression_target_min: int | None = None,
    compression_step_min: int | None = None,
) -> Decision:
    """The week's decision for the window in force since the evening of
    ``window_from``, reviewed on ``review_date``.

    1. Nights: the mornings of ``review_span`` (the nights slept under this window,
       the review day's morning included); unusual nights are left out. Fewer
       than ``min_nights`` -> hold, "not enough diary": never extended (or cut) on
       partial data [CBTIC].
    2. SE = 100 x sum(TST) / sum(TIB), unrounded, against the thresholds.
    3. SE >= extend -> + step up; SE < reduce -> - step down, or back to the
       week's mean TST, or one compression step; otherwise hold.
    4. A change is rounded to the protocol's step (halves up) and clamped to the
       floor and ceiling; a hold keeps the window exactly.
    5. Very sleepy -> never shorter than now (flag SLEEPY) [safety gate].
    6. Flags for clinician review: SE under 70%, or at the floor with SE still
       under the reduce threshold.
    """
    extend, reduce = thresholds(protocol, age)
    first, last = review_span(review_date, window_from, protocol.lookback_days)
    week = _valid(nights, first, last)
    base = Decision(
        current_window_min,
        Rule.HOLD,
        len(week),
        None,
        None,
        None,
        extend,
        reduce,
        previous_window_min=current_window_min,
        first_morning=first,
        last_morning=last,
        min_nights=protocol.min_nights,
    )
    if len(week) < protocol.min_nights:
        return replace(base, rule=Rule.NOT_ENOUGH_DIARY, sleep_efficiency=_efficiency(week))
    se = _efficiency(week)
    assert se is not None
    mean_tst = sum(n.total_sleep for n in week) / len(week)
    mean_tib = sum(n.time_in_bed for n in week) / len(week)
    base = replace(base, sleep_efficiency=se, mean_total_sleep=mean_tst, mean_time_in_bed=mean_tib)

    rule = Rule.HOLD
    proposed: float = current_window_min
    if protocol.reduce_mode is ReduceMode.COMPRESSION:
        target = compression_target_min or protocol.floor_min
        step = compression_step_min or protocol.step_down_min
        if se < reduce and current_window_min > target:
            rule, proposed = Rule.COMPRESS, max(target, current_window_min - step)
    elif se >= extend:
        rule, proposed = Rule.EXTEND, current_window_min + protocol.step_up_min
    elif se < reduce:
        rule = Rule.REDUCE
        proposed = (
            mean_tst
            if protocol.reduce_mode is ReduceMode.TO_MEAN_TST
            else current_window_min - protocol.step_down_min
        )
    # A hold keeps the window exactly as it is (a clinician may have set any minute).
    window = (
        current_window_min
        if rule is Rule.HOLD
        else clamp(round_half_up(proposed, protocol.round_to_min), protocol)
    )

    flags: list[Flag] = []
    if very_sleepy and window < current_window_min:
        window, rule = current_window_min, Rule.SLEEPY_HOLD
        flags.append(Flag.SLEEPY)
    elif very_sleepy:
        flags.append(Flag.SLEEPY)
    if se < REVIEW_SE:
        flags.append(Flag.VERY_LOW_SE)
    if window == protocol.floor_min and se < reduce:
        flags.append(Flag.AT_FLOOR_LOW_SE)
    return replace(base, window_min=window, rule=rule, flags=tuple(flags))


def compression_plan(
    protocol: Protocol, baseline_tib: float, baseline_tst: float
) -> tuple[int, int]:
    """(target, weekly step) for compression: from the baseline time in bed down to the
    baseline TST (never below the floor) in ``compression_weeks`` equal steps [BSM-COMP]."""
    target = clamp(round_half_up(baseline_tst, protocol.round_to_min), protocol)
    gap = max(0.0, baseline_tib - target)
    step = max(
        protocol.round_to_min,
        round_half_up(gap / protocol.compression_weeks, protocol.round_to_min),
    )
    return target, step


def bedtime(rise: time, window_min: int) -> time:
    """Bedtime = rise time - window, on a 24-hour clock (the rise time never moves here)."""
    moment = datetime.combine(date(2000, 1, 2), rise) - timedelta(minutes=window_min)
    return moment.time()

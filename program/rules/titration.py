"""Sleep restriction therapy: the initial sleep window and its weekly titration.

A pure module: no Django imports. A protocol is data (``Protocol``), not a code
path; the shipped protocols live as database rows (a data migration) built from
``SHIPPED`` below, so an admin can add new versions.

Sources (keys in docs/sources.md):
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
  baseline toward TST; "decreasing wake time in bed, not increasing sleep" is the
  aim. The equal weekly step of (TIB - TST) / 5 is a common reading; the
  chapter's exact step, and what it does once TST is reached, were not checked
  here (see ``titrate`` for what this module does).
- [CBTIC] CBT-i Coach: at least 5 diary nights in the past 7 for a weekly review.
- [CBTI-MOBILE] an open-source implementation: at least 7 valid nights in the
  last 14 for the initial window.
- Clinician review below 70% SE or at the floor while SE stays low, and holding
  reductions while very sleepy: design decisions (docs/clinical-rules.md, "Safety
  gates"), informed by Kyle et al. SLEEP 2014 and Maurer et al. SLEEP 2022.

The other gates (a missing sleepiness check, time in bed over the window, a
window the floor or ceiling would push the wrong way) are design decisions, each
stated where it is made below. The module informs and proposes; whenever a rule
cannot be followed as written, the window stays and a ``Flag`` says why, so that a
clinician decides.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from program.rules import safety

# Clinician review when a week's SE is this low, whatever the protocol [design decision].
REVIEW_SE = 70.0
OLDER_ADULT_AGE = 65  # [BSM-SRT] "older individuals"; the age cut-off is a design decision
# Design decision: a week whose mean time in bed is more than 30 minutes (two of the
# usual 15-minute steps) over the window was not slept to the window, so its low SE
# says little about the window itself: shortening the window would answer
# non-adherence with a stricter window. Such a week goes to the clinician instead.
ADHERENCE_MARGIN_MIN = 30
# Very sleepy is safety.very_sleepy (dozing several times a week, or unsafe): one rule.
FREQUENT_DOZING = safety.FREQUENT_DOZING


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
    # Very sleepy: one step longer; held when the window cannot grow (at the
    # ceiling). Older records also use SLEEPY_HOLD for "not shortened".
    SLEEPY_EXTEND = "sleepy_extend"
    SLEEPY_HOLD = "sleepy_hold"
    # A shorter window was due but is held for a clinician:
    SLEEPINESS_MISSING = "sleepiness_missing"  # no sleepiness check this week
    MOOD_HOLD = "mood_hold"  # an elevated-mood answer no clinician has looked at
    ADHERENCE = "adherence"  # time in bed well over the window
    FLOOR_HOLD = "floor_hold"  # at (or below) the protocol's floor
    # A longer window was due but the window is at (or above) the ceiling.
    CEILING_HOLD = "ceiling_hold"
    # The rule's result would not go the rule's way (e.g. "back to mean TST" from a
    # window shorter than the mean TST): held for a clinician.
    CLINICIAN_HOLD = "clinician_hold"
    # A shorter window was due but the safety screen is due again and unanswered, or
    # its new answers wait for a clinician (program.rules.rescreen.hold_for_screen).
    SCREEN_DUE = "screen_due"
    SCREEN_REVIEW = "screen_review"


# The rules that change the window, and which way.
LENGTHENING = frozenset({Rule.EXTEND, Rule.SLEEPY_EXTEND})
SHORTENING = frozenset({Rule.REDUCE, Rule.COMPRESS})


class Flag(enum.StrEnum):
    """Why a decision needs a clinician. The clinician's words for each are at the
    Django boundary (``program.clinical_text.FLAG_WORDS``), in the reader's language."""

    AT_FLOOR_LOW_SE = "at_floor_low_se"
    VERY_LOW_SE = "very_low_se"
    SLEEPY = "sleepy"
    SLEEPINESS_MISSING = "sleepiness_missing"
    ELEVATED_MOOD = "elevated_mood"
    ADHERENCE = "adherence"
    AT_CEILING = "at_ceiling"
    ABOVE_CEILING = "above_ceiling"
    BELOW_FLOOR = "below_floor"
    RULE_REVERSED = "rule_reversed"
    RAISED_TO_FLOOR = "raised_to_floor"
    LOWERED_TO_CEILING = "lowered_to_ceiling"
    AT_TARGET_LOW_SE = "at_target_low_se"
    EDITED_OUTSIDE_RANGE = "edited_outside_range"
    SCREEN_DUE = "screen_due"
    SCREEN_REVIEW = "screen_review"


@dataclass(frozen=True)
class Protocol:
    key: str
    name: str
    initial_rule: InitialRule
    floor_min: int
    ceiling_min: int = 540  # 9 h [design decision: no window needs more]
    round_to_min: int = 15  # 15-minute steps are typical [SPIELMAN87, COMMON]
    extend_at: float = 90.0
    reduce_below: float = 85.0
    step_up_min: int = 15
    step_down_min: int = 15
    reduce_mode: ReduceMode = ReduceMode.STEP
    se_denominator: str = "in_bed"  # see program.rules.sleep.SEDenominator
    min_nights: int = 5  # [CBTIC]
    lookback_days: int = 7
    baseline_min_nights: int = 7  # [CBTI-MOBILE]
    baseline_lookback_days: int = 14
    initial_offset_min: int = 0
    age_adjust: bool = False  # lower both thresholds by 5 points from OLDER_ADULT_AGE
    compression_weeks: int = 5  # [BSM-COMP], as commonly read

    def in_range(self, window_min: int) -> bool:
        return self.floor_min <= window_min <= self.ceiling_min


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
    # The week's figures; None when too few nights make no week (NOT_ENOUGH_DIARY).
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


def too_sleepy(dozing: int, unsafe: bool) -> bool:
    """Very sleepy for titration: ``program.rules.safety.very_sleepy``, the one rule (too
    sleepy to be safe, or dozing off without meaning to several times a week)."""
    return safety.very_sleepy(dozing, unsafe)


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


def _unique(flags: Iterable[Flag]) -> tuple[Flag, ...]:
    return tuple(dict.fromkeys(flags))


def initial_window(
    protocol: Protocol, nights: Sequence[NightFigures], today: date, *, age: int | None = None
) -> Decision:
    """The first window from the baseline diary.

    1. Valid nights: the last ``baseline_lookback_days`` mornings up to today,
       unusual nights left out; fewer than ``baseline_min_nights`` -> no window
       yet (rule NOT_ENOUGH_DIARY, window 0, no SE stored as if it were the week's).
    2. Window = mean TST (+ offset for BBTI), or the mean time in bed for
       compression, rounded to the nearest 15 minutes (halves up), clamped to
       the floor and ceiling. A window raised to the floor (or lowered to the
       ceiling) is flagged: the clinician sees that it is not the diary's figure.
    """
    extend, reduce = thresholds(protocol, age)
    # The last ``baseline_lookback_days`` mornings, this morning included.
    first = today - timedelta(days=protocol.baseline_lookback_days - 1)
    valid = _valid(nights, first, today)
    base = Decision(
        0,
        Rule.NOT_ENOUGH_DIARY,
        len(valid),
        None,
        None,
        None,
        extend,
        reduce,
        first_morning=first,
        last_morning=today,
        min_nights=protocol.baseline_min_nights,
    )
    if len(valid) < protocol.baseline_min_nights:
        return base
    mean_tst = sum(n.total_sleep for n in valid) / len(valid)
    mean_tib = sum(n.time_in_bed for n in valid) / len(valid)
    if protocol.initial_rule is InitialRule.COMPRESSION:
        raw = mean_tib
    else:
        raw = mean_tst + protocol.initial_offset_min
    rounded = round_half_up(raw, protocol.round_to_min)
    window = clamp(rounded, protocol)
    flags = []
    if rounded < protocol.floor_min:
        flags.append(Flag.RAISED_TO_FLOOR)
    elif rounded > protocol.ceiling_min:
        flags.append(Flag.LOWERED_TO_CEILING)
    return replace(
        base,
        window_min=window,
        rule=Rule.INITIAL,
        sleep_efficiency=_efficiency(valid),
        mean_total_sleep=mean_tst,
        mean_time_in_bed=mean_tib,
        flags=tuple(flags),
    )


def _move(protocol: Protocol, current: int, up: bool, proposed: float) -> tuple[int, Flag | None]:
    """The window after a change the rule wants (longer if ``up``), or ``current``
    and the reason when it cannot go that way.

    The floor and ceiling only stop a change; they never turn it round or make it
    bigger than the rule's own (a window a clinician set above the ceiling is not
    "extended" down to it, nor one set below the floor "reduced" up to it). A window
    already outside the range moves by the rule's step and stays flagged.
    """
    new = round_half_up(proposed, protocol.round_to_min)
    if up:
        if current >= protocol.ceiling_min:
            return current, (
                Flag.ABOVE_CEILING if current > protocol.ceiling_min else Flag.AT_CEILING
            )
        new = min(protocol.ceiling_min, new)
        if new <= current:
            return current, Flag.RULE_REVERSED
    else:
        if current <= protocol.floor_min:
            return current, (
                Flag.BELOW_FLOOR if current < protocol.floor_min else Flag.AT_FLOOR_LOW_SE
            )
        new = max(protocol.floor_min, new)
        if new >= current:
            return current, Flag.RULE_REVERSED
    return new, None


def _held(rule: Rule, reason: Flag) -> Rule:
    """The rule of a change that could not be made, by its reason."""
    if rule is Rule.SLEEPY_EXTEND:
        return Rule.SLEEPY_HOLD
    if reason in (Flag.AT_CEILING, Flag.ABOVE_CEILING):
        return Rule.CEILING_HOLD
    if reason in (Flag.AT_FLOOR_LOW_SE, Flag.BELOW_FLOOR):
        return Rule.FLOOR_HOLD
    return Rule.CLINICIAN_HOLD


def titrate(
    protocol: Protocol,
    current_window_min: int,
    nights: Sequence[NightFigures],
    review_date: date,
    *,
    window_from: date | None = None,
    age: int | None = None,
    very_sleepy: bool | None = None,
    compression_target_min: int | None = None,
    compression_step_min: int | None = None,
    mood_hold: bool = False,
) -> Decision:
    """The week's decision for the window in force since the evening of
    ``window_from``, reviewed on ``review_date``.

    ``very_sleepy``: the week's sleepiness check (``too_sleepy``), or None when the
    patient has not answered it.

    1. Nights: the mornings of ``review_span`` (the nights slept under this window,
       the review day's morning included), unusual nights left out.
    2. Very sleepy -> one ``step_up_min`` longer, whatever the diary says: never
       shorter [safety gate], and lengthened unless the clinician says otherwise
       (design decision: the sleepiness is the risk, so the response does not wait
       for a full diary). At the ceiling the window is held (SLEEPY_HOLD).
    3. Fewer than ``min_nights`` -> hold, "not enough diary": never extended (or
       cut) on partial data [CBTIC]; no SE is given for the week, as a few nights
       are not a week.
    4. SE = 100 x sum(TST) / sum(TIB), unrounded, against the thresholds:
       SE >= extend -> + step up; SE < reduce -> - step down, or back to the week's
       mean TST [SPIELMAN87], or one compression step; otherwise hold.
       Compression [BSM-COMP] steps down toward its target (the baseline TST) while
       SE is below the reduce threshold, and extends by ``step_up_min`` at SE >=
       extend, as the weekly rule does. Design decision: compression aims to cut
       wake time in bed, not sleep; a week at SE >= extend has little wake left to
       cut, and holding for ever would leave the patient on less time in bed than
       they sleep well in (the patient page also promises the extension). At the
       target with SE still low it holds and flags for a clinician, who decides
       whether to go on with standard restriction.
    5. A change is rounded to the protocol's step (halves up) and stopped at the
       floor and ceiling (``_move``): if that leaves it no change, or a change the
       other way, the window stays and a flag says why (FLOOR_HOLD, CEILING_HOLD,
       CLINICIAN_HOLD). A hold keeps the window exactly.
    6. A shorter window also needs (design decisions, each held for the clinician
       with its flag): the week's mean time in bed no more than
       ``ADHERENCE_MARGIN_MIN`` over the window (ADHERENCE), and an answered
       sleepiness check (SLEEPINESS_MISSING) — never shorten past a missing check;
       and no elevated-mood answer a clinician has not yet looked at (``mood_hold``,
       MOOD_HOLD; program.rules.mood: sleep loss can trigger mania [BSM-SRT, HABIT]).
    7. Flags for clinician review: SE under 70%, at the floor with SE still under
       the reduce threshold, and any window outside the floor and ceiling.
    """
    extend, reduce = thresholds(protocol, age)
    current = current_window_min
    first, last = review_span(review_date, window_from, protocol.lookback_days)
    week = _valid(nights, first, last)
    base = Decision(
        current,
        Rule.HOLD,
        len(week),
        None,
        None,
        None,
        extend,
        reduce,
        previous_window_min=current,
        first_morning=first,
        last_morning=last,
        min_nights=protocol.min_nights,
    )
    se: float | None = None
    mean_tib = 0.0
    if len(week) >= protocol.min_nights:
        se = _efficiency(week)
        mean_tst = sum(n.total_sleep for n in week) / len(week)
        mean_tib = sum(n.time_in_bed for n in week) / len(week)
        base = replace(
            base, sleep_efficiency=se, mean_total_sleep=mean_tst, mean_time_in_bed=mean_tib
        )
    flags: list[Flag] = []
    rule = Rule.HOLD
    proposed: float = current
    if very_sleepy:
        flags.append(Flag.SLEEPY)
        rule, proposed = Rule.SLEEPY_EXTEND, current + protocol.step_up_min
    elif se is None:
        rule = Rule.NOT_ENOUGH_DIARY
    elif protocol.reduce_mode is ReduceMode.COMPRESSION:
        target = compression_target_min or protocol.floor_min
        step = compression_step_min or protocol.step_down_min
        if se >= extend:
            rule, proposed = Rule.EXTEND, current + protocol.step_up_min
        elif se < reduce and current > target:
            rule, proposed = Rule.COMPRESS, max(target, current - step)
        elif se < reduce:
            flags.append(Flag.AT_TARGET_LOW_SE)
    elif se >= extend:
        rule, proposed = Rule.EXTEND, current + protocol.step_up_min
    elif se < reduce:
        rule = Rule.REDUCE
        proposed = (
            (base.mean_total_sleep or 0.0)
            if protocol.reduce_mode is ReduceMode.TO_MEAN_TST
            else current - protocol.step_down_min
        )

    window = current
    shorter_due = rule in SHORTENING
    if rule in LENGTHENING or rule in SHORTENING:
        window, reason = _move(protocol, current, rule in LENGTHENING, proposed)
        if reason is not None:
            rule = _held(rule, reason)
            flags.append(reason)
    # Time in bed well over the window: told to the clinician whenever a shorter
    # window was due, and the shortening held (step 6).
    over = se is not None and mean_tib > current + ADHERENCE_MARGIN_MIN
    if shorter_due and over:
        flags.append(Flag.ADHERENCE)
    if rule in SHORTENING and over:
        rule, window = Rule.ADHERENCE, current
    elif rule in SHORTENING and very_sleepy is None:
        rule, window = Rule.SLEEPINESS_MISSING, current
        flags.append(Flag.SLEEPINESS_MISSING)
    elif rule in SHORTENING and mood_hold:
        rule, window = Rule.MOOD_HOLD, current
        flags.append(Flag.ELEVATED_MOOD)

    if se is not None and se < REVIEW_SE:
        flags.append(Flag.VERY_LOW_SE)
    if se is not None and window == protocol.floor_min and se < reduce:
        flags.append(Flag.AT_FLOOR_LOW_SE)
    if window > protocol.ceiling_min:
        flags.append(Flag.ABOVE_CEILING)
    elif window < protocol.floor_min:
        flags.append(Flag.BELOW_FLOOR)
    return replace(base, window_min=window, rule=rule, flags=_unique(flags))


def auto_applicable(rule: str, flags: Sequence[str]) -> bool:
    """Whether a self-guided programme applies a decision without a clinician.

    A flagged decision waits for a clinician, except a lengthening for sleepiness:
    design decision — it is the safe direction, and waiting would keep a very sleepy
    patient on the shorter window; the flags stay on the record for the clinician.
    """
    return rule == Rule.SLEEPY_EXTEND or not flags


def compression_plan(
    protocol: Protocol, baseline_tib: float, baseline_tst: float
) -> tuple[int, int]:
    """(target, weekly step) for compression: from the baseline time in bed down to the
    baseline TST (never below the floor) in ``compression_weeks`` equal steps [BSM-COMP].
    Once there, ``titrate`` holds while SE is in between, extends at SE >= extend
    and flags a clinician if SE stays low (see its step 4)."""
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

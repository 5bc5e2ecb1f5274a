"""Sleep-medication tapering: suggested steps, weekly figures, and the diary against the plan.

A pure module: no Django imports, plain dataclasses and functions, tested with
worked examples and hypothesis properties (tests/program/test_taper.py).

The app never sets or changes a dose on its own. Everything here either
*suggests* a draft that a clinician edits and confirms, or *describes* what was
taken against the plan the clinician confirmed. There is no dose-equivalence
table: a conversion between medicines is entered by the clinician as a note.

Sources (keys in docs/sources.md, "Sleep medication"):
- [MORIN04] Morin CM et al. Am J Psychiatry 2004;161:332 — taper with CBT-I:
  about 25% less every two weeks until the lowest available dose, then planned
  drug-free nights (schedule as tabulated in [POTTIE18-T2]; how many a week is
  not given, so the clinician enters it).
- [POTTIE18-T2] Pottie K et al. Can Fam Physician 2018, Table 2 — the trial
  schedules, including Vissers 2007 / Voshaar 2003: 25% steps with 12.5% final
  steps; Belleville 2007: drug-free nights planned in advance.
- [CCJM24] Cleve Clin J Med 2024;91(5):293 — "taper by 25% every 2 weeks ...
  consider slowing to 12.5% ... and alternate-day dosing for the final 2 weeks".
- [ASAM] ASAM Benzodiazepine Tapering Patient Guide (2025) — rates from 15-25%
  to 5% every 2-4 weeks; pause or slow if withdrawal appears; withdrawal may
  appear up to a week after a reduction.
- [ASAM-CPG] Joint Clinical Practice Guideline on Benzodiazepine Tapering —
  avoid abrupt discontinuation in physically dependent patients.
Where no source gives a number, the docstring says "design decision".
"""

from __future__ import annotations

import enum
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import reduce

# Doses are Decimals in mg, to the microgram: 0.125 mg (a quarter of 0.5 mg) is exact.
MG_PLACES = Decimal("0.001")
ZERO = Decimal(0)


def mg(value: object) -> Decimal:
    """A dose in mg as an exact Decimal (from text, int, float or Decimal)."""
    return Decimal(str(value)).quantize(MG_PLACES)


def plain(value: Decimal) -> str:
    """8, 2.5, 0.125: a dose's number without trailing zeros (and never 1E+1)."""
    text = f"{Decimal(value).quantize(MG_PLACES):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_mg(value: Decimal | None) -> str:
    """8 mg, 2.5 mg, 0.125 mg: no trailing zeros."""
    if value is None:
        return "–"
    return f"{plain(value)} mg"


class Basis(enum.StrEnum):
    """What a template's percentage is a percentage of."""

    START = "start"  # the starting dose: equal steps (a linear taper) [MORIN04 as tabulated]
    CURRENT = "current"  # the dose now: steps shrink as the dose falls [ASAM]


@dataclass(frozen=True)
class Template:
    """A suggested schedule; a clinician always edits and confirms the steps."""

    key: str
    name: str
    percent: Decimal  # reduction per step
    step_days: int
    basis: Basis
    source: str
    # Smaller final steps: once the dose is at or below this share of the start,
    # steps are ``final_percent`` of the start instead.
    final_below_percent: Decimal | None = None
    final_percent: Decimal | None = None
    # At the lowest dose the tablets allow: planned drug-free nights per week, one
    # step each, before stopping. Empty: stop from the lowest dose. Only numbers a
    # source gives.
    drug_free_nights: tuple[int, ...] = ()
    # At the lowest dose: a step of planned drug-free nights whose number the source
    # does not give. The draft leaves it for the clinician to enter
    # (``Note.DRUG_FREE_TO_SET``); the plan cannot be confirmed until they do.
    drug_free_to_set: bool = False


TEMPLATES: dict[str, Template] = {
    t.key: t
    for t in (
        Template(
            key="morin04",
            name="25% of the starting dose every 2 weeks, then planned drug-free nights",
            percent=Decimal(25),
            step_days=14,
            basis=Basis.START,
            # The trial planned drug-free nights at the lowest dose [MORIN04, POTTIE18-T2]
            # without a number a week: the clinician enters it.
            drug_free_to_set=True,
            source="Morin et al. 2004 (taper combined with CBT-I), as tabulated by Pottie 2018",
        ),
        Template(
            key="smaller_final",
            name="25% of the starting dose every 2 weeks, 12.5% steps for the last half",
            percent=Decimal(25),
            step_days=14,
            basis=Basis.START,
            final_below_percent=Decimal(50),
            final_percent=Decimal("12.5"),
            drug_free_nights=(3,),  # alternate-day dosing for the last 2 weeks [CCJM24]
            source="CCJM 2024; Vissers 2007 / Voshaar 2003 as tabulated by Pottie 2018",
        ),
        Template(
            key="asam_10_2w",
            name="10% of the current dose every 2 weeks",
            percent=Decimal(10),
            step_days=14,
            basis=Basis.CURRENT,
            source="ASAM 2025 benzodiazepine tapering guide (slower rates)",
        ),
        Template(
            key="asam_5_4w",
            name="5% of the current dose every 4 weeks (slowest)",
            percent=Decimal(5),
            step_days=28,
            basis=Basis.CURRENT,
            source="ASAM 2025 benzodiazepine tapering guide (slowest rate)",
        ),
    )
}


class Note(enum.StrEnum):
    """What this module tells the clinician: a step's note, a plan check, a flag. The
    words for each are at the Django boundary (``program.clinical_text.TAPER_WORDS``),
    in the reader's language; this module gives the code and its figures (named in the
    comment: doses as ``format_mg`` writes them, percentages as ``plain``, a date in
    ISO form)."""

    # A suggested step's note (stored on the step).
    DRUG_FREE_NIGHTS = "drug_free_nights"  # nights
    DRUG_FREE_TO_SET = "drug_free_to_set"  # (no figures): the clinician enters the nights
    LARGE_STEP = "large_step"  # cut, percent
    # Errors: the plan cannot be saved.
    NO_STEPS = "no_steps"
    STEP_ORDER = "step_order"  # next, step
    NEGATIVE_DOSE = "negative_dose"  # step
    DRUG_FREE_RANGE = "drug_free_range"  # step
    DRUG_FREE_NOT_SET = "drug_free_not_set"  # step
    # Notes on a clinician's steps.
    NOT_ACHIEVABLE = "not_achievable"  # step, dose
    ABOVE_TEMPLATE = "above_template"  # step, cut, percent
    ABOVE_CLINIC_LIMIT = "above_clinic_limit"  # step, cut, percent
    LAST_NOT_ZERO = "last_not_zero"
    # Flags for the therapist (``Flag.kind``).
    USE_RISING = "use_rising"  # week, before
    STEP_MISSED = "step_missed"  # step, dose, date, nights, previous
    ABOVE_PLAN = "above_plan"  # count, week
    DRUG_FREE_MISSED = "drug_free_missed"  # week, planned


@dataclass(frozen=True)
class Message:
    """One of ``Note``'s codes with the figures its words quote, by name."""

    code: Note
    params: Mapping[str, str | int] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """From ``starts_on`` (the evening of that date), take ``dose_mg`` each night,
    leaving out ``drug_free_nights`` nights a week. ``message`` is the suggestion's
    note on the step, ``note`` the clinician's own words."""

    starts_on: date
    dose_mg: Decimal
    drug_free_nights: int = 0
    note: str = ""
    message: Message | None = None

    @property
    def weekly_mg(self) -> Decimal:
        """The dose over a week: what "never a step up" compares."""
        return self.dose_mg * (7 - self.drug_free_nights)


# --- Tablets -----------------------------------------------------------------------


def pieces(strengths: Iterable[Decimal], scored: Iterable[Decimal] = ()) -> list[Decimal]:
    """The amounts one can take: each tablet strength, and half of a scored one.

    Half tablets only where the clinician marks the tablet scored (design
    decision: splitting unscored tablets gives uneven doses).
    """
    whole = {mg(s) for s in strengths if mg(s) > 0}
    halves = {mg(mg(s) / 2) for s in scored if mg(s) in whole}
    return sorted(whole | halves)


def _units(values: Sequence[Decimal]) -> int:
    """The largest amount, in micrograms, that divides every value."""
    return reduce(math.gcd, (int(v * 1000) for v in values))


def achievable_doses(limit: Decimal, available: Sequence[Decimal]) -> list[Decimal]:
    """Every dose from 0 to ``limit`` that is a sum of available pieces (any number
    of each), ascending. A dynamic programme over the pieces' common unit."""
    if not available:
        return [ZERO]
    unit = _units(available)
    top = int(mg(limit) * 1000) // unit
    sizes = [int(p * 1000) // unit for p in available]
    reachable = [False] * (top + 1)
    reachable[0] = True
    for amount in range(1, top + 1):
        reachable[amount] = any(s <= amount and reachable[amount - s] for s in sizes)
    return [mg(Decimal(i * unit) / 1000) for i, ok in enumerate(reachable) if ok]


def is_achievable(dose: Decimal, available: Sequence[Decimal]) -> bool:
    return mg(dose) in achievable_doses(mg(dose), available)


def round_to_tablets(target: Decimal, below: Decimal, available: Sequence[Decimal]) -> Decimal:
    """The achievable dose nearest ``target`` that is strictly below ``below``.

    1. Nearest to the target; a tie goes to the higher dose, the gentler step
       (design decision).
    2. If that is not below the previous dose (the tablets cannot make a step
       that small), the next achievable dose down: the taper always moves.
    """
    options = [d for d in achievable_doses(below, available) if d < below]
    if not options:
        return ZERO
    target = max(target, ZERO)
    return min(options, key=lambda d: (abs(d - target), -d))


# --- Step sizes ------------------------------------------------------------------------

# A step may cut up to half again the template's percentage before it is called larger
# than the template's rate: tablets seldom make a step exactly (10 -> 9 mg is 10 %, and
# 9 -> 8 mg, the next one diazepam's tablets make, 11 %). [Design decision.]
STEP_SLACK = Decimal("1.5")
# A step larger than the rate is held this many times the template's interval before the
# next one, so the plan's pace over time is no faster for it. [Design decision; ASAM:
# pause or slow the taper when a reduction is hard.]
LARGE_STEP_HOLD = 2


def cut_percent(before: Step, after: Step, base: Step) -> Decimal:
    """How much ``after`` lowers the weekly dose from ``before``, as a percentage of
    ``base``'s weekly dose (the starting step's, or the step before for a
    current-dose rate), rounded half up to a whole percent."""
    if base.weekly_mg <= 0:
        return ZERO
    cut = (before.weekly_mg - after.weekly_mg) * 100 / base.weekly_mg
    return cut.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def larger_than_rate(cut: Decimal, percent: Decimal) -> bool:
    return cut > percent * STEP_SLACK


# --- Suggested steps ------------------------------------------------------------------


def suggest_steps(
    *,
    template: Template,
    start_dose: Decimal,
    start_on: date,
    strengths: Sequence[Decimal],
    scored: Sequence[Decimal] = (),
) -> list[Step]:
    """A draft schedule from a template: never a step up, ending at no medicine.

    1. Step 0 is the starting dose from ``start_on`` (as the clinician gives it,
       even if the tablets cannot make it exactly).
    2. Each later step lowers the dose by the template's percentage — of the
       starting dose [MORIN04, CCJM24] or of the current dose [ASAM] — once the
       dose is at or below ``final_below_percent`` of the start, by the smaller
       ``final_percent`` [CCJM24, POTTIE18-T2] — rounded to a dose the tablets
       make (``round_to_tablets``), always strictly lower than the step before.
    3. When the next dose down would be none, the template's planned drug-free
       nights come first, at the lowest dose [MORIN04], then the last step is 0 mg.
       Where the source gives no number of nights (``drug_free_to_set``), the step
       has none and says so (``Note.DRUG_FREE_TO_SET``): the clinician enters it.
    4. Steps are ``step_days`` apart. A draft only: a clinician edits and confirms.
    """
    available = pieces(strengths, scored)
    dose = mg(start_dose)
    steps = [Step(start_on, dose)]
    when = start_on
    while dose > 0:
        when += timedelta(days=template.step_days)
        percent = template.percent
        if (
            template.final_below_percent is not None
            and template.final_percent is not None
            and dose * 100 <= start_dose * template.final_below_percent
        ):
            percent = template.final_percent
        base = start_dose if template.basis is Basis.START else dose
        target = dose - base * percent / 100
        next_dose = round_to_tablets(target, dose, available)
        if next_dose == 0 and template.drug_free_nights:
            for nights in template.drug_free_nights:
                note = Message(Note.DRUG_FREE_NIGHTS, {"nights": nights})
                steps.append(Step(when, dose, nights, message=note))
                when += timedelta(days=template.step_days)
        if next_dose == 0 and template.drug_free_to_set:
            steps.append(Step(when, dose, 0, message=Message(Note.DRUG_FREE_TO_SET)))
            when += timedelta(days=template.step_days)
        dose = next_dose
        step = Step(when, dose)
        base_step = steps[0] if template.basis is Basis.START else steps[-1]
        cut = cut_percent(steps[-1], step, base_step)
        to_set = steps[-1].message is not None and steps[-1].message.code is Note.DRUG_FREE_TO_SET
        # After drug-free nights still to be entered the step's size is not known yet
        # (``check_steps`` measures it once the clinician enters them).
        if larger_than_rate(cut, percent) and not to_set:
            # Never a silent jump: the step says what it is, and is held longer.
            step = replace(step, message=large_step_note(cut, percent))
            when += timedelta(days=template.step_days * (LARGE_STEP_HOLD - 1))
        steps.append(step)
    return steps


def large_step_note(cut: Decimal, percent: Decimal) -> Message:
    """A step larger than the plan's rate, because the tablets make nothing smaller."""
    return Message(Note.LARGE_STEP, {"cut": plain(cut), "percent": plain(percent)})


# --- Checking a clinician's steps ----------------------------------------------------


def increases(steps: Sequence[Step]) -> list[int]:
    """Indexes of steps that raise the weekly dose over the step before."""
    return [i for i in range(1, len(steps)) if steps[i].weekly_mg > steps[i - 1].weekly_mg]


def check_steps(
    steps: Sequence[Step],
    *,
    strengths: Sequence[Decimal] = (),
    scored: Sequence[Decimal] = (),
    template: Template | None = None,
    max_step_percent: Decimal | None = None,
) -> tuple[list[Message], list[Message]]:
    """Errors (the plan cannot be saved) and notes (shown to the clinician).

    Errors: no steps; dates not strictly increasing; a negative dose; drug-free
    nights outside 0-7; a step whose drug-free nights the clinician has still to
    enter (``Note.DRUG_FREE_TO_SET``). Notes: a step up (allowed only when the clinician says so:
    see ``increases``); a dose the listed tablets cannot make; a last step that is
    not 0 mg (the plan would hold, not end); a step that cuts the weekly dose by more
    than the plan's template allows (its percentage, of the start or of the dose
    before, with ``STEP_SLACK``), or by more than the clinic's ``max_step_percent`` of
    the dose before.
    """
    errors: list[Message] = []
    notes: list[Message] = []
    if not steps:
        return [Message(Note.NO_STEPS)], notes
    for i in range(1, len(steps)):
        if steps[i].starts_on <= steps[i - 1].starts_on:
            errors.append(Message(Note.STEP_ORDER, {"next": i + 1, "step": i}))
    for i, step in enumerate(steps):
        if step.dose_mg < 0:
            errors.append(Message(Note.NEGATIVE_DOSE, {"step": i + 1}))
        if not 0 <= step.drug_free_nights <= 7:
            errors.append(Message(Note.DRUG_FREE_RANGE, {"step": i + 1}))
        if step.message is not None and step.message.code is Note.DRUG_FREE_TO_SET:
            errors.append(Message(Note.DRUG_FREE_NOT_SET, {"step": i + 1}))
    available = pieces(strengths, scored)
    if available:
        for i, step in enumerate(steps):
            if step.dose_mg > 0 and not is_achievable(step.dose_mg, available):
                figures: dict[str, str | int] = {"step": i + 1, "dose": format_mg(step.dose_mg)}
                notes.append(Message(Note.NOT_ACHIEVABLE, figures))
    for i in range(1, len(steps)):
        before, after = steps[i - 1], steps[i]
        if before.message is not None and before.message.code is Note.DRUG_FREE_TO_SET:
            continue  # its size waits for the nights (an error above asks for them)
        if template is not None:
            base = steps[0] if template.basis is Basis.START else before
            cut = cut_percent(before, after, base)
            if larger_than_rate(cut, template.percent):
                figures = {"step": i + 1, "cut": plain(cut), "percent": plain(template.percent)}
                notes.append(Message(Note.ABOVE_TEMPLATE, figures))
                continue
        if max_step_percent is not None:
            cut = cut_percent(before, after, before)
            if cut > max_step_percent:
                figures = {"step": i + 1, "cut": plain(cut), "percent": plain(max_step_percent)}
                notes.append(Message(Note.ABOVE_CLINIC_LIMIT, figures))
    if steps[-1].dose_mg > 0:
        notes.append(Message(Note.LAST_NOT_ZERO))
    return errors, notes


# --- Changing a plan in progress ---------------------------------------------------------


def current_index(steps: Sequence[Step], night: date) -> int | None:
    """The step in force on the evening of ``night`` (None before the first)."""
    found = None
    for i, step in enumerate(steps):
        if step.starts_on <= night:
            found = i
    return found


def stretch(steps: Sequence[Step], today: date, factor: Decimal) -> list[Step]:
    """Slow a plan down: the steps not yet begun are spread ``factor`` times as far
    apart, counting from the step in force today [ASAM: slow the taper when
    withdrawal appears]. Doses do not change; past steps do not move."""
    current = current_index(steps, today)
    anchor = 0 if current is None else current
    result = list(steps[: anchor + 1])
    for i in range(anchor + 1, len(steps)):
        gap = (steps[i].starts_on - steps[i - 1].starts_on).days
        days = max(1, int((Decimal(gap) * factor).to_integral_value(ROUND_HALF_UP)))
        result.append(replace(steps[i], starts_on=result[-1].starts_on + timedelta(days=days)))
    return result


def shift_future(steps: Sequence[Step], today: date, days: int) -> list[Step]:
    """After a pause of ``days``: every step not yet begun moves later by as much,
    so the patient stays at the paused step for the pause, then the gaps resume."""
    return [
        replace(s, starts_on=s.starts_on + timedelta(days=days)) if s.starts_on > today else s
        for s in steps
    ]


# --- Nights against the plan -----------------------------------------------------------


def night_of(diary_date: date) -> date:
    """The evening a diary entry's medication was taken: the day before its morning
    (the diary counts a night by the morning it ends on)."""
    return diary_date - timedelta(days=1)


@dataclass(frozen=True)
class NightDose:
    """One diary entry's medication answer: what was taken of the plan's medicine
    (``dose_mg``), and whether any sleep medicine was taken at all."""

    diary_date: date
    dose_mg: Decimal  # the medicine the figures follow; 0 if none of it
    any_taken: bool


class Check(enum.StrEnum):
    AS_PLANNED = "as_planned"
    BELOW_PLAN = "below_plan"
    ABOVE_PLAN = "above_plan"  # more than the step's dose
    PREVIOUS_STEP = "previous_step"  # still the previous step's dose after a step began
    NO_PLAN = "no_plan"


CHECK_WORDS = {
    Check.AS_PLANNED: "as planned",
    Check.BELOW_PLAN: "less than planned",
    Check.ABOVE_PLAN: "more than planned",
    Check.PREVIOUS_STEP: "the previous step's dose",
    Check.NO_PLAN: "",
}


@dataclass(frozen=True)
class NightCheck:
    diary_date: date
    taken_mg: Decimal
    planned_mg: Decimal | None
    check: Check
    step_index: int | None


def check_night(night: NightDose, steps: Sequence[Step]) -> NightCheck:
    """Compare one night with the step in force that evening.

    1. Before the plan: no comparison.
    2. More than the step's dose is "above plan"; if the step lowered the dose and
       what was taken is the earlier step's dose or more, it is "the previous
       step's dose" — the step was not made that night.
    3. A night with none is never a problem for the plan on its own (planned
       drug-free nights are checked by week, see ``week_figures``).
    """
    index = current_index(steps, night_of(night.diary_date))
    if index is None:
        return NightCheck(night.diary_date, night.dose_mg, None, Check.NO_PLAN, None)
    planned = steps[index].dose_mg
    if night.dose_mg > planned:
        previous = steps[index - 1].dose_mg if index > 0 else None
        check = (
            Check.PREVIOUS_STEP
            if previous is not None and previous > planned and night.dose_mg >= previous
            else Check.ABOVE_PLAN
        )
    elif night.dose_mg < planned:
        check = Check.BELOW_PLAN
    else:
        check = Check.AS_PLANNED
    return NightCheck(night.diary_date, night.dose_mg, planned, check, index)


@dataclass(frozen=True)
class WeekFigures:
    """A programme week of medication answers.

    ``nights_with_medication`` is out of 7 [docs/clinical-rules.md]; a week with fewer
    answers says so in ``nights_answered`` rather than counting missing as none.
    ``mean_dose_mg`` is over the nights the medicine was taken, rounded for people
    (``mean_dose``); ``percent_of_start``
    is the mean over every answered night (a none counts as 0 mg) against the
    plan's starting dose.
    """

    week: int
    first: date
    last: date
    nights_answered: int
    nights_with_medication: int
    mean_dose_mg: Decimal | None
    mean_nightly_mg: Decimal | None  # over every answered night, a none counting as 0 mg
    percent_of_start: Decimal | None
    planned_drug_free: int
    drug_free_kept: bool | None  # None when none were planned
    above_plan: int
    previous_step: int


def _mean(values: Sequence[Decimal]) -> Decimal | None:
    return mg(sum(values, ZERO) / len(values)) if values else None


# A mean dose for people is given to 0.1 mg, or to the last digit of the finest dose it
# averages where that is finer (0.33 mg from 0.25, 0.5 and 0.25 mg; 0.125 mg stays 0.125 mg):
# 5, 2.5 and 2.5 mg read 3.3 mg, not 3.333 mg (design decision: digits finer than any
# dose taken are false precision).
MEAN_DOSE_PLACES = Decimal("0.1")


def mean_dose(values: Sequence[Decimal]) -> Decimal | None:
    """The mean of doses taken, rounded as ``MEAN_DOSE_PLACES`` says, for people."""
    if not values:
        return None
    places = min([MEAN_DOSE_PLACES, *(_places(v) for v in values)])
    return (sum(values, ZERO) / len(values)).quantize(places, ROUND_HALF_UP)


def _places(dose: Decimal) -> Decimal:
    """0.125 mg gives 0.001, 2.5 mg 0.1, 10 mg 10: the unit of its last significant digit."""
    exponent = Decimal(dose).normalize().as_tuple().exponent
    return Decimal(1).scaleb(exponent) if isinstance(exponent, int) else MG_PLACES


def planned_drug_free_nights(steps: Sequence[Step], first: date, last: date) -> int:
    """Drug-free nights the plan asks for between two evenings, pro rata by day
    (design decision: the plan sets a number per week; the patient and prescriber
    choose which nights, so the app checks the count, not the weekdays)."""
    total = Decimal(0)
    day = first
    while day <= last:
        index = current_index(steps, day)
        if index is not None:
            total += Decimal(steps[index].drug_free_nights) / 7
        day += timedelta(days=1)
    return int(total.to_integral_value(ROUND_HALF_UP))


def week_figures(
    nights: Sequence[NightDose], steps: Sequence[Step], start: date, start_dose: Decimal | None
) -> list[WeekFigures]:
    """Weekly figures, programme weeks counted from ``start``, oldest first.

    1. Group answered nights by programme week (as the diary's weekly rows).
    2. Nights with medication (of 7), mean dose on nights taken, percent of the
       starting dose.
    3. Planned drug-free nights kept: nights answered without any sleep medicine
       at least the number the plan asked for (``planned_drug_free_nights``).
    """
    weeks: dict[int, list[NightDose]] = {}
    for n in nights:
        weeks.setdefault((n.diary_date - start).days // 7 + 1, []).append(n)
    rows = []
    for week, items in sorted(weeks.items()):
        first = start + timedelta(days=7 * (week - 1))
        last = first + timedelta(days=6)
        taken = [n.dose_mg for n in items if n.dose_mg > 0]
        all_doses = [n.dose_mg for n in items]
        checks = [check_night(n, steps) for n in items] if steps else []
        planned_free = (
            planned_drug_free_nights(steps, night_of(first), night_of(last)) if steps else 0
        )
        free = sum(1 for n in items if not n.any_taken)
        mean_all = _mean(all_doses)
        rows.append(
            WeekFigures(
                week=week,
                first=first,
                last=last,
                nights_answered=len(items),
                nights_with_medication=sum(1 for n in items if n.any_taken),
                mean_dose_mg=mean_dose(taken),
                mean_nightly_mg=mean_all,
                percent_of_start=(
                    (mean_all * 100 / start_dose).quantize(Decimal("0.1"))
                    if start_dose and mean_all is not None
                    else None
                ),
                planned_drug_free=planned_free,
                drug_free_kept=(free >= planned_free) if planned_free else None,
                above_plan=sum(1 for c in checks if c.check is Check.ABOVE_PLAN),
                previous_step=sum(1 for c in checks if c.check is Check.PREVIOUS_STEP),
            )
        )
    return rows


# --- Flags for the therapist ----------------------------------------------------------

# A week counts for "use rising" only with this many nights answered (design decision:
# fewer nights make a week's mean too noisy to compare).
MIN_NIGHTS_TO_COMPARE = 3
# A step is "missed" when this many answered nights in a row, since the step began,
# were at the previous step's dose or more (design decision).
MISSED_STEP_NIGHTS = 3


@dataclass(frozen=True)
class Flag:
    kind: Note  # USE_RISING | STEP_MISSED | ABOVE_PLAN | DRUG_FREE_MISSED
    params: Mapping[str, str | int]  # the figures its words quote
    week: int | None = None
    step_index: int | None = None

    @property
    def message(self) -> Message:
        return Message(self.kind, self.params)


def flags(
    nights: Sequence[NightDose], steps: Sequence[Step], weeks: Sequence[WeekFigures]
) -> list[Flag]:
    """What the therapist should look at, newest concerns first.

    1. Use rising: the latest week with enough answers has more nights with
       medication, or a higher mean nightly dose, than the week before it.
    2. Step missed: since the latest step that lowered the dose began, the last
       ``MISSED_STEP_NIGHTS`` answered nights were all at the previous step's dose
       or more.
    3. Above plan: nights above the plan in the latest week.
    4. Planned drug-free nights not kept in the latest week.
    """
    found: list[Flag] = []
    comparable = [w for w in weeks if w.nights_answered >= MIN_NIGHTS_TO_COMPARE]
    if len(comparable) >= 2:
        before, latest = comparable[-2], comparable[-1]
        # Shares of answered nights, so a week with a missed morning compares fairly.
        rising_nights = (
            latest.nights_with_medication * before.nights_answered
            > before.nights_with_medication * latest.nights_answered
        )
        rising_dose = (latest.mean_nightly_mg or ZERO) > (before.mean_nightly_mg or ZERO)
        if rising_nights or rising_dose:
            found.append(
                Flag(
                    Note.USE_RISING,
                    {"week": latest.week, "before": before.week},
                    week=latest.week,
                )
            )
    if steps:
        ordered = sorted(nights, key=lambda n: n.diary_date)
        latest_night = ordered[-1].diary_date if ordered else None
        index = current_index(steps, night_of(latest_night)) if latest_night else None
        if index:
            step = steps[index]
            previous = steps[index - 1]
            since = [n for n in ordered if night_of(n.diary_date) >= step.starts_on]
            recent = since[-MISSED_STEP_NIGHTS:]
            if (
                previous.dose_mg > step.dose_mg
                and len(recent) == MISSED_STEP_NIGHTS
                and all(n.dose_mg >= previous.dose_mg for n in recent)
            ):
                found.append(
                    Flag(
                        Note.STEP_MISSED,
                        {
                            "step": index + 1,
                            "dose": format_mg(step.dose_mg),
                            "date": step.starts_on.isoformat(),
                            "nights": MISSED_STEP_NIGHTS,
                            "previous": format_mg(previous.dose_mg),
                        },
                        step_index=index,
                    )
                )
    if weeks:
        latest = weeks[-1]
        if latest.above_plan or latest.previous_step:
            count = latest.above_plan + latest.previous_step
            found.append(
                Flag(Note.ABOVE_PLAN, {"count": count, "week": latest.week}, week=latest.week)
            )
        if latest.drug_free_kept is False:
            found.append(
                Flag(
                    Note.DRUG_FREE_MISSED,
                    {"week": latest.week, "planned": latest.planned_drug_free},
                    week=latest.week,
                )
            )
    return found

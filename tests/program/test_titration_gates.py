"""Worked examples of the gates titration applies before it changes a window
(issues 16 and 17): the floor and ceiling never turn a rule round, compression
extends, time in bed over the window goes to the clinician, the sleepiness check
comes before any reduction. (The nights a review reads: test_titration_span.py.)
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from program.rules.titration import (
    ADHERENCE_MARGIN_MIN,
    SHIPPED,
    Flag,
    NightFigures,
    Rule,
    auto_applicable,
    initial_window,
    titrate,
    too_sleepy,
)

P = {p.key: p for p in SHIPPED}
WEEKLY = P["weekly-90-85"]
REVIEW = date(2026, 3, 9)  # a Monday
START = REVIEW - timedelta(days=7)  # the window in force since the evening of 2 March


def week(tst: int, tib: int, *, mornings: range = range(1, 8), start: date = START):
    """One night per morning ``start + i`` (i in ``mornings``), all alike."""
    return [NightFigures(start + timedelta(days=i), tst, tib) for i in mornings]


# --- 1. The floor and ceiling stop a change; they never reverse it -----------------------


def test_a_window_above_the_ceiling_is_not_extended_down_to_it() -> None:
    # Issue 17: a therapist set 600 min; SE 95% gave "extend" with 600 -> 540.
    d = titrate(WEEKLY, 600, week(570, 600), REVIEW, window_from=START, very_sleepy=False)
    assert round(d.sleep_efficiency) == 95
    assert (d.rule, d.window_min) == (Rule.CEILING_HOLD, 600)
    assert Flag.ABOVE_CEILING in d.flags


def test_a_window_below_the_floor_is_not_reduced_up_to_it() -> None:
    # Issue 17: 240 min at SE 75% gave "reduce" with 240 -> 300.
    d = titrate(WEEKLY, 240, week(180, 240), REVIEW, window_from=START, very_sleepy=False)
    assert round(d.sleep_efficiency) == 75
    assert (d.rule, d.window_min) == (Rule.FLOOR_HOLD, 240)
    assert Flag.BELOW_FLOOR in d.flags


def test_spielman_back_to_mean_sleep_never_lengthens() -> None:
    # Issue 17: mean TST 345 above a 300 window "reduced" it to 345. The patient sleeps
    # longer than the window, so spends well over it in bed: held, both reasons told.
    d = titrate(
        P["spielman-1987"], 300, week(345, 420), REVIEW, window_from=START, very_sleepy=False
    )
    assert d.sleep_efficiency < 85
    assert (d.rule, d.window_min) == (Rule.CLINICIAN_HOLD, 300)
    assert Flag.RULE_REVERSED in d.flags and Flag.ADHERENCE in d.flags


def test_extending_at_the_ceiling_holds_and_says_so() -> None:
    d = titrate(WEEKLY, 540, week(520, 540), REVIEW, window_from=START, very_sleepy=False)
    assert (d.rule, d.window_min) == (Rule.CEILING_HOLD, 540)
    assert Flag.AT_CEILING in d.flags


def test_an_extension_stops_at_the_ceiling_but_still_extends() -> None:
    d = titrate(WEEKLY, 535, week(520, 535), REVIEW, window_from=START)
    assert (d.rule, d.window_min) == (Rule.EXTEND, 540)
    assert not d.flags


def test_a_reduction_from_above_the_ceiling_is_one_step_not_a_jump_to_it() -> None:
    d = titrate(WEEKLY, 600, week(480, 600), REVIEW, window_from=START, very_sleepy=False)
    assert (d.rule, d.window_min) == (Rule.REDUCE, 585)  # not 540
    assert Flag.ABOVE_CEILING in d.flags  # still outside the protocol: the clinician sees it


def test_a_hold_outside_the_range_is_flagged() -> None:
    d = titrate(WEEKLY, 600, week(525, 600), REVIEW, window_from=START)
    assert (d.rule, d.window_min) == (Rule.HOLD, 600)
    assert d.flags == (Flag.ABOVE_CEILING,)


def test_a_first_window_raised_to_the_floor_is_flagged() -> None:
    nights = week(250, 420, start=REVIEW - timedelta(days=7))
    d = initial_window(WEEKLY, nights, REVIEW)
    assert (d.rule, d.window_min) == (Rule.INITIAL, 300)  # mean TST 250 -> the 5 h floor
    assert d.flags == (Flag.RAISED_TO_FLOOR,)
    plain = initial_window(WEEKLY, week(330, 420, start=REVIEW - timedelta(days=7)), REVIEW)
    assert plain.window_min == 330 and not plain.flags


def test_a_compression_start_lowered_to_the_ceiling_is_flagged() -> None:
    d = initial_window(P["compression"], week(400, 600, start=REVIEW - timedelta(days=7)), REVIEW)
    assert d.window_min == 540 and d.flags == (Flag.LOWERED_TO_CEILING,)


def test_too_few_nights_give_no_week_figures() -> None:
    d = titrate(WEEKLY, 345, week(330, 345, mornings=range(1, 5)), REVIEW, window_from=START)
    assert (d.rule, d.nights, d.window_min) == (Rule.NOT_ENOUGH_DIARY, 4, 345)
    assert d.sleep_efficiency is None and d.mean_total_sleep is None
    baseline = initial_window(WEEKLY, week(330, 345, mornings=range(1, 5)), REVIEW)
    assert baseline.rule is Rule.NOT_ENOUGH_DIARY and baseline.sleep_efficiency is None


# --- 3. Compression ---------------------------------------------------------------------


def test_compression_extends_at_a_high_sleep_efficiency() -> None:
    # Issue 17: compression held at SE 95% for ever.
    d = titrate(
        P["compression"],
        420,
        week(400, 420),
        REVIEW,
        window_from=START,
        compression_target_min=330,
        compression_step_min=30,
    )
    assert round(d.sleep_efficiency) == 95
    assert (d.rule, d.window_min) == (Rule.EXTEND, 435)


def test_compression_at_its_target_with_low_efficiency_asks_the_clinician() -> None:
    d = titrate(
        P["compression"],
        330,
        week(260, 330),
        REVIEW,
        window_from=START,
        very_sleepy=False,
        compression_target_min=330,
        compression_step_min=30,
    )
    assert (d.rule, d.window_min) == (Rule.HOLD, 330)
    assert Flag.AT_TARGET_LOW_SE in d.flags


# --- 4. Adherence before reduction ------------------------------------------------------


def test_time_in_bed_well_over_the_window_goes_to_the_clinician_not_a_cut() -> None:
    over = 330 + ADHERENCE_MARGIN_MIN + 15
    d = titrate(WEEKLY, 330, week(300, over), REVIEW, window_from=START, very_sleepy=False)
    assert d.sleep_efficiency < 85
    assert (d.rule, d.window_min) == (Rule.ADHERENCE, 330)
    assert Flag.ADHERENCE in d.flags


def test_time_in_bed_within_the_margin_is_a_normal_reduction() -> None:
    within = 330 + ADHERENCE_MARGIN_MIN
    d = titrate(WEEKLY, 330, week(300, within), REVIEW, window_from=START, very_sleepy=False)
    assert (d.rule, d.window_min) == (Rule.REDUCE, 315)
    assert Flag.ADHERENCE not in d.flags


def test_a_good_week_over_the_window_still_extends() -> None:
    d = titrate(WEEKLY, 330, week(360, 380), REVIEW, window_from=START, very_sleepy=False)
    assert (d.rule, d.window_min) == (Rule.EXTEND, 345)


# --- 5. Sleepiness ----------------------------------------------------------------------


def test_no_sleepiness_answer_holds_a_reduction_and_says_why() -> None:
    d = titrate(WEEKLY, 330, week(270, 330), REVIEW, window_from=START, very_sleepy=None)
    assert (d.rule, d.window_min) == (Rule.SLEEPINESS_MISSING, 330)
    assert Flag.SLEEPINESS_MISSING in d.flags
    # The same week with the check answered ("not very sleepy") is cut by a step.
    answered = titrate(WEEKLY, 330, week(270, 330), REVIEW, window_from=START, very_sleepy=False)
    assert (answered.rule, answered.window_min) == (Rule.REDUCE, 315)


def test_no_sleepiness_answer_holds_a_compression_step_too() -> None:
    d = titrate(
        P["compression"],
        480,
        week(330, 480),
        REVIEW,
        window_from=START,
        compression_target_min=330,
        compression_step_min=30,
    )
    assert (d.rule, d.window_min) == (Rule.SLEEPINESS_MISSING, 480)


def test_no_sleepiness_answer_does_not_hold_a_lengthening_or_a_hold() -> None:
    extend = titrate(WEEKLY, 330, week(320, 330), REVIEW, window_from=START, very_sleepy=None)
    assert (extend.rule, extend.flags) == (Rule.EXTEND, ())
    hold = titrate(WEEKLY, 330, week(290, 330), REVIEW, window_from=START, very_sleepy=None)
    assert (hold.rule, hold.flags) == (Rule.HOLD, ())


def test_very_sleepy_lengthens_by_a_step_whatever_the_week() -> None:
    poor = titrate(WEEKLY, 330, week(250, 330), REVIEW, window_from=START, very_sleepy=True)
    assert (poor.rule, poor.window_min) == (Rule.SLEEPY_EXTEND, 345)
    assert Flag.SLEEPY in poor.flags
    few = titrate(
        WEEKLY,
        330,
        week(250, 330, mornings=range(1, 3)),
        REVIEW,
        window_from=START,
        very_sleepy=True,
    )
    assert (few.rule, few.window_min, few.sleep_efficiency) == (Rule.SLEEPY_EXTEND, 345, None)
    at_ceiling = titrate(WEEKLY, 540, week(400, 540), REVIEW, window_from=START, very_sleepy=True)
    assert (at_ceiling.rule, at_ceiling.window_min) == (Rule.SLEEPY_HOLD, 540)
    assert Flag.AT_CEILING in at_ceiling.flags


@pytest.mark.parametrize(
    ("dozing", "unsafe", "expected"),
    [(0, False, False), (1, False, False), (2, False, True), (3, False, True), (0, True, True)],
)
def test_dozing_several_times_a_week_counts_as_very_sleepy(dozing, unsafe, expected) -> None:
    assert too_sleepy(dozing, unsafe) is expected


def test_only_unflagged_decisions_and_sleepy_lengthenings_apply_without_a_clinician() -> None:
    assert auto_applicable("extend", [])
    assert not auto_applicable("sleepiness_missing", ["sleepiness_missing"])
    assert not auto_applicable("hold", ["above_ceiling"])
    assert auto_applicable("sleepy_extend", ["sleepy", "very_low_se"])
    assert not auto_applicable("sleepy_hold", ["sleepy", "at_ceiling"])


def test_one_sleepiness_rule_for_the_advice_the_caseload_and_the_window() -> None:
    """issue 16: "very sleepy" is the same reading everywhere, and dozing several times
    a week counts."""
    from program.rules import safety, titration

    for dozing in range(4):
        for unsafe in (False, True):
            assert titration.too_sleepy(dozing, unsafe) == safety.very_sleepy(dozing, unsafe)
    assert safety.very_sleepy(2, False)  # "Several times"
    assert not safety.very_sleepy(1, False)

"""When the safety screen is due again (program.rules.rescreen, issue 16 part 5):
worked examples, the holding of a shorter window, and properties."""

from __future__ import annotations

import doctest
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from program.rules import rescreen as rescreen_rules
from program.rules import safety, titration
from program.rules.rescreen import RESCREEN_EVERY_DAYS, Due, hold_for_screen, screen_due

START = date(2026, 12, 1)


def test_the_worked_examples_in_the_docstring_hold() -> None:
    assert doctest.testmod(rescreen_rules).failed == 0


def test_never_answered_is_due_first() -> None:
    assert screen_due(START, last_screen_on=None, restriction_from=START) is Due.FIRST


def test_answers_older_than_4_weeks_are_asked_again_at_the_start() -> None:
    assert (
        screen_due(START, last_screen_on=START - timedelta(days=27), restriction_from=None)
        is Due.NO
    )
    assert (
        screen_due(START, last_screen_on=START - timedelta(days=28), restriction_from=None)
        is Due.START
    )


def test_every_4_weeks_of_restriction_it_is_due_again() -> None:
    screened = START - timedelta(days=2)
    day_27 = START + timedelta(days=27)
    day_28 = START + timedelta(days=28)
    assert screen_due(day_27, last_screen_on=screened, restriction_from=START) is Due.NO
    assert screen_due(day_28, last_screen_on=screened, restriction_from=START) is Due.PERIODIC
    assert screen_due(day_28, last_screen_on=day_28, restriction_from=START) is Due.NO
    day_56 = START + timedelta(days=56)
    assert screen_due(day_56, last_screen_on=day_28, restriction_from=START) is Due.PERIODIC


def test_a_reported_change_is_due_at_once() -> None:
    assert (
        screen_due(START, last_screen_on=START, restriction_from=START, change_reported=True)
        is Due.CHANGE
    )


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    days=st.integers(min_value=0, max_value=400),
)
def test_answering_today_always_clears_it(start: date, days: int) -> None:
    today = start + timedelta(days=days)
    assert screen_due(today, last_screen_on=today, restriction_from=start) is Due.NO
    assert screen_due(today, last_screen_on=today, restriction_from=None) is Due.NO


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    screened=st.integers(min_value=0, max_value=400),
    later=st.integers(min_value=0, max_value=400),
)
def test_restriction_never_goes_4_weeks_past_the_last_answers(
    start: date, screened: int, later: int
) -> None:
    """Whenever the answers are 4 weeks old or more during restriction, it is due."""
    last = start + timedelta(days=screened)
    today = last + timedelta(days=later)
    due = screen_due(today, last_screen_on=last, restriction_from=start)
    if later >= RESCREEN_EVERY_DAYS:
        assert due is Due.PERIODIC
    if due is Due.PERIODIC:
        assert later >= 1


def _decision(window: int, previous: int) -> titration.Decision:
    return titration.Decision(
        window,
        titration.Rule.REDUCE,
        7,
        80.0,
        300.0,
        375.0,
        90.0,
        85.0,
        previous_window_min=previous,
    )


def test_a_shorter_window_is_held_while_the_screen_is_due_or_waits() -> None:
    for flag in (titration.Flag.SCREEN_DUE, titration.Flag.SCREEN_REVIEW):
        held = hold_for_screen(_decision(360, 375), flag)
        assert (held.window_min, held.rule.value, held.flags) == (375, flag.value, (flag,))
    assert hold_for_screen(_decision(360, 375), None).window_min == 360


@given(
    window=st.integers(min_value=180, max_value=720),
    previous=st.integers(min_value=180, max_value=720),
    flag=st.sampled_from([titration.Flag.SCREEN_DUE, titration.Flag.SCREEN_REVIEW, None]),
)
def test_a_screen_hold_never_shortens_and_never_stops_a_lengthening(
    window: int, previous: int, flag: titration.Flag | None
) -> None:
    held = hold_for_screen(_decision(window, previous), flag)
    assert held.window_min == (window if flag is None else max(window, previous))


def test_the_screen_asks_about_all_driving_and_the_added_conditions() -> None:
    keys = {q.key for q in safety.SCREEN}
    assert {"drives", "vigilance", "cognitive", "restless_legs", "narcolepsy", "circadian"} <= keys
    for key in ("vigilance", "cognitive", "restless_legs", "narcolepsy", "circadian", "apnoea"):
        assert safety.evaluate_screen({key: True}).positive, key
    # Everyday driving is asked (the commute is the commonest drowsy driving) and shown
    # to the clinician, but is not by itself a reason to hold.
    assert not safety.evaluate_screen({"drives": True}).positive
    assert {"vigilance", "apnoea"} == safety.STRICT_KEYS
    assert safety.strict_answers({"vigilance": True, "pregnant": True}) == ("vigilance",)

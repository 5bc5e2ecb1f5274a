"""The pace rules (program.rules.unlocking): worked examples, then properties. No database."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from program.rules.unlocking import (
    WAIT_DATE,
    WAIT_DIARY,
    WAIT_LESSONS,
    WAIT_PAUSED,
    WAIT_PREVIOUS,
    Pause,
    Progress,
    WeekRequirement,
    count_forward,
    current_week,
    ran_its_course,
    week_states,
)

START = date(2026, 11, 2)  # a Monday


def d(day: int) -> date:
    """Day ``day`` of the programme (0 is the start date)."""
    return START + timedelta(days=day)


def weeks(
    n: int = 6, *, done: dict[int, date] | None = None, diary_week: int = 2
) -> tuple[WeekRequirement, ...]:
    """Requirements for n weeks; ``done`` maps week -> date its required lessons were done."""
    done = done or {}
    return tuple(
        WeekRequirement(
            number=k,
            previous_lessons_done_on=done.get(k - 1),
            min_diary_nights=7 if k == diary_week else 0,
        )
        for k in range(1, n + 1)
    )


def opened(progress: Progress) -> dict[int, date | None]:
    return {s.number: s.opened_on for s in week_states(progress)}


ALL_DONE = {k: d(7 * (k - 1) + 1) for k in range(1, 7)}  # each week's lessons done on its day 2


@pytest.mark.parametrize(
    ("today", "expected_current"),
    [
        (d(-1), 1),  # before the start: week 1 shown (locked until it starts)
        (d(0), 1),
        (d(6), 1),
        (d(7), 2),  # pace 7: week 2 opens on day 7
        (d(13), 2),
        (d(14), 3),
        (d(100), 6),  # never past the last week
    ],
)
def test_weeks_open_every_seven_days_when_everything_is_done(today, expected_current) -> None:
    progress = Progress(
        start=START,
        today=today,
        weeks=weeks(done=ALL_DONE),
        diary_enough_on={7: d(6)},
    )
    assert current_week(week_states(progress)) == expected_current


def test_week_one_is_locked_before_the_start_date() -> None:
    states = week_states(Progress(start=START, today=d(-1), weeks=weeks()))
    assert not states[0].is_open
    assert states[0].opens_on == START


def test_a_locked_week_says_when_it_opens() -> None:
    states = week_states(
        Progress(start=START, today=d(3), weeks=weeks(done=ALL_DONE), diary_enough_on={7: d(2)})
    )
    week2 = states[1]
    assert not week2.is_open
    assert week2.opens_on == d(7)
    assert week2.waiting_for == (WAIT_DATE,)
    assert states[2].waiting_for == (WAIT_PREVIOUS,)


def test_the_next_week_waits_for_the_previous_weeks_required_lessons() -> None:
    # Week 1's lessons are not done: week 2 stays locked past its date.
    states = week_states(
        Progress(start=START, today=d(10), weeks=weeks(done={}), diary_enough_on={7: d(6)})
    )
    assert not states[1].is_open
    assert states[1].waiting_for == (WAIT_LESSONS,)
    assert states[1].earliest_on == d(7)
    # Done on day 9: week 2 opens that day, and week 3 seven days later.
    progress = Progress(
        start=START, today=d(16), weeks=weeks(done={1: d(9)}), diary_enough_on={7: d(6)}
    )
    states = week_states(progress)
    assert states[1].opened_on == d(9)
    # Week 3 may open on day 16, but waits for week 2's lessons.
    assert states[2].earliest_on == d(16)
    assert states[2].waiting_for == (WAIT_LESSONS,)


def test_lessons_done_early_do_not_open_a_week_before_its_date() -> None:
    progress = Progress(
        start=START, today=d(5), weeks=weeks(done={1: d(1)}), diary_enough_on={7: d(4)}
    )
    assert not week_states(progress)[1].is_open


def test_without_required_lessons_the_pace_alone_decides() -> None:
    progress = Progress(
        start=START,
        today=d(21),
        weeks=weeks(done={}),
        require_previous_lessons=False,
        diary_enough_on={7: d(6)},
    )
    assert current_week(week_states(progress)) == 4


def test_a_previous_week_with_no_required_lessons_does_not_hold_the_next_one() -> None:
    reqs = tuple(
        WeekRequirement(number=k, previous_has_required_lessons=False) for k in range(1, 4)
    )
    assert current_week(week_states(Progress(start=START, today=d(14), weeks=reqs))) == 3


@pytest.mark.parametrize(
    ("enough_on", "today", "is_open", "waiting"),
    [
        (None, d(10), False, (WAIT_DIARY,)),  # fewer than 7 valid nights
        (d(9), d(10), True, ()),  # 7th night on day 9: open from day 9
        (d(5), d(7), True, ()),  # nights in time: opens on its date
        (d(12), d(10), False, ()),  # (a future date cannot happen, but is not open)
    ],
)
def test_the_sleep_window_week_waits_for_seven_valid_diary_nights(
    enough_on, today, is_open, waiting
) -> None:
    state = week_states(
        Progress(
            start=START,
            today=today,
            weeks=weeks(done=ALL_DONE),
            diary_enough_on={7: enough_on},
        )
    )[1]
    assert state.is_open is is_open
    if waiting:
        assert state.waiting_for == waiting


def test_paused_days_do_not_count_and_nothing_opens_during_a_pause() -> None:
    # Paused on day 3 (still paused): week 2 cannot open, however late it is.
    progress = Progress(
        start=START,
        today=d(30),
        weeks=weeks(done=ALL_DONE),
        diary_enough_on={7: d(6)},
        pauses=(Pause(d(3)),),
    )
    states = week_states(progress)
    assert not states[1].is_open
    assert states[1].waiting_for == (WAIT_PAUSED,)
    # Resumed on day 10: 7 paused days, so week 2 opens on day 14 instead of 7.
    resumed = Progress(
        start=START,
        today=d(30),
        weeks=weeks(done=ALL_DONE),
        diary_enough_on={7: d(6)},
        pauses=(Pause(d(3), d(10)),),
    )
    assert opened(resumed)[2] == d(14)
    assert opened(resumed)[3] == d(21)


def test_a_pause_after_a_week_opened_leaves_it_open() -> None:
    progress = Progress(
        start=START,
        today=d(12),
        weeks=weeks(done=ALL_DONE),
        diary_enough_on={7: d(6)},
        pauses=(Pause(d(9)),),
    )
    states = week_states(progress)
    assert states[1].is_open and states[1].opened_on == d(7)
    assert not states[2].is_open


def test_an_extension_delays_the_next_week() -> None:
    progress = Progress(
        start=START,
        today=d(30),
        weeks=weeks(done=ALL_DONE),
        diary_enough_on={7: d(6)},
        extensions={3: 7},  # week 2 extended by a week
    )
    assert opened(progress)[3] == d(21)
    assert opened(progress)[4] == d(28)


def test_advancing_opens_the_week_at_once_whatever_the_rules_say() -> None:
    # Day 3, no diary, no lessons done: the therapist opens week 2 today.
    progress = Progress(start=START, today=d(3), weeks=weeks(), advanced={2: d(3)})
    states = week_states(progress)
    assert states[1].is_open and states[1].opened_on == d(3)
    # Week 3 counts its pace from the day week 2 opened.
    assert states[2].earliest_on == d(10)


def test_count_forward_skips_paused_days() -> None:
    assert count_forward(d(0), 7, ()) == d(7)
    assert count_forward(d(0), 7, (Pause(d(2), d(4)),)) == d(9)
    assert count_forward(d(0), 7, (Pause(d(2)),)) is None
    # An opening day inside a pause moves to the day the pause ends.
    assert count_forward(d(0), 2, (Pause(d(2), d(5)),)) == d(5)


# --- Properties ------------------------------------------------------------------

days = st.integers(min_value=0, max_value=80)


@st.composite
def progresses(draw: st.DrawFn) -> Progress:
    n = draw(st.integers(min_value=1, max_value=8))
    done = {k: d(draw(days)) for k in range(1, n + 1) if draw(st.booleans())}
    pauses: list[Pause] = []
    if draw(st.booleans()):
        start = draw(days)
        end = draw(st.one_of(st.none(), st.integers(min_value=start, max_value=start + 20)))
        pauses.append(Pause(d(start), d(end) if end is not None else None))
    return Progress(
        start=START,
        today=d(draw(st.integers(min_value=-3, max_value=90))),
        weeks=weeks(n, done=done),
        pace_days=draw(st.integers(min_value=1, max_value=14)),
        require_previous_lessons=draw(st.booleans()),
        pauses=tuple(pauses),
        extensions={k: draw(st.integers(0, 10)) for k in range(2, n + 1) if draw(st.booleans())},
        advanced={k: d(draw(days)) for k in range(2, n + 1) if draw(st.booleans())},
        diary_enough_on={7: draw(st.one_of(st.none(), days.map(d)))},
    )


@given(progresses())
def test_weeks_open_in_order_and_never_in_the_future(progress: Progress) -> None:
    states = week_states(progress)
    seen_locked = False
    previous: date | None = None
    for state in states:
        if state.is_open:
            assert not seen_locked, "a week opened after a locked one"
            assert state.opened_on is not None and state.opened_on <= progress.today
            if previous is not None:
                assert state.opened_on >= previous
            previous = state.opened_on
        else:
            seen_locked = True
            assert state.opened_on is None


@given(progresses(), st.integers(min_value=1, max_value=30))
def test_an_open_week_stays_open_as_days_pass(progress: Progress, later: int) -> None:
    from dataclasses import replace

    before = week_states(progress)
    after = week_states(replace(progress, today=progress.today + timedelta(days=later)))
    for b, a in zip(before, after, strict=True):
        if b.is_open:
            assert a.is_open and a.opened_on == b.opened_on


@given(progresses(), st.integers(min_value=1, max_value=14))
def test_an_extension_never_opens_a_week_earlier(progress: Progress, extra: int) -> None:
    from dataclasses import replace

    if len(progress.weeks) < 2:
        return
    extensions = dict(progress.extensions)
    extensions[2] = extensions.get(2, 0) + extra
    before = opened(progress)
    after = opened(replace(progress, extensions=extensions))
    for k, when in after.items():
        if when is not None and not progress.advanced:
            assert before[k] is not None and when >= before[k]


@given(progresses())
def test_without_advances_weeks_are_at_least_the_pace_apart(progress: Progress) -> None:
    from dataclasses import replace

    progress = replace(progress, advanced={})
    dates = [s.opened_on for s in week_states(progress) if s.is_open]
    for earlier, later in itertools.pairwise(dates):
        assert (later - earlier).days >= progress.pace_days


# --- Rule 9: the programme has run its course ------------------------------------------


def test_worked_example_the_programme_runs_its_course_a_week_after_its_last_week_opens():
    from dataclasses import replace

    # Every week's lessons read on time with the diary kept: week 6 opens on day 35.
    progress = Progress(
        start=START, today=d(35), weeks=weeks(done=ALL_DONE), diary_enough_on={7: d(7)}
    )
    assert opened(progress)[6] == d(35)
    for day, over in ((35, False), (41, False), (42, True), (90, True)):
        later = replace(progress, today=d(day))
        assert ran_its_course(later, week_states(later)) is over, day
    # Three paused days in week 6 push the end back by three days.
    paused = replace(progress, today=d(42), pauses=(Pause(d(37), d(40)),))
    assert not ran_its_course(paused, week_states(paused))
    paused = replace(paused, today=d(45))
    assert ran_its_course(paused, week_states(paused))


@given(progresses(), st.integers(min_value=0, max_value=30))
def test_a_programme_over_stays_over_and_only_once_its_last_week_opened(
    progress: Progress, later: int
) -> None:
    from dataclasses import replace

    states = week_states(progress)
    over = ran_its_course(progress, states)
    if over:
        assert states[-1].is_open
        assert states[-1].opened_on is not None
        assert progress.today >= states[-1].opened_on + timedelta(days=progress.pace_days)
        after = replace(progress, today=progress.today + timedelta(days=later))
        assert ran_its_course(after, week_states(after))
    if not states[-1].is_open:
        assert not over

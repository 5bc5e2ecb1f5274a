"""At risk of dropping out (program.rules.engagement): worked examples and properties."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from program.rules import engagement
from program.rules.engagement import DIARY_GAP, FEW_NIGHTS, SLOW_FIRST_MODULE, Reason, Thresholds

START = date(2026, 3, 2)
T = Thresholds()


def reasons(day: int, **kwargs) -> list[Reason]:
    args = {
        "today": START + timedelta(days=day),
        "start": START,
        "week1_nights": 7,
        "first_module_done": START + timedelta(days=2),
        "last_night": START + timedelta(days=day - 1),
        "paused": False,
        "thresholds": T,
    }
    return engagement.reasons(**(args | kwargs))


def test_an_engaged_first_week_raises_nothing():
    assert reasons(8) == []


def test_worked_example_two_nights_and_the_first_module_still_open_on_day_9():
    """Day 9 (week 2): 2 of 7 nights in week 1 (fewer than 4), week 1's lessons not done
    after 9 days (7 allowed), last night recorded yesterday: two reasons, no gap."""
    assert reasons(9, week1_nights=2, first_module_done=None) == [
        Reason(FEW_NIGHTS, 2),
        Reason(SLOW_FIRST_MODULE, 9, still_open=True),
    ]


def test_the_first_module_done_late_is_a_reason_with_the_days_it_took():
    done = START + timedelta(days=10)
    assert reasons(12, first_module_done=done) == [Reason(SLOW_FIRST_MODULE, 10)]
    # Done on day 6, the last day of week 1: in time.
    assert reasons(12, first_module_done=START + timedelta(days=6)) == []


def test_week_1_is_not_judged_before_it_ends_nor_after_the_early_days():
    assert reasons(6, week1_nights=0, first_module_done=None) == []
    assert reasons(7, week1_nights=3) == [Reason(FEW_NIGHTS, 3)]
    assert reasons(20, week1_nights=3) == [Reason(FEW_NIGHTS, 3)]
    assert reasons(21, week1_nights=3) == []


def test_a_gap_of_three_mornings_is_a_reason_at_any_time_even_paused():
    three_ago = START + timedelta(days=40 - 3)
    assert reasons(40, last_night=three_ago) == [Reason(DIARY_GAP, 3)]
    assert reasons(40, last_night=three_ago + timedelta(days=1)) == []
    assert reasons(9, week1_nights=0, last_night=None, paused=True) == [Reason(DIARY_GAP, 3)]


def test_the_gap_counts_from_the_start_not_from_a_diary_never_kept():
    """Joined on day 0 with no diary yet: the programme's nights are those of days 0, 1
    and 2, recorded on mornings 1 to 3, so the gap is a reason from day 3 only."""
    for day in (0, 1, 2):
        assert reasons(day, last_night=None) == []
    assert reasons(3, last_night=None) == [Reason(DIARY_GAP, 3)]
    # A diary kept before this programme's start counts from the start too.
    assert reasons(2, last_night=START - timedelta(days=30)) == []


def test_a_break_excuses_its_own_days_and_no_others():
    """The patient's own break from day 10 to day 20 (diary last kept on day 9), told the
    diary is optional: no reason while it runs; after it, the gap counts its other days."""
    last = START + timedelta(days=9)
    brk = (START + timedelta(days=10), START + timedelta(days=20))
    # Running (its last day not yet come): the nights of days 9..14, less 5 on the break.
    assert reasons(15, last_night=last, latest_break=brk) == []
    assert reasons(22, last_night=last, latest_break=brk) == []
    assert reasons(23, last_night=last, latest_break=brk) == [Reason(DIARY_GAP, 3)]


def test_a_patient_quiet_before_the_break_still_shows_during_it():
    """Quiet since day 0's diary, then a break from day 25: still "no diary" on day 30; a
    second break straight after the first excuses only its own days (the review found a
    quiet patient vanishing from the round behind breaks)."""
    last = START
    assert reasons(
        30, last_night=last, latest_break=(START + timedelta(days=25), START + timedelta(days=39))
    ) == [Reason(DIARY_GAP, 3)]
    # Diary kept until the first break (days 10-24), then a second break (days 24-38).
    last = START + timedelta(days=9)
    second = (START + timedelta(days=24), START + timedelta(days=38))
    assert reasons(30, last_night=last, latest_break=second) == [Reason(DIARY_GAP, 3)]


def test_a_programme_that_has_run_its_course_raises_nothing():
    """Iris finished her six weeks and stopped the diary: she is not dropping out."""
    assert reasons(60, last_night=START + timedelta(days=41)) == [Reason(DIARY_GAP, 3)]
    assert reasons(60, last_night=START + timedelta(days=41), finished=True) == []
    assert reasons(9, week1_nights=0, last_night=None, finished=True) == []


def test_no_programme_reads_only_the_gap():
    assert engagement.reasons(
        today=START,
        start=None,
        week1_nights=0,
        first_module_done=None,
        last_night=None,
        paused=False,
        thresholds=T,
    ) == [Reason(DIARY_GAP, 3)]


def test_the_thresholds_are_the_clinics():
    strict = Thresholds(min_week1_nights=7, first_module_days=3, gap_nights=2, early_days=28)
    got = reasons(
        24,
        week1_nights=6,
        first_module_done=START + timedelta(days=3),
        last_night=START + timedelta(days=22),
        thresholds=strict,
    )
    assert got == [Reason(FEW_NIGHTS, 6), Reason(SLOW_FIRST_MODULE, 3), Reason(DIARY_GAP, 2)]


@given(
    day=st.integers(0, 60),
    nights=st.integers(0, 7),
    done=st.one_of(st.none(), st.integers(0, 60)),
    gap=st.one_of(st.none(), st.integers(1, 60)),
    paused=st.booleans(),
)
def test_properties(day, nights, done, gap, paused):
    today = START + timedelta(days=day)
    got = engagement.reasons(
        today=today,
        start=START,
        week1_nights=nights,
        first_module_done=None if done is None else START + timedelta(days=min(done, day)),
        last_night=None if gap is None else today - timedelta(days=gap),
        paused=paused,
        thresholds=T,
    )
    keys = [r.key for r in got]
    # Each reason at most once, in a fixed order.
    assert keys == sorted(set(keys), key=[FEW_NIGHTS, SLOW_FIRST_MODULE, DIARY_GAP].index)
    # The week-1 reasons only on days 7..20 and never while paused.
    if not 7 <= day < T.early_days or paused:
        assert DIARY_GAP in keys or keys == []
        assert FEW_NIGHTS not in keys and SLOW_FIRST_MODULE not in keys
    # More nights in week 1 never add the few-nights reason.
    assert (FEW_NIGHTS in keys) == (7 <= day < T.early_days and not paused and nights < 4)
    # The gap reason is exactly "no night in the last three mornings" of the programme.
    assert (DIARY_GAP in keys) == (min(day, day if gap is None else gap) >= 3)


@given(
    quiet=st.integers(0, 40),
    begins=st.integers(-45, 5),
    length=st.integers(0, 14),
)
def test_a_break_never_hides_more_silence_than_its_own_days(quiet, begins, length):
    """Whatever the break, the gap reason stands once the silence outside the break is
    three mornings or more, and a break only ever takes the reason away."""
    today = START + timedelta(days=60)
    last_night = today - timedelta(days=quiet)
    first = today + timedelta(days=begins)
    brk = (first, first + timedelta(days=length))
    args = {
        "today": today,
        "start": START,
        "week1_nights": 7,
        "first_module_done": START,
        "last_night": last_night,
        "paused": False,
        "thresholds": T,
    }
    with_break = DIARY_GAP in [r.key for r in engagement.reasons(**args, latest_break=brk)]
    without = DIARY_GAP in [r.key for r in engagement.reasons(**args)]
    inside = max(0, (min(brk[1], today) - max(brk[0], last_night + timedelta(days=1))).days + 1)
    assert with_break == (quiet - inside >= 3)
    assert without or not with_break


def welcome(day: int, **kwargs):
    args = {
        "today": START + timedelta(days=day),
        "last_night": START + timedelta(days=day - 1),
        "pause_started_on": None,
        "pause_ended_on": None,
        "gap_days": 4,
    }
    return engagement.welcome_back(**(args | kwargs))


def test_welcome_back_after_a_break_until_the_first_diary_night():
    """A break from day 10 to day 15; diary last kept on day 9."""
    away = {
        "pause_started_on": START + timedelta(days=10),
        "pause_ended_on": START + timedelta(days=15),
        "last_night": START + timedelta(days=9),
    }
    assert welcome(15, **away) == engagement.Welcome(engagement.PAUSE, 5)
    assert welcome(21, **away) == engagement.Welcome(engagement.PAUSE, 5)
    # A week after the break the gap speaks instead (13 days without a diary night).
    assert welcome(22, **away) == engagement.Welcome(engagement.GAP, 13)
    assert welcome(16, **(away | {"last_night": START + timedelta(days=15)})) is None


def test_welcome_back_after_a_gap_of_four_days():
    assert welcome(10, last_night=START + timedelta(days=7)) is None  # 3 days
    assert welcome(10, last_night=START + timedelta(days=6)) == engagement.Welcome(
        engagement.GAP, 4
    )
    assert welcome(30, last_night=None) is None  # never started: not "back"


@given(day=st.integers(0, 60), last=st.one_of(st.none(), st.integers(0, 60)))
def test_no_welcome_the_day_after_a_diary_night(day, last):
    last_night = None if last is None else START + timedelta(days=min(last, day))
    got = welcome(day, last_night=last_night)
    if last_night is not None and (START + timedelta(days=day) - last_night).days < 4:
        assert got is None

"""The come-back reminder's rules (program/rules/reengagement.py), without a database."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from program.rules.reengagement import SEND_FROM, Settings, due_number

START = date(2026, 11, 2)
NOON = time(12, 0)


def at(day: date, clock: time = NOON) -> datetime:
    return datetime.combine(day, clock)


def test_nothing_before_three_quiet_days() -> None:
    for days in range(3):
        assert (
            due_number(
                local_now=at(START + timedelta(days)), last_active=START, sent_on=[], paused=False
            )
            is None
        )


def test_the_first_after_three_days_and_the_second_after_seven() -> None:
    assert (
        due_number(local_now=at(START + timedelta(3)), last_active=START, sent_on=[], paused=False)
        == 1
    )
    first = [START + timedelta(3)]
    for days in (4, 5, 6):
        assert (
            due_number(
                local_now=at(START + timedelta(days)),
                last_active=START,
                sent_on=first,
                paused=False,
            )
            is None
        )
    assert (
        due_number(
            local_now=at(START + timedelta(7)), last_active=START, sent_on=first, paused=False
        )
        == 2
    )


def test_then_nothing_until_they_come_back() -> None:
    both = [START + timedelta(3), START + timedelta(7)]
    for days in (8, 20, 90):
        assert (
            due_number(
                local_now=at(START + timedelta(days)), last_active=START, sent_on=both, paused=False
            )
            is None
        )
    back = START + timedelta(30)
    assert (
        due_number(local_now=at(back + timedelta(3)), last_active=back, sent_on=both, paused=False)
        == 1
    )


def test_not_while_paused() -> None:
    assert (
        due_number(local_now=at(START + timedelta(5)), last_active=START, sent_on=[], paused=True)
        is None
    )


def test_only_at_a_kind_hour_and_outside_quiet_hours() -> None:
    day = START + timedelta(3)
    assert (
        due_number(local_now=at(day, time(9, 59)), last_active=START, sent_on=[], paused=False)
        is None
    )
    assert (
        due_number(local_now=at(day, time(20, 0)), last_active=START, sent_on=[], paused=False)
        is None
    )
    assert (
        due_number(local_now=at(day, SEND_FROM), last_active=START, sent_on=[], paused=False) == 1
    )
    quiet = {"quiet_start": time(11, 0), "quiet_end": time(14, 0)}
    assert (
        due_number(local_now=at(day), last_active=START, sent_on=[], paused=False, **quiet) is None
    )
    assert (
        due_number(
            local_now=at(day, time(15, 0)), last_active=START, sent_on=[], paused=False, **quiet
        )
        == 1
    )


def test_a_late_first_reminder_does_not_bring_the_second_the_same_week() -> None:
    late = START + timedelta(6)
    assert (
        due_number(
            local_now=at(late + timedelta(1)), last_active=START, sent_on=[late], paused=False
        )
        is None
    )
    assert (
        due_number(
            local_now=at(late + timedelta(4)), last_active=START, sent_on=[late], paused=False
        )
        == 2
    )


def test_the_cap_is_the_setting_and_zero_turns_it_off() -> None:
    one = Settings(after_days=(3, 7), max_reminders=1)
    sent = [START + timedelta(3)]
    assert (
        due_number(
            local_now=at(START + timedelta(9)),
            last_active=START,
            sent_on=sent,
            paused=False,
            settings=one,
        )
        is None
    )
    off = Settings(after_days=(3, 7), max_reminders=0)
    assert (
        due_number(
            local_now=at(START + timedelta(9)),
            last_active=START,
            sent_on=[],
            paused=False,
            settings=off,
        )
        is None
    )


@given(
    after=st.lists(st.integers(1, 20), min_size=1, max_size=4).map(lambda xs: tuple(sorted(xs))),
    cap=st.integers(0, 5),
    hours=st.lists(st.integers(0, 23), min_size=60, max_size=60),
    paused_days=st.sets(st.integers(0, 59)),
)
def test_a_simulated_absence_never_gets_more_than_the_cap_or_two_a_day(
    after, cap, hours, paused_days
) -> None:
    """Day by day through a 60-day absence, sending whenever the rule says so: never more
    than the cap, never two on one day, none while paused, none before the first N days,
    and each one at a kind hour."""
    settings = Settings(after_days=after, max_reminders=cap)
    sent: list[date] = []
    for day_number, hour in enumerate(hours):
        now = at(START + timedelta(day_number), time(hour, 0))
        paused = day_number in paused_days
        number = due_number(
            local_now=now, last_active=START, sent_on=sent, paused=paused, settings=settings
        )
        if number is not None:
            assert not paused and 10 <= hour < 20
            assert number == len(sent) + 1
            assert now.date() not in sent
            assert (now.date() - START).days >= after[0]
            sent.append(now.date())
    assert len(sent) <= min(cap, len(after))
    assert len(set(sent)) == len(sent)

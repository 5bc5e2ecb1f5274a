"""Local wall-clock times to UTC, across DST, quiet hours and midnight (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from program.rules.schedule import exists, in_quiet_hours, next_occurrence

LONDON = ZoneInfo("Europe/London")
NY = ZoneInfo("America/New_York")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_next_morning_reminder_in_the_persons_own_zone() -> None:
    o = next_occurrence(time(7, 30), NY, utc(2026, 11, 25, 10))
    assert o.due_at == utc(2026, 11, 25, 12, 30)  # 07:30 EST
    assert o.local_date == date(2026, 11, 25)
    later = next_occurrence(time(7, 30), NY, o.due_at)
    assert later.due_at == utc(2026, 11, 26, 12, 30)


def test_a_time_skipped_by_spring_forward_is_sent_after_the_gap_not_dropped() -> None:
    # London, 29 March 2026: 01:00 GMT jumps to 02:00 BST; 01:30 does not exist.
    assert not exists(date(2026, 3, 29), time(1, 30), LONDON)
    o = next_occurrence(time(1, 30), LONDON, utc(2026, 3, 28, 12))
    assert o.local_date == date(2026, 3, 29)
    assert o.due_at == utc(2026, 3, 29, 1, 30)  # 02:30 BST, an hour after "01:30 GMT"


def test_a_time_that_happens_twice_is_sent_once_at_its_first_occurrence() -> None:
    # New York, 1 November 2026: 01:30 happens at 05:30 UTC (EDT) and 06:30 UTC (EST).
    first = next_occurrence(time(1, 30), NY, utc(2026, 11, 1, 0))
    assert first.due_at == utc(2026, 11, 1, 5, 30)
    after = next_occurrence(time(1, 30), NY, first.due_at)
    assert after.local_date == date(2026, 11, 2)  # not 06:30 UTC the same night


def test_the_day_after_a_change_keeps_the_same_wall_clock_time() -> None:
    before = next_occurrence(time(7, 30), NY, utc(2026, 3, 6, 20))  # Sat 7 March, EST
    after = next_occurrence(time(7, 30), NY, utc(2026, 3, 7, 20))  # Sun 8 March, EDT
    assert before.due_at.astimezone(NY).time() == after.due_at.astimezone(NY).time()
    assert after.due_at - before.due_at == timedelta(hours=23)


def test_a_wind_down_after_midnight_belongs_to_that_night() -> None:
    o = next_occurrence(time(0, 15), LONDON, utc(2026, 11, 25, 20))
    assert o.due_at == utc(2026, 11, 26, 0, 15)
    assert o.local_date == date(2026, 11, 26)


def test_quiet_hours_move_a_reminder_to_their_end() -> None:
    assert in_quiet_hours(time(23), time(22), time(7))
    assert in_quiet_hours(time(6, 59), time(22), time(7))
    assert not in_quiet_hours(time(7), time(22), time(7))
    o = next_occurrence(
        time(23, 0), LONDON, utc(2026, 11, 25, 12), quiet_start=time(22), quiet_end=time(7)
    )
    assert o.due_at == utc(2026, 11, 26, 7)
    assert o.local_date == date(2026, 11, 25)  # still the 25th's reminder: one a day


ZONES = st.sampled_from(
    [
        LONDON,
        NY,
        ZoneInfo("Australia/Lord_Howe"),
        ZoneInfo("Asia/Kolkata"),
        ZoneInfo("Pacific/Chatham"),
        ZoneInfo("UTC"),
    ]
)


@given(
    st.times(),
    ZONES,
    st.datetimes(
        min_value=datetime(2000, 1, 2),  # noqa: DTZ001 (hypothesis takes naive bounds)
        max_value=datetime(2090, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_the_next_occurrence_is_soon_after_and_at_that_clock_time(clock, zone, after) -> None:
    clock = clock.replace(second=0, microsecond=0, tzinfo=None)
    o = next_occurrence(clock, zone, after)
    assert after < o.due_at <= after + timedelta(hours=50)
    if exists(o.local_date, clock, zone):
        assert o.due_at.astimezone(zone).replace(tzinfo=None) == datetime.combine(
            o.local_date, clock
        )


@given(
    st.times(),
    ZONES,
    st.datetimes(
        min_value=datetime(2000, 1, 2),  # noqa: DTZ001 (hypothesis takes naive bounds)
        max_value=datetime(2090, 1, 1),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
)
def test_successive_occurrences_have_successive_dates(clock, zone, after) -> None:
    clock = clock.replace(second=0, microsecond=0, tzinfo=None)
    first = next_occurrence(clock, zone, after)
    second = next_occurrence(clock, zone, first.due_at)
    assert second.local_date == first.local_date + timedelta(days=1)

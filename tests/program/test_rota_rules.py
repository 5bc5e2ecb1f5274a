"""program.rules.rota: who on the duty list is on duty at an instant (worked examples of
the module's docstring, with the clocks changing, and properties)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from program.rules.rota import Dates, Weekly, covers, on_duty, route, span

LONDON = ZoneInfo("Europe/London")
A, B, SHARED = "a@clinic.test", "b@clinic.test", "duty@clinic.test"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_day_shift_includes_its_start_and_not_its_end() -> None:
    monday = Weekly(A, 0, time(9), time(17))  # 2 November 2026 is a Monday, GMT
    assert covers(monday, utc(2026, 11, 2, 12), LONDON)
    assert covers(monday, utc(2026, 11, 2, 9), LONDON)
    assert not covers(monday, utc(2026, 11, 2, 17), LONDON)
    assert not covers(monday, utc(2026, 11, 2, 8, 59), LONDON)
    assert not covers(monday, utc(2026, 11, 3, 12), LONDON)  # Tuesday


def test_an_overnight_shift_runs_into_the_next_day() -> None:
    friday_night = Weekly(A, 4, time(17), time(9))
    assert covers(friday_night, utc(2026, 11, 7, 3), LONDON)  # Saturday 03:00
    assert not covers(friday_night, utc(2026, 11, 7, 9), LONDON)
    assert not covers(friday_night, utc(2026, 11, 6, 16), LONDON)


def test_the_night_the_clocks_go_back_is_eleven_hours() -> None:
    night = Weekly(A, 5, time(22), time(8))
    starts, ends = span(night, date(2026, 10, 24), LONDON)
    assert starts == utc(2026, 10, 24, 21) and ends == utc(2026, 10, 25, 8)
    assert ends - starts == timedelta(hours=11)
    assert covers(night, utc(2026, 10, 25, 7, 30), LONDON)


def test_the_night_the_clocks_go_forward_is_nine_hours() -> None:
    night = Weekly(A, 5, time(22), time(8))
    starts, ends = span(night, date(2026, 3, 28), LONDON)
    assert starts == utc(2026, 3, 28, 22) and ends == utc(2026, 3, 29, 7)
    assert ends - starts == timedelta(hours=9)
    assert not covers(night, utc(2026, 3, 29, 7, 30), LONDON)  # 08:30 BST: off duty


def test_a_shift_in_the_spring_gap_starts_when_the_clock_passes_it() -> None:
    # 01:30 does not exist in London on 29 March 2026: read with the GMT offset.
    early = Weekly(A, 6, time(1, 30), time(6))
    starts, _ = span(early, date(2026, 3, 29), LONDON)
    assert starts == utc(2026, 3, 29, 1, 30)


def test_dates_cover_whole_local_days() -> None:
    christmas = Dates(B, date(2026, 12, 24), date(2026, 12, 26))
    assert covers(christmas, utc(2026, 12, 24, 0), LONDON)
    assert covers(christmas, utc(2026, 12, 26, 23, 59), LONDON)
    assert not covers(christmas, utc(2026, 12, 27, 0), LONDON)
    assert not covers(christmas, utc(2026, 12, 23, 23, 59), LONDON)
    # In summer the local midnight is 23:00 UTC the day before.
    july = Dates(B, date(2026, 7, 1), date(2026, 7, 1))
    assert covers(july, utc(2026, 6, 30, 23, 30), LONDON)
    assert not covers(july, utc(2026, 7, 1, 23, 0), LONDON)


def test_members_without_lines_are_always_on_and_nobody_means_everyone() -> None:
    lines = [Weekly(A, 0, time(9), time(17)), Weekly(B, 1, time(9), time(17))]
    monday_noon = utc(2026, 11, 2, 12)
    assert on_duty([A, B, SHARED], lines, monday_noon, LONDON) == [A, SHARED]
    assert on_duty([A, B], lines, utc(2026, 11, 4, 12), LONDON) == []
    assert route([A, B], lines, utc(2026, 11, 4, 12), LONDON) == [A, B]


def test_bad_lines_are_refused() -> None:
    with pytest.raises(ValueError):
        Weekly(A, 7, time(9), time(17))
    with pytest.raises(ValueError):
        Dates(A, date(2026, 1, 2), date(2026, 1, 1))
    with pytest.raises(ValueError):
        covers(Weekly(A, 0, time(9), time(17)), datetime(2026, 1, 5, 10), LONDON)  # noqa: DTZ001 (naive on purpose)


ZONES = st.sampled_from(
    [ZoneInfo(z) for z in ("Europe/London", "America/New_York", "Australia/Sydney", "UTC")]
)
INSTANTS = st.datetimes(
    min_value=datetime(2024, 1, 1),  # noqa: DTZ001 (hypothesis: naive bounds)
    max_value=datetime(2030, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
TIMES = st.times().map(lambda t: t.replace(second=0, microsecond=0))
WEEKLY = st.builds(Weekly, st.sampled_from([A, B]), st.integers(0, 6), TIMES, TIMES)
DATES = st.builds(
    lambda m, d, n: Dates(m, d, d + timedelta(days=n)),
    st.sampled_from([A, B]),
    st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 1)),
    st.integers(0, 20),
)
LINES = st.lists(st.one_of(WEEKLY, DATES), max_size=6)


@given(LINES, INSTANTS, ZONES)
def test_never_nobody(lines, t, zone) -> None:
    members = [A, B, SHARED]
    routed = route(members, lines, t, zone)
    assert routed and set(routed) <= set(members)
    assert SHARED in routed  # no line: always on duty


@given(LINES, INSTANTS, ZONES)
def test_the_same_instant_in_any_zone_gives_the_same_answer(lines, t, zone) -> None:
    elsewhere = t.astimezone(ZoneInfo("Asia/Kolkata"))
    assert on_duty([A, B], lines, t, zone) == on_duty([A, B], lines, elsewhere, zone)


@given(INSTANTS, ZONES, TIMES)
def test_seven_whole_day_shifts_cover_every_instant(t, zone, at) -> None:
    week = [Weekly(A, d, at, at) for d in range(7)]
    assert on_duty([A], week, t, zone) == [A]


@given(st.integers(0, 6), TIMES, TIMES, INSTANTS, ZONES)
def test_a_shift_covers_an_instant_whose_wall_clock_is_inside_it(day, starts, ends, t, zone):
    """Away from clock changes, a shift covers t iff t's wall clock is in it."""
    local = t.astimezone(zone)
    offsets = {(local + timedelta(hours=h)).utcoffset() for h in range(-26, 27)}
    if len(offsets) > 1:
        return  # a clock change nearby: the worked examples above cover those
    line = Weekly(A, day, starts, ends)
    wall = local.time().replace(tzinfo=None)
    weekday = local.weekday()
    if ends > starts:
        expected = weekday == day and starts <= wall < ends
    else:
        expected = (weekday == day and wall >= starts) or (weekday == (day + 1) % 7 and wall < ends)
    assert covers(line, t, zone) == expected

"""The clinic's working hours (program.rules.working_hours): the worked examples of its
docstring, the refusals of malformed hours, and properties over any start, any length
and several clinics: the result is open time (or the start itself), exactly the asked
working hours of open time lie between, and a later start or more hours is never sooner."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from program.rules import working_hours as wh

LONDON = "Europe/London"
WEEKDAYS = wh.parse("Mon-Fri 09:00-17:00", LONDON)


def local(text: str, hours: wh.Hours = WEEKDAYS) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=hours.zone)


@pytest.mark.parametrize(
    ("raised", "escalates"),
    [
        ("2026-03-03 10:00", "2026-03-03 14:00"),  # Tuesday, open all the time
        ("2026-03-03 15:00", "2026-03-04 11:00"),  # 2 hours Tuesday, 2 Wednesday
        ("2026-03-06 16:00", "2026-03-09 12:00"),  # Friday 16:00: 1 hour, then Monday
        ("2026-03-07 23:00", "2026-03-09 13:00"),  # Saturday night: from Monday 09:00
        ("2026-03-03 17:00", "2026-03-04 13:00"),  # at closing time: from the next opening
        ("2026-03-03 08:00", "2026-03-03 13:00"),  # before opening
    ],
)
def test_the_worked_examples(raised: str, escalates: str) -> None:
    assert wh.add(local(raised), 4, WEEKDAYS) == local(escalates)


def test_the_clocks_going_forward_over_the_weekend_make_it_67_clock_hours() -> None:
    raised = local("2026-03-27 16:00")  # Friday, GMT
    due = wh.add(raised, 4, WEEKDAYS)
    assert due == datetime(2026, 3, 30, 11, 0, tzinfo=UTC)  # Monday 12:00 BST
    assert due.astimezone(WEEKDAYS.zone).hour == 12
    assert due - raised == timedelta(hours=67)


def test_an_always_open_clinic_counts_clock_hours_across_a_change() -> None:
    always = wh.parse("Mon-Sun 00:00-24:00", LONDON)
    assert wh.always_open(always) and not wh.always_open(WEEKDAYS)
    raised = local("2026-03-28 23:00", always)
    assert wh.add(raised, 4, always) - raised == timedelta(hours=4)


def test_zero_hours_is_the_start_even_when_closed() -> None:
    sunday = local("2026-03-08 03:00")
    assert wh.add(sunday, 0, WEEKDAYS) == sunday
    assert not wh.is_open(sunday, WEEKDAYS)
    assert wh.next_opening(sunday, WEEKDAYS) == local("2026-03-09 09:00")


def test_several_periods_and_wrapping_day_ranges() -> None:
    hours = wh.parse("Mon-Thu 08:30-18:00; Fri 08:30-16:00; Sat-Sat 10:00-12:00", LONDON)
    assert wh.add(local("2026-03-06 15:00", hours), 4, hours) == local("2026-03-09 09:30", hours)
    wrapped = wh.parse("Sat-Mon 10:00-11:00", LONDON)
    assert {d for p in wrapped.periods for d in p.days} == {5, 6, 0}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Mon-Fri",
        "Mon-Fri 9-17",
        "Monday-Friday 09:00-17:00",
        "Mon-Fri 17:00-09:00",
        "Mon-Fri 09:00-25:00",
        "Mon-Fri 09:60-17:00",
        "Mon-Fri 09:00-17:00; Fri 18:00-19:00",
        "Mon-Fri 09:00-09:00",
    ],
)
def test_malformed_hours_are_refused_with_a_reason(text: str) -> None:
    with pytest.raises(ValueError, match=r"\S"):
        wh.parse(text, LONDON)


def test_an_unknown_time_zone_is_refused() -> None:
    with pytest.raises(ValueError, match="not a time zone"):
        wh.parse("Mon-Fri 09:00-17:00", "Europe/Atlantis")


@pytest.mark.parametrize(
    ("variable", "value"),
    [("CLINIC_HOURS", "weekdays 9 to 5"), ("CLINIC_TIME_ZONE", "London")],
)
def test_a_malformed_setting_stops_the_app_at_start_up_naming_the_variable(
    variable: str, value: str
) -> None:
    env = {**os.environ, "TESTING": "1", variable: value}
    done = subprocess.run(
        [sys.executable, "manage.py", "check"], env=env, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert f"ImproperlyConfigured: {variable}: " in done.stderr


# --- Properties ------------------------------------------------------------------------

CLINICS = [
    wh.parse("Mon-Fri 09:00-17:00", LONDON),
    wh.parse("Mon-Sun 01:30-03:00", LONDON),  # opens inside the hour the clocks skip
    wh.parse("Mon-Thu 08:30-18:00; Fri 08:30-16:00", "America/New_York"),
    wh.parse("Sat-Sun 00:00-24:00; Wed 12:00-12:30", "Australia/Sydney"),
    wh.parse("Mon-Sun 00:00-24:00", "UTC"),
]
# hypothesis asks for naive bounds; the instants it makes are in UTC.
starts = st.datetimes(
    min_value=datetime(2025, 1, 1),  # noqa: DTZ001
    max_value=datetime(2027, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
lengths = st.floats(min_value=0, max_value=120, allow_nan=False).map(lambda h: round(h, 3))


def open_time_between(hours: wh.Hours, start: datetime, end: datetime) -> timedelta:
    total = timedelta(0)
    for begins, ends in wh.open_spans(hours, start, days=(end - start).days + 2):
        overlap = min(ends, end) - max(begins, start)
        if overlap > timedelta(0):
            total += overlap
    return total


def within_open_hours(hours: wh.Hours, instant: datetime) -> bool:
    return any(b <= instant <= e for b, e in wh.open_spans(hours, instant, days=1))


@given(st.sampled_from(CLINICS), starts, lengths)
def test_the_result_is_open_time_and_exactly_that_much_open_time_passed(
    hours: wh.Hours, start: datetime, length: float
) -> None:
    due = wh.add(start, length, hours)
    assert due >= start
    if due != start:
        assert within_open_hours(hours, due)
    passed = open_time_between(hours, start, due)
    assert abs(passed - timedelta(hours=length)) < timedelta(microseconds=10)


@given(st.sampled_from(CLINICS), starts, starts, lengths, lengths)
def test_a_later_start_or_more_hours_is_never_sooner(
    hours: wh.Hours, one: datetime, two: datetime, a: float, b: float
) -> None:
    early, late = sorted((one, two))
    short, long = sorted((a, b))
    assert wh.add(early, short, hours) <= wh.add(late, short, hours)
    assert wh.add(early, short, hours) <= wh.add(early, long, hours)


# --- Writing a week picked day by day (the clinic's duty page) ------------------------


@pytest.mark.parametrize(
    ("week", "text"),
    [
        (dict.fromkeys(range(5), (540, 1020)), "Mon-Fri 09:00-17:00"),
        (
            dict.fromkeys(range(4), (510, 1080)) | {4: (510, 960)},
            "Mon-Thu 08:30-18:00; Fri 08:30-16:00",
        ),
        (
            {0: (540, 780), 2: (540, 780), 4: (540, 780)},
            "Mon 09:00-13:00; Wed 09:00-13:00; Fri 09:00-13:00",
        ),
        (dict.fromkeys(range(7), (0, 1440)), "Mon-Sun 00:00-24:00"),
        ({}, ""),
    ],
)
def test_a_week_picked_day_by_day_is_written_as_the_clinic_would(week, text) -> None:
    assert wh.write(week) == text


_DAY_HOURS = st.tuples(st.integers(0, 1439), st.integers(1, 1440)).filter(lambda p: p[0] < p[1])


@given(st.dictionaries(st.integers(0, 6), _DAY_HOURS, min_size=1))
def test_a_written_week_reads_back_as_the_same_days_and_times(week) -> None:
    hours = wh.parse(wh.write(week), "Europe/London")
    for day in range(7):
        period = hours.period_on(day)
        assert (None if period is None else (period.opens, period.closes)) == week.get(day)

"""Device sleep beside the diary: the morning a period belongs to, and a night's minutes in
bed and asleep (program/rules/device_sleep.py), by worked example and by property."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from program.rules import device_sleep
from program.rules.device_sleep import Period, Stage, choose, morning_of, nights, union_minutes
from program.rules.sleep import resolve_clock_time

LONDON = ZoneInfo("Europe/London")
NY = ZoneInfo("America/New_York")
WATCH = "Pat’s Apple Watch"
PHONE = "Pat’s iPhone"


def at(text: str) -> datetime:
    """An instant as Apple's export writes it: "2026-10-24 23:10:00 +0100"."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")


def p(source: str, stage: Stage, start: str, end: str) -> Period:
    return Period(source, stage, at(start), at(end))


class TestTheMorning:
    def test_a_bedtime_in_the_evening_belongs_to_the_next_morning(self) -> None:
        assert morning_of(at("2026-10-23 23:30:00 +0100"), LONDON) == date(2026, 10, 24)

    def test_a_bedtime_after_midnight_belongs_to_that_morning(self) -> None:
        assert morning_of(at("2026-10-24 00:40:00 +0100"), LONDON) == date(2026, 10, 24)

    def test_the_16_00_pivot_is_the_diarys(self) -> None:
        assert morning_of(at("2026-10-23 16:00:00 +0100"), LONDON) == date(2026, 10, 24)
        assert morning_of(at("2026-10-23 15:59:00 +0100"), LONDON) == date(2026, 10, 23)

    def test_the_instant_is_read_on_the_patients_clock_not_the_devices(self) -> None:
        # 23:30 in London is 18:30 in New York: still the evening before, same morning;
        # 04:30 in London is 23:30 the evening before in New York: the same morning too.
        start = at("2026-10-24 04:30:00 +0100")
        assert morning_of(start, LONDON) == date(2026, 10, 24)
        assert morning_of(start, NY) == date(2026, 10, 24)
        # But 17:30 in London is 12:30 in New York: before 16:00, so that day's morning.
        start = at("2026-10-23 17:30:00 +0100")
        assert morning_of(start, LONDON) == date(2026, 10, 24)
        assert morning_of(start, NY) == date(2026, 10, 23)


class TestTheAutumnNight:
    """25 October 2026: the clocks go back at 02:00 BST, so the night is an hour longer
    than its clock times say. Worked by hand in docs/wearables.md."""

    PERIODS = [
        p(PHONE, Stage.IN_BED, "2026-10-24 23:10:00 +0100", "2026-10-25 07:05:00 +0000"),
        p(WATCH, Stage.CORE, "2026-10-24 23:30:00 +0100", "2026-10-25 01:30:00 +0100"),
        p(WATCH, Stage.DEEP, "2026-10-25 01:30:00 +0100", "2026-10-25 01:15:00 +0000"),
        p(WATCH, Stage.AWAKE, "2026-10-25 01:15:00 +0000", "2026-10-25 01:25:00 +0000"),
        p(WATCH, Stage.REM, "2026-10-25 01:25:00 +0000", "2026-10-25 02:05:00 +0000"),
        p(WATCH, Stage.CORE, "2026-10-25 02:05:00 +0000", "2026-10-25 06:40:00 +0000"),
        p(WATCH, Stage.AWAKE, "2026-10-25 06:40:00 +0000", "2026-10-25 06:55:00 +0000"),
    ]

    def test_every_period_lands_on_sunday_morning(self) -> None:
        assert {morning_of(x.start, LONDON) for x in self.PERIODS} == {date(2026, 10, 25)}

    def test_the_phone_counts_the_extra_hour_in_bed(self) -> None:
        phone = device_sleep.summarise_source(date(2026, 10, 25), PHONE, self.PERIODS[:1])
        # 23:10 to 07:05 on the clock is 7 h 55 min; with the hour repeated, 8 h 55 min.
        assert phone.in_bed_min == 535
        assert phone.asleep_min is None

    def test_the_watch_shows_the_night_because_it_saw_the_sleep(self) -> None:
        night = nights(self.PERIODS, LONDON)[date(2026, 10, 25)]
        assert night.source == WATCH
        # Asleep: core 120 + deep 45 + REM 40 + core 275; in bed: 22:30 to 06:55 UTC.
        assert (night.asleep_min, night.in_bed_min) == (480, 505)
        assert night.other_sources == (PHONE,)


def test_the_spring_night_is_an_hour_shorter_than_its_clock_times() -> None:
    # 29 March 2026: the clocks go forward at 01:00 GMT.
    night = nights(
        [p(PHONE, Stage.IN_BED, "2026-03-28 23:10:00 +0000", "2026-03-29 07:05:00 +0100")],
        LONDON,
    )
    assert list(night) == [date(2026, 3, 29)]
    assert night[date(2026, 3, 29)].in_bed_min == 415  # 7 h 55 min on the clock, less 1 h


def test_overlapping_stages_count_once() -> None:
    night = device_sleep.summarise_source(
        date(2026, 11, 1),
        WATCH,
        [
            p(WATCH, Stage.IN_BED, "2026-10-31 23:00:00 +0000", "2026-11-01 07:00:00 +0000"),
            p(WATCH, Stage.ASLEEP, "2026-10-31 23:30:00 +0000", "2026-11-01 03:00:00 +0000"),
            p(WATCH, Stage.CORE, "2026-11-01 02:00:00 +0000", "2026-11-01 06:00:00 +0000"),
        ],
    )
    assert (night.in_bed_min, night.asleep_min) == (480, 390)


def test_choose_prefers_sleep_then_time_in_bed_then_the_name() -> None:
    day = date(2026, 11, 1)
    a = device_sleep.DeviceNight(
        day, "B", 400, 300, at("2026-10-31 23:00:00 +0000"), at("2026-11-01 06:00:00 +0000"), 1
    )
    b = device_sleep.DeviceNight(day, "A", 400, 300, a.first_start, a.last_end, 1)
    c = device_sleep.DeviceNight(day, "C", 500, None, a.first_start, a.last_end, 1)
    assert choose([a, b, c]).source == "A"
    assert choose([a, b, c]).other_sources == ("B", "C")
    with pytest.raises(ValueError):
        choose([])


def test_difference_is_device_minus_diary() -> None:
    assert device_sleep.difference(480, 420) == 60
    assert device_sleep.difference(None, 420) is None
    assert device_sleep.difference(480, None) is None


# --- Properties -------------------------------------------------------------------------

ZONES = st.sampled_from([LONDON, NY, ZoneInfo("Australia/Sydney"), ZoneInfo("UTC")])
instants = st.datetimes(
    min_value=datetime(2020, 1, 1),  # noqa: DTZ001 (hypothesis: naive bounds)
    max_value=datetime(2030, 1, 1),  # noqa: DTZ001
    timezones=st.just(UTC),
)


@st.composite
def periods(draw: st.DrawFn) -> list[Period]:
    start = draw(instants)
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        offset = timedelta(minutes=draw(st.integers(0, 600)))
        length = timedelta(minutes=draw(st.integers(1, 300)), seconds=draw(st.integers(0, 59)))
        rows.append(
            Period(
                draw(st.sampled_from([WATCH, PHONE])),
                draw(st.sampled_from(list(Stage))),
                start + offset,
                start + offset + length,
            )
        )
    return rows


@given(instants, ZONES)
@example(datetime(2021, 11, 7, 5, 0, tzinfo=UTC), ZoneInfo("America/New_York"))
def test_the_morning_is_the_one_the_diary_would_give_that_bedtime(
    start: datetime, zone: ZoneInfo
) -> None:
    """Read back by the diary's rule (sleep.resolve_clock_time), the morning and the
    local clock time give the same instant again, except inside a DST change where a
    clock time alone is ambiguous."""
    local = start.astimezone(zone)
    morning = morning_of(start, zone)
    resolved = resolve_clock_time(morning, local.time().replace(tzinfo=None), zone)
    assume(resolved.utcoffset() == local.utcoffset())
    # The same instant. Not ``==``: across zones Python never finds an instant in a
    # repeated hour (a clock going back) equal to anything (PEP 495), so 01:00 New York
    # on the night of 7 November 2021 was "not" 05:00 UTC.
    assert resolved.timestamp() == start.timestamp()


@given(instants, ZONES)
def test_the_morning_is_the_local_day_or_the_next(start: datetime, zone: ZoneInfo) -> None:
    local = start.astimezone(zone)
    assert morning_of(start, zone) - local.date() in (timedelta(0), timedelta(days=1))
    assert (morning_of(start, zone) != local.date()) == (local.time() >= time(16, 0))


@given(periods(), ZONES)
def test_asleep_never_exceeds_in_bed_nor_in_bed_the_span(
    rows: list[Period], zone: ZoneInfo
) -> None:
    for night in nights(rows, zone).values():
        span = (night.last_end - night.first_start).total_seconds() / 60
        assert night.in_bed_min <= span
        assert night.asleep_min is None or night.asleep_min <= night.in_bed_min


@given(periods(), ZONES, st.randoms())
def test_a_period_sent_twice_or_in_another_order_changes_nothing(
    rows: list[Period], zone: ZoneInfo, rnd: object
) -> None:
    again = rows + rows
    rnd.shuffle(again)
    first, second = nights(rows, zone), nights(again, zone)
    assert {d: (n.source, n.in_bed_min, n.asleep_min) for d, n in first.items()} == {
        d: (n.source, n.in_bed_min, n.asleep_min) for d, n in second.items()
    }


@given(st.lists(st.tuples(instants, st.integers(0, 600)), max_size=10))
def test_union_is_at_most_the_sum_and_at_least_the_longest(
    spans: list[tuple[datetime, int]],
) -> None:
    intervals = [(a, a + timedelta(minutes=m)) for a, m in spans]
    total = union_minutes(intervals)
    assert total <= sum(m for _, m in spans)
    assert total >= max((m for _, m in spans), default=0)


class TestFlaggingANight:
    """The therapist's flag: total sleep differing by more than their threshold."""

    def test_the_worked_example_is_not_flagged_at_an_hour(self) -> None:
        # docs/wearables.md: the watch's 480 min asleep against the diary's 460 (+20 min).
        assert not device_sleep.disagrees(480, 460, device_sleep.DEFAULT_FLAG_MIN)

    def test_more_than_the_threshold_either_way_is_flagged(self) -> None:
        assert device_sleep.disagrees(480, 400, 60)  # the device counted 80 min more
        assert device_sleep.disagrees(300, 420, 60)  # the device counted 120 min less

    def test_exactly_the_threshold_is_not_more_than_it(self) -> None:
        assert not device_sleep.disagrees(460, 400, 60)
        assert device_sleep.disagrees(461, 400, 60)

    def test_a_missing_figure_is_never_a_disagreement(self) -> None:
        assert not device_sleep.disagrees(None, 400, 10)
        assert not device_sleep.disagrees(480, None, 10)

    def test_the_count(self) -> None:
        pairs = [(480, 400), (300, 420), (460, 400), (None, 100), (480, 460)]
        assert device_sleep.count_disagreeing(pairs, 60) == 2
        assert device_sleep.count_disagreeing(pairs, 10) == 4


minutes_or_none = st.one_of(st.none(), st.integers(0, 1440))


@given(minutes_or_none, minutes_or_none, st.integers(0, 600), st.integers(0, 600))
def test_a_flag_is_symmetric_and_a_higher_threshold_flags_no_more(
    device: int | None, diary: int | None, low: int, high: int
) -> None:
    low, high = sorted((low, high))
    flagged = device_sleep.disagrees(device, diary, low)
    assert flagged == device_sleep.disagrees(diary, device, low)
    if device_sleep.disagrees(device, diary, high):
        assert flagged
    if device is not None and diary is not None:
        assert flagged == (abs(device - diary) > low)
    else:
        assert not flagged

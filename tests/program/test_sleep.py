"""Diary metrics against the hand-worked nights in docs/clinical-rules.md (Worked
examples), and properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from program.rules.sleep import (
    LONG_SLEEP,
    SHORT_SLEEP,
    Issue,
    IssueCode,
    Night,
    SEDenominator,
    check_night,
    group_by_week,
    minutes_between,
    night_metrics,
    resolve_clock_time,
    summarise,
)

NY = ZoneInfo("America/New_York")
LONDON = ZoneInfo("Europe/London")


def night(
    diary_date: date,
    into_bed: str,
    lights_off: str,
    sol: int,
    nwak: int,
    waso: int,
    final_wake: str,
    out_of_bed: str,
    zone: ZoneInfo = NY,
    nap: int = 0,
) -> Night:
    def at(clock: str) -> datetime:
        return resolve_clock_time(diary_date, time.fromisoformat(clock), zone)

    return Night(
        at(into_bed), at(lights_off), sol, nwak, waso, at(final_wake), at(out_of_bed), nap_min=nap
    )


# (name, night, TIB, TIB from lights out, TST, terminal wake, SE in-bed, SE lights-out)
WORKED = [
    (
        "D1 crosses midnight",
        night(date(2024, 3, 5), "22:45", "23:00", 30, 2, 40, "06:20", "06:30"),
        465,
        450,
        370,
        10,
        79.6,
        82.2,
    ),
    (
        "D2 bedtime after midnight",
        night(date(2024, 3, 6), "00:40", "00:40", 20, 1, 15, "06:45", "07:00"),
        380,
        380,
        330,
        15,
        86.8,
        86.8,
    ),
    (
        "D3 lights out long after into bed",
        night(date(2024, 3, 7), "22:00", "23:15", 15, 1, 10, "06:00", "06:05"),
        485,
        410,
        380,
        5,
        78.4,
        92.7,
    ),
    (
        "D4 early final awakening",
        night(date(2024, 3, 8), "23:00", "23:00", 10, 2, 20, "04:30", "07:00"),
        480,
        480,
        300,
        150,
        62.5,
        62.5,
    ),
    (
        "D5 naps are not sleep of the night",
        night(date(2024, 3, 9), "23:30", "23:30", 45, 3, 60, "06:30", "06:45", nap=60),
        435,
        435,
        315,
        15,
        72.4,
        72.4,
    ),
    (
        "D6 US spring forward",
        night(date(2024, 3, 10), "23:00", "23:00", 20, 1, 30, "06:30", "06:45"),
        405,
        405,
        340,
        15,
        84.0,
        84.0,
    ),
    # Autumn: clocks go back at 02:00 EDT on 2024-11-03, so the night is an hour longer.
    (
        "US fall back",
        night(date(2024, 11, 3), "23:00", "23:00", 20, 1, 30, "06:30", "06:45"),
        525,
        525,
        460,
        15,
        87.6,
        87.6,
    ),
    # Europe/London: forward at 01:00 GMT on 2024-03-31, back at 02:00 BST on 2024-10-27.
    (
        "UK spring forward",
        night(date(2024, 3, 31), "23:00", "23:00", 20, 1, 30, "06:30", "06:45", zone=LONDON),
        405,
        405,
        340,
        15,
        84.0,
        84.0,
    ),
    (
        "UK fall back",
        night(date(2024, 10, 27), "23:00", "23:00", 20, 1, 30, "06:30", "06:45", zone=LONDON),
        525,
        525,
        460,
        15,
        87.6,
        87.6,
    ),
]


@pytest.mark.parametrize(
    ("name", "n", "tib", "tib_lo", "tst", "ema", "se", "se_lo"), WORKED, ids=[w[0] for w in WORKED]
)
def test_worked_nights(name, n, tib, tib_lo, tst, ema, se, se_lo) -> None:
    m = night_metrics(n)
    assert m.time_in_bed == tib
    assert m.time_in_bed_from_lights_out == tib_lo
    assert m.total_sleep == tst
    assert m.terminal_wake == ema
    assert round(m.sleep_efficiency, 1) == se
    assert round(m.sleep_efficiency_from_lights_out, 1) == se_lo
    assert check_night(n).ok


def test_a_bedtime_after_midnight_lands_on_the_diary_date() -> None:
    into_bed = resolve_clock_time(date(2024, 3, 6), time(0, 40), NY)
    assert into_bed.date() == date(2024, 3, 6)
    assert resolve_clock_time(date(2024, 3, 6), time(22, 40), NY).date() == date(2024, 3, 5)


def test_naps_stay_out_of_the_nights_sleep_and_efficiency() -> None:
    d5 = WORKED[4][1]
    m = night_metrics(d5)
    assert m.nap == 60
    assert m.total_sleep == 315  # not 375
    assert round(m.sleep_efficiency, 1) == 72.4  # not 86.2


def test_naive_clock_arithmetic_would_be_an_hour_out_across_dst() -> None:
    d6 = WORKED[5][1]
    wall_clock = d6.out_of_bed.replace(tzinfo=None) - d6.into_bed.replace(tzinfo=None)
    assert wall_clock == timedelta(minutes=465)
    assert minutes_between(d6.into_bed, d6.out_of_bed) == 405


def test_weekly_efficiency_is_the_ratio_of_sums_not_the_mean_of_nights() -> None:
    # Two nights: 240/480 (50%) and 420/420 (100%).
    a = night(date(2024, 5, 2), "22:00", "22:00", 0, 0, 240, "06:00", "06:00")
    b = night(date(2024, 5, 3), "23:00", "23:00", 0, 0, 0, "06:00", "06:00")
    summary = summarise([night_metrics(a), night_metrics(b)])
    assert summary.nights == 2
    assert summary.sleep_efficiency == pytest.approx(100 * (240 + 420) / (480 + 420))  # 73.3
    assert summary.sleep_efficiency != pytest.approx(75.0)  # the mean of 50 and 100
    assert summary.mean_total_sleep == 330


def test_an_empty_range_has_no_metrics_rather_than_zeros() -> None:
    summary = summarise([])
    assert summary.nights == 0
    assert summary.sleep_efficiency is None
    assert summary.mean_total_sleep is None


def test_the_denominator_is_a_named_choice() -> None:
    d3 = night_metrics(WORKED[2][1])
    assert round(summarise([d3]).sleep_efficiency, 1) == 78.4
    assert round(summarise([d3], SEDenominator.LIGHTS_OUT).sleep_efficiency, 1) == 92.7


def test_nights_group_by_programme_week() -> None:
    m = night_metrics(WORKED[0][1])
    start = date(2024, 3, 4)
    weeks = group_by_week(
        [
            (date(2024, 3, 3), m),
            (date(2024, 3, 4), m),
            (date(2024, 3, 10), m),
            (date(2024, 3, 11), m),
        ],
        start,
    )
    assert {k: len(v) for k, v in weeks.items()} == {0: 1, 1: 2, 2: 1}


# --- Validation -------------------------------------------------------------------


D = date(2024, 3, 5)
USUAL = night(D, "23:00", "23:00", 20, 1, 20, "06:30", "07:00")


@pytest.mark.parametrize(
    ("n", "issue"),
    [
        (
            night(D, "23:00", "22:30", 10, 0, 0, "06:00", "06:30"),
            Issue(IssueCode.LIGHTS_OFF_BEFORE_BED, "lights_off"),
        ),
        (
            night(D, "22:00", "22:30", 10, 0, 0, "22:20", "06:30"),
            Issue(IssueCode.FINAL_WAKE_BEFORE_LIGHTS_OFF, "final_wake"),
        ),
        (
            night(D, "22:00", "22:30", 10, 0, 0, "06:30", "06:00"),
            Issue(IssueCode.OUT_BEFORE_FINAL_WAKE, "out_of_bed"),
        ),
        # Lights out 23:00 to the final awakening 06:00 is 420 minutes; 250 + 200 = 450.
        (
            night(D, "22:00", "23:00", 250, 2, 200, "06:00", "06:30"),
            Issue(
                IssueCode.AWAKE_OVER_SPAN,
                "awake_min",
                {"latency": 250, "awake": 200, "total": 450, "span": 420},
            ),
        ),
        # 600 typed for 60: the minutes to fall asleep alone are longer than the night.
        (
            night(D, "23:00", "23:10", 600, 1, 10, "06:10", "06:40"),
            Issue(
                IssueCode.AWAKE_OVER_SPAN,
                "sleep_latency_min",
                {"latency": 600, "awake": 10, "total": 610, "span": 420},
            ),
        ),
        (replace(USUAL, nap_min=-5), Issue(IssueCode.NEGATIVE, "nap_min")),
        # Into bed 23:00 on the 4th, out 23:30 on the 5th: 24 h 30 min = 1470 minutes.
        (
            replace(USUAL, out_of_bed=USUAL.into_bed + timedelta(hours=24, minutes=30)),
            Issue(IssueCode.OVER_A_DAY, "out_of_bed", {"minutes": 1470}),
        ),
    ],
    ids=[
        "lights out before bed",
        "final wake before lights out",
        "up before final wake",
        "latency and waking longer than the night",
        "latency alone longer than the night",
        "negative nap",
        "more than a day in bed",
    ],
)
def test_impossible_nights_are_errors_on_the_field_that_is_wrong(n: Night, issue: Issue) -> None:
    check = check_night(n)
    assert not check.ok
    assert check.errors == [issue]
    assert check.warnings == []


@pytest.mark.parametrize(
    ("n", "warnings"),
    [
        # 20:00 to 07:00 is 660 minutes in bed; asleep 20:10 to 06:30 is 620.
        (
            night(D, "20:00", "20:00", 10, 0, 0, "06:30", "07:00"),
            [
                Issue(IssueCode.LONG_IN_BED, params={"minutes": 660}),
                Issue(IssueCode.LONG_SLEEP, params={"minutes": 620}),
            ],
        ),
        # 23:00 to 03:00 is 240 minutes, less 60 + 60 awake: 120 asleep.
        (
            night(D, "23:00", "23:00", 60, 2, 60, "03:00", "06:00"),
            [Issue(IssueCode.SHORT_SLEEP, params={"minutes": 120})],
        ),
        # 120 minutes to fall asleep and 90 awake: 210 awake.
        (
            night(D, "21:00", "21:00", 120, 3, 90, "06:00", "06:10"),
            [Issue(IssueCode.LONG_AWAKE, params={"minutes": 210})],
        ),
        (
            night(D, "23:00", "23:00", 10, 0, 20, "06:00", "06:10"),
            [Issue(IssueCode.AWAKE_WITHOUT_AWAKENINGS)],
        ),
    ],
    ids=["long in bed and asleep", "short sleep", "long awake", "awake with no awakenings"],
)
def test_unusual_but_possible_nights_are_warnings(n: Night, warnings: list[Issue]) -> None:
    check = check_night(n)
    assert check.ok
    assert check.warnings == warnings


# --- Properties ---------------------------------------------------------------------

ZONES = st.sampled_from(
    [NY, LONDON, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Kolkata"), ZoneInfo("UTC")]
)


@st.composite
def nights(draw):
    zone = draw(ZONES)
    day = draw(st.dates(min_value=date(2000, 1, 2), max_value=date(2040, 12, 31)))
    into_bed = datetime.combine(day, time(0), tzinfo=zone) + timedelta(
        minutes=draw(st.integers(-8 * 60, 4 * 60))
    )
    # Build in UTC so that every instant is real, then express it in the zone.
    from datetime import UTC

    base = into_bed.astimezone(UTC)
    lights = base + timedelta(minutes=draw(st.integers(0, 180)))
    final = lights + timedelta(minutes=draw(st.integers(0, 14 * 60)))
    out = final + timedelta(minutes=draw(st.integers(0, 180)))
    span = minutes_between(lights, final)
    sol = draw(st.integers(0, span))
    waso = draw(st.integers(0, span - sol))
    return Night(
        base.astimezone(zone),
        lights.astimezone(zone),
        sol,
        draw(st.integers(0, 20)),
        waso,
        final.astimezone(zone),
        out.astimezone(zone),
        nap_min=draw(st.integers(0, 240)),
    )


@given(nights())
def test_sleep_fits_inside_time_in_bed(n: Night) -> None:
    m = night_metrics(n)
    assert 0 <= m.total_sleep <= m.time_in_bed_from_lights_out <= m.time_in_bed
    assert 0 <= m.sleep_efficiency <= m.sleep_efficiency_from_lights_out <= 100
    # Time in bed from lights out = sleep + wake (latency, awakenings, lingering).
    assert m.time_in_bed_from_lights_out == (
        m.total_sleep + m.sleep_latency + m.wake_after_sleep_onset + m.terminal_wake
    )


@given(nights())
def test_well_ordered_nights_are_never_errors(n: Night) -> None:
    assume(minutes_between(n.into_bed, n.out_of_bed) + n.nap_min < 24 * 60)
    assert check_night(n).ok


@given(nights())
def test_sleep_warnings_quote_the_nights_own_figures(n: Night) -> None:
    """A short or long sleep is warned of exactly when the night's sleep crosses the
    threshold, and the figure quoted is that night's sleep."""
    assume(minutes_between(n.into_bed, n.out_of_bed) < 24 * 60)
    asleep = night_metrics(n).total_sleep
    about_sleep = {IssueCode.SHORT_SLEEP, IssueCode.LONG_SLEEP}
    sleep_warnings = [w for w in check_night(n).warnings if w.code in about_sleep]
    expected = []
    if asleep > LONG_SLEEP:
        expected.append(Issue(IssueCode.LONG_SLEEP, params={"minutes": asleep}))
    if asleep < SHORT_SLEEP:
        expected.append(Issue(IssueCode.SHORT_SLEEP, params={"minutes": asleep}))
    assert sleep_warnings == expected


@given(st.lists(nights(), min_size=1, max_size=14))
def test_a_weeks_efficiency_lies_between_its_worst_and_best_night(ns: list[Night]) -> None:
    ms = [night_metrics(n) for n in ns]
    summary = summarise(ms)
    assume(all(m.time_in_bed > 0 for m in ms))
    assert min(m.sleep_efficiency for m in ms) - 1e-9 <= summary.sleep_efficiency
    assert summary.sleep_efficiency <= max(m.sleep_efficiency for m in ms) + 1e-9
    assert summary.nights == len(ns)


@given(st.dates(), st.times(), ZONES)
def test_evening_times_are_the_night_before_and_morning_times_the_diary_date(day, clock, zone):
    assume(date(1, 1, 2) < day)
    resolved = resolve_clock_time(day, clock.replace(tzinfo=None), zone)
    expected = day - timedelta(days=1) if clock.hour >= 16 else day
    assert resolved.date() == expected

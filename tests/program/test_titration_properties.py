"""Properties of the pure titration rules, for any window, protocol and week:
"extend" never shortens, "reduce" never lengthens, the result is within the floor and
ceiling or flagged, the nights counted are exactly those slept under the window, and
no shorter window passes a missing or high sleepiness check."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from program.rules.titration import (
    LENGTHENING,
    SHIPPED,
    SHORTENING,
    Flag,
    NightFigures,
    Rule,
    initial_window,
    review_span,
    review_week,
    titrate,
)

REVIEW = date(2026, 3, 9)

protocols = st.one_of(
    st.sampled_from(SHIPPED),
    # Edited protocols too: other steps, rounding, thresholds and nights needed.
    st.builds(
        lambda p, floor, span, up, down, rnd, ext, red, need: replace(
            p,
            floor_min=floor,
            ceiling_min=floor + span,
            step_up_min=up,
            step_down_min=down,
            round_to_min=rnd,
            extend_at=max(ext, red),
            reduce_below=min(ext, red),
            min_nights=need,
        ),
        st.sampled_from(SHIPPED),
        st.integers(180, 360),
        st.integers(0, 360),
        st.integers(1, 60),
        st.integers(1, 60),
        st.sampled_from([1, 5, 10, 15, 30]),
        st.floats(50, 100),
        st.floats(50, 100),
        st.integers(1, 7),
    ),
)
# Nights on the mornings from 10 days before the review to 2 days after it, most of
# them in the review's week (so that most weeks are long enough to decide on).
night = st.tuples(
    st.one_of(st.integers(-6, 0), st.integers(-10, 2)),
    st.integers(0, 720),
    st.integers(1, 720),
    st.booleans() | st.just(False),
)
night_lists = st.lists(night, min_size=5, max_size=14) | st.lists(night, max_size=4)
# Days since the window's start: usually a week (a review on time), else anything.
days_in = st.just(7) | st.integers(0, 12)
sleepiness = st.sampled_from([None, False, True])


def figures(raw) -> list[NightFigures]:
    return [
        NightFigures(REVIEW + timedelta(days=day), min(tst, tib), tib, unusual)
        for day, tst, tib, unusual in raw
    ]


@settings(deadline=None)
@given(
    protocols,
    st.integers(180, 720),
    night_lists,
    days_in,
    sleepiness,
    st.integers(18, 95),
    st.integers(180, 600),
    st.integers(1, 90),
)
def test_every_decision_goes_the_rule_s_way_within_the_range_or_flagged(
    p, current, raw, days_in, sleepy, age, target, step
) -> None:
    nights = figures(raw)
    window_from = REVIEW - timedelta(days=days_in)
    d = titrate(
        p,
        current,
        nights,
        REVIEW,
        window_from=window_from,
        age=age,
        very_sleepy=sleepy,
        compression_target_min=target,
        compression_step_min=step,
    )
    # Which way: extend never shortens, reduce never lengthens, the rest hold exactly.
    if d.rule in LENGTHENING:
        assert d.window_min > current
    elif d.rule in SHORTENING:
        assert d.window_min < current
    else:
        assert d.window_min == current
    # Within the floor and ceiling, or flagged for the clinician.
    if d.window_min > p.ceiling_min:
        assert Flag.ABOVE_CEILING in d.flags
    if d.window_min < p.floor_min:
        assert Flag.BELOW_FLOOR in d.flags
    # A change never goes past the range from inside it, nor further than the rule.
    if p.floor_min <= current <= p.ceiling_min:
        assert p.floor_min <= d.window_min <= p.ceiling_min
    # The nights counted are exactly those slept under the window: the mornings after
    # the evenings from window_from on, up to the review's, at most lookback_days.
    counted = [
        n
        for n in nights
        if window_from < n.diary_date <= REVIEW
        and (REVIEW - n.diary_date).days < p.lookback_days
        and not n.unusual
    ]
    assert d.nights == len(counted)
    assert (d.first_morning, d.last_morning) == review_span(REVIEW, window_from, p.lookback_days)
    # Too few nights: no change from the diary and no week's figures.
    if len(counted) < p.min_nights:
        assert d.sleep_efficiency is None
        if not sleepy:
            assert d.window_min == current
    # Never shorter past a missing or high sleepiness check.
    if sleepy is not False:
        assert d.window_min >= current
    if sleepy:
        assert Flag.SLEEPY in d.flags
        assert d.rule in (Rule.SLEEPY_EXTEND, Rule.SLEEPY_HOLD)
    # Every held change says why.
    if d.rule in (
        Rule.FLOOR_HOLD,
        Rule.CEILING_HOLD,
        Rule.CLINICIAN_HOLD,
        Rule.ADHERENCE,
        Rule.SLEEPINESS_MISSING,
        Rule.SLEEPY_HOLD,
    ):
        assert d.flags


@settings(deadline=None)
@given(protocols, night_lists, st.integers(18, 95))
def test_a_first_window_is_in_range_and_flagged_when_clamped(p, raw, age) -> None:
    nights = figures(raw)
    d = initial_window(p, nights, REVIEW + timedelta(days=2), age=age)
    if d.rule is Rule.NOT_ENOUGH_DIARY:
        assert d.window_min == 0 and d.sleep_efficiency is None
        return
    assert p.floor_min <= d.window_min <= p.ceiling_min
    if d.window_min == p.floor_min and d.mean_total_sleep is not None:
        basis = d.mean_time_in_bed if p.initial_rule == "compression" else d.mean_total_sleep
        if basis + p.initial_offset_min < p.floor_min - p.round_to_min:
            assert Flag.RAISED_TO_FLOOR in d.flags


@settings(deadline=None)
@given(
    st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    st.one_of(st.none(), st.integers(0, 6)),
    st.one_of(st.none(), st.integers(0, 30)),
    st.integers(1, 14),
)
def test_the_week_shown_is_a_review_s_span(today, weekday, started_days_ago, lookback) -> None:
    window_from = None if started_days_ago is None else today - timedelta(days=started_days_ago)
    shown = review_week(
        today, titration_weekday=weekday, window_from=window_from, lookback_days=lookback
    )
    assert shown.review_date <= today
    assert (today - shown.review_date).days < 7
    if weekday is not None:
        assert shown.review_date.weekday() == weekday
    else:
        assert shown.review_date == today
    assert shown.last_morning == shown.review_date
    assert (shown.last_morning - shown.first_morning).days < lookback
    if window_from is not None and window_from < shown.review_date and weekday is not None:
        assert shown.first_morning > window_from

"""Issue 17 item 2: the weekly review reads the nights slept under the window being
reviewed — the mornings after the evenings from its ``effective_from`` on, the review
day's own morning included (titration.review_span) — and the week shown elsewhere
comes from the same function (titration.review_week, sleep_window.review_week)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine

from program.models import Prescription, SleepCourse
from program.rules.titration import SHIPPED, NightFigures, review_span, review_week, titrate
from program.sleep_window import actions as sw
from tests.program.test_sleep_window import TODAY, night, started

WEEKLY = next(p for p in SHIPPED if p.key == "weekly-90-85")


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def good_night(patient, day: date) -> None:
    """00:15-06:30 in bed, 360 asleep: SE 96% against the 375-minute window."""
    night(
        patient,
        day,
        into_bed=time(0, 15),
        out=time(6, 30),
        latency=10,
        awake=5,
        final=time(6, 30),
    )


# --- The pure rule -----------------------------------------------------------------------


def test_the_review_on_r_reads_the_mornings_r_minus_6_to_r() -> None:
    review = date(2026, 3, 9)
    start = review - timedelta(days=7)  # the window's first evening
    assert review_span(review, start) == (date(2026, 3, 3), review)
    previous = NightFigures(start, 100, 480)  # slept under the window before
    nights = [previous] + [NightFigures(start + timedelta(days=i), 320, 330) for i in range(1, 8)]
    d = titrate(WEEKLY, 330, nights, review, window_from=start)
    assert d.nights == 7 and (d.first_morning, d.last_morning) == (date(2026, 3, 3), review)


def test_five_nights_on_the_last_five_mornings_are_a_week() -> None:
    review = date(2026, 3, 9)
    start = review - timedelta(days=7)
    nights = [NightFigures(start + timedelta(days=i), 320, 330) for i in range(3, 8)]
    d = titrate(WEEKLY, 330, nights, review, window_from=start)
    assert d.nights == 5 and d.rule == "extend"  # was 4 nights: "not enough diary"


def test_only_nights_after_a_late_window_s_start_count() -> None:
    review = date(2026, 3, 9)
    late = review - timedelta(days=4)
    assert review_span(review, late) == (date(2026, 3, 6), review)
    assert review_span(review, None) == (date(2026, 3, 3), review)


def test_the_week_shown_is_the_latest_review_s() -> None:
    monday = 0
    # On Thursday 12 March, the latest review was Monday 9 March: mornings 3-9 March.
    start = date(2026, 3, 2)
    review = date(2026, 3, 9)
    shown = review_week(
        date(2026, 3, 12), titration_weekday=monday, window_from=start, lookback_days=7
    )
    assert (shown.review_date, shown.first_morning, shown.last_morning) == (
        review,
        date(2026, 3, 3),
        review,
    )
    assert shown.next_review_date == date(2026, 3, 16)
    # On the review day itself: that day's review.
    assert review_week(review, titration_weekday=monday, window_from=start).review_date == review
    # A window set on the review day was not what that review read: the full week.
    after = review_week(date(2026, 3, 12), titration_weekday=monday, window_from=review)
    assert after.first_morning == date(2026, 3, 3)
    # No sleep window: the seven mornings up to today.
    none = review_week(date(2026, 3, 12), titration_weekday=None, window_from=None)
    assert (none.first_morning, none.last_morning) == (date(2026, 3, 6), date(2026, 3, 12))


# --- The workflow ------------------------------------------------------------------------


def test_a_week_of_seven_nights_after_the_window_s_start_counts_seven(patient, therapist) -> None:
    started(patient, therapist)  # baseline nights on the mornings up to TODAY
    course = sw.course_for(patient)
    Prescription.objects.update(effective_from=TODAY)
    review_day = TODAY + timedelta(days=7)
    for after in range(1, 8):
        good_night(patient, TODAY + timedelta(days=after))
    recommendation = sw.weekly_review(course, review_day)
    figures = recommendation.figures
    assert figures["nights"] == 7
    assert (figures["first_morning"], figures["last_morning"]) == (
        (TODAY + timedelta(days=1)).isoformat(),
        review_day.isoformat(),
    )
    assert (recommendation.rule, recommendation.proposed_window_min) == ("extend", 390)


def test_the_night_before_the_window_is_not_the_window_s(patient, therapist) -> None:
    """Five nights on the window's last five mornings: the old span (mornings R-7..R-1)
    read the baseline night of the window's first day (370 asleep of 480) in place of
    the seventh night, and four of the window's own."""
    started(patient, therapist)
    course = sw.course_for(patient)
    Prescription.objects.update(effective_from=TODAY)
    for after in range(3, 8):
        good_night(patient, TODAY + timedelta(days=after))
    recommendation = sw.weekly_review(course, TODAY + timedelta(days=7))
    assert recommendation.figures["nights"] == 5
    assert recommendation.figures["sleep_efficiency"] == 96.0  # 360 of 375, no 480 night
    assert recommendation.rule == "extend"


def test_the_review_waits_for_the_morning_s_diary_or_noon(patient, therapist) -> None:
    started(patient, therapist)
    course = SleepCourse.objects.get()
    review_day = TODAY + timedelta(days=7)
    course.titration_weekday = review_day.weekday()
    course.save()
    Prescription.objects.update(effective_from=TODAY)
    for after in range(1, 7):
        good_night(patient, TODAY + timedelta(days=after))
    # London: 00:30 and 08:00 on the review day, before the seventh night is entered.
    assert sw.due_reviews(datetime(2026, 12, 2, 0, 30, tzinfo=UTC)) == []
    assert sw.due_reviews(datetime(2026, 12, 2, 8, tzinfo=UTC)) == []
    # Noon: due without it.
    assert [c.pk for c, _ in sw.due_reviews(datetime(2026, 12, 2, 12, tzinfo=UTC))] == [course.pk]
    # Or as soon as that morning's diary is in.
    good_night(patient, review_day)
    due = sw.due_reviews(datetime(2026, 12, 2, 8, tzinfo=UTC))
    assert [(c.pk, day) for c, day in due] == [(course.pk, review_day)]


def test_a_window_set_late_is_reviewed_once_it_has_enough_nights(patient, therapist) -> None:
    started(patient, therapist)
    course = SleepCourse.objects.get()
    course.titration_weekday = TODAY.weekday()
    course.save()
    first = Prescription.objects.get()
    Prescription.objects.filter(pk=first.pk).update(effective_from=TODAY - timedelta(days=14))
    # A second window approved three days after last week's review day.
    Prescription.objects.create(
        course=course,
        window_min=390,
        rise_time=time(6, 30),
        effective_from=TODAY - timedelta(days=4),
        source="approved",
        rule="extend",
    )
    assert sw.due_reviews(datetime(2026, 11, 25, 13, tzinfo=UTC)) == []  # 4 nights < 5
    Prescription.objects.filter(window_min=390).update(effective_from=TODAY - timedelta(days=5))
    assert len(sw.due_reviews(datetime(2026, 11, 25, 13, tzinfo=UTC))) == 1


def test_the_week_shown_follows_the_latest_review(patient, therapist) -> None:
    started(patient, therapist)
    course = SleepCourse.objects.get()
    course.titration_weekday = TODAY.weekday()  # Wednesday
    course.save()
    Prescription.objects.update(effective_from=TODAY - timedelta(days=7))
    with time_machine.travel("2026-11-28 08:00Z", tick=False):  # the Saturday after
        shown = sw.review_week(course, date(2026, 11, 28))
    assert (shown.review_date, shown.first_morning, shown.last_morning) == (
        TODAY,
        TODAY - timedelta(days=6),
        TODAY,
    )
    # Without a window yet: the seven mornings up to today.
    course.status = SleepCourse.Status.SETTING_UP
    assert sw.review_week(course, TODAY).first_morning == TODAY - timedelta(days=6)


def test_the_caseload_shows_the_week_the_review_read(patient, therapist) -> None:
    """The caseload's "last week" was the seven mornings up to today, whatever the
    review read; now it is the latest review's week, so its figures are the
    recommendation's."""
    from program.clinic.caseload import build_rows

    started(patient, therapist)  # baseline nights on the mornings TODAY-6..TODAY
    course = SleepCourse.objects.get()
    course.titration_weekday = TODAY.weekday()
    course.save()
    Prescription.objects.update(effective_from=TODAY - timedelta(days=7))
    recommendation = sw.weekly_review(course, TODAY)
    # Three good nights after the review: not the reviewed week's.
    for after in (1, 2, 3):
        good_night(patient, TODAY + timedelta(days=after))
    with time_machine.travel("2026-11-28 09:00Z", tick=False):
        (row,) = build_rows(therapist)
    assert (row.review_week.first_morning, row.review_week.last_morning) == (
        TODAY - timedelta(days=6),
        TODAY,
    )
    assert row.nights_last_7 == recommendation.figures["nights"] == 7
    assert row.se_last == pytest.approx(recommendation.figures["sleep_efficiency"])
    # Without a sleep window the caseload keeps the seven mornings up to today.
    course.status = SleepCourse.Status.PAUSED
    course.save()
    with time_machine.travel("2026-11-28 09:00Z", tick=False):
        (row,) = build_rows(therapist)
    assert row.review_week.last_morning == date(2026, 11, 28)
    assert row.nights_last_7 == 7  # TODAY-3..TODAY+3

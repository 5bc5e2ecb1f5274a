"""issue 18, item 3: a clock that jumps forward makes no review and moves no reminder;
a review made early under such a clock is replaced by the real one."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from program import clock_guard
from program.models import Delivery, Prescription, Recommendation, ReminderSchedule
from program.reminders import actions as reminders
from program.sleep_window import actions as sw
from program.tasks import reminder_tick_task, titration_tick_task
from tests.program.test_sleep_window import TODAY, started
from tests.program.test_titration_span import good_night


@pytest.fixture
def guarded(settings):
    settings.CLOCK_GUARD = True
    settings.CLOCK_TOLERANCE_MINUTES = 5


@pytest.mark.parametrize("days", [3, 10])
def test_ticks_under_a_clock_ahead_of_the_database_do_nothing(
    guarded, patient, therapist, caplog, days
) -> None:
    reminders.refresh_schedules(patient)
    schedules = dict(ReminderSchedule.objects.values_list("pk", "next_due_at"))
    with (
        time_machine.travel(timezone.now() + timedelta(days=days), tick=False),
        caplog.at_level(logging.ERROR, logger="program.clock_guard"),
    ):
        assert reminder_tick_task() == 0
        assert titration_tick_task() == 0
    assert "ahead of the database" in caplog.text
    assert dict(ReminderSchedule.objects.values_list("pk", "next_due_at")) == schedules
    assert not Delivery.objects.exists()
    assert not Recommendation.objects.filter(kind="weekly").exists()


def test_a_clock_behind_the_database_is_logged_and_the_ticks_go_on(db, guarded, caplog) -> None:
    with (
        time_machine.travel(timezone.now() - timedelta(days=3), tick=False),
        caplog.at_level(logging.WARNING, logger="program.clock_guard"),
    ):
        assert clock_guard.may_act_at(timezone.now(), "the reminder tick")
    assert "behind the database" in caplog.text


def test_within_the_tolerance_the_ticks_run(db, guarded) -> None:
    assert clock_guard.may_act_at(timezone.now() + timedelta(minutes=2), "the reminder tick")


def test_a_review_made_early_under_a_jumped_clock_is_replaced_by_the_real_one(
    patient, therapist
) -> None:
    """The jumped clock reviewed day R with no nights yet, and the real reviews since
    superseded that row: on the real day R the review is worked out again from the
    nights slept, not returned as it was."""
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        started(patient, therapist)
        course = sw.course_for(patient)
        Prescription.objects.update(effective_from=TODAY)
        review_day = TODAY + timedelta(days=7)
        early = sw.weekly_review(course, review_day)  # no nights under the window yet
        assert early.figures["nights"] == 0
        Recommendation.objects.filter(pk=early.pk).update(status="superseded")
        for after in range(1, 8):
            good_night(patient, TODAY + timedelta(days=after))
        real = sw.weekly_review(course, review_day)
    assert real.pk == early.pk
    assert real.status == "pending" and real.figures["nights"] == 7
    assert (real.rule, real.proposed_window_min) == ("extend", 390)


def test_a_decided_review_is_kept_when_the_tick_runs_again(patient, therapist) -> None:
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        started(patient, therapist)
        course = sw.course_for(patient)
        Prescription.objects.update(effective_from=TODAY)
        review_day = TODAY + timedelta(days=7)
        for after in range(1, 8):
            good_night(patient, TODAY + timedelta(days=after))
        first = sw.weekly_review(course, review_day)
        sw.approve(first, by=therapist)
        again = sw.weekly_review(course, review_day)
    assert again.pk == first.pk and again.status == "approved"

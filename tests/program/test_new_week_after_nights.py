"""New diary nights and the new-week reminder: the reminder tick reads the nights entered
since its last run and reschedules those patients' new-week reminders; a diary save
publishes nothing, and a night saved while the broker was down is read late, not lost."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
import time_machine

from program import tasks
from program.diary.actions import save_entry
from program.models import DiaryEntry, Programme, ReminderSchedule
from program.reminders import actions as reminders
from tests.nights import night_answers

NOW = datetime(2026, 11, 25, 6, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def six_nights(patient, clock):
    """Week 2 needs seven diary nights (the baseline week); the patient has six, entered
    on their own mornings weeks ago, so week 2 is still locked and has no reminder."""
    Programme.objects.update(require_previous_lessons=False)
    for day in range(6):
        night(patient, date(2026, 11, 3) + timedelta(days=day))
        DiaryEntry.objects.filter(diary_date=date(2026, 11, 3) + timedelta(days=day)).update(
            entered_at=datetime(2026, 11, 3, 8, tzinfo=UTC) + timedelta(days=day)
        )
    reminders.refresh_schedules(patient)
    reminders.nights_read_until(NOW - timedelta(minutes=10))
    assert not new_week(patient)
    return patient


def night(patient, day: date):
    return save_entry(
        patient=patient,
        diary_date=day,
        changed_by=patient,
        enforce_backfill=False,
        answers=night_answers(),
    )


def new_week(patient):
    return ReminderSchedule.objects.filter(user=patient, kind="new_week").first()


def test_a_diary_save_publishes_nothing(patient, clock, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as callbacks:
        night(patient, date(2026, 11, 25))
    assert callbacks == []


def test_the_night_that_opens_a_week_gets_its_reminder_at_the_next_tick(six_nights, clock) -> None:
    patient = six_nights
    night(patient, date(2026, 11, 24))  # the seventh
    assert not new_week(patient)  # the save itself schedules nothing
    tasks.reminder_tick_task()
    schedule = new_week(patient)
    assert schedule is not None and schedule.once
    assert schedule.local_date == reminders.next_week_opens_on(patient, NOW.date())
    # The next tick reads it again (the overlap); the one after, no more.
    clock.shift(timedelta(minutes=1))
    assert reminders.patients_with_new_nights(NOW + timedelta(minutes=1)) == [patient.pk]
    tasks.reminder_tick_task()
    assert reminders.patients_with_new_nights(NOW + timedelta(minutes=2)) == []


def test_a_night_saved_while_the_broker_was_down_is_read_when_it_returns(six_nights, clock) -> None:
    patient = six_nights
    night(patient, date(2026, 11, 24))
    with mock.patch.object(
        tasks.refresh_new_week_task, "delay", side_effect=ConnectionError("broker down")
    ):
        tasks.reminder_tick_task()
    assert not new_week(patient)
    clock.shift(timedelta(minutes=20))  # later ticks failed too; this one gets through
    tasks.reminder_tick_task()
    assert new_week(patient).local_date == reminders.next_week_opens_on(patient, NOW.date())


def test_the_read_overlaps_the_last_one_and_goes_back_at_most_two_days(patient, clock) -> None:
    night(patient, date(2026, 11, 25))  # entered at NOW
    # A save that committed after the last read began (within a minute) is read again.
    reminders.nights_read_until(NOW + timedelta(seconds=30))
    assert reminders.patients_with_new_nights(NOW + timedelta(minutes=1)) == [patient.pk]
    reminders.nights_read_until(NOW + timedelta(minutes=2))
    assert reminders.patients_with_new_nights(NOW + timedelta(minutes=3)) == []
    reminders.nights_read_until(NOW - timedelta(days=10))  # a long outage
    assert reminders.patients_with_new_nights(NOW + timedelta(days=1)) == [patient.pk]
    assert reminders.patients_with_new_nights(NOW + timedelta(days=3)) == []

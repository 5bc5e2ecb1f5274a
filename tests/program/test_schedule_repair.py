"""issue 18, item 3, the old damage: schedules a forward clock jump pushed ahead before the
clock guard existed are found and recomputed from their rule by
``manage.py repair_reminder_schedules`` (program/reminders/repair.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command

from program.models import Delivery, ReminderSchedule
from program.reminders import actions as reminders


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


REAL = utc(2026, 11, 25, 6)  # a Wednesday; London = UTC in November


def repair(*args: str) -> str:
    out = StringIO()
    call_command("repair_reminder_schedules", *args, stdout=out)
    return out.getvalue()


def due(user, kind: str) -> datetime:
    return ReminderSchedule.objects.get(user=user, kind=kind).next_due_at


@pytest.fixture
def jumped(patient, therapist):
    """What the tick did before the guard, under a host clock 10 days ahead: every
    recurring schedule advanced past the false now, outbox rows for days to come."""
    with time_machine.travel(REAL, tick=False):
        reminders.refresh_schedules(patient)
        reminders.refresh_schedules(therapist)
        assert due(patient, "diary") == utc(2026, 11, 25, 7, 30)
        assert due(therapist, "digest") == utc(2026, 11, 30, 8)  # Monday
    with time_machine.travel(REAL + timedelta(days=10), tick=False) as ahead:
        reminders.tick()
        ahead.move_to(utc(2026, 12, 5, 7, 31))  # the ticks went on under that clock
        reminders.tick()
    assert due(patient, "diary") == utc(2026, 12, 6, 7, 30)
    assert due(therapist, "digest") == utc(2026, 12, 7, 8)
    with time_machine.travel(REAL, tick=False) as clock:
        yield clock


def test_a_dry_run_lists_what_is_ahead_and_changes_nothing(jumped, patient, therapist) -> None:
    before = dict(ReminderSchedule.objects.values_list("pk", "next_due_at"))
    out = repair("--dry-run")
    assert (
        f"diary for user {patient.pk}: next due 2026-12-06 07:30 UTC, its rule says "
        "2026-11-25 07:30 UTC (11 d 0 h ahead)" in out
    )
    assert f"digest for user {therapist.pk}: next due 2026-12-07 08:00 UTC" in out
    assert "Dry run: 2 schedule(s) would be recomputed; nothing was changed." in out
    assert dict(ReminderSchedule.objects.values_list("pk", "next_due_at")) == before


def test_the_repair_puts_schedules_back_and_a_second_run_finds_nothing(
    jumped, patient, therapist
) -> None:
    out = repair()
    assert "Recomputed 2 schedule(s)." in out
    assert due(patient, "diary") == utc(2026, 11, 25, 7, 30)
    assert due(therapist, "digest") == utc(2026, 11, 30, 8)
    again = repair()
    assert "Recomputed 0 schedule(s)." in again and "for user" not in again.split("outbox")[0]
    # And the morning's reminder really goes at 07:30.
    jumped.move_to(utc(2026, 11, 25, 7, 31))
    reminders.tick()
    assert Delivery.objects.filter(user=patient, kind="diary", local_date=REAL.date()).exists()


def test_healthy_and_overdue_schedules_are_left_alone(patient) -> None:
    with time_machine.travel(REAL, tick=False):
        reminders.refresh_schedules(patient)
        before = dict(ReminderSchedule.objects.values_list("pk", "next_due_at"))
    # An hour past the diary reminder, before the tick took it: overdue, not ahead.
    with time_machine.travel(utc(2026, 11, 25, 8, 30), tick=False):
        assert "Recomputed 0 schedule(s)." in repair()
    assert dict(ReminderSchedule.objects.values_list("pk", "next_due_at")) == before


def test_a_one_off_pushed_past_its_date_comes_back_to_it(patient) -> None:
    with time_machine.travel(REAL, tick=False):
        reminders.refresh_schedules(patient)
        questionnaire = ReminderSchedule.objects.get(user=patient, kind="questionnaire")
        assert questionnaire.local_date == date(2026, 12, 13)
        planned = questionnaire.next_due_at
        ReminderSchedule.objects.filter(pk=questionnaire.pk).update(
            next_due_at=planned + timedelta(days=7), local_date=date(2026, 12, 20)
        )
        assert "questionnaire for user" in repair("--dry-run")
        repair()
    questionnaire.refresh_from_db()
    assert (questionnaire.next_due_at, questionnaire.local_date) == (planned, date(2026, 12, 13))


def test_outbox_rows_written_before_they_were_due_are_listed_then_removed_when_asked(
    jumped, patient
) -> None:
    """Today's (skipped as "too late" under the jumped clock) and 5 December's (sent then)
    would each stop that real morning's reminder."""
    early = Delivery.objects.filter(user=patient, kind="diary")
    assert sorted(early.values_list("local_date", flat=True)) == [
        date(2026, 11, 25),
        date(2026, 12, 5),
    ]
    out = repair()
    assert f"diary for user {patient.pk} on 2026-11-25 (skipped)" in out
    assert f"diary for user {patient.pk} on 2026-12-05 (pending)" in out
    assert "Run again with --remove-future-deliveries." in out
    assert early.count() == 2
    out = repair("--remove-future-deliveries")
    assert "Removed 3 outbox row(s) written before they were due." in out  # and the digest
    assert not early.exists()
    # The real mornings now get their reminders (the tick runs every minute in between).
    for morning in (utc(2026, 11, 25, 7, 31), utc(2026, 12, 5, 7), utc(2026, 12, 5, 7, 31)):
        jumped.move_to(morning)
        reminders.tick()
    days = Delivery.objects.filter(user=patient, kind="diary", status="pending")
    assert {date(2026, 11, 25), date(2026, 12, 5)} <= set(days.values_list("local_date", flat=True))


def test_it_refuses_to_run_under_a_clock_ahead_of_the_database(settings, patient) -> None:
    settings.CLOCK_GUARD = True
    settings.CLOCK_TOLERANCE_MINUTES = 5
    with (
        time_machine.travel(datetime.now(UTC) + timedelta(days=3), tick=False),
        pytest.raises(CommandError, match="ahead of the database"),
    ):
        repair()

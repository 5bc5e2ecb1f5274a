"""The reminder tick's two paths give the same result.

On PostgreSQL the tick is set-based SQL (program/reminders/sql.py); on SQLite it goes
through the ORM (``actions._tick_orm``). Here the same clinic goes through days of ticks
by each path in turn, on PostgreSQL, and the outbox, the schedules and the batches must be
identical: across a spring-forward and a fall-back day in several time zones (a time
skipped, a time that happens twice), quiet hours, a weekly kind, one-off reminders, a
paused patient, reminders too late to send, and a second beat process ticking the same
minute (the at-most-once key). Afterwards the repair rules (program/reminders/repair.py)
find no schedule pushed ahead on either path.
"""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction

from accounts.models import Role, User
from program.models import (
    Delivery,
    Enrolment,
    Programme,
    ReminderPreference,
    ReminderSchedule,
)
from program.reminders import actions as reminders
from program.reminders import repair

ZONES = [
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Chatham",
]
CLOCKS = [time(1, 30), time(2, 30), time(7, 30), time(23, 45), time(0, 0)]
QUIET = [(None, None), (time(22, 0), time(8, 0)), (time(7, 0), time(7, 45))]
# US spring-forward (8 March), Sydney's fall-back (5 April), EU fall-back (25 October).
WINDOWS = [
    datetime(2026, 3, 7, 0, tzinfo=UTC),
    datetime(2026, 4, 4, 0, tzinfo=UTC),
    datetime(2026, 10, 24, 0, tzinfo=UTC),
]
STEP = timedelta(minutes=30)
TICKS = 2 * 24 * 2  # two days


def clinic(start: datetime) -> None:
    """People in every zone, clock and quiet hours, each with schedules due from ``start``."""
    combos = list(itertools.product(ZONES, CLOCKS, QUIET, [None, 6]))
    User.objects.bulk_create(
        User(email=f"t{i}@tick.test", role=Role.PATIENT, time_zone=zone, password="!")
        for i, (zone, *_) in enumerate(combos)
    )
    people = {u.email: u for u in User.objects.filter(email__endswith="@tick.test")}
    schedules = []
    for i, (zone, clock, (quiet_start, quiet_end), weekday) in enumerate(combos):
        user = people[f"t{i}@tick.test"]
        preference = ReminderPreference.objects.create(
            user=user, quiet_start=quiet_start, quiet_end=quiet_end
        )
        kind = "digest" if weekday is not None else "diary"
        due = reminders.occurrence_after(clock, weekday, ZoneInfo(zone), start, preference)
        schedules.append(
            ReminderSchedule(
                user=user,
                kind=kind,
                clock=clock,
                weekday=weekday,
                next_due_at=due.due_at,
                local_date=due.local_date,
            )
        )
        if i % 7 == 0:  # a one-off due during the window
            schedules.append(
                ReminderSchedule(
                    user=user,
                    kind="new_week",
                    clock=clock,
                    once=True,
                    next_due_at=start + timedelta(hours=i % 48, minutes=i % 60),
                    local_date=(start + timedelta(days=1)).date(),
                )
            )
        if i % 11 == 0:  # overdue by a day: written as skipped, too late to send
            schedules.append(
                ReminderSchedule(
                    user=user,
                    kind="wind_down",
                    clock=clock,
                    next_due_at=start - timedelta(days=1),
                    local_date=(start - timedelta(days=1)).date(),
                )
            )
    ReminderSchedule.objects.bulk_create(schedules)
    # A paused patient: the tick writes the row all the same; delivery decides.
    paused = people["t0@tick.test"]
    Enrolment.objects.create(
        patient=paused,
        programme=Programme.objects.default(),
        start_date=date(2026, 1, 5),
        status=Enrolment.Status.PAUSED,
    )


def snapshot(tick, start: datetime) -> dict[str, object]:
    """Run the ticks by one path and describe what they left, by natural keys."""
    keys: dict[int, tuple[str, str, date]] = {}
    batches: list[list[tuple[str, str, date]]] = []
    for n in range(TICKS):
        now = start + n * STEP + timedelta(seconds=30)
        if n == TICKS // 2:
            # A second beat process read the schedules before this tick advanced them.
            before = list(ReminderSchedule.objects.values("pk", "next_due_at", "local_date"))
            tick(now, 200_000)
            for row in before:
                ReminderSchedule.objects.filter(pk=row.pop("pk")).update(**row)
        ids = [pk for batch in tick(now, 200_000) for pk in batch]
        keys.update(
            (pk, (email, kind, day))
            for pk, email, kind, day in Delivery.objects.filter(pk__in=ids).values_list(
                "pk", "user__email", "kind", "local_date"
            )
        )
        batches.append(sorted(keys[pk] for pk in ids))
    end = start + TICKS * STEP
    return {
        "deliveries": sorted(
            Delivery.objects.values_list(
                "user__email", "kind", "local_date", "due_at", "status", "note", "attempts"
            )
        ),
        "enqueued_at": sorted(
            Delivery.objects.values_list("user__email", "kind", "local_date", "claimed_at")
        ),
        "schedules": sorted(
            ReminderSchedule.objects.values_list(
                "user__email", "kind", "next_due_at", "local_date", "once"
            )
        ),
        "batches": batches,
        "pushed_ahead": [(p.user_id, p.kind, p.stored) for p in repair.find_pushed_ahead(end)],
    }


@pytest.mark.parametrize("start", WINDOWS, ids=lambda d: d.date().isoformat())
def test_the_sql_tick_and_the_orm_tick_leave_the_same(db, start: datetime) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the set-based tick is PostgreSQL's")
    clinic(start)
    results = []
    for tick in (reminders._tick_orm, reminders._tick_sql):
        with transaction.atomic():
            results.append(snapshot(tick, start))
            transaction.set_rollback(True)
    orm, sql = results
    assert orm["deliveries"], "the scenario wrote nothing"
    statuses = {row[4] for row in orm["deliveries"]}
    assert statuses == {"pending", "skipped"}
    for key in orm:
        assert orm[key] == sql[key], key
    assert orm["pushed_ahead"] == []
    # At most once: one row per person, kind and local date, whatever the doubled tick did.
    per_key = [row[:3] for row in orm["deliveries"]]
    assert len(per_key) == len(set(per_key))

"""The reminder tick's set-based statements, for PostgreSQL (the only raw SQL of reminders).

The ORM path in ``actions._tick_orm`` does the same on SQLite, where a clinic is small;
at 100 000 due at once it spends seconds building model objects and compiling a
100 000-row INSERT (issue #20). Here the rows never leave the database:

1. ``due_groups``: the distinct (due instant, clock, weekday, zone, quiet hours) of the
   due schedules, and whether a one-off is among them, in one read. A clinic has a few
   dozen, however many people are due. Python works out
   each group's next occurrence with the DST and quiet-hours rules
   (``program.rules.schedule``), which stay in one place rather than being re-written in SQL.
2. ``write_due``: one statement writes the outbox rows (``INSERT … SELECT … ON CONFLICT DO
   NOTHING RETURNING id``: the unique (user, kind, local date) key makes a doubled tick
   write nothing), advances every recurring schedule from its group's occurrence, and
   removes the one-offs. The schedules are updated by the address of the row just read
   (``ctid``), not looked up again by id: at 100 000 due that was 400 000 index page
   reads, a fifth of the update's.
3. ``ready_to_enqueue``: the older rows to offer again (pending and not enqueued lately, or
   failed and due a retry), marked enqueued in the same statement.

Due ids are selected first (the ``next_due_at`` index, ``LIMIT``) and only then joined to
people and their choices, so a minute with nothing due costs an index probe. Every value
is a bound parameter; only table names (from the models) are put into the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from django.db import connection, transaction

from accounts.models import User
from program.models import Delivery, ReminderPreference, ReminderSchedule

SCHEDULE = ReminderSchedule._meta.db_table
DELIVERY = Delivery._meta.db_table
PREFERENCE = ReminderPreference._meta.db_table
USER = User._meta.db_table

# A group of recurring schedules that share their next occurrence:
# (due instant, clock, weekday, zone, quiet start, quiet end).
Group = tuple[datetime, time, int | None, str, time | None, time | None]

# The due schedules, oldest first, before any join (the tick's limit applies here).
_DUE = f"""
    SELECT ctid AS row, id, user_id, kind, local_date, next_due_at, clock, weekday, once
    FROM {SCHEDULE}
    WHERE next_due_at <= %(now)s
    ORDER BY next_due_at
    LIMIT %(limit)s
"""

# The due schedules with their person's zone and quiet hours, joined only once selected.
_DUE_WITH_CLOCKS = f"""
    SELECT d.*, u.time_zone, p.quiet_start, p.quiet_end
    FROM ({_DUE}) AS d
    JOIN {USER} u ON u.id = d.user_id
    LEFT JOIN {PREFERENCE} p ON p.user_id = d.user_id
"""

# The groups of the due schedules, and whether any is a one-off (one pass over them).
_GROUPS = f"""
    SELECT DISTINCT next_due_at, clock, weekday, time_zone, quiet_start, quiet_end, once
    FROM ({_DUE_WITH_CLOCKS}) AS d
"""

_WRITE = f"""
    WITH due AS MATERIALIZED ({_DUE_WITH_CLOCKS}),
    -- Each group's next occurrence, worked out in Python from the rules.
    plan AS (
        SELECT * FROM unnest(
            %(due_at)s::timestamptz[], %(clock)s::time[], %(weekday)s::integer[],
            %(zone)s::text[], %(quiet_start)s::time[], %(quiet_end)s::time[],
            %(next_due_at)s::timestamptz[], %(next_date)s::date[]
        ) AS g(due_at, clock, weekday, zone, quiet_start, quiet_end, next_due_at, local_date)
    ),
    -- Recurring schedules move to their group's next occurrence, found by the row's
    -- address (no index probe per row). A schedule changed since it was read (a new time
    -- zone, or another tick advancing it) matches no group or no longer has that address:
    -- it is left for the next tick, and so is its outbox row.
    advanced AS (
        UPDATE {SCHEDULE} s SET next_due_at = plan.next_due_at, local_date = plan.local_date
        FROM due d
        JOIN plan ON plan.due_at = d.next_due_at
            AND plan.clock = d.clock
            AND plan.zone = d.time_zone
            AND plan.weekday IS NOT DISTINCT FROM d.weekday
            AND plan.quiet_start IS NOT DISTINCT FROM d.quiet_start
            AND plan.quiet_end IS NOT DISTINCT FROM d.quiet_end
        WHERE s.ctid = d.row AND NOT d.once
        RETURNING s.id
    ),
    -- One-offs are removed once due, not advanced.
    removed AS (
        DELETE FROM {SCHEDULE} s USING due d WHERE s.ctid = d.row AND d.once RETURNING s.id
    ),
    -- One outbox row for each schedule advanced or removed; one due longer ago than the
    -- grace period is recorded as skipped. A pending row is marked enqueued now
    -- (claimed_at), as the tick returns it.
    written AS (
        INSERT INTO {DELIVERY}
            (user_id, kind, local_date, due_at, status, attempts, claimed_at, claim_token,
             note, created_at)
        SELECT user_id, kind, local_date, next_due_at,
            CASE WHEN next_due_at < %(late_before)s THEN %(skipped)s ELSE %(pending)s END,
            0,
            CASE WHEN next_due_at < %(late_before)s THEN NULL ELSE %(now)s END,
            '',
            CASE WHEN next_due_at < %(late_before)s THEN %(late_note)s ELSE '' END,
            %(now)s
        FROM due
        WHERE id IN (SELECT id FROM advanced UNION ALL SELECT id FROM removed)
        ON CONFLICT DO NOTHING
        RETURNING id, status, due_at
    )
    SELECT id FROM written WHERE status = %(pending)s ORDER BY due_at, id
"""

# Rows to enqueue (again): pending and not enqueued since ``recent``, or failed and due a
# retry. Pending ones are marked enqueued; a row another worker moved on meanwhile is not.
_READY = f"""
    WITH ready AS (
        SELECT id, status, due_at FROM {DELIVERY}
        WHERE (status = %(pending)s AND (claimed_at IS NULL OR claimed_at < %(recent)s))
            OR (status = %(failed)s AND next_attempt_at <= %(now)s)
    ),
    marked AS (
        UPDATE {DELIVERY} d SET claimed_at = %(now)s
        FROM ready r
        WHERE d.id = r.id AND r.status = %(pending)s AND d.status = %(pending)s
    )
    SELECT id FROM ready ORDER BY due_at, id
"""


def _room_for_everyone_due(cursor: Any) -> None:
    """Let this transaction's statements hold every due row in memory: with the default
    4 MB of ``work_mem``, from some 20 000 due at once the write's kept rows and the groups'
    sort spill to disk (at 100 000 due, the groups took 101-110 ms with a sort on disk,
    74-75 ms with a hash in memory)."""
    cursor.execute("SET LOCAL work_mem = '64MB'")


def due_groups(now: datetime, limit: int) -> tuple[list[Group], bool]:
    """The groups of the recurring schedules due at ``now``, and whether a one-off is due."""
    with transaction.atomic(), connection.cursor() as cursor:
        _room_for_everyone_due(cursor)
        cursor.execute(_GROUPS, {"now": now, "limit": limit})
        rows = cursor.fetchall()
    groups = sorted({tuple(row[:6]) for row in rows if not row[6]}, key=repr)
    return groups, any(row[6] for row in rows)


def write_due(
    now: datetime,
    limit: int,
    late_before: datetime,
    late_note: str,
    plans: Sequence[tuple[Group, datetime, date]],
) -> list[int]:
    """Write the outbox rows, advance and remove schedules; the new pending rows' ids."""
    columns: list[list[object]] = [[] for _ in range(8)]
    for group, next_due_at, next_date in plans:
        for column, value in zip(columns, (*group, next_due_at, next_date), strict=True):
            column.append(value)
    names = ("due_at", "clock", "weekday", "zone", "quiet_start", "quiet_end")
    params: dict[str, Any] = dict(zip((*names, "next_due_at", "next_date"), columns, strict=True))
    params.update(
        now=now,
        limit=limit,
        late_before=late_before,
        late_note=late_note,
        pending=Delivery.Status.PENDING.value,
        skipped=Delivery.Status.SKIPPED.value,
    )
    with transaction.atomic(), connection.cursor() as cursor:
        _room_for_everyone_due(cursor)
        cursor.execute(_WRITE, params)
        return [row[0] for row in cursor.fetchall()]


def ready_to_enqueue(now: datetime, recent: datetime) -> list[int]:
    """Older rows ready to send, oldest due first, marked enqueued at ``now``."""
    with connection.cursor() as cursor:
        cursor.execute(
            _READY,
            {
                "now": now,
                "recent": recent,
                "pending": Delivery.Status.PENDING.value,
                "failed": Delivery.Status.FAILED.value,
            },
        )
        return [row[0] for row in cursor.fetchall()]

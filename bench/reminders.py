"""Reminders at scale: the tick for 100 000 patients, and deliveries per second.

Run (PostgreSQL and Redis on this machine):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/reminders.py [--patients 100000] [--zones 50] [--deliveries 20000]

1. Builds a throw-away database with N patients spread over Z time zones, each
   with a morning reminder schedule.
2. Times one tick (select due schedules, write outbox rows, advance schedules,
   publish the batches to Redis) for a typical minute (one zone's 07:30) and
   for the worst case (every patient due at once, e.g. after an outage).
3. Starts real Celery workers on Redis (mail kept in memory, so nothing is sent)
   and measures end-to-end deliveries per second, beside the rate of a bare no-op
   task through the same workers in the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import zoneinfo
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbti.settings")
os.environ.setdefault("TESTING", "1")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ["CELERY_BROKER_URL"] = REDIS

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--zones", type=int, default=50)
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL: set DATABASE_URL.")
    setup_test_environment()
    old = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    try:
        run(args, settings.DATABASES["default"]["NAME"])
    finally:
        connection.creation.destroy_test_db(old, verbosity=0)


def zones(count: int) -> list[str]:
    preferred = sorted(
        z
        for z in zoneinfo.available_timezones()
        if z.startswith(("Europe/", "America/", "Asia/", "Australia/", "Africa/", "Pacific/"))
    )
    step = max(1, len(preferred) // count)
    return preferred[::step][:count]


def run(args: argparse.Namespace, db_name: str) -> None:
    import redis

    from accounts.models import Role, User
    from bench.celery_app import noop_task
    from cbti.celery import app
    from program.models import Delivery, Enrolment, Programme, ReminderSchedule
    from program.reminders import actions as reminders
    from program.tasks import send_deliveries_task

    app.conf.update(broker_url=REDIS, task_always_eager=False)
    broker = redis.Redis.from_url(REDIS)
    broker.flushdb()
    names = zones(args.zones)
    programme = Programme.objects.default()
    started = time.perf_counter()
    now = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    users = [
        User(
            email=f"p{i}@bench.test",
            role=Role.PATIENT,
            time_zone=names[i % len(names)],
            password="!",
        )
        for i in range(args.patients)
    ]
    User.objects.bulk_create(users, batch_size=5000)
    ids = list(User.objects.filter(email__endswith="@bench.test").values_list("pk", "time_zone"))
    Enrolment.objects.bulk_create(
        [Enrolment(patient_id=pk, programme=programme, start_date=now.date()) for pk, _ in ids],
        batch_size=5000,
    )
    first_due = {}
    for name in names:
        occurrence = reminders.occurrence_after(
            clock(7, 30), None, zoneinfo.ZoneInfo(name), now, None
        )
        first_due[name] = occurrence
    ReminderSchedule.objects.bulk_create(
        [
            ReminderSchedule(
                user_id=pk,
                kind="diary",
                clock=clock(7, 30),
                next_due_at=first_due[tz].due_at,
                local_date=first_due[tz].local_date,
            )
            for pk, tz in ids
        ],
        batch_size=5000,
    )
    print(
        f"{args.patients} patients in {len(names)} zones set up in "
        f"{time.perf_counter() - started:.1f} s (PostgreSQL, Redis {REDIS})"
    )

    def timed_tick(at: datetime) -> tuple[float, int]:
        due = ReminderSchedule.objects.filter(next_due_at__lte=at).count()
        t0 = time.perf_counter()
        batches = reminders.tick(at)
        for batch in batches:
            send_deliveries_task.delay(batch)
        return time.perf_counter() - t0, due

    # A typical minute: the earliest 07:30 among the zones.
    typical = min(o.due_at for o in first_due.values())
    seconds, due = timed_tick(typical)
    print(f"tick, a typical minute ({due} due of {args.patients}): {seconds * 1000:.0f} ms")
    seconds, due = timed_tick(typical)
    print(f"tick again in the same minute (nothing new):      {seconds * 1000:.0f} ms")
    worst = max(o.due_at for o in first_due.values())
    seconds, due = timed_tick(worst + timedelta(seconds=1))
    print(f"tick, worst case ({due} due at once):             {seconds * 1000:.0f} ms")
    broker.flushdb()

    # Deliveries through real workers: keep `deliveries` pending rows, due now.
    keep = list(Delivery.objects.order_by("pk").values_list("pk", flat=True)[: args.deliveries])
    Delivery.objects.exclude(pk__in=keep).delete()
    real_now = datetime.now(tz=UTC)
    Delivery.objects.update(status="pending", claimed_at=None, due_at=real_now)
    env = {
        **os.environ,
        "DATABASE_URL": _db_url(db_name),
        "CELERY_BROKER_URL": REDIS,
        "EMAIL_URL": "memory://",
        "DEBUG": "1",
        "TESTING": "0",
        "LOG_LEVEL": "WARNING",
    }
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "bench.celery_app",
                "worker",
                "--concurrency",
                "1",
                "--pool",
                "prefork",
                "-n",
                f"bench{i}@%h",
                "--loglevel",
                "WARNING",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(args.workers)
    ]
    try:
        time.sleep(4)  # workers up
        # Bare no-op tasks through the same workers.
        count = args.deliveries
        t0 = time.perf_counter()
        for _ in range(count):
            noop_task.delay()
        published = time.perf_counter() - t0
        _drain(broker)
        noop_rate = count / (time.perf_counter() - t0)
        print(
            f"bare no-op task: {noop_rate:,.0f} tasks/s end to end "
            f"({args.workers} workers; publishing alone {count / published:,.0f}/s)"
        )

        ids = list(Delivery.objects.values_list("pk", flat=True))
        t0 = time.perf_counter()
        for i in range(0, len(ids), reminders.BATCH):
            send_deliveries_task.delay(ids[i : i + reminders.BATCH])
        while Delivery.objects.filter(status__in=["pending", "sending"]).exists():
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
        outcome = dict(
            Delivery.objects.values_list("status").annotate(n=django.db.models.Count("id"))
        )
        print(
            f"reminder deliveries: {len(ids) / elapsed:,.0f} per s end to end "
            f"({len(ids)} in {elapsed:.1f} s; {outcome}); "
            f"{len(ids) / elapsed / noop_rate:.0%} of the bare task rate"
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
        broker.flushdb()


def _drain(broker) -> None:  # type: ignore[no-untyped-def]
    while broker.llen("celery") or broker.hlen("unacked"):
        time.sleep(0.05)


def _db_url(name: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


if __name__ == "__main__":
    main()

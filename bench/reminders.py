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
import contextlib
import os
import statistics
import subprocess
import sys
import time
import zoneinfo
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbti.settings")
os.environ.setdefault("TESTING", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--zones", type=int, default=50)
    parser.add_argument("--deliveries", type=int, default=20_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--database",
        default=f"bench_reminders_{os.getpid()}",
        help="the throw-away database's name (default: one of this process's own)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Run this on PostgreSQL: set DATABASE_URL.")
    setup_test_environment()
    settings.DATABASES["default"].setdefault("TEST", {})["NAME"] = args.database
    with contextlib.ExitStack() as stack:
        redis_url = os.environ.get("BENCH_REDIS_URL") or stack.enter_context(_private_redis())
        os.environ["CELERY_BROKER_URL"] = redis_url
        old = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
        try:
            run(args, settings.DATABASES["default"]["NAME"], redis_url)
        finally:
            connection.creation.destroy_test_db(old, verbosity=0)


@contextlib.contextmanager
def _private_redis() -> Iterator[str]:
    """A Redis of this run's own on a free port, so two runs never share a queue."""
    from tests.services import private_redis

    with private_redis() as server:
        yield server.url


def zones(count: int) -> list[str]:
    preferred = sorted(
        z
        for z in zoneinfo.available_timezones()
        if z.startswith(("Europe/", "America/", "Asia/", "Australia/", "Africa/", "Pacific/"))
    )
    step = max(1, len(preferred) // count)
    return preferred[::step][:count]


def run(args: argparse.Namespace, db_name: str, redis_url: str) -> None:
    import redis
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role, User
    from bench.celery_app import noop_task
    from cbti.celery import app
    from program.models import Delivery, Enrolment, Programme, ReminderSchedule
    from program.reminders import actions as reminders
    from program.tasks import send_deliveries_task

    app.conf.update(broker_url=redis_url, task_always_eager=False)
    broker = redis.Redis.from_url(redis_url)
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
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"{args.patients} patients in {len(names)} zones set up in "
        f"{time.perf_counter() - started:.1f} s (PostgreSQL {db_name}, Redis {redis_url})"
    )

    def timed_tick(at: datetime) -> tuple[float, int]:
        due = ReminderSchedule.objects.filter(next_due_at__lte=at).count()
        t0 = time.perf_counter()
        batches = reminders.tick(at)
        for batch in batches:
            send_deliveries_task.delay(batch)
        return time.perf_counter() - t0, due

    def rewrite_floor(at: datetime) -> float:
        """The floor: rewriting each due schedule row once, unchanged, and nothing else
        (rolled back): what this machine's PostgreSQL needs just to touch the rows."""
        with transaction.atomic(), connection.cursor() as cursor:
            t0 = time.perf_counter()
            cursor.execute(
                f"UPDATE {ReminderSchedule._meta.db_table} SET local_date = local_date"  # nosec B608: a model's table name
                " WHERE next_due_at <= %s",
                [at],
            )
            seconds = time.perf_counter() - t0
            transaction.set_rollback(True)
        return seconds

    def report(what: str, seconds: float, goal: float, floor: float | None = None) -> None:
        verdict = "met" if seconds < goal else "MISSED"
        ratio = f"  ({seconds / floor:.1f} x the floor, {floor * 1000:.0f} ms)" if floor else ""
        print(f"{what:<48} {seconds * 1000:9.1f} ms   goal < {goal * 1000:g} ms: {verdict}{ratio}")

    noop_task.delay()  # the broker's connection is made before any timing
    broker.flushdb()
    typical = min(o.due_at for o in first_due.values())
    # Nothing due (the minute before the first 07:30), the median of 20 ticks.
    quiet = [timed_tick(typical - timedelta(minutes=1))[0] for _ in range(20)]
    report("tick, nothing due (median of 20)", statistics.median(quiet), 0.005)
    # A typical minute: the earliest 07:30 among the zones.
    floor = rewrite_floor(typical)
    seconds, due = timed_tick(typical)
    report(f"tick, a typical minute ({due} due)", seconds, 0.3, floor)
    again = [timed_tick(typical)[0] for _ in range(5)]
    report("tick again in that minute (median of 5)", statistics.median(again), 0.005)
    # Every patient due at once (after an outage): the schedules back where they began.
    broker.flushdb()
    Delivery.objects.all().delete()
    for name, occurrence in first_due.items():
        ReminderSchedule.objects.filter(user__time_zone=name).update(
            next_due_at=occurrence.due_at, local_date=occurrence.local_date
        )
    worst = max(o.due_at for o in first_due.values())
    floor = rewrite_floor(worst + timedelta(seconds=1))
    seconds, due = timed_tick(worst + timedelta(seconds=1))
    report(f"tick, all due at once ({due} due)", seconds, 2.0, floor)
    broker.flushdb()

    # Deliveries: keep `deliveries` pending rows, due now.
    keep = list(Delivery.objects.order_by("pk").values_list("pk", flat=True)[: args.deliveries])
    Delivery.objects.exclude(pk__in=keep).delete()
    real_now = datetime.now(tz=UTC)
    Delivery.objects.update(status="pending", claimed_at=None, due_at=real_now)

    # Queries per batch, in this process (mail kept in memory): a full batch and a tenth.
    pending = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    sizes = (reminders.BATCH, reminders.BATCH // 10)
    queries = []
    for size, batch in zip(
        sizes, (pending[: sizes[0]], pending[sizes[0] : sum(sizes)]), strict=True
    ):
        with CaptureQueriesContext(connection) as captured:
            reminders.deliver(batch)
        queries.append(f"{len(captured.captured_queries)} queries for {size}")
    print(f"{'delivery queries per batch':<48} {', '.join(queries)} (goal: the same)")
    Delivery.objects.update(status="pending", claimed_at=None, sent_at=None, attempts=0)

    env = {
        **os.environ,
        "DATABASE_URL": _db_url(db_name),
        "CELERY_BROKER_URL": redis_url,
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
                f"bench{i}-{os.getpid()}@%h",
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
            f"{'bare no-op task':<48} {noop_rate:9,.0f} /s   ({args.workers} workers; "
            f"publishing alone {count / published:,.0f}/s)"
        )

        ids = list(Delivery.objects.values_list("pk", flat=True))
        t0 = time.perf_counter()
        for i in range(0, len(ids), reminders.BATCH):
            send_deliveries_task.delay(ids[i : i + reminders.BATCH])
        while Delivery.objects.filter(status__in=["pending", "sending"]).exists():
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
        outcome = dict(Delivery.objects.values_list("status").annotate(n=Count("id")))
        ratio = len(ids) / elapsed / noop_rate
        print(
            f"{'reminder deliveries':<48} {len(ids) / elapsed:9,.0f} /s   "
            f"({len(ids)} in {elapsed:.1f} s; {outcome}); {ratio:.2f} x the bare task rate, "
            f"goal >= 0.7: {'met' if ratio >= 0.7 else 'MISSED'}"
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)
        broker.flushdb()


def _drain(broker) -> None:
    while broker.llen("celery") or broker.hlen("unacked"):
        time.sleep(0.05)


def _db_url(name: str) -> str:
    db = settings.DATABASES["default"]
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{name}"


if __name__ == "__main__":
    main()

"""Load test: gunicorn on PostgreSQL and Redis, driven by locust, on loopback only.

Run:  make install-bench && .venv/bin/python bench/load.py [--users 100] [--seconds 15]

1. Builds a throw-away database (`--database`, default `cbti_load_<pid>`, dropped at
   the end; on LOAD_POSTGRES's server) with 1000 patients, each
   with 28 diary nights, a sleep window and lesson progress, and 12 therapists; signs
   everyone in (session cookies, no login traffic).
2. Starts gunicorn (2 workers, pinned to CPU 0) with production settings, on a free
   port (`--port`), with a Redis of its own (`--redis-url` or LOAD_REDIS_URL to name
   one): two people can run it at once.
3. For each endpoint in turn, locust (pinned to CPU 1) runs N concurrent users for
   S seconds with no think time, and the script prints requests/s, p50/p95/p99 and
   errors, beside two floors measured by the same server in the same run: a bare
   Django view and a trivial authenticated view behind the full middleware and
   session stack. The ratios to the authenticated floor are the figures to watch,
   with how busy the server's core was (CPU-bound, or waiting on the database).
   Every page is worked out from the database each time: the app keeps no page.
   The floors are routed by the benchmarks' own URLconf (bench/settings.py).
4. Then the journey: the same N users as people arriving one by one over 10 s (the
   last N patients, whose free mornings no other run touches), each moving through
   today, the diary form, a submission, the diary, the programme, a lesson and the
   sleep window (one in ten a therapist opening the caseload) with 2–8 s between
   pages, for --journey-seconds: latency under a realistic load, per page, as the
   client saw it (locust: queueing included) and as the server spent it (gunicorn's
   access log, which every run writes: the issue's goal is the server side).
Every request goes to 127.0.0.1; each run is bounded by --seconds. To see where a
latency comes from: --access-log FILE keeps gunicorn's log (each request's server time)
and LOAD_REQUEST_LOG=FILE each journey request as the client saw it.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE_URL = os.environ.get("LOAD_POSTGRES", "postgres://postgres@127.0.0.1:5432")
ENV = {
    **os.environ,
    "SECRET_KEY": "load-test-only-" + "x" * 50,
    "ALLOWED_HOSTS": "127.0.0.1",
    "EMAIL_URL": "memory://",
    "DEBUG": "0",
    "TESTING": "0",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "SECURE_HSTS_SECONDS": "0",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
    "LOG_LEVEL": "WARNING",
    "CONN_MAX_AGE": "60",
}
ENDPOINTS = [
    "bare",
    "authenticated",
    "today",
    "diary",
    "programme",
    "lesson",
    "sleep_window",
    "diary_submit",
    "caseload",
]
PY = sys.executable
# After the endpoints: 100 people moving through their pages at a person's pace.
JOURNEY_PAGES = [
    "today",
    "diary_form",
    "diary_submit",
    "diary",
    "programme",
    "lesson",
    "sleep_window",
    "caseload",
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=15)
    # Each patient has 7 free mornings; the journey keeps --users of them apart, and the
    # diary_submit run spends the rest at up to ~400 a second for --seconds.
    parser.add_argument("--patients", type=int, default=1000)
    parser.add_argument(
        "--journey-seconds", type=int, default=60, help="the paced journey's length (0: skip)"
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (on one core)")
    parser.add_argument(
        "--threads", type=int, default=1, help="gunicorn threads per worker (1: sync workers)"
    )
    parser.add_argument(
        "--only", default="", help="comma-separated endpoints after the two floors (default: all)"
    )
    parser.add_argument(
        "--database",
        default=f"cbti_load_{os.getpid()}",
        help="the throw-away database on LOAD_POSTGRES's server (made, then dropped)",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="gunicorn's port on 127.0.0.1 (0: a free one)"
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("LOAD_REDIS_URL", ""),
        help="the app's Redis (default: a private redis-server of this run on a free port)",
    )
    parser.add_argument(
        "--access-log",
        default="",
        help="keep gunicorn's access log here, with each request's server time (µs) and pid "
        "(written to the run's temporary folder otherwise)",
    )
    args = parser.parse_args()
    only = {e for e in args.only.split(",") if e}
    endpoints = [e for e in ENDPOINTS if e in ("bare", "authenticated") or not only or e in only]
    # Two people running this at once share nothing: the database is named after the
    # process, the port is a free one, and the Redis is a server of this run's own.
    port = args.port or free_port()
    with contextlib.ExitStack() as stack:
        redis_url = args.redis_url or stack.enter_context(private_redis_url())
        work = Path(tempfile.mkdtemp(prefix="cbti-load-"))
        stack.callback(shutil.rmtree, work, ignore_errors=True)
        env = {
            **ENV,
            "DATABASE_URL": f"{BASE_URL}/{args.database}",
            "REDIS_URL": redis_url,
            "STATIC_ROOT": str(work / "static"),
            "VAR_DIR": str(work),
            "LOAD_HOST": f"http://127.0.0.1:{port}",
        }
        create_database(args.database)
        stack.callback(drop_database, args.database)
        print(f"database {args.database}, gunicorn on 127.0.0.1:{port}, Redis {redis_url}")
        serve_and_measure(args, endpoints, port, work, env)


def serve_and_measure(
    args: argparse.Namespace, endpoints: list[str], port: int, work: Path, env: dict[str, str]
) -> None:
    run([PY, "manage.py", "migrate", "-v", "0"], env)
    run([PY, "manage.py", "collectstatic", "--no-input", "-v", "0"], env)
    sessions = work / "sessions.json"
    run([PY, __file__, "--build", str(sessions), str(args.patients)], env)
    access_log = Path(args.access_log or work / "access.log")
    server = subprocess.Popen(
        [
            "taskset",
            "-c",
            "0",
            PY,
            "-m",
            "gunicorn",
            "cbti.wsgi",
            "--workers",
            str(args.workers),
            "--threads",
            str(args.threads),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            # Each request's own server time (µs), for the journey's server-side figures.
            "--access-logfile",
            str(access_log),
            "--access-logformat",
            "%(t)s %(p)s %(m)s %(U)s %(s)s %(D)s",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        time.sleep(3)
        workers = (
            f"{args.workers} sync workers"
            if args.threads == 1
            else f"{args.workers} workers × {args.threads} threads"
        )
        print(
            f"gunicorn: {workers} on CPU 0; locust: {args.users} users on CPU 1, "
            f"{args.seconds} s per endpoint, no think time; PostgreSQL + Redis"
        )
        print(
            f"{'endpoint':<15} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} "
            f"{'errors':>7} {'vs auth floor':>14} {'CPU 0 busy':>11}"
        )
        floor = None
        for endpoint in endpoints:
            before = cpu_times(0)
            stats = locust(endpoint, args.users, args.seconds, sessions, work, env)
            busy = busy_share(before, cpu_times(0))
            if endpoint == "authenticated":
                floor = stats["rps"]
            ratio = f"{stats['rps'] / floor:.0%}" if floor and endpoint != "bare" else ""
            print(
                f"{endpoint:<15} {stats['rps']:>8.0f} {stats['p50']:>7.0f} "
                f"{stats['p95']:>7.0f} {stats['p99']:>7.0f} {stats['errors']:>7} "
                f"{ratio:>14} {busy:>10.0%}",
                flush=True,
            )
        if args.journey_seconds:
            journey(args.users, args.journey_seconds, sessions, work, env, access_log)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def journey(
    users: int, seconds: int, sessions: Path, work: Path, env: dict[str, str], access_log: Path
) -> None:
    """Each user a patient (one in ten a therapist) moving through today, the diary form,
    a submission, the diary, the programme, a lesson and the sleep window with 2–8 s
    between pages (locust's ``between``): latency under a realistic load, as the client
    saw it (locust) and as the server spent it (gunicorn's access log)."""
    journey_env = dict(env)
    if os.environ.get("LOAD_REQUEST_LOG"):  # each request as the client saw it
        journey_env["LOAD_REQUEST_LOG"] = os.environ["LOAD_REQUEST_LOG"]
    logged_before = access_log.stat().st_size if access_log.exists() else 0
    rows = locust_rows("journey", users, seconds + 10, sessions, work, journey_env)
    total = rows["Aggregated"]
    print(
        f"\njourney: {users} users arriving over 10 s, 2–8 s between pages, then {seconds} s: "
        f"{float(total['Requests/s']):.0f} req/s, {int(total['Request Count'])} requests, "
        f"{int(total['Failure Count'])} errors"
    )
    for name in [*JOURNEY_PAGES, "Aggregated"]:
        row = rows.get(name)
        if row and int(row["Request Count"]):
            print(
                f"  {name:<13} {int(row['Request Count']):>6} requests  p50 {row['50%']:>4} ms  "
                f"p95 {row['95%']:>4} ms  p99 {row['99%']:>4} ms  "
                f"max {float(row['Max Response Time']):.0f} ms"
            )
    time.sleep(1)  # the workers' last log lines
    with access_log.open() as log:
        log.seek(logged_before)
        served = server_times(log)
    print("  server side (gunicorn's time for each request, the arrivals' 10 s included):")
    for name in [*JOURNEY_PAGES, "Aggregated"]:
        spent = served.get(name)
        if spent:
            q = statistics.quantiles(spent, n=100, method="inclusive")
            print(
                f"  {name:<13} {len(spent):>6} requests  p50 {q[49]:>4.0f} ms  "
                f"p95 {q[94]:>4.0f} ms  p99 {q[98]:>4.0f} ms  max {max(spent):.0f} ms"
            )


def server_times(log: Iterator[str]) -> dict[str, list[float]]:
    """Each journey page's server times (ms) from gunicorn's access log lines
    (``[time zone] <pid> METHOD path status µs``), and all of them as "Aggregated"."""
    pages = {
        "/today/": "today",
        "/diary/new/": "diary_form",
        "/diary/": "diary",
        "/programme/": "programme",
        "/sleep-window/": "sleep_window",
        "/caseload/": "caseload",
    }
    served: dict[str, list[float]] = {"Aggregated": []}
    for line in log:
        fields = line.split()
        if len(fields) < 7:
            continue
        method, path, spent = fields[3], fields[4], int(fields[6]) / 1000
        if method == "POST":
            name = "diary_submit"
        else:
            name = pages.get(path) or ("lesson" if path.startswith("/lessons/") else path)
        served.setdefault(name, []).append(spent)
        served["Aggregated"].append(spent)
    return served


def cpu_times(cpu: int) -> tuple[int, int]:
    """(busy, total) jiffies of one CPU so far, from /proc/stat: how much of the server's
    core an endpoint used tells CPU-bound from waiting (on the database's commits)."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            values = [int(v) for v in line.split()[1:]]
            idle = values[3] + values[4]  # idle + iowait
            return sum(values) - idle, sum(values)
    return 0, 0


def busy_share(before: tuple[int, int], after: tuple[int, int]) -> float:
    total = after[1] - before[1]
    return (after[0] - before[0]) / total if total else 0.0


def run(command: list[str], env: dict[str, str]) -> None:
    subprocess.run(command, cwd=ROOT, env=env, check=True)


def create_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(name: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(f"{BASE_URL}/postgres", autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def free_port() -> int:
    """A port nothing listens on now (the OS's choice)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def private_redis_url() -> Iterator[str]:
    """A Redis of this run's own on a free port (as the fault tests and
    bench/reminders.py start one), so two runs never share a database number."""
    sys.path.insert(0, str(ROOT))
    from tests.services import private_redis

    with private_redis() as server:
        yield server.url


def locust(
    endpoint: str, users: int, seconds: int, sessions: Path, work: Path, env: dict[str, str]
) -> dict[str, float]:
    rows = locust_rows(endpoint, users, seconds, sessions, work, env)
    row = rows.get(endpoint) or rows["Aggregated"]
    return {
        "rps": float(row["Requests/s"]),
        "p50": float(row["50%"] or 0),
        "p95": float(row["95%"] or 0),
        "p99": float(row["99%"] or 0),
        "errors": int(row["Failure Count"]),
    }


def locust_rows(
    endpoint: str, users: int, seconds: int, sessions: Path, work: Path, env: dict[str, str]
) -> dict[str, dict[str, str]]:
    prefix = work / endpoint
    subprocess.run(
        [
            "taskset",
            "-c",
            "1",
            PY,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            # The journey's people arrive over 10 s, and its figures count from when
            # all are in (--reset-stats), not from a burst of 100 first requests.
            str(max(1, users // 10) if endpoint == "journey" else users),
            *(["--reset-stats"] if endpoint == "journey" else []),
            "-t",
            f"{seconds}s",
            "--host",
            env["LOAD_HOST"],
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "ERROR",
        ],
        cwd=ROOT,
        env={
            **env,
            "LOAD_SESSIONS": str(sessions),
            "LOAD_ENDPOINT": endpoint,
            "LOAD_USERS": str(users),
        },
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    with open(f"{prefix}_stats.csv") as f:
        return {r["Name"]: r for r in csv.DictReader(f)}


def build(path: str, patients: int) -> None:
    """Data and sessions, written with the app's own code (runs inside Django)."""
    import random

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbti.settings")
    import django

    django.setup()
    from allauth.mfa.totp.internal.auth import TOTP
    from django.middleware.csrf import _get_new_csrf_string
    from django.test import Client

    from accounts.models import Role
    from accounts.services import create_user
    from program.diary.actions import save_entry
    from program.enrolment.actions import enrol
    from program.models import DiaryEntry, Lesson, Programme
    from program.rules.safety import SCREEN
    from program.sleep_window import actions as sw

    rng = random.Random(7)
    programme = Programme.objects.default()
    lesson = Lesson.objects.filter(week__programme=programme, week__number=1).first()
    therapists = []
    for t in range(12):
        therapist = create_user(email=f"t{t}@load.test", password=None, role=Role.THERAPIST)
        TOTP.activate(therapist, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
        therapists.append(therapist)
    people = {"patients": [], "therapists": []}

    def session_for(user) -> dict[str, str]:
        client = Client()
        client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return {"session": client.cookies["sessionid"].value, "csrf": _get_new_csrf_string()}

    for i in range(patients):
        patient = create_user(
            email=f"p{i}@load.test",
            password=None,
            role=Role.PATIENT,
            therapist=therapists[i % len(therapists)],
            time_zone=rng.choice(["Europe/London", "America/New_York", "Europe/Berlin"]),
        )
        today = patient.local_today()
        enrol(patient=patient, programme=programme, start_date=today - timedelta(days=35))
        for back in range(8, 36):  # 28 nights; the last 8 mornings are left free
            save_entry(
                patient=patient,
                diary_date=today - timedelta(days=back),
                changed_by=patient,
                enforce_backfill=False,
                today=today,
                answers={
                    "into_bed": clock(23, rng.randint(0, 50)),
                    "lights_off": clock(23, 55),
                    "final_wake": clock(6, 10),
                    "out_of_bed": clock(6, 30),
                    "sleep_latency_min": 20,
                    "awakenings": 1,
                    "awake_min": rng.randint(5, 40),
                    "quality": 3,
                },
            )
        DiaryEntry.objects.filter(patient=patient).update(
            entered_at=django.utils.timezone.now() - timedelta(days=30)
        )
        sw.submit_screen(patient, {q.key: False for q in SCREEN})
        try:
            recommendation = sw.start(
                patient, rise_time=clock(6, 30), today=today - timedelta(days=8)
            )
            sw.approve(recommendation, by=patient.therapist)
        except sw.SleepWindowError:
            pass
        person = session_for(patient)
        person["lesson"] = lesson.pk if lesson else 1
        # The newest 7 of the 8 free mornings: a run that crosses midnight (in the
        # patient's zone) still finds them all inside the week the diary takes.
        person["free_dates"] = [(today - timedelta(days=d)).isoformat() for d in range(7)]
        people["patients"].append(person)
    people["therapists"] = [session_for(t) for t in therapists]
    Path(path).write_text(json.dumps(people))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        build(sys.argv[2], int(sys.argv[3]))
    else:
        main()

"""CPU and queries of each page a person opens, worked out fresh, beside the floor.

Run: .venv/bin/python bench/pages.py [--runs 30] [--nights 0]
(on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres ...; the
throw-away database is named after this process, so two runs never share one)

Builds a throw-away test database with the demo clinic (manage.py load_demo), signs
in as week3@ (a patient three weeks in, with a sleep window) and therapist@, and views
each page ``runs`` times through Django's test client. Each view is worked out from
the database: nothing in the app keeps a rendered page. Prints, per page, the median
CPU time of this process per request (time.process_time: the server's work, the
test client's included, as in the floor), its ratio to the authenticated floor (a
trivial view behind the same middleware, bench/urls.py, measured in the same run),
the median wall time and the queries of one view.

``--nights N`` gives week3@ N more nights of history before the programme (to check
that a page does not grow with the diary's length).

``diary submission`` sends yesterday's night as a browser does (the form's fields
url-encoded, with its CSRF token, which is checked), each time after the night was
deleted (not timed): the saved night and the redirect to the next page, not the page.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from functools import partial
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("TESTING", "1")
os.environ.setdefault("PAGE_CACHE_SECONDS", "0")  # for runs against older checkouts
os.environ.setdefault("STATIC_ROOT", str(ROOT / "var" / "bench-static"))

import django  # noqa: E402

django.setup()

from _pages import throwaway_database  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tests.live_app import diary_night  # noqa: E402

BACKEND = "allauth.account.auth_backends.AuthenticationBackend"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--nights", type=int, default=0)
    parser.add_argument(
        "--only", default="", help="comma-separated page names to view (the floor always)"
    )
    parser.add_argument("--sql", action="store_true", help="print each page's queries")
    parser.add_argument(
        "--profile", action="store_true", help="print where each page's CPU goes (cProfile)"
    )
    args = parser.parse_args()
    only = {name.strip() for name in args.only.split(",") if name.strip()}
    with throwaway_database():
        run(args.runs, args.nights, only=only, sql=args.sql, profile=args.profile)


def view(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


def measure(send, prepare, runs: int) -> tuple[float, float, int]:
    """Median CPU ms and wall ms of a request, ``send()``, after one warm-up, each after
    ``prepare()`` (not timed), and the queries of one."""
    prepare()
    send()
    cpu, wall = [], []
    for _ in range(runs):
        prepare()
        c0, w0 = time.process_time(), time.perf_counter()
        send()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    prepare()
    with CaptureQueriesContext(connection) as queries:
        send()
    return statistics.median(cpu), statistics.median(wall), len(queries.captured_queries)


class Submission:
    """A diary night sent by ``patient`` ``runs`` times, each after the night was
    deleted: ``measure`` and ``show_queries`` time its POST as they time a page's GET."""

    url = "/diary/new/"

    def __init__(self, patient) -> None:
        self.patient = patient
        self.night = patient.local_today() - timedelta(days=1)
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(patient, backend=BACKEND)
        self.client.get(self.url)
        token = self.client.cookies["csrftoken"].value
        self.data = urlencode({"csrfmiddlewaretoken": token, **diary_night(self.night.isoformat())})

    def prepare(self) -> None:
        self.patient.diary_entries.filter(diary_date=self.night).delete()

    def send(self) -> None:
        response = self.client.post(
            self.url, self.data, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code == 302, response.content[:2000]


def show_queries(send, prepare) -> None:
    prepare()
    width = int(os.environ.get("BENCH_SQL_WIDTH", "300"))
    with CaptureQueriesContext(connection) as queries:
        send()
    for number, query in enumerate(queries.captured_queries, 1):
        print(f"  {number:2d}. {query['sql'][:width]}")


def show_profile(send, prepare, runs: int) -> None:
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    for _ in range(runs):
        prepare()
        profiler.enable()
        send()
        profiler.disable()
    stats = pstats.Stats(profiler)
    match = os.environ.get("BENCH_MATCH")
    stats.sort_stats(os.environ.get("BENCH_SORT", "cumulative"))
    stats.print_stats(*([match] if match else []), 45)
    if os.environ.get("BENCH_CALLERS"):
        stats.print_callers(os.environ["BENCH_CALLERS"])


def run(runs: int, nights: int, only: set[str], sql: bool, profile: bool) -> None:
    from datetime import time as clock
    from io import StringIO

    from django.core.management import call_command

    from accounts.models import User
    from program.diary.actions import save_entry
    from program.models import Lesson

    call_command("load_demo", stdout=StringIO())
    patient = User.objects.get(email="week3@example.com")
    therapist = User.objects.get(email="therapist@example.com")
    if nights:
        first = patient.diary_entries.order_by("diary_date").first().diary_date
        for back in range(1, nights + 1):
            save_entry(
                patient=patient,
                diary_date=first - timedelta(days=back),
                changed_by=patient,
                enforce_backfill=False,
                today=patient.local_today(),
                answers={
                    "into_bed": clock(22, 40),
                    "lights_off": clock(23, 0),
                    "final_wake": clock(6, 20),
                    "out_of_bed": clock(6, 40),
                    "sleep_latency_min": 20,
                    "awakenings": 1,
                    "awake_min": 15,
                    "quality": 3,
                },
            )
    lesson = Lesson.objects.filter(week__number=1).order_by("order").first()
    patient_client, therapist_client = Client(), Client()
    patient_client.force_login(patient, backend=BACKEND)
    therapist_client.force_login(therapist, backend=BACKEND)
    submission = Submission(patient)

    def page(client: Client, url: str):
        return partial(view, client, url), lambda: None

    pages = [
        ("floor: authenticated", *page(patient_client, "/bench/authenticated/")),
        ("floor: layout", *page(patient_client, "/bench/layout/")),
        ("today", *page(patient_client, "/today/")),
        ("diary", *page(patient_client, "/diary/")),
        ("diary form", *page(patient_client, "/diary/new/")),
        ("diary submission", submission.send, submission.prepare),
        ("programme", *page(patient_client, "/programme/")),
        ("lesson", *page(patient_client, f"/lessons/{lesson.pk}/")),
        ("sleep window", *page(patient_client, "/sleep-window/")),
        ("progress", *page(patient_client, "/progress/")),
        ("medicines", *page(patient_client, "/medicines/")),
        ("messages", *page(patient_client, "/messages/")),
        ("my data", *page(patient_client, "/my-data/")),
        ("exercises", *page(patient_client, "/exercises/")),
        ("exercise", *page(patient_client, "/exercises/breathing/")),
        ("caseload (therapist)", *page(therapist_client, "/caseload/")),
        ("patient page (therapist)", *page(therapist_client, f"/patients/{patient.pk}/")),
        ("floor again", *page(patient_client, "/bench/authenticated/")),
    ]
    print(
        f"{connection.vendor}, {runs} views each, week3@ with "
        f"{patient.diary_entries.count()} diary nights"
    )
    print(f"{'page':28} {'CPU ms':>8} {'x floor':>8} {'x layout':>8} {'wall ms':>8} {'queries':>8}")
    floor = layout = None
    for name, send, prepare in pages:
        if only and floor is not None and name not in only and not name.startswith("floor"):
            continue
        cpu, wall, queries = measure(send, prepare, runs)
        floor = floor or cpu
        if name == "floor: layout":
            layout = cpu
        to_layout = f"{cpu / layout:8.2f}" if layout else " " * 8
        print(f"{name:28} {cpu:8.2f} {cpu / floor:8.2f} {to_layout} {wall:8.2f} {queries:8d}")
        if sql:
            show_queries(send, prepare)
        if profile and floor != cpu:
            show_profile(send, prepare, runs)


if __name__ == "__main__":
    main()

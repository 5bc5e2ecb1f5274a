"""CPU and queries of the therapist's caseload, its CSV and the weekly round at N patients,
beside the authenticated floor measured in the same run.

Run: .venv/bin/python bench/caseload.py [--patients 500] [--weeks 12] [--runs 20] [--changed 5]
[--profile]
(on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres ...)

Builds a throw-away test database with one therapist and N patients, each with
``weeks`` weeks of diary nights, ISI results, and some positive screens, sleepy
weeks and pending recommendations (tests/caseload_data.py), then views the
caseload page (default sort, a filtered and re-sorted page), its CSV export (read to
the end), the weekly round and one patient's card on it through Django's test client.
Per page: the median CPU time of this process per request (``time.process_time``:
the server's work, the test client's included, as in the floor), its ratio to the
authenticated floor (a trivial signed-in view, bench/urls.py), the median wall time,
and the queries of one view. The query count must not depend on N
(tests/test_query_counts.py asserts the same count for 5 and 500 patients).

The first view (the warm-up) is not timed: it is the one that works out summaries
nobody has read yet (program/clinic/caseload.py); ``--cold`` times that too.
``--changed N`` also times the caseload when N patients' rows were distrusted by a write
since the last view (the page works them out), and the every-minute refresh task that
works them out ahead of the page, with nothing changed and with N changed.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("TESTING", "1")

import django

django.setup()

from _pages import throwaway_database  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="profile the default page")
    parser.add_argument("--cold", action="store_true", help="time the first view too")
    parser.add_argument("--changed", type=int, default=0, help="patients written since")
    args = parser.parse_args()
    with throwaway_database():
        run(args)


def _view(client: Client, url: str) -> None:
    response = client.get(url)
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    if response.streaming:
        b"".join(response.streaming_content)
    else:
        response.content  # noqa: B018


def measure(
    view: Callable[[], object], runs: int, before: Callable[[], object] = lambda: None
) -> tuple[float, float, int]:
    """Median CPU and wall ms of ``view`` over ``runs`` (``before`` each, not timed), and
    the queries of one more."""
    before()
    view()
    cpu, wall = [], []
    for _ in range(runs):
        before()
        c0, w0 = time.process_time(), time.perf_counter()
        view()
        cpu.append((time.process_time() - c0) * 1000)
        wall.append((time.perf_counter() - w0) * 1000)
    before()
    with CaptureQueriesContext(connection) as queries:
        view()
    return statistics.median(cpu), statistics.median(wall), len(queries.captured_queries)


def run(args: argparse.Namespace) -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    from accounts.models import Role
    from accounts.services import create_user
    from program.clinic import round as round_service
    from program.models import CaseloadSummary, DiaryEntry
    from program.tasks import refresh_caseload_summaries_task
    from tests.caseload_data import build_caseload

    therapist = create_user(email="t@bench.test", password="x", role=Role.THERAPIST)
    TOTP.activate(therapist, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    started = time.perf_counter()
    patients = build_caseload(therapist, args.patients, weeks=args.weeks)
    print(
        f"built {args.patients} patients x {args.weeks} weeks "
        f"({DiaryEntry.objects.count()} diary nights) "
        f"in {time.perf_counter() - started:.1f} s on {connection.vendor}"
    )
    client = Client()
    client.force_login(therapist, backend="allauth.account.auth_backends.AuthenticationBackend")
    if args.cold:
        c0 = time.process_time()
        _view(client, "/caseload/")
        print(f"first view (every summary worked out): {(time.process_time() - c0) * 1000:.1f} ms")
    if args.profile:
        _view(client, "/caseload/")
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(5):
            _view(client, "/caseload/")
        profile.disable()
        pstats.Stats(profile).sort_stats("cumulative").print_stats(40)
        return
    _view(client, "/round/")  # the kept rows worked out
    on_the_round = [s.patient_id for s in round_service.on_the_round(therapist)]
    middle = on_the_round[len(on_the_round) // 2] if on_the_round else patients[0].pk
    pages = {
        "floor: authenticated": "/bench/authenticated/",
        "caseload (needs attention first)": "/caseload/",
        "caseload (flagged, by SE, page 2)": "/caseload/?flagged=1&sort=se&page=2",
        "caseload CSV export": "/caseload/export.csv",
        "weekly round": "/round/",
        "a patient's card on the round": f"/round/{middle}/",
    }
    print(f"{'page':36} {'CPU ms':>8} {'x floor':>8} {'wall ms':>8} {'queries':>8}")
    floor = None
    for name, url in pages.items():
        cpu, wall, queries = measure(partial(_view, client, url), args.runs)
        floor = floor or cpu
        print(f"{name:36} {cpu:8.2f} {cpu / floor:8.2f} {wall:8.2f} {queries:8d}")
        if url.endswith(".csv"):
            print(f"{'  per row':36} {cpu / args.patients:8.4f}")
    if args.changed and floor:
        changed = [p.pk for p in patients[: args.changed]]

        def write() -> None:  # what a saved diary night does to its patient's row
            CaseloadSummary.objects.mark_changed(changed)

        n = args.changed
        timed = {
            f"caseload, {n} changed since": (partial(_view, client, "/caseload/"), write),
            "refresh task, nothing changed": (refresh_caseload_summaries_task, lambda: None),
            f"refresh task, {n} changed": (refresh_caseload_summaries_task, write),
        }
        for name, (view, before) in timed.items():
            cpu, wall, queries = measure(view, args.runs, before)
            print(f"{name:36} {cpu:8.2f} {cpu / floor:8.2f} {wall:8.2f} {queries:8d}")


if __name__ == "__main__":
    main()

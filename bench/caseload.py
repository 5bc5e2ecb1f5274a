"""Server time and query count of the therapist's caseload at 500 patients.

Run: .venv/bin/python bench/caseload.py [--patients 500] [--weeks 12] [--runs 20]
(on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres ...)

Builds a throw-away test database with one therapist and N patients, each with
``weeks`` weeks of diary nights, ISI results, and some positive screens, sleepy
weeks and pending recommendations (tests/caseload_data.py), then renders the
caseload page (default sort, a filtered and re-sorted page) and its CSV export
through Django's test client, printing the median and 95th percentile server time
and the number of queries of each. The query count must not depend on N
(tests/test_query_counts.py asserts the same count for 5 and 500 patients).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbti.settings")
os.environ.setdefault("TESTING", "1")

import django

django.setup()

from _pages import throwaway_database, time_page  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with throwaway_database():
        run(args.patients, args.weeks, args.runs)


def run(patients: int, weeks: int, runs: int) -> None:
    from allauth.mfa.totp.internal.auth import TOTP

    from accounts.models import Role
    from accounts.services import create_user
    from program.models import DiaryEntry
    from tests.caseload_data import build_caseload

    therapist = create_user(email="t@bench.test", password="x", role=Role.THERAPIST)
    TOTP.activate(therapist, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    started = time.perf_counter()
    build_caseload(therapist, patients, weeks=weeks)
    print(
        f"built {patients} patients x {weeks} weeks ({DiaryEntry.objects.count()} diary nights) "
        f"in {time.perf_counter() - started:.1f} s on {connection.vendor}"
    )
    client = Client()
    client.force_login(therapist, backend="allauth.account.auth_backends.AuthenticationBackend")
    pages = {
        "caseload (needs attention first)": "/caseload/",
        "caseload (flagged, by SE, page 2)": "/caseload/?flagged=1&sort=se&page=2",
        "caseload CSV export": "/caseload/export.csv",
    }
    print(f"{'page':38} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for name, url in pages.items():
        median, p95, queries = time_page(client, url, runs)
        print(f"{name:38} {median:10.1f} {p95:8.1f} {queries:8d}")


if __name__ == "__main__":
    main()

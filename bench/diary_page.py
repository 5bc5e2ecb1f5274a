"""Server time of the diary pages for a patient with a year of nights.

Run: .venv/bin/python bench/diary_page.py [--nights 365] [--runs 50]
(on PostgreSQL: DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres ...)

Builds a throw-away test database, fills one patient's diary, then renders the
patient's diary page, the therapist's view of it and the API's weekly metrics
through Django's test client, printing the median and 95th percentile server
time and the number of queries for each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import time as clock
from datetime import timedelta
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
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()

    with throwaway_database():
        run(args.nights, args.runs)


def run(nights: int, runs: int) -> None:
    import random

    from allauth.mfa.totp.internal.auth import TOTP

    from accounts.models import Role
    from accounts.services import create_user
    from accounts.tokens import issue_token
    from program.diary.actions import save_entry
    from program.enrolment.actions import enrol
    from program.models import Programme

    therapist = create_user(email="t@bench.test", password="x", role=Role.THERAPIST)
    TOTP.activate(therapist, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    patient = create_user(
        email="p@bench.test",
        password="x",
        role=Role.PATIENT,
        therapist=therapist,
        time_zone="Europe/London",
    )
    today = patient.local_today()
    enrol(
        patient=patient,
        programme=Programme.objects.default(),
        start_date=today - timedelta(days=nights),
    )
    rng = random.Random(1)
    started = time.perf_counter()
    for back in range(nights, 0, -1):
        save_entry(
            patient=patient,
            diary_date=today - timedelta(days=back),
            changed_by=patient,
            enforce_backfill=False,
            today=today,
            answers={
                "into_bed": clock(22, rng.randint(0, 59)),
                "lights_off": clock(23, 10),
                "final_wake": clock(6, rng.randint(0, 40)),
                "out_of_bed": clock(6, 50),
                "sleep_latency_min": rng.randint(5, 60),
                "awakenings": rng.randint(0, 4),
                "awake_min": rng.randint(0, 60),
                "quality": rng.randint(1, 5),
            },
        )
    print(f"{nights} nights written in {time.perf_counter() - started:.1f} s ({connection.vendor})")

    patient_client = Client()
    patient_client.force_login(patient)
    therapist_client = Client()
    therapist_client.force_login(therapist)
    _, token = issue_token(patient, "bench")
    pages = [
        ("patient diary page   /diary/", patient_client, "/diary/", {}),
        (
            "therapist diary view /patients/<id>/diary/",
            therapist_client,
            f"/patients/{patient.pk}/diary/",
            {},
        ),
        (
            "API weekly metrics (a year)",
            Client(),
            f"/api/v1/patients/{patient.pk}/metrics/weekly?from={today - timedelta(days=nights)}",
            {"HTTP_AUTHORIZATION": f"Bearer {token}"},
        ),
    ]
    print(f"{'page':<46} {'median ms':>9} {'p95 ms':>8} {'queries':>8}")
    for label, client, url, headers in pages:
        median, p95, queries = time_page(client, url, runs, **headers)
        print(f"{label:<46} {median:>9.1f} {p95:>8.1f} {queries:>8}")


if __name__ == "__main__":
    main()

"""Every page's query count stays the same as the data grows (1 row, then many)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from program.services import enrol
from tests.conftest import client_for, make_user


def count_queries(client, url: str) -> int:
    """Queries for a page view in a warm session (the first view of a session also
    records it in allauth's session list and stamps the idle timer)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def add_patients(therapist, programme, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        p = make_user(f"p{i}@example.test", Role.PATIENT, therapist=therapist)
        enrol(patient=p, programme=programme, start_date=date(2026, 11, 1))


@pytest.mark.parametrize("page", ["program:caseload", "program:clinic_home"])
def test_lists_use_a_fixed_number_of_queries(page, therapist, clinic_admin, programme) -> None:
    client = client_for(clinic_admin if page == "program:clinic_home" else therapist)
    add_patients(therapist, programme, 1)
    few = count_queries(client, reverse(page))
    add_patients(therapist, programme, 20, start=1)
    many = count_queries(client, reverse(page))
    assert few == many, f"{page}: {few} queries for 1 patient, {many} for 21 (N+1?)"


def test_the_patient_pages_use_a_fixed_number_of_queries(patient, therapist, clinic_admin):
    home = count_queries(client_for(patient), reverse("program:patient_home"))
    detail = count_queries(
        client_for(therapist), reverse("program:patient_detail", args=[patient.pk])
    )
    # Session, user, MFA check (clinicians), enrolment with programme, therapist; then the
    # programme overview (program.curriculum.programme_overview): weeks, lessons, published
    # versions, the patient's progress, pace changes, diary nights.
    assert home <= 10, home
    assert detail <= 12, detail

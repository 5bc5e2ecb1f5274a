"""axe-core on every page a patient, a therapist and an admin use, on a phone-sized
screen: no serious or critical WCAG 2.1 A/AA violations."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from accounts.models import User
from program.diary.actions import save_entry
from tests.nights import night_answers

from .conftest import accessibility_violations
from .test_sign_in_journeys import sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.layout, pytest.mark.django_db(transaction=True)]


def check(page, path: str) -> list[str]:
    page.goto(path)
    return [
        f"{path}: {v['id']} ({v['impact']}) {v['help']} at {v['nodes']}"
        for v in accessibility_violations(page)
    ]


def test_patient_pages_are_accessible(page, patient: User) -> None:
    today = patient.local_today()
    for back in range(3):
        save_entry(
            patient=patient,
            diary_date=today - timedelta(days=back),
            changed_by=patient,
            enforce_backfill=False,
            answers=night_answers(sleep_latency_min=15),
        )
    problems = check(page, "/")
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    for path in [
        "/today/",
        "/diary/",
        "/diary/new/?date=" + (today - timedelta(days=4)).isoformat(),
        "/sleep-window/",
        "/programme/",
        "/programme/week/1/",
        "/medicines/",
        "/reminders/",
        "/account/settings/",
        "/my-data/",
        "/progress/",
        "/account/settings/privacy/",
        "/report-a-problem/",
        "/about/",
    ]:
        problems += check(page, path)
    assert not problems, "\n".join(problems)


def test_therapist_pages_are_accessible(page, therapist: User, patient: User) -> None:
    sign_in(page, therapist.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/caseload/$"))
    problems = []
    for path in [
        "/round/",
        f"/round/{patient.pk}/",
        "/caseload/",
        "/caseload/invite/",
        f"/patients/{patient.pk}/",
        f"/patients/{patient.pk}/diary/",
        f"/patients/{patient.pk}/sleep-window/",
        f"/patients/{patient.pk}/medication/",
        f"/patients/{patient.pk}/diary/import/",
        f"/patients/{patient.pk}/summary/",
        f"/patients/{patient.pk}/messages/",
        f"/patients/{patient.pk}/adverse-events/new/",
        "/clinic/adverse-events/",
    ]:
        problems += check(page, path)
    assert not problems, "\n".join(problems)


def test_admin_clinic_page_is_accessible(page, clinic_admin: User, patient: User) -> None:
    sign_in(page, clinic_admin.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/clinic/$"))
    problems = check(page, "/clinic/")
    assert not problems, "\n".join(problems)

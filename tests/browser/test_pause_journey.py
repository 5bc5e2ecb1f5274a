"""A patient on a phone (360 px) takes a break because they are ill, reads what it means,
sees their therapist has been told, and comes back with the resume button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.models import Enrolment, PatientPause

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_pauses_and_resumes_on_a_phone(page, patient: User, therapist: User) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.get_by_role("link", name="Ill, travelling or need a break? Pause your programme").click()
    expect(page.get_by_role("heading", name="Take a break")).to_be_visible()
    page.get_by_label("For how many days?").fill("30")
    page.get_by_role("button", name="Pause my programme").click()
    # A mistake says what is wrong and keeps the rest.
    expect(page.locator("p.error", has_text="Choose why you are taking a break.")).to_be_visible()
    assert page.get_by_label("For how many days?").input_value() == "30"
    screenshot(page, "pause-mistake-phone")
    page.get_by_label("I'm ill").check()
    page.get_by_label("For how many days?").fill("5")
    page.get_by_role("button", name="Pause my programme").click()
    page.wait_for_url(re.compile(r"/today/$"))
    expect(page.get_by_text("Your therapist has been told.")).to_be_visible()
    expect(page.get_by_role("heading", name="You are taking a break")).to_be_visible()
    # The patient's own break, not a therapist's: no "your therapist will let you know".
    expect(page.get_by_text("Your therapist will let you know")).to_have_count(0)
    screenshot(page, "pause-today-phone")
    assert accessibility_violations(page) == []
    assert Enrolment.objects.current().get(patient=patient).status == "paused"
    page.get_by_role("button", name="I'm back: resume now").click()
    page.wait_for_url(re.compile(r"/today/$"))
    expect(page.get_by_text("Welcome back: your programme is on again.")).to_be_visible()
    expect(page.get_by_role("heading", name="You are taking a break")).to_have_count(0)
    screenshot(page, "pause-resumed-phone")
    assert PatientPause.objects.get(patient=patient).ended_on is not None
    assert Enrolment.objects.current().get(patient=patient).status == "active"

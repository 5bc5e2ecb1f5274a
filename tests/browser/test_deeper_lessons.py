"""Issue 22, part 1: a patient reads the week-6 plan for a run of bad nights on a phone,
with the floor of their protocol and the driving warning, and fills in the plan."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from program.models import Lesson

from .conftest import accessibility_violations, patient_in_week, screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_reads_and_fills_the_plan_for_a_run_of_bad_nights(
    page, programme, therapist
) -> None:
    patient = patient_in_week(programme, therapist, "rhea@example.test", "Rhea", week=6)
    lesson = Lesson.objects.get(week__programme=programme, slug="after-a-run-of-bad-nights")

    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto(f"/lessons/{lesson.pk}/")
    expect(page.get_by_role("heading", name="Your plan for a run of bad nights")).to_be_visible()
    expect(page.get_by_text("Your time in bed is never shorter than 5 hours")).to_be_visible()
    expect(page.get_by_text("Do not drive, cycle, use machinery")).to_be_visible()
    page.get_by_label("My rise time, every day").fill("06:45 every day")
    page.get_by_label("My safety rules").fill("No driving when drowsy.")
    page.get_by_role("button", name=re.compile("Save", re.I)).first.click()
    expect(page.get_by_text(re.compile("saved", re.I)).first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "lesson-run-of-bad-nights-phone")
    assert accessibility_violations(page) == []

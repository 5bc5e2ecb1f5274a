"""Issue 22, part 1: a patient in week 5 reads "Mindfulness for sleep" on a phone (360 px),
answers its quiz on sleepiness and tiredness, and follows its link to the guided body
scan, which opens ready to start. Checked with axe on both pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from program.models import Lesson

from .conftest import accessibility_violations, patient_in_week, screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_mindfulness_lesson_leads_to_the_body_scan_on_a_phone(
    page, programme, therapist
) -> None:
    patient = patient_in_week(programme, therapist, "mira@example.test", "Mira", week=5)
    lesson = Lesson.objects.get(week__programme=programme, slug="mindfulness-for-sleep")

    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto(f"/lessons/{lesson.pk}/")
    expect(page.get_by_role("heading", name="Mindfulness for sleep")).to_be_visible()
    expect(page.get_by_role("heading", name="Sleepy or tired?")).to_be_visible()
    page.get_by_label(
        "Feeling worn out and low in energy, but wide awake when you lie down"
    ).check()
    page.get_by_role("button", name=re.compile("Check", re.I)).first.click()
    expect(page.get_by_text("This is tiredness.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "lesson-mindfulness-for-sleep-phone")
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="mindful body scan").click()
    page.wait_for_url(re.compile(r"/exercises/body-scan/$"))
    expect(page.get_by_role("heading", name="Mindful body scan", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Start")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(page) == []

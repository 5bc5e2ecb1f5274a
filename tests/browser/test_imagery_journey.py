"""A patient on a phone (360 px) starts the calm place imagery from Today and follows it
step by step to its end, reading each step (a screen reader hears it once, through the
polite live region; nothing is spoken or played). The page then records the session.
The session runs on Playwright's fake clock, so the six minutes pass at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.exercises.content import IMAGERY_STEPS
from program.models import ExerciseSession

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_imagery_runs_step_by_step_to_the_end_on_a_phone(page, patient: User) -> None:
    page.clock.install()
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.get_by_role("link", name="Calm place imagery").click()
    page.wait_for_url(re.compile(r"/exercises/imagery/$"))
    expect(page.get_by_role("heading", name="What you hear")).to_be_visible()
    expect(page.locator("audio")).to_have_count(0)  # nothing needs sound
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Start").click()
    now = page.locator(".step-now")
    assert now.get_attribute("aria-live") == "polite"
    current = page.locator(".exercise-steps li.current h3")
    # Each step in turn, for its own length: each check lands two seconds into its step.
    page.clock.run_for(2_000)
    for step in IMAGERY_STEPS:
        expect(current).to_have_text(str(step.title))
        assert now.text_content().startswith(f"{step.title}. ")
        if step.key == "see":
            screenshot(page, "exercise-imagery-running-phone")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            assert accessibility_violations(page) == []
        if step is IMAGERY_STEPS[-1]:
            break
        page.clock.run_for(step.seconds * 1000)
    assert not ExerciseSession.objects.exists()
    with page.expect_navigation():
        page.clock.run_for(IMAGERY_STEPS[-1].seconds * 1000)
    page.wait_for_url(re.compile(r"/exercises/$"))
    expect(page.get_by_text("Saved to your history: Calm place imagery, 6 min.")).to_be_visible()
    screenshot(page, "exercise-imagery-saved-phone")
    assert accessibility_violations(page) == []
    session = ExerciseSession.objects.get()
    assert (session.patient, session.kind, session.completed) == (patient, "imagery", True)
    assert session.duration.total_seconds() == sum(s.seconds for s in IMAGERY_STEPS)

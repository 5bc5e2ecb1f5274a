"""A patient on a phone (360 px) starts a stepped guided exercise (the calm place imagery,
the mindful body scan) from Today and follows it step by step to its end, reading each
step (a screen reader hears it once, through the polite live region; nothing is spoken or
played). The page then records the session. The session runs on Playwright's fake clock,
so the minutes pass at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.exercises.content import BODY_SCAN_STEPS, EXERCISES, IMAGERY_STEPS
from program.models import ExerciseSession

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("kind", "steps", "shot_at", "minutes"),
    [
        pytest.param("imagery", IMAGERY_STEPS, "see", 6, id="imagery"),
        pytest.param("body-scan", BODY_SCAN_STEPS, "feet", 8, id="body-scan"),
    ],
)
def test_a_stepped_exercise_runs_to_the_end_on_a_phone(
    page, patient: User, kind, steps, shot_at, minutes
) -> None:
    title = str(EXERCISES[kind].title)
    page.clock.install()
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.get_by_role("link", name=title).click()
    page.wait_for_url(re.compile(rf"/exercises/{kind}/$"))
    expect(page.get_by_role("heading", name=str(steps[2].title))).to_be_visible()
    expect(page.locator("audio")).to_have_count(0)  # nothing needs sound
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Start").click()
    now = page.locator(".step-now")
    assert now.get_attribute("aria-live") == "polite"
    current = page.locator(".exercise-steps li.current h3")
    # Each step in turn, for its own length: each check lands two seconds into its step.
    page.clock.run_for(2_000)
    for step in steps:
        expect(current).to_have_text(str(step.title))
        assert now.text_content().startswith(f"{step.title}. ")
        if step.key == shot_at:
            screenshot(page, f"exercise-{kind}-running-phone")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            assert accessibility_violations(page) == []
        if step is steps[-1]:
            break
        page.clock.run_for(step.seconds * 1000)
    assert not ExerciseSession.objects.exists()
    with page.expect_navigation():
        page.clock.run_for(steps[-1].seconds * 1000)
    page.wait_for_url(re.compile(r"/exercises/$"))
    expect(page.get_by_text(f"Saved to your history: {title}, {minutes} min.")).to_be_visible()
    screenshot(page, f"exercise-{kind}-saved-phone")
    assert accessibility_violations(page) == []
    session = ExerciseSession.objects.get()
    assert (session.patient, session.kind, session.completed) == (patient, kind, True)
    assert session.duration.total_seconds() == sum(s.seconds for s in steps) == minutes * 60

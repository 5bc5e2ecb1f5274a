"""A patient on a phone (360 px) runs a paced-breathing session to its end from Today;
the page records it only by sending it, and the therapist then sees it on the patient's
page. The session runs on Playwright's fake clock, so a minute passes at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.models import ExerciseSession

from .conftest import PHONE, accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_breathing_session_runs_to_the_end_and_the_therapist_sees_it(
    browser, live_server, page, patient: User, therapist: User
) -> None:
    page.clock.install()
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.get_by_role("link", name="Paced breathing").click()
    page.get_by_label("Breathe in for (seconds)").fill("3")
    page.get_by_label("Breathe out for (seconds)").fill("5")
    page.get_by_label("Minutes").fill("1")
    page.get_by_role("button", name="Use this rhythm").click()
    expect(page.get_by_text("Breathe in gently through your nose for 3 seconds.")).to_be_visible()
    page.get_by_role("button", name="Start").click()
    phase = page.locator(".pacer-phase")
    assert phase.get_attribute("aria-live") == "polite"
    assert phase.text_content() == "Breathe in"
    page.clock.run_for(4_000)  # into the out-breath
    assert phase.text_content() == "Breathe out"
    # (The fake clock also moves with real time between steps: a second or two.)
    assert re.fullmatch(r"0:5[0-6] left", page.locator(".timer-left").text_content())
    screenshot(page, "exercise-breathing-running-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(page) == []
    # Pausing stops the clock of the session.
    page.get_by_role("button", name="Pause").click()
    assert phase.text_content() == "Paused"
    left = page.locator(".timer-left").text_content()
    page.clock.run_for(30_000)
    assert page.locator(".timer-left").text_content() == left
    assert not ExerciseSession.objects.exists()
    page.get_by_role("button", name="Carry on").click()
    with page.expect_navigation():
        page.clock.run_for(57_000)
    page.wait_for_url(re.compile(r"/exercises/$"))
    assert page.get_by_text(
        "Saved to your history: Paced breathing, 1 min. Well done."
    ).is_visible()
    screenshot(page, "exercise-breathing-saved-phone")
    session = ExerciseSession.objects.get()
    assert session.patient == patient and session.kind == "breathing" and session.completed
    assert session.duration.total_seconds() == 60

    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    staff = context.new_page()
    sign_in(staff, therapist.email)
    staff.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    staff.get_by_label("Code from your authenticator app").fill(totp_code())
    staff.get_by_role("button", name="Sign in").click()
    staff.wait_for_url(re.compile(r"/caseload/$"))
    staff.goto(f"/patients/{patient.pk}/#relaxation")
    section = staff.locator("#relaxation")
    expect(section).to_be_visible()
    expect(section.get_by_text("Paced breathing: 1")).to_be_visible()
    screenshot(staff, "exercise-therapist-sees-it-phone")
    context.close()


def test_without_motion_the_pacer_is_a_count(page, patient: User) -> None:
    page.emulate_media(reduced_motion="reduce")
    page.clock.install()
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/exercises/breathing/")
    page.get_by_role("button", name="Start").click()
    page.clock.run_for(1_000)
    expect(page.locator(".pacer")).to_be_hidden()
    assert page.locator(".pacer-count").text_content() == "3"
    screenshot(page, "exercise-breathing-reduced-motion-phone")
    page.goto("/exercises/muscles/")
    page.get_by_role("button", name="Start").click()
    page.clock.run_for(21_000)
    assert "Your right hand and arm" in page.locator(".step-now").text_content()
    page.get_by_role("button", name="Stop").click()
    assert page.get_by_label("How many minutes did you practise?").input_value() == "1"
    assert page.locator(".step-now").text_content().startswith("Stopped.")
    assert page.locator(".step-count").text_content() == ""
    expect(page.locator(".exercise-steps li.current")).to_have_count(0)
    screenshot(page, "exercise-muscles-stopped-phone")
    assert not ExerciseSession.objects.exists()


def test_the_muscle_relaxation_steps_on_a_wide_screen(desktop_page, patient: User) -> None:
    page = desktop_page
    page.clock.install()
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.get_by_role("link", name="Progressive muscle relaxation").click()
    page.get_by_role("button", name="Start").click()
    page.clock.run_for(22_000)
    assert page.locator(".exercise-steps li.current h3").text_content() == "Your right hand and arm"
    screenshot(page, "exercise-muscles-desktop")
    assert accessibility_violations(page) == []

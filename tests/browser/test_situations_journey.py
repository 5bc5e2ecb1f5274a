"""On a phone (360 px): a new patient is asked "About you" after accepting the invitation,
ticks shift work, and later finds the shift-work lesson under "Suggested for you" on week
3 and on Today; unticking it in Settings takes it away."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from accounts.models import User

from .conftest import accessibility_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_shift_worker_is_asked_kindly_and_offered_the_shift_work_lesson(
    page, live_server, therapist: User, programme
) -> None:
    from program.enrolment.actions import invite_patient
    from program.models import Enrolment, EnrolmentChange

    issued = invite_patient(therapist=therapist, email="sam@example.test", programme=programme)
    page.goto(issued.path)
    page.get_by_label("Your name").fill("Sam")
    page.get_by_label("Your date of birth").fill("1985-03-02")
    page.get_by_label("Choose a password").fill("tired of lying awake 3")
    page.get_by_label("The same password again").fill("tired of lying awake 3")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", name="About you")).to_be_visible()
    expect(page.get_by_role("button", name="Not now")).to_be_visible()
    page.get_by_label("I work shifts, nights or very early starts").check()
    screenshot(page, "about-you-checklist-phone")
    assert accessibility_violations(page) == []
    page.get_by_role("button", name="Save").click()
    expect(
        page.get_by_text("Saved. The lessons suggested for you follow your answers.")
    ).to_be_visible()

    # Weeks 2 and 3 opened by the therapist (the sleep-window week waits for the diary).
    enrolment = Enrolment.objects.get(patient__email="sam@example.test")
    for week in (2, 3):
        EnrolmentChange.objects.create(
            enrolment=enrolment, kind="advance", week=week, on_date=enrolment.start_date
        )
    page.goto(live_server.url + "/programme/week/3/")
    suggested = page.locator("section", has=page.get_by_role("heading", name="Suggested for you"))
    expect(suggested.get_by_role("link", name="When you work shifts")).to_be_visible()
    screenshot(page, "suggested-lesson-week-phone")
    assert accessibility_violations(page) == []
    suggested.get_by_role("link", name="When you work shifts").click()
    expect(page.get_by_role("heading", name="When you work shifts")).to_be_visible()
    screenshot(page, "shift-work-lesson-phone")
    page.goto(live_server.url + "/today/")
    today = page.locator(
        "ul", has=page.get_by_role("link", name="When you work shifts", exact=True)
    )
    expect(today).to_be_visible()
    expect(page.get_by_role("heading", name="Suggested for you")).to_be_visible()
    screenshot(page, "suggested-lesson-today-phone")

    # Changed in Settings: the lesson is no longer offered.
    page.goto(live_server.url + "/account/settings/")
    page.get_by_role("link", name="About you: situations that lessons are suggested for").click()
    page.get_by_label("I work shifts, nights or very early starts").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("No lessons for special situations will be suggested.")).to_be_visible()
    page.goto(live_server.url + "/programme/week/3/")
    expect(page.get_by_role("link", name="When you work shifts")).to_have_count(0)

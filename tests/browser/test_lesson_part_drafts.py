"""What a patient writes in one part of a lesson is not lost when they save another part
first (the page comes back from the server), nor when their session ends before they
save it: each part's form is kept as a draft in the tab (static/js/app.js, "drafts")."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from program.models import Lesson, LessonAnswer

from .test_drafts_after_sign_out import RESTORED, sign_in_here
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_writing_in_one_part_then_saving_another_keeps_both(page, patient, programme) -> None:
    lesson = Lesson.objects.get(week__programme=programme, slug="welcome")
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto(f"/lessons/{lesson.pk}/")
    hopes = "Enjoy my evening walk again."
    page.locator("#part-hopes textarea").fill(hopes)
    goals = page.locator("#part-my-goals")
    goals.get_by_label("One thing I want to be different in my nights").fill("Stop dreading bed")
    goals.get_by_role("button", name="Save").click()
    expect(goals.get_by_text("Saved", exact=False).last).to_be_visible()
    # The reflection, written but not saved, is back in its part, saying so.
    expect(page.locator("#part-hopes textarea")).to_have_value(hopes)
    expect(page.locator("#part-hopes").get_by_text(RESTORED)).to_be_visible()
    expect(goals.get_by_text(RESTORED)).to_be_hidden()
    assert LessonAnswer.objects.get(part_key="my-goals").data["fields"]["nights"] == (
        "Stop dreading bed"
    )

    # The session ends before the reflection is saved: it comes back after signing in.
    page.context.clear_cookies(name="sessionid")
    page.locator("#part-hopes").get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    sign_in_here(page, patient.email)
    page.wait_for_url(re.compile(rf"/lessons/{lesson.pk}/$"))
    expect(page.locator("#part-hopes textarea")).to_have_value(hopes)
    page.locator("#part-hopes").get_by_role("button", name="Save").click()
    expect(page.locator("#part-hopes textarea")).to_have_value(hopes)
    assert LessonAnswer.objects.get(part_key="hopes").data["text"] == hopes

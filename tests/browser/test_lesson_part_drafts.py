"""What a patient writes in a lesson reaches the server with whichever button they press:
the lesson is one form, so saving one part saves the others, and "Mark as done" saves
them all. Until then it is kept as a draft in the tab (static/js/app.js, "drafts"), so
that a session ending before the words are sent loses nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from program.models import Lesson, LessonAnswer

from .test_drafts_after_sign_out import RESTORED, sign_in_here
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_writing_in_one_part_then_saving_another_saves_both(page, patient, programme) -> None:
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
    # The reflection, written but not saved by its own button, was saved with the goals.
    expect(page.locator("#part-hopes textarea")).to_have_value(hopes)
    expect(page.get_by_text(RESTORED)).to_be_hidden()
    assert LessonAnswer.objects.get(part_key="my-goals").data["fields"]["nights"] == (
        "Stop dreading bed"
    )
    assert LessonAnswer.objects.get(part_key="hopes").data["text"] == hopes

    # The session ends before a new reflection is saved: it comes back after signing in.
    later = "Read in the evening without worrying."
    page.locator("#part-hopes textarea").fill(later)
    page.context.clear_cookies(name="sessionid")
    page.locator("#part-hopes").get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    sign_in_here(page, patient.email)
    page.wait_for_url(re.compile(rf"/lessons/{lesson.pk}/$"))
    expect(page.locator("#part-hopes textarea")).to_have_value(later)
    expect(page.get_by_text(RESTORED)).to_be_visible()
    page.locator("#part-hopes").get_by_role("button", name="Save").click()
    expect(page.locator("#part-hopes textarea")).to_have_value(later)
    assert LessonAnswer.objects.get(part_key="hopes").data["text"] == later


def test_mark_as_done_saves_the_goals_typed_without_pressing_save(page, patient, programme) -> None:
    lesson = Lesson.objects.get(week__programme=programme, slug="welcome")
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto(f"/lessons/{lesson.pk}/")
    goals = page.locator("#part-my-goals")
    goals.get_by_label("One thing I want to be different in my nights").fill("Stop dreading bed")
    page.get_by_role("button", name="Mark as done").click()
    page.wait_for_url(re.compile(r"/programme/week/1/$"))
    expect(page.get_by_text("your answers are saved", exact=False)).to_be_visible()
    assert LessonAnswer.objects.get(part_key="my-goals").data["fields"]["nights"] == (
        "Stop dreading bed"
    )
    page.goto(f"/lessons/{lesson.pk}/")
    expect(goals.get_by_label("One thing I want to be different in my nights")).to_have_value(
        "Stop dreading bed"
    )
    expect(page.get_by_text(RESTORED)).to_be_hidden()

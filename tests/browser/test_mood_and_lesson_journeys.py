"""Issue 16 parts 7 and 9 in a real browser on a phone-sized screen:

- an admin previews the sleep-window lesson as a self-guided patient on the Spielman
  protocol reads it (no approval, a 4 hours 30 minutes floor);
- a patient with a history of bipolar disorder answers the weekly elevated-mood
  question, marked as not a validated questionnaire, and reads what happens next.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from program.models import Lesson, MoodCheck
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw
from tests.program.test_sleep_window import night

from .conftest import accessibility_violations, screenshot
from .test_curriculum_journeys import forget_used_codes, no_sideways_scroll  # noqa: F401
from .test_sign_in_journeys import sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_previews_a_lesson_under_another_programme_setting(
    page, clinic_admin, programme
) -> None:
    sign_in(page, clinic_admin.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/clinic/$"))
    version = Lesson.objects.get(slug="your-sleep-window").versions.get(language="en")
    page.goto(f"/admin/program/lessonversion/{version.pk}/preview/")
    body = page.locator(".lesson-body")
    expect(body).to_contain_text("Your therapist checks and approves the window")
    expect(body).to_contain_text("in your plan, 5 hours")
    page.get_by_label("Sleep-window changes").select_option("self")
    page.get_by_label("Protocol").select_option("spielman-1987")
    page.get_by_role("button", name="Show").click()
    expect(body).to_contain_text("The window starts as soon as it is worked out")
    expect(body).to_contain_text("in your plan, 4 hours 30 minutes")
    expect(body).not_to_contain_text("approve")
    expect(body).not_to_contain_text("{{")
    no_sideways_scroll(page)
    assert accessibility_violations(page) == []
    screenshot(page, "admin-lesson-preview-self-guided-phone")


def test_a_patient_with_a_bipolar_history_answers_the_mood_question(
    page, patient, therapist
) -> None:
    today = patient.local_today()
    for back in range(7):
        night(patient, today - timedelta(days=back))
    screen, _result = sw.submit_screen(patient, {**{q.key: False for q in SCREEN}, "bipolar": True})
    sw.decide_screen(screen, decision="allowed", by=therapist, note="Stable; agreed.")
    sw.approve(sw.start(patient, rise_time=time(6, 30)), by=therapist)

    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/sleep-window/")
    card = page.locator(
        "section", has=page.get_by_role("heading", name="Weekly question: your mood")
    )
    expect(card).to_contain_text("not a validated questionnaire")
    no_sideways_scroll(page)
    assert accessibility_violations(page) == []
    screenshot(page, "sleep-window-mood-question-phone")
    card.get_by_text("Yes", exact=True).click()
    card.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Your therapist will see your answer on their list")).to_be_visible()
    expect(page.get_by_text("will not be made shorter until a clinician")).to_be_visible()
    expect(page.get_by_role("heading", name="Weekly question: your mood")).to_have_count(0)
    screenshot(page, "sleep-window-mood-answered-phone")
    check = MoodCheck.objects.get(patient=patient)
    assert check.elevated and not check.validated

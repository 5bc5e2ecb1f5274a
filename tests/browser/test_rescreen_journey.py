"""The screen kept current, on a phone (360 px): a patient with a sleep window reports
a change, answers the screen again, now with a safety-critical job, and sees their
window held while their therapist decides (issue 16 part 5)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.diary.actions import save_entry
from program.models import SafetyScreen
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw

from .conftest import screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_reported_change_reopens_the_screen_and_a_safety_critical_job_holds_the_window(
    page, live_server, patient: User, therapist: User
) -> None:
    today = patient.local_today()
    for back in range(7):
        save_entry(
            patient=patient,
            diary_date=today - timedelta(days=back),
            changed_by=patient,
            enforce_backfill=False,
            answers={
                "into_bed": time(23),
                "lights_off": time(23),
                "final_wake": time(6, 40),
                "out_of_bed": time(7),
                "sleep_latency_min": 30,
                "awakenings": 2,
                "awake_min": 60,
                "quality": 2,
            },
        )
    sw.submit_screen(patient, {q.key: False for q in SCREEN})
    sw.approve(sw.start(patient, rise_time=time(6, 30)), by=therapist)

    sign_in(page, patient.email)
    page.get_by_role("link", name="Sleep window").first.click()
    expect(page.get_by_text("In bed not before 00:15, up at 06:30 every day.")).to_be_visible()
    page.get_by_role("button", name="Something has changed").click()
    assert page.get_by_role(
        "heading", name="Your window is on hold: please answer the safety questions again"
    ).is_visible()
    expect(page.get_by_text("You told us something has changed.")).to_be_visible()
    screenshot(page, "rescreen-due-phone")
    for fieldset in page.locator("form[action$='/sleep-window/screen/'] fieldset").all():
        legend = fieldset.locator("legend").inner_text()
        yes = legend.startswith(("Do you drive", "Is your job safety-critical"))
        fieldset.get_by_text("Yes" if yes else "No", exact=True).click()
    page.get_by_role("button", name="Send my answers").click()

    expect(page.get_by_role("heading", name="Your window is on hold", exact=True)).to_be_visible()
    assert page.get_by_text(
        "Some of your new answers mean your therapist should decide with you whether to go on."
    ).first.is_visible()
    assert page.get_by_text("Do not drive or use machinery when you feel drowsy.").is_visible()
    # The window itself stays as it was.
    expect(page.get_by_text("In bed not before 00:15, up at 06:30 every day.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "rescreen-window-held-phone")
    screen = SafetyScreen.objects.filter(patient=patient).first()
    assert (screen.occasion, screen.decision) == ("change", "pending")
    assert screen.answers["vigilance"] and screen.answers["drives"]

"""The sleep window: the patient answers the safety screen and picks a rise time on a
phone; the therapist approves the first window; the patient sees their bedtime."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.diary.actions import save_entry

from .conftest import screenshot
from .test_sign_in_journeys import sign_in, totp_code

# What approving says: the new window, or that the window stays as it is.
APPROVED = re.compile(
    r"^Approved(\. The patient sees the new window now\.|: the window stays as it is\.)$"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_therapist_approves_and_the_patient_sees_the_new_bedtime(
    page, browser, live_server, patient: User, therapist: User
) -> None:
    today = patient.local_today()
    for back in range(7):  # a baseline week: 23:00-07:00 in bed, 370 minutes asleep
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
    sign_in(page, patient.email)
    page.get_by_role("link", name="Sleep window").first.click()
    for fieldset in page.locator("fieldset.radio-row").all():
        fieldset.get_by_text("No", exact=True).click()
    screenshot(page, "sleep-window-screen-phone")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_label("What time will you get up every day").fill("06:30")
    page.get_by_role("button", name="Work out my window").click()
    expect(page.get_by_text("Your first window is with your therapist")).to_be_visible()

    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    desk = context.new_page()
    sign_in(desk, therapist.email)
    desk.get_by_label("Code from your authenticator app").fill(totp_code())
    desk.get_by_role("button", name="Sign in").click()
    desk.wait_for_url(re.compile(r"/caseload/$"))
    desk.goto(f"/patients/{patient.pk}/sleep-window/")
    expect(desk.get_by_text("6h 15m").first).to_be_visible()  # mean TST 370 -> 375
    screenshot(desk, "therapist-sleep-window-desktop")
    desk.get_by_text("Approve", exact=True).click()
    desk.get_by_role("button", name="Confirm decision").click()
    expect(desk.get_by_text(APPROVED)).to_be_visible()
    context.close()

    page.reload()
    expect(page.get_by_text("In bed not before 00:15, up at 06:30 every day.")).to_be_visible()
    screenshot(page, "sleep-window-tonight-phone")
    page.get_by_role("link", name="Today").click()
    expect(page.get_by_text("Tonight's sleep window")).to_be_visible()

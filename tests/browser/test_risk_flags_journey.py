"""An admin adds a risk phrase on a 360 px phone; a patient writes it in a diary note and
is shown the crisis contacts and what happened; the admin finds the alert, with the
words that matched, and the alert notifications section on the alerts page (issue 16)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.models import RiskRule

from .conftest import screenshot
from .test_sign_in_journeys import sign_in, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_phrase_an_admin_adds_reaches_the_alerts_page(
    page, browser, live_server, patient: User, therapist: User, clinic_admin: User, settings
) -> None:
    settings.RISK_DUTY_EMAILS = []
    staff_sign_in(page, clinic_admin.email)
    page.wait_for_url(re.compile(r"/clinic/$"))
    page.get_by_role("navigation", name="Clinic administration").get_by_role(
        "link", name="Risk flags"
    ).click()
    page.get_by_role("link", name="Add words").click()
    page.get_by_label("Words to look for").fill("can't go on")
    page.get_by_label("On: start the risk workflow").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/clinic/risk-flags/$"))
    expect(page.get_by_text("It is checked from now on.")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "risk-flags-admin-phone")
    assert RiskRule.objects.get(phrase="can't go on").is_active

    patient_context = browser.new_context(
        viewport={"width": 360, "height": 780}, base_url=live_server.url
    )
    phone = patient_context.new_page()
    sign_in(phone, patient.email)
    phone.wait_for_url(re.compile(r"/today/$"))
    phone.goto("/diary/new/")
    phone.get_by_label("What time did you get into bed?").fill("22:45")
    phone.get_by_label("What time did you try to go to sleep?").fill("23:00")
    phone.get_by_label("How long did it take you to fall asleep? (minutes)").fill("30")
    phone.get_by_label("How many times did you wake up").fill("2")
    phone.get_by_label("In total, how long did these awakenings last?").fill("40")
    phone.get_by_label("What time was your final awakening?").fill("06:20")
    phone.get_by_label("What time did you get out of bed for the day?").fill("06:30")
    phone.get_by_text("Fair").click()
    phone.get_by_text("Naps, drinks, an unusual night, comments (optional)").click()
    phone.get_by_label("Anything else about the night?").fill("Another awful night. I can’t go on.")
    phone.get_by_role("button", name="Save this morning's diary").click()
    phone.wait_for_url(re.compile(r"/diary/$"))
    crisis = phone.locator('.messages div.crisis[role="alert"]')
    expect(crisis).to_be_visible()
    assert "please talk to someone now" in crisis.inner_text()
    assert "We have alerted your care team" in crisis.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(phone, "risk-flag-diary-patient-phone")
    patient_context.close()

    page.goto("/clinic/alerts/")
    card = page.locator("section.card-urgent").first
    assert "Matched the clinic's risk flag “can't go on” in a diary note" in card.inner_text()
    assert "I can’t go on." in card.inner_text()
    expect(page.get_by_role("heading", name="Alerts on your devices")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "risk-alerts-flag-admin-phone")

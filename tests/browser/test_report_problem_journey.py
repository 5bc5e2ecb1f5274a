"""A patient on a phone (360 px) reports a problem with their care from the footer: a
mistake keeps what they typed; the report reaches their therapist and the duty list by
email; the page says so only because it did; the About page is one tap away."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from program.models import AdverseEvent

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SUBJECT = "A problem with a patient's care was reported — sign in"


def test_a_patient_reports_a_problem_on_a_phone(
    page, patient: User, therapist: User, settings
) -> None:
    settings.RISK_DUTY_EMAILS = ["duty@clinic.test"]
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.get_by_role("link", name="Report a problem with my care").click()
    page.get_by_label("What happened?").fill("I fell on the stairs at night; I was very sleepy.")
    page.get_by_label("When did it happen?").fill("2999-01-01")
    page.get_by_role("button", name="Send my report").click()
    # A mistake says what is wrong and keeps the rest.
    expect(page.locator("p.error", has_text="That day is in the future")).to_be_visible()
    expect(page.locator("p.error", has_text="Please choose how serious it was.")).to_be_visible()
    screenshot(page, "report-problem-mistake-phone")
    assert "stairs" in page.get_by_label("What happened?").input_value()
    page.get_by_label("When did it happen?").fill("2026-11-20")
    page.get_by_label("It got in the way of my daily life").check()
    page.get_by_role("button", name="Send my report").click()
    status = page.locator("#latest-report")
    expect(status.get_by_text("Your report was sent to your care team by email.")).to_be_visible()
    screenshot(page, "report-problem-sent-phone")
    assert accessibility_violations(page) == []
    recipients = sorted(m.to[0] for m in mail.outbox if m.subject == SUBJECT)
    assert recipients == ["duty@clinic.test", therapist.email]
    assert AdverseEvent.objects.get().emailed_to == [therapist.email, "duty@clinic.test"]
    page.get_by_role("link", name="About this software").click()
    expect(page.get_by_role("heading", name="About this software")).to_be_visible()
    screenshot(page, "about-phone")

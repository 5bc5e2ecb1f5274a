"""A patient in France answers yes to the safety screen's self-harm question on a
360 px phone and is shown the French line, 3114, at once (issue 16 part 3)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.rules.safety import SCREEN

from .conftest import screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_in_france_sees_3114_after_a_self_harm_answer(page, patient: User) -> None:
    patient.country = "FR"
    patient.language = "fr"
    patient.save(update_fields=["country", "language"])
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    footer = page.locator(".crisis-footer")
    expect(footer.locator('a[href="tel:3114"]')).to_be_visible()
    page.goto("/sleep-window/")
    for question in SCREEN:
        answer = "yes" if question.key == "self_harm" else "no"
        radio = page.locator(f'input[name="{question.key}"][value="{answer}"]')
        if question.key != "older" or radio.count():  # not asked with a date of birth
            radio.check()
    page.locator('form[action$="/sleep-window/screen/"] button[type="submit"]').click()
    page.wait_for_url(re.compile(r"/sleep-window/$"))
    crisis = page.locator('div[role="alert"]').filter(has=page.locator(".crisis-lines"))
    expect(crisis.locator('a[href="tel:3114"]')).to_be_visible()
    expect(crisis.locator('a[href="tel:15"]')).to_be_visible()
    assert "116 123" not in crisis.inner_text()
    # Once: the page's box, not a flashed copy above it too.
    assert page.locator("main").inner_text().count("3114") == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    crisis.scroll_into_view_if_needed()
    screenshot(page, "crisis-france-phone")

"""The 429 page as a person meets it: too many sign-ins from one address, on a 360 px
phone, in the site's layout, saying how long to wait; axe finds nothing serious."""

from __future__ import annotations

import pytest

from accounts.models import User

from .conftest import accessibility_violations, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_too_many_sign_ins_show_when_to_try_again(page, settings, patient: User) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "2/m/ip"}
    for _ in range(3):
        page.goto("/accounts/login/")
        page.fill("input[name=login]", patient.email)
        page.fill("input[name=password]", "not the password")
        with page.expect_navigation():
            page.click("form button[type=submit]")
    assert page.locator("h1").inner_text() == "Too many tries in a short time"
    assert "Please wait 1 minute, then try again." in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "too-many-requests-phone")
    assert accessibility_violations(page) == []

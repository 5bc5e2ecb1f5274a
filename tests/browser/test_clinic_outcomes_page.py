"""Issue 22, part 4: the demo clinic's outcomes page for the admin and a therapist, at
1280 px and at 360 px: the figures with their n, charts beside tables, no sideways
scrolling of the page on a phone, and axe finds nothing serious."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from program.demo.clinic import load_demo

from .conftest import accessibility_violations, screenshot
from .test_therapist_round import demo_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_clinic_outcomes_at_both_widths(desktop_page, programme) -> None:
    load_demo()
    page = desktop_page
    demo_sign_in(page, "admin@example.com", staff=True)
    page.wait_for_url(re.compile(r"/clinic/$"))
    page.get_by_role("link", name="Outcomes").click()
    page.wait_for_url(re.compile(r"/clinic/outcomes/$"))
    expect(page.get_by_role("heading", name="Clinic outcomes")).to_be_visible()
    expect(page.get_by_role("img", name="Patients at each step")).to_be_visible()
    funnel = page.get_by_role("region", name="From invitation to follow-up")
    expect(funnel.get_by_role("row", name="Accepted (enrolled) 7")).to_be_visible()
    outcome = page.get_by_role("region", name="Insomnia Severity Index: change from baseline")
    expect(outcome.get_by_role("row", name=re.compile(r"^Follow-up 1 "))).to_be_visible()
    assert accessibility_violations(page) == []
    screenshot(page, "clinic-outcomes-desktop")

    # One therapist's caseload, chosen from the list.
    page.get_by_label("Therapist").select_option(label="Sam Okafor")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", name="Outcomes: Sam Okafor's caseload")).to_be_visible()
    expect(page.get_by_text("1 patient, of whom 1 enrolled.")).to_be_visible()

    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/clinic/outcomes/")
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    assert accessibility_violations(page) == []
    screenshot(page, "clinic-outcomes-phone")

"""JOURNEYS, patient 8: at the end of the programme the patient, on a phone, is told so on
Today, opens the summary of before and after, writes the plan for keeping good sleep it
asks for, finds it on the summary, and goes on to download their data."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from program.models import LessonAnswer
from tests.program.test_programme_summary import finished  # noqa: F401 (a fixture)

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_at_the_end_reads_their_summary_and_writes_their_plan(
    page,
    finished,  # noqa: F811
) -> None:
    sign_in(page, finished.patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    expect(page.get_by_role("heading", name="You have finished the programme")).to_be_visible()
    page.get_by_role("link", name="Your summary: before and after, and your plan").click()
    expect(page.get_by_role("heading", name="Your summary: before and after")).to_be_visible()
    table = page.locator("table.summary-table")
    expect(table.get_by_role("row", name=re.compile("Sleep efficiency"))).to_contain_text("77.1%")
    expect(table.get_by_role("row", name=re.compile("Sleep efficiency"))).to_contain_text("92.3%")
    expect(page.get_by_text("(19 → 9)")).to_be_visible()
    screenshot(page, "finishing-summary-phone")
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="Write your plan").click()
    plan = page.locator("#part-relapse-plan")
    plan.get_by_label("My early warning signs").fill("Lying in after a bad night")
    plan.get_by_role("button", name="Save").click()
    expect(plan.get_by_text("Saved", exact=False).last).to_be_visible()
    assert LessonAnswer.objects.get(part_key="relapse-plan").data["fields"]["warning-signs"] == (
        "Lying in after a bad night"
    )

    page.goto("/today/summary/")
    expect(page.get_by_text("Lying in after a bad night")).to_be_visible()
    expect(page.get_by_role("link", name="Change your plan")).to_be_visible()
    page.get_by_role("link", name="Download or delete your data").click()
    page.wait_for_url(re.compile(r"/my-data/$"))
    screenshot(page, "finishing-my-data-phone")

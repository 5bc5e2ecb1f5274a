"""A patient fills this morning's diary on a phone; the therapist sees the entry."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.models import DiaryEntry

from .conftest import screenshot
from .test_sign_in_journeys import sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_patient_fills_the_diary_and_the_therapist_sees_it(
    page, browser, live_server, patient: User, therapist: User
) -> None:
    sign_in(page, patient.email)
    page.get_by_role("link", name="Diary", exact=True).click()
    page.get_by_role("link", name="Fill in this morning's diary").click()
    page.get_by_label("What time did you get into bed?").fill("22:45")
    page.get_by_label("What time did you try to go to sleep?").fill("23:00")
    page.get_by_label("How long did it take you to fall asleep? (minutes)").fill("30")
    page.get_by_label("How many times did you wake up").fill("2")
    page.get_by_label("In total, how long did these awakenings last?").fill("40")
    page.get_by_label("What time was your final awakening?").fill("06:20")
    page.get_by_label("What time did you get out of bed for the day?").fill("06:30")
    # A mistake first: up before the final awakening. The answers stay.
    page.get_by_label("What time did you get out of bed for the day?").fill("06:00")
    page.get_by_text("Fair").click()
    page.get_by_role("button", name="Save this morning's diary").click()
    expect(page.locator("p.error", has_text="before your final awakening")).to_be_visible()
    # The summary at the top names the field and leads to it.
    page.locator("[data-error-summary] a", has_text="get out of bed").click()
    assert page.evaluate("document.activeElement.name") == "out_of_bed"
    assert page.get_by_label("What time did you get into bed?").input_value() == "22:45"
    screenshot(page, "diary-error-phone")
    page.get_by_label("What time did you get out of bed for the day?").fill("06:30")
    page.get_by_role("button", name="Save this morning's diary").click()
    # (The browser keeps the #field the summary's link added across the redirect.)
    page.wait_for_url(re.compile(r"/diary/(#\w+)?$"))
    expect(page.get_by_text("sleep efficiency 79.6%").first).to_be_visible()
    expect(page.get_by_text("This morning's entry is done")).to_be_visible()
    expect(page.locator("svg.chart").first.locator("rect.tst")).to_have_count(1)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "diary-saved-phone")
    assert DiaryEntry.objects.get(patient=patient).total_sleep_min == 370

    # The therapist, on a desktop, opens the patient's diary.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    desk = context.new_page()
    sign_in(desk, therapist.email)
    desk.get_by_label("Code from your authenticator app").fill(totp_code())
    desk.get_by_role("button", name="Sign in").click()
    desk.wait_for_url(re.compile(r"/caseload/$"))
    desk.get_by_role("link", name="Pat Patient").click()
    desk.get_by_role("link", name="Open the diary").click()
    expect(desk.locator("table.diary-table td", has_text="79.6%")).to_be_visible()
    screenshot(desk, "therapist-patient-diary-desktop")
    context.close()


def test_a_patient_reads_older_nights_page_by_page_on_a_phone(page, patient: User) -> None:
    """The diary shows four weeks at a time; older nights are one plain link away (no
    script), and the page reads well on a phone with nothing serious for axe."""
    from datetime import timedelta

    from program.diary.actions import save_entry
    from tests.nights import night_answers

    from .conftest import accessibility_violations

    today = patient.local_today()
    for back in range(1, 41):
        save_entry(
            patient=patient,
            diary_date=today - timedelta(days=back),
            changed_by=patient,
            enforce_backfill=False,
            answers=night_answers(),
        )
    oldest = today - timedelta(days=40)
    sign_in(page, patient.email)
    page.get_by_role("link", name="Diary", exact=True).click()
    table = page.locator("table.diary-table")
    expect(table.locator("tbody tr")).to_have_count(28)
    older_label = f"{oldest:%a} {oldest.day} {oldest:%b}"
    assert older_label not in table.inner_text()
    page.get_by_role("link", name="Older nights").click()
    page.wait_for_url(re.compile(r"\?page=2#nights-heading$"))
    assert older_label in table.inner_text()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(page) == []
    screenshot(page, "diary-older-nights-phone")
    page.get_by_role("link", name="Newer nights").click()
    expect(table.locator("tbody tr")).to_have_count(28)

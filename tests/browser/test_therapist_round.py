"""The therapist's weekly round on the demo clinic (issue 7's "done means"): the
caseload, a patient's page, approving the week's window, a note, a printed report;
and a patient who answers the PHQ-9's item 9 and sees crisis contacts at once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.demo.clinic import DEMO_PASSWORD, load_demo

from .conftest import screenshot
from .test_sign_in_journeys import totp_code

# What approving says: the new window, or that the window stays as it is.
APPROVED = re.compile(
    r"^Approved(\. The patient sees the new window now\.|: the window stays as it is\.)$"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def demo_sign_in(page, email: str, *, staff: bool) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if staff:
        page.get_by_label("Code from your authenticator app").fill(totp_code())
        page.get_by_role("button", name="Sign in").click()


def test_the_demo_therapists_weekly_round(desktop_page, programme) -> None:
    load_demo()
    desk = desktop_page
    demo_sign_in(desk, "therapist@example.com", staff=True)
    desk.wait_for_url(re.compile(r"/caseload/$"))
    # Sorted by who needs attention: Chloe's window to approve and Frank's lapsed diary.
    expect(desk.get_by_role("link", name="1 to decide")).to_be_visible()
    expect(desk.get_by_text("−9 from baseline")).to_be_visible()  # Dev: ISI 19 → 10
    screenshot(desk, "round-caseload-desktop")

    desk.get_by_role("link", name="Chloe", exact=True).click()
    # The patient page's sections are folded; a link to a section's anchor opens it.
    assert desk.get_by_role("heading", name="Insomnia Severity Index (ISI)").is_hidden()
    desk.get_by_role("link", name="Questionnaires", exact=True).click()
    expect(desk.get_by_role("heading", name="Insomnia Severity Index (ISI)")).to_be_visible()
    expect(desk.get_by_text("needs licensed wording").first).to_be_visible()
    screenshot(desk, "round-patient-desktop")

    desk.get_by_role("link", name=re.compile("Sleep window and safety screen")).click()
    desk.get_by_text("Approve", exact=True).click()
    desk.get_by_role("button", name="Confirm decision").click()
    expect(desk.get_by_text(APPROVED)).to_be_visible()

    desk.goto(desk.url.replace("sleep-window/", ""))
    desk.get_by_role("link", name="Messages", exact=True).click()
    expect(desk.get_by_text("read in bed")).to_be_visible()  # the latest, in the folded section
    desk.get_by_role("link", name="Open the conversation").click()
    expect(desk.get_by_text("read in bed")).to_be_visible()
    desk.get_by_label("Your message").fill("Better to get up and read in another room.")
    desk.get_by_role("button", name="Send").click()
    expect(desk.get_by_text("Message sent.")).to_be_visible()
    screenshot(desk, "round-messages-desktop")
    desk.get_by_role("link", name=re.compile("Chloe")).first.click()
    desk.get_by_role("link", name="Notes", exact=True).click()
    desk.get_by_label("Note (private to the care team)").fill(
        "Approved this week's window; agreed a wind-down routine."
    )
    desk.get_by_role("button", name="Save note").click()
    expect(desk.get_by_text("Note saved.")).to_be_visible()
    expect(desk.get_by_text("agreed a wind-down routine")).to_be_visible()
    desk.get_by_role("link", name=re.compile("^Edit")).first.click()
    desk.get_by_label("Note (private to the care team)").fill(
        "Approved this week's window; agreed a wind-down routine from 22:30."
    )
    desk.get_by_role("button", name="Save changes").click()
    expect(desk.get_by_text("Earlier versions (1)").first).to_be_visible()
    screenshot(desk, "round-notes-desktop")

    desk.get_by_role("link", name="Printable summary").first.click()
    desk.get_by_role("link", name="Include the care team's notes").click()
    expect(desk.get_by_text("from 22:30")).to_be_visible()
    desk.emulate_media(media="print")
    expect(desk.locator(".site-header")).to_be_hidden()  # the print stylesheet hides menus
    screenshot(desk, "round-summary-print")
    desk.emulate_media(media="screen")

    # The same caseload and patient page on a phone (360 px).
    desk.set_viewport_size({"width": 360, "height": 780})
    desk.goto("/caseload/")
    screenshot(desk, "round-caseload-phone")
    desk.get_by_role("link", name="Dev", exact=True).click()
    screenshot(desk, "round-patient-phone")


def test_a_self_harm_answer_shows_crisis_contacts_and_flags_the_therapist(
    page, desktop_page, patient: User, therapist: User, other_patient: User
) -> None:
    from .test_sign_in_journeys import sign_in

    sign_in(page, patient.email)
    page.get_by_role("link", name="Progress", exact=True).click()
    expect(page.get_by_text("has not loaded this questionnaire")).to_be_visible()  # the ISI
    page.get_by_role("link", name="Patient Health Questionnaire (PHQ-9)").click()
    for fieldset in page.locator("fieldset.question").all()[:8]:
        fieldset.get_by_text("Not at all", exact=True).click()
    page.locator("fieldset.question").nth(8).get_by_text("Several days", exact=True).click()
    screenshot(page, "phq9-phone")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.locator(".crisis").get_by_text("116 123")).to_be_visible()
    screenshot(page, "phq9-crisis-phone")

    from .test_sign_in_journeys import sign_in as staff_sign_in

    staff_sign_in(desktop_page, therapist.email)
    desktop_page.get_by_label("Code from your authenticator app").fill(totp_code())
    desktop_page.get_by_role("button", name="Sign in").click()
    desktop_page.wait_for_url(re.compile(r"/caseload/$"))
    first_row = desktop_page.locator("table.caseload tbody tr").first
    assert "Urgent: self-harm answer" in first_row.inner_text()
    screenshot(desktop_page, "caseload-urgent-desktop")

"""Issue 21, "any screen": the caseload is a table at 1280 px and one card a patient
under 1 024 px, with no sideways scrolling of the page at 360 px; each card shows the
patient's name, week and one next action; the filters and pagination still work on a
phone; axe finds nothing serious at either width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.assessments.models import RiskAlert
from program.demo.clinic import load_demo
from tests.caseload_data import build_caseload

from .conftest import accessibility_violations, screenshot
from .test_therapist_round import demo_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# For each card (or row): where its name, week and next action sit, and whether shown.
PARTS = """() => [...document.querySelectorAll('table.caseload tbody tr')].map(tr => {
  const box = sel => { const el = tr.querySelector(sel); if (!el) return null;
    const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return {left: r.left, right: r.right, shown: s.display !== 'none' && r.width > 0,
            text: el.innerText.trim()}; };
  return {name: box('th[scope=row] a'), week: box('td.col-week'), next: box('td.col-next a')};
})"""


def test_the_caseload_is_cards_on_a_phone_and_a_table_on_a_desktop(desktop_page, programme) -> None:
    load_demo()
    therapist = User.objects.get(email="therapist@example.com")
    build_caseload(therapist, 26)  # two pages
    dev = User.objects.get(therapist=therapist, name__startswith="Dev")
    RiskAlert.objects.create(patient=dev, source=RiskAlert.Source.PHQ9_ITEM9, therapist=therapist)
    page = desktop_page
    demo_sign_in(page, "therapist@example.com", staff=True)
    page.wait_for_url(re.compile(r"/caseload/$"))

    # Desktop: the table as before; the cards' "next action" column is not there.
    expect(page.locator("table.caseload thead")).to_be_visible()
    expect(page.get_by_role("link", name="1 to decide").first).to_be_visible()
    assert page.locator("table.caseload .col-next").first.is_hidden()
    expect(page.get_by_role("columnheader", name="Sleep efficiency last week")).to_be_visible()
    assert accessibility_violations(page) == []
    screenshot(page, "caseload-table-desktop")

    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    width = page.evaluate("() => document.documentElement.clientWidth")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    head = page.locator("table.caseload thead").bounding_box()
    assert head is not None and head["height"] <= 1  # visually hidden, still read
    parts = page.evaluate(PARTS)
    assert len(parts) == 25
    for card in parts:
        for part in ("name", "week", "next"):
            assert card[part]["shown"], (part, card)
            assert card[part]["left"] >= 0 and card[part]["right"] <= width, (part, card)
    # The one next action: the sleep-window decision when one waits, else the patient's page.
    chloe = page.locator("table.caseload tbody tr").filter(has_text="Chloe")
    decide = chloe.get_by_role("link", name="Decide the sleep window", exact=True)
    expect(decide).to_be_visible()
    assert decide.get_attribute("aria-describedby") == chloe.locator("th a").get_attribute("id")
    assert chloe.get_by_text("1 to decide").is_hidden()  # the card's action says it instead
    nothing_to_decide = page.locator("table.caseload tbody tr").filter(
        has_not=page.locator("td.col-approve a")
    )
    assert nothing_to_decide.count() > 0
    for row in nothing_to_decide.all():
        action = row.locator("td.col-next a")
        assert action.inner_text().startswith("Open")
        assert action.get_attribute("href") == row.locator("th a").get_attribute("href")
    # Screen readers keep the table's headers (explicit roles); the captions are not read twice.
    expect(page.get_by_role("columnheader", name="Week", exact=True)).to_have_count(1)
    expect(
        page.get_by_role("row").filter(has_text="Chloe").get_by_role("cell").first
    ).to_be_visible()
    assert accessibility_violations(page) == []
    screenshot(page, "caseload-cards-phone")

    # The urgent patient's card comes first, its urgent flag first and in red on a red edge.
    first = page.locator("table.caseload tbody tr").first
    assert first.locator("th a").inner_text().startswith("Dev")
    flag = first.locator("td.col-flags li").first
    assert flag.inner_text() == "Urgent: self-harm answer on the PHQ-9" and flag.is_visible()
    assert flag.evaluate("el => getComputedStyle(el).color") == "rgb(160, 38, 44)"
    assert first.evaluate("el => getComputedStyle(el).borderLeftWidth") == "5px"
    # Sleep efficiency's trend: an arrow for the eye (hidden from screen readers), the
    # change in text for everyone.
    se = first.locator("td.col-se")
    assert se.locator(".trend").get_attribute("aria-hidden") == "true"
    expect(se.locator(".trend")).to_be_visible()
    change = r"\([+−]?\d+ percentage-point change on the week before\)"
    assert re.fullmatch(rf"\d+% [↑↓→]{change}", se.text_content())

    # Filters and pagination on the phone.
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.get_by_label("Find a patient").fill("Chloe")
    page.get_by_role("button", name="Show").click()
    rows = page.locator("table.caseload tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name=re.compile("^Decide the sleep window")).click()
    page.wait_for_url(re.compile(r"/sleep-window/$"))

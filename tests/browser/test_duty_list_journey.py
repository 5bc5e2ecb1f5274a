"""A clinic admin sets the duty list, the clinic's hours and delays on /clinic/duty/ (issue 21,
the admin journey), on a 360 px phone and a 1280 px desktop: emptying the list is refused
with the reason, hours that close before they open are refused and kept, and the saved list,
hours and delays are what the page then shows. axe finds nothing serious; the page does
not scroll sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts import duty
from accounts.models import Role, User
from tests.conftest import make_user

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(("fixture", "width"), [("page", 360), ("desktop_page", 1280)])
def test_an_admin_sets_the_duty_list_and_the_hours(
    request, fixture: str, width: int, clinic_admin: User, settings
) -> None:
    settings.RISK_DUTY_EMAILS = []
    settings.CLINIC_HOURS = "Mon-Fri 09:00-17:00"
    settings.CLINIC_TIME_ZONE = "Europe/London"
    newcomer = make_user("nia@clinic.test", Role.THERAPIST, name="Nia New")
    page = request.getfixturevalue(fixture)
    staff_sign_in(page, clinic_admin.email)
    page.wait_for_url(re.compile(r"/clinic/$"))
    page.goto("/clinic/duty/")
    expect(page.get_by_role("heading", name="Change the duty list")).to_be_visible()

    # Untick everyone: refused, with the reason, and the inbox typed is kept.
    page.get_by_role("checkbox", name=re.compile(re.escape(clinic_admin.email))).uncheck()
    page.get_by_label("Other addresses (a shared on-call inbox), one a line").fill(
        "oncall@clinic.test"
    )
    page.get_by_role("button", name="Save the duty list").click()
    expect(page.get_by_text("Keep at least one active therapist or admin")).to_be_visible()
    expect(page.get_by_label("Other addresses (a shared on-call inbox), one a line")).to_have_value(
        "oncall@clinic.test"
    )
    assert accessibility_violations(page) == []
    screenshot(page, f"duty-list-refused-{width}")

    # Tick the newcomer instead: saved, and on the list.
    page.get_by_role("checkbox", name=re.compile("Nia New")).check()
    page.get_by_role("button", name="Save the duty list").click()
    expect(page.get_by_text("The duty list is saved")).to_be_visible()
    on_list = page.locator("#duty-now")
    expect(on_list).to_contain_text("nia@clinic.test")
    expect(on_list).to_contain_text("oncall@clinic.test")
    expect(on_list).not_to_contain_text(clinic_admin.email)
    assert duty.duty_list() == ["nia@clinic.test", "oncall@clinic.test"]
    assert duty.on_duty(newcomer)

    # Hours that do not read: refused with the reason, kept; then hours that do. The hours
    # are picked a weekday at a time, each day a group named by its legend.
    friday = page.get_by_role("group", name="Friday")
    expect(friday.get_by_role("checkbox", name="Open")).to_be_checked()
    friday.get_by_label("Opens at").fill("17:00")
    friday.get_by_label("Closes at").fill("09:00")
    page.get_by_role("button", name="Save the hours").click()
    expect(page.locator("#id_closes_4_error")).to_contain_text(
        "On Friday the clinic closes before it opens"
    )
    expect(page.get_by_role("link", name="Friday: closes at")).to_be_visible()  # the summary
    friday = page.get_by_role("group", name="Friday")
    expect(friday.get_by_label("Opens at")).to_have_value("17:00")
    for name in ("Monday", "Tuesday", "Wednesday", "Thursday"):
        day = page.get_by_role("group", name=name)
        day.get_by_label("Opens at").fill("08:30")
        day.get_by_label("Closes at").fill("18:00")
    friday.get_by_label("Opens at").fill("08:30")
    friday.get_by_label("Closes at").fill("16:00")
    # By keyboard: Space ticks and unticks a day.
    saturday = page.get_by_role("group", name="Saturday").get_by_role("checkbox", name="Open")
    saturday.focus()
    page.keyboard.press("Space")
    expect(saturday).to_be_checked()
    page.keyboard.press("Space")
    expect(saturday).not_to_be_checked()
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_role("button", name="Save the hours").click()
    expect(page.get_by_text("The clinic's hours are saved")).to_be_visible()
    expect(page.locator("#hours-now")).to_have_text(
        "Monday to Thursday, 08:30–18:00; Friday, 08:30–16:00 (Europe/Paris time)"
    )
    assert duty.opening_hours() == ("Mon-Thu 08:30-18:00; Fri 08:30-16:00", "Europe/Paris")

    # The escalation delay: 2 working hours, saved and stated.
    delay = page.get_by_label("Escalate an unacknowledged urgent alert after (working hours)")
    delay.fill("0")
    page.get_by_role("button", name="Save the delays").click()
    expect(page.locator("#id_escalate_after_hours_error")).to_contain_text("from 0.25 to 40")
    page.get_by_label("Escalate an unacknowledged urgent alert after (working hours)").fill("2")
    page.get_by_role("button", name="Save the delays").click()
    expect(page.locator("#delays-now")).to_contain_text("after 2 working hours")
    assert duty.delays() == (2.0, 3)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert accessibility_violations(page) == []
    screenshot(page, f"duty-list-saved-{width}")

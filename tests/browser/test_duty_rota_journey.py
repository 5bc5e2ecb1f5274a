"""An admin on a 360 px phone opens the duty list, follows it to the rota, adds a night
shift for the on-call address, and sees who is on duty now (issue 16, rotas); the page
passes axe and does not scroll sideways."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.models import RotaLine

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_sets_a_night_shift_on_a_phone(page, clinic_admin: User, settings) -> None:
    settings.RISK_DUTY_EMAILS = ["duty@clinic.test", "nights@clinic.test"]
    staff_sign_in(page, clinic_admin.email)
    page.wait_for_url(re.compile(r"/clinic/$"))
    page.goto("/clinic/duty/")
    page.get_by_role("link", name="duty rota").click()
    page.wait_for_url(re.compile(r"/clinic/duty/rota/$"))
    page.get_by_label("Who", exact=True).select_option("nights@clinic.test")
    page.get_by_label("Every week, on a day and between two times").check()
    page.locator("#id_weekday").select_option(label="Friday")
    page.locator("#id_starts").fill("18:00")
    page.locator("#id_ends").fill("08:00")
    page.get_by_role("button", name="Add to the rota").click()
    page.wait_for_url(re.compile(r"/clinic/duty/rota/$"))
    expect(page.get_by_text("Added to the rota: nights@clinic.test.")).to_be_visible()
    expect(page.get_by_text("Every Friday from 18:00 to 08:00 the next morning")).to_be_visible()
    line = RotaLine.objects.get()
    assert (line.weekday, f"{line.starts:%H:%M}", f"{line.ends:%H:%M}") == (4, "18:00", "08:00")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(page) == []
    screenshot(page, "duty-rota-admin-phone")

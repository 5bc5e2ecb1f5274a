"""A clinic admin does the admin journey's jobs (JOURNEYS.md, "Admin", step 3 and 4) on
a 360 px phone and a 1280 px screen, without the Django admin (issue 21): invites a
therapist, deactivates one (their patients fall to the duty list), reactivates them,
moves their patients, checks the duty list, changes a programme's settings (a mistake
first), and reads the audit log filtered by staff member. axe on every page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from program.models import Programme

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in, totp_code
from .test_weekly_round import main_menu, no_sideways_scroll

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def admin_sign_in(page, email: str) -> None:
    sign_in(page, email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/clinic/$"))


def clinic_menu(page):
    return page.get_by_role("navigation", name="Clinic administration")


def check(page, name: str, problems: list) -> None:
    """The page fits the screen, has no serious axe finding, and is photographed."""
    assert no_sideways_scroll(page), f"{name} scrolls sideways"
    problems += [(name, v) for v in accessibility_violations(page)]
    screenshot(page, name)
    # No job of the admin's journey sends them to the Django admin from these pages.
    assert page.locator('main a[href^="/admin/"]').count() == 0, name


@pytest.mark.parametrize("screen", ["page", "desktop_page"], ids=["phone", "desktop"])
def test_a_clinic_admin_does_the_admin_jobs_without_the_django_admin(
    screen: str,
    request,
    clinic_admin: User,
    therapist: User,
    other_therapist: User,
    patient: User,
    other_patient: User,
    programme: Programme,
) -> None:
    page = request.getfixturevalue(screen)
    name = "phone" if screen == "page" else "desktop"
    problems: list = []
    admin_sign_in(page, clinic_admin.email)
    check(page, f"clinic-overview-{name}", problems)

    # Staff: invite a therapist.
    clinic_menu(page).get_by_role("link", name="Staff").click()
    expect(page.get_by_role("cell", name="2").first).to_be_visible()  # Dr Tess Ward's caseload
    page.get_by_label("Email address").fill("sam.reed@clinic.test")
    page.get_by_label("Name").fill("Dr Sam Reed")
    page.get_by_label("Role").select_option("therapist")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to sam.reed@clinic.test.")).to_be_visible()
    assert [m.to for m in mail.outbox] == [["sam.reed@clinic.test"]]
    expect(page.get_by_role("link", name="Dr Sam Reed")).to_be_visible()
    check(page, f"clinic-staff-{name}", problems)

    # Deactivate a therapist: their two patients fall to the duty list.
    page.get_by_role("link", name="Dr Tess Ward").click()
    check(page, f"clinic-staff-member-{name}", problems)
    page.get_by_role("button", name="Deactivate Dr Tess Ward").click()
    expect(page.get_by_text("Their 2 patients are listed as needing a therapist")).to_be_visible()
    assert not User.objects.get(pk=therapist.pk).is_active
    page.get_by_role("button", name="Reactivate Dr Tess Ward").click()
    expect(page.get_by_text("Dr Tess Ward can sign in again.")).to_be_visible()
    # Move all of their patients to the other therapist.
    page.get_by_label("Move their patients to").select_option(label="Dr Otto Field")
    page.get_by_role("button", name="Move all their patients").click()
    expect(page.get_by_text("2 patients moved from Dr Tess Ward to Dr Otto Field.")).to_be_visible()
    assert User.objects.caseload_of(other_therapist).count() == 2

    # The duty list and the clinic's settings.
    clinic_menu(page).get_by_role("link", name="Duty list and settings").click()
    expect(page.get_by_text(clinic_admin.email).first).to_be_visible()
    check(page, f"clinic-duty-{name}", problems)

    # A programme's settings: a mistake first, nothing lost; then saved.
    clinic_menu(page).get_by_role("link", name="Programmes").click()
    check(page, f"clinic-programmes-{name}", problems)
    page.get_by_role("link", name=re.compile("Change the settings")).first.click()
    page.get_by_label("Days per week").fill("10")
    page.get_by_label("ISI weeks").fill("[2, 4, 9]")
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_text("Please correct the highlighted field below.")).to_be_visible()
    assert page.get_by_label("Days per week").input_value() == "10"
    check(page, f"clinic-programme-error-{name}", problems)
    page.get_by_label("ISI weeks").fill("[2, 4, 6]")
    page.get_by_label("Self-guided sleep window").check()
    page.get_by_role("button", name="Save the settings").click()
    expect(page.get_by_text(f"Saved the settings of {programme.name}.")).to_be_visible()
    programme.refresh_from_db()
    assert programme.pace_days == 10 and programme.sleep_window_auto_apply

    # The audit log: who opened which record; filtered by staff member.
    clinic_menu(page).get_by_role("link", name="Audit log").click()
    page.get_by_label("Staff member").select_option(label=clinic_admin.display_name)
    page.get_by_role("button", name="Show").click()
    expect(page.locator("main td code", has_text="/deactivate/").first).to_be_visible()
    check(page, f"clinic-audit-{name}", problems)
    expect(main_menu(page).get_by_role("link", name="Clinic")).to_be_visible()
    assert not problems, problems

"""Each role signs in on a phone-sized screen and reaches their own home.

Follows the staff journeys: the therapist and the admin sign in with MFA;
a patient accepts an invitation and lands on "Today".
"""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from playwright.sync_api import expect

from accounts.models import User
from tests.conftest import PASSWORD, TOTP_SECRET

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def totp_code() -> str:
    """The authenticator's code now. Close to the end of its 30 s period it would expire
    before the browser sends it (allauth accepts the current period only), so wait for
    the next one."""
    if 30 - time.time() % 30 < 4:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def sign_in(page, email: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def staff_sign_in(page, email: str) -> None:
    """Sign a member of staff in: password, then the code from their authenticator app."""
    sign_in(page, email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()


def test_a_patient_signs_in_and_sees_their_week(page, patient: User) -> None:
    page.goto("/")
    screenshot(page, "landing-phone")
    page.get_by_role("link", name="Sign in").first.click()
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    expect(page.get_by_role("heading", name=re.compile(r"Week \d of 6"))).to_be_visible()
    expect(page.get_by_text("Dr Tess Ward")).to_be_visible()
    # Nothing overflows a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "patient-today-phone")


def test_a_therapist_signs_in_with_a_code_and_sees_only_their_caseload(
    page, therapist: User, patient: User, outsider_patient: User
) -> None:
    sign_in(page, therapist.email)
    page.wait_for_url(re.compile(r"/accounts/2fa/authenticate/"))
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/caseload/$"))
    expect(page.get_by_role("link", name="Pat Patient")).to_be_visible()
    expect(page.get_by_text("Ola Outsider")).to_have_count(0)
    screenshot(page, "therapist-caseload-phone")
    page.get_by_role("link", name="Pat Patient").click()
    expect(page.get_by_role("heading", name="Pat Patient")).to_be_visible()


def test_an_admin_signs_in_with_a_code_and_reaches_the_clinic_and_the_admin(
    desktop_page, clinic_admin: User, patient: User, therapist: User
) -> None:
    page = desktop_page
    sign_in(page, clinic_admin.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/clinic/$"))
    expect(page.get_by_role("heading", name="Clinic overview")).to_be_visible()
    screenshot(page, "admin-clinic-desktop")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Curriculum").click()
    page.wait_for_url(re.compile(r"/clinic/curriculum/$"))
    # The Django admin stays open to clinic admins for what the app's pages do not do.
    page.goto("/admin/")
    expect(page.get_by_text("Clinic administration").first).to_be_visible()


def test_a_new_therapist_must_set_up_two_factor_authentication(page, db) -> None:
    from accounts.models import Role
    from tests.conftest import make_user

    make_user("fresh@clinic.test", Role.THERAPIST, mfa=False)
    sign_in(page, "fresh@clinic.test")
    page.goto("/caseload/")
    # allauth asks for the password again before changing security settings.
    if "/reauthenticate/" in page.url:
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(re.compile(r"/2fa/totp/activate/"))
    expect(page.get_by_role("heading", name="Set up two-step sign-in")).to_be_visible()
    screenshot(page, "therapist-mfa-setup-phone")


def test_a_patient_accepts_an_invitation_and_starts_week_one(
    page, therapist: User, programme
) -> None:
    from program.enrolment.actions import invite_patient

    issued = invite_patient(
        therapist=therapist, email="invitee@example.test", programme=programme, name="Ivy"
    )
    page.goto(issued.path)
    expect(page.get_by_text("Dr Tess Ward has invited you")).to_be_visible()
    page.get_by_label("Your name").fill("Ivy Invitee")
    page.get_by_label("Your time zone").select_option("Europe/Paris")
    page.get_by_label("Your date of birth").fill("1979-04-12")
    page.get_by_label("Choose a password").fill("tired of lying awake 3")
    page.get_by_label("The same password again").fill("a different one")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Create my account").click()
    # A mistake keeps everything else that was typed.
    expect(page.locator("p.error", has_text="The two passwords do not match.")).to_be_visible()
    assert page.get_by_label("Your name").input_value() == "Ivy Invitee"
    assert page.get_by_label("Your time zone").input_value() == "Europe/Paris"
    assert page.get_by_label("Your date of birth").input_value() == "1979-04-12"
    screenshot(page, "invitation-error-phone")
    page.get_by_label("Choose a password").fill("tired of lying awake 3")
    page.get_by_label("The same password again").fill("tired of lying awake 3")
    page.get_by_role("button", name="Create my account").click()
    # The optional "About you" checklist comes first; "Not now" goes on to Today.
    page.wait_for_url(re.compile(r"/about-you/\?welcome=1$"))
    page.get_by_role("button", name="Not now").click()
    page.wait_for_url(re.compile(r"/today/$"))
    expect(page.get_by_role("heading", name="Week 1 of 6")).to_be_visible()
    screenshot(page, "invited-patient-week1-phone")
    assert User.objects.get(email="invitee@example.test").time_zone == "Europe/Paris"


@pytest.mark.parametrize(("zone", "country"), [("America/New_York", "US"), ("Asia/Tokyo", "ZZ")])
def test_the_invitation_suggests_the_country_of_the_browsers_zone(
    browser, live_server, therapist: User, programme, zone: str, country: str
) -> None:
    """A browser in New York: the zone and the country (United States) are preselected, not
    the clinic's United Kingdom; a zone in a country not listed: "Another country"."""
    from program.enrolment.actions import invite_patient

    issued = invite_patient(therapist=therapist, email="nyc@example.test", programme=programme)
    context = browser.new_context(base_url=live_server.url, timezone_id=zone)
    page = context.new_page()
    page.goto(issued.path)
    assert page.get_by_label("Your time zone").input_value() == zone
    assert page.get_by_label("The country you live in").input_value() == country
    # Changing the zone by hand moves the country too, until a country is picked.
    page.get_by_label("Your time zone").select_option("Europe/Paris")
    assert page.get_by_label("The country you live in").input_value() == "FR"
    page.get_by_label("The country you live in").select_option("GB")
    page.get_by_label("Your time zone").select_option(zone)
    assert page.get_by_label("The country you live in").input_value() == "GB"
    context.close()

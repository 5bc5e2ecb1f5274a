"""Someone under 18 opens an invitation on a phone (360 px): the form says kindly why the
programme is not for them and whom to contact, keeps what they typed, and makes no
account."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User

from .conftest import screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_under_18_is_told_kindly_on_a_phone(page, therapist: User, programme, settings) -> None:
    from program.enrolment.actions import invite_patient

    settings.CLINIC_NAME = "Northside Sleep Clinic"
    settings.CLINIC_CONTACT = "01234 567 890"
    issued = invite_patient(therapist=therapist, email="teen@example.test", programme=programme)
    today = timezone.localdate()
    born = today.replace(year=today.year - 16, day=min(today.day, 28))
    page.goto(issued.path)
    page.get_by_label("Your name").fill("Tia")
    page.get_by_label("Your date of birth").fill(born.isoformat())
    page.get_by_label("Choose a password").fill("tired of lying awake 3")
    page.get_by_label("The same password again").fill("tired of lying awake 3")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Create my account").click()
    error = page.locator("p.error", has_text="This programme is for adults aged 18 and over")
    expect(error).to_be_visible()
    assert "Northside Sleep Clinic: 01234 567 890" in error.inner_text()
    assert "If the date is not right, please correct it." in error.inner_text()
    assert page.get_by_label("Your name").input_value() == "Tia"
    assert page.get_by_label("Your date of birth").input_value() == born.isoformat()
    screenshot(page, "invitation-under-18-phone")
    assert not User.objects.filter(email="teen@example.test").exists()

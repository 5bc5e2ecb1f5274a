"""Hardening (issue 18): wrong two-factor codes are limited per person, and do not use up
the sign-in budget of everyone behind the same address (a clinic behind one NAT)."""

from __future__ import annotations

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from tests.conftest import PASSWORD, TOTP_SECRET, make_user


def current_code() -> str:
    import time

    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


CLINIC = "203.0.113.9"  # the clinic's one public address
PROXY = "10.0.0.2"  # our reverse proxy, when there is one


@pytest.fixture(autouse=True)
def _no_earlier_attempts(db: None) -> None:
    cache.clear()


@pytest.fixture(params=["no proxy", "behind one proxy"])
def from_the_clinic(request, settings) -> dict[str, str]:
    """Request headers for someone at the clinic, with TRUSTED_PROXY_COUNT unset or 1."""
    if request.param == "no proxy":
        settings.ALLAUTH_TRUSTED_PROXY_COUNT = 0
        return {"REMOTE_ADDR": CLINIC}
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    return {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": CLINIC}


def sign_in(client: Client, email: str, headers: dict[str, str]):
    return client.post(reverse("account_login"), {"login": email, "password": PASSWORD}, **headers)


def code(client: Client, value: str, headers: dict[str, str]):
    return client.post(reverse("mfa_authenticate"), {"code": value}, **headers)


def test_mistyped_codes_do_not_lock_the_clinic_out_of_signing_in(from_the_clinic) -> None:
    staff = [make_user(f"staff{i}@clinic.test", Role.THERAPIST) for i in range(3)]
    for person in staff[:2]:  # two colleagues mistype their codes five times each
        client = Client()
        assert sign_in(client, person.email, from_the_clinic)["Location"] == reverse(
            "mfa_authenticate"
        )
        for _ in range(5):
            code(client, "000000", from_the_clinic)
    third = Client()
    response = sign_in(third, staff[2].email, from_the_clinic)
    assert response.status_code == 302, "the third colleague was refused"
    assert response["Location"] == reverse("mfa_authenticate")
    assert code(third, current_code(), from_the_clinic).status_code == 302
    assert "_auth_user_id" in third.session


def test_codes_are_still_limited_per_person(from_the_clinic) -> None:
    person = make_user("staff@clinic.test", Role.THERAPIST)
    client = Client()
    sign_in(client, person.email, from_the_clinic)
    for _ in range(5):
        code(client, "000000", from_the_clinic)
    response = code(client, current_code(), from_the_clinic)  # even the right one waits
    assert "_auth_user_id" not in client.session
    assert response.status_code == 200
    assert b"Too many" in response.content


def test_wrong_passwords_still_count_per_address(from_the_clinic) -> None:
    staff = [make_user(f"staff{i}@clinic.test", Role.THERAPIST) for i in range(3)]
    for person in staff[:2]:
        for _ in range(5):
            Client().post(
                reverse("account_login"),
                {"login": person.email, "password": "guess"},
                **from_the_clinic,
            )
    response = sign_in(Client(), staff[2].email, from_the_clinic)
    assert b"Too many failed login attempts" in response.content

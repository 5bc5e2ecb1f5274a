"""Hardening (issue 18): the password that confirms deleting an account is rate-limited
like sign-in's, per account and per address, through allauth."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.models import User
from tests.conftest import PASSWORD, client_for

TOO_MANY = "typed wrongly too many times"


@pytest.fixture(autouse=True)
def _no_earlier_attempts(db: None) -> None:
    """Rate-limit counters live in the cache: each test starts with none (the database
    cache rolls back with the test, Redis would not)."""
    cache.clear()


def delete(client: Client, password: str, **extra: str):
    return client.post(reverse("program:delete_account"), {"password": password}, **extra)


def deletion_requested(user: User) -> bool:
    return User.objects.get(pk=user.pk).deletion_requested_at is not None


def test_forty_wrong_deletion_passwords_then_the_right_one_deletes_nothing(patient) -> None:
    client = client_for(patient)
    for _ in range(40):
        delete(client, "guess")
    response = delete(client, PASSWORD)
    assert not deletion_requested(patient)
    assert TOO_MANY in response.content.decode()


def test_the_account_allows_five_wrong_passwords_in_five_minutes(patient) -> None:
    start = datetime(2026, 11, 25, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = client_for(patient)
        for _ in range(5):
            delete(client, "guess")
        delete(client, PASSWORD)
        assert not deletion_requested(patient)
        traveller.move_to(start + timedelta(minutes=5, seconds=1))
        delete(client, PASSWORD)
        assert deletion_requested(patient)


def test_a_mistyped_password_then_the_right_one_still_deletes(patient) -> None:
    client = client_for(patient)
    delete(client, "nearly right")
    response = delete(client, PASSWORD)
    assert deletion_requested(patient)
    assert response["Location"].startswith(reverse("account_login"))


def test_guesses_on_the_deletion_form_count_against_sign_in_too(patient) -> None:
    client = client_for(patient)
    for _ in range(5):
        delete(client, "guess")
    response = Client().post(
        reverse("account_login"), {"login": patient.email, "password": PASSWORD}
    )
    assert b"Too many failed login attempts" in response.content


def test_one_address_guessing_several_accounts_is_limited(
    patient, other_patient, outsider_patient
) -> None:
    for user in (patient, other_patient):
        client = client_for(user)
        for _ in range(5):
            delete(client, "guess")
    delete(client_for(outsider_patient), PASSWORD)  # the address's 11th try in a minute
    assert not deletion_requested(outsider_patient)
    delete(client_for(outsider_patient), PASSWORD, REMOTE_ADDR="192.0.2.7")
    assert deletion_requested(outsider_patient)

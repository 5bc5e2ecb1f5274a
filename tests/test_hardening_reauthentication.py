"""Hardening (issue 18): making an API token, downloading one's data and changing the
email address ask for the password again (allauth's re-authentication, rate-limited)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.urls import reverse

from accounts.models import ApiToken
from tests.conftest import PASSWORD, client_for, reauthenticate


@pytest.fixture(autouse=True)
def _no_earlier_attempts(db: None) -> None:
    """Rate-limit counters live in the cache: each test starts with none (the database
    cache rolls back with the test, Redis would not)."""
    cache.clear()


def test_making_an_api_token_asks_for_the_password_again(patient) -> None:
    client = client_for(patient)
    response = client.post(reverse("accounts:api_tokens"), {"name": "My phone"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not ApiToken.objects.exists()
    page = reauthenticate(client, asked_by=response["Location"])  # carries on with the request
    assert ApiToken.objects.get(user=patient).name == "My phone"
    assert re.search(r"cbti_[\w-]+", page.content.decode())


def test_a_wrong_password_makes_no_token(patient) -> None:
    client = client_for(patient)
    client.post(reverse("accounts:api_tokens"), {"name": "My phone"})
    reauthenticate(client, "guess")
    assert not ApiToken.objects.exists()


def test_seeing_and_revoking_tokens_ask_nothing(patient) -> None:
    client = client_for(patient)
    asked = client.post(reverse("accounts:api_tokens"), {"name": "My phone"})
    reauthenticate(client, asked_by=asked["Location"])
    record = ApiToken.objects.get()
    later = client_for(patient)  # a session that has not re-authenticated
    assert later.get(reverse("accounts:api_tokens")).status_code == 200
    later.post(reverse("accounts:api_tokens"), {"revoke": record.pk})
    record.refresh_from_db()
    assert record.revoked_at is not None


@pytest.mark.parametrize("name", ["program:my_data_json", "program:my_data_zip"])
def test_downloading_ones_data_asks_for_the_password_again(patient, name) -> None:
    client = client_for(patient)
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert response["Location"].endswith("?next=" + reverse(name).replace("/", "%2F"))
    back = reauthenticate(client, asked_by=response["Location"])
    assert back["Location"] == reverse(name)
    download = client.get(back["Location"])
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")


def test_the_data_page_itself_asks_nothing(patient) -> None:
    assert client_for(patient).get(reverse("program:my_data")).status_code == 200


def test_changing_the_email_address_asks_for_the_password_again(patient) -> None:
    client = client_for(patient)
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "new.address@example.test"}
    )
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email="new.address@example.test").exists()


def test_re_authentication_is_rate_limited_too(patient) -> None:
    client = client_for(patient)
    asked = client.post(reverse("accounts:api_tokens"), {"name": "My phone"})["Location"]
    for _ in range(40):
        reauthenticate(client, "guess", asked_by=asked)
    response = reauthenticate(client, PASSWORD, asked_by=asked)
    assert response.status_code in (200, 429)  # asked again, or "too many requests"
    assert not ApiToken.objects.exists()
    # One right password before the guesses would have made it: the limit is what stopped it.
    cache.clear()
    reauthenticate(client, PASSWORD, asked_by=asked)
    assert ApiToken.objects.exists()


def test_once_confirmed_the_next_five_minutes_ask_nothing(patient) -> None:
    """Also how a test with a forced sign-in gets past the question: confirm first."""
    start = datetime(2026, 11, 25, 9, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client = client_for(patient)
        reauthenticate(client)
        assert client.get(reverse("program:my_data_json")).status_code == 200
        client.post(reverse("accounts:api_tokens"), {"name": "My phone"})
        assert ApiToken.objects.count() == 1
        traveller.move_to(start + timedelta(minutes=5, seconds=1))
        assert client.get(reverse("program:my_data_json")).status_code == 302

"""Hardening (issue 18): every 429 says when to try again, as a page in the site's layout
(allauth's rate limits reach it through ``handler429`` in cbti/urls.py) or as JSON with
``Retry-After`` for the API (its own per-person limit, program/api/throttle.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from accounts.errors import rate_window_seconds
from tests.conftest import PASSWORD, client_for, reauthenticated_client_for


@pytest.fixture(autouse=True)
def _no_earlier_attempts(db: None) -> None:
    cache.clear()


@pytest.mark.parametrize(
    ("rates", "seconds"),
    [("30/m/ip", 60), ("10/m/ip,5/5m/key", 300), ("1/30s/key,3/m/ip", 60), ("2/h/user", 3600)],
)
def test_the_wait_is_the_longest_window(rates: str, seconds: int) -> None:
    assert rate_window_seconds(rates) == seconds


def test_too_many_sign_ins_from_one_address_get_the_apps_page(settings, patient) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": "3/m/ip"}
    client = Client()
    url = reverse("account_login")
    for _ in range(3):
        assert client.post(url, {"login": patient.email, "password": "wrong"}).status_code == 200
    response = client.post(url, {"login": patient.email, "password": PASSWORD})
    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    page = response.content.decode()
    assert "Too many tries in a short time" in page
    assert "Please wait 1 minute, then try again." in page
    assert "forgotten your password" in page
    assert 'class="button"' in page and "<footer" in page  # the site's own layout
    assert response.templates[0].name == "429.html"
    # And the wait is real: after it, the right password signs in.
    cache.clear()
    assert client.post(url, {"login": patient.email, "password": PASSWORD}).status_code == 302


def test_a_longer_window_is_named_in_minutes(settings, patient) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "change_password": "1/5m/user"}
    client = reauthenticated_client_for(patient)
    url = reverse("account_change_password")
    form = {"oldpassword": "wrong", "password1": "x", "password2": "y"}
    assert client.post(url, form).status_code == 200
    response = client.post(url, form)
    assert response.status_code == 429
    assert response["Retry-After"] == "300"
    page = response.content.decode()
    assert "Please wait 5 minutes, then try again." in page
    assert "forgotten your password" not in page  # only said on the sign-in page


def test_the_api_answers_json_429_with_retry_after(settings, patient) -> None:
    settings.API_RATE_LIMIT = "3/m"
    client = client_for(patient)
    for _ in range(3):
        assert client.get("/api/v1/me").status_code == 200
    response = client.get("/api/v1/me")
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    assert 1 <= int(response["Retry-After"]) <= 60
    body = response.json()
    assert body["retry_after"] == int(response["Retry-After"])
    assert body["detail"] == f"Too many requests: try again in {body['retry_after']} seconds."


def test_the_api_limit_is_per_person(settings, patient, therapist) -> None:
    settings.API_RATE_LIMIT = "2/m"
    mine, theirs = client_for(patient), client_for(therapist)
    for _ in range(2):
        assert mine.get("/api/v1/me").status_code == 200
    assert mine.get("/api/v1/me").status_code == 429
    assert theirs.get("/api/v1/me").status_code == 200


def test_allauths_429_under_the_api_path_would_be_json(rf) -> None:
    from accounts.errors import too_many_requests

    response = too_many_requests(rf.post("/api/v1/diary/"))
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == "300"  # no page of its own: the longest of all limits

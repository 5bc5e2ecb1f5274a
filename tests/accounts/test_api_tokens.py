from __future__ import annotations

import re

from django.test import Client
from django.urls import reverse

from accounts.models import ApiToken
from tests.conftest import client_for, reauthenticated_client_for


def test_a_token_is_shown_once_works_and_can_be_revoked(patient) -> None:
    client = reauthenticated_client_for(patient)
    page = client.post(reverse("accounts:api_tokens"), {"name": "My phone"})
    token = re.search(r"cbti_[\w-]+", page.content.decode()).group(0)
    record = ApiToken.objects.get(user=patient)
    assert token not in str(ApiToken.objects.values().get())  # only a hash is kept
    api = Client()
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    assert token not in client.get(reverse("accounts:api_tokens")).content.decode()
    client.post(reverse("accounts:api_tokens"), {"revoke": record.pk})
    assert api.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_nobody_can_revoke_someone_elses_token(patient, other_patient) -> None:
    reauthenticated_client_for(patient).post(reverse("accounts:api_tokens"), {"name": "My phone"})
    record = ApiToken.objects.get()
    client_for(other_patient).post(reverse("accounts:api_tokens"), {"revoke": record.pk})
    record.refresh_from_db()
    assert record.revoked_at is None


def test_a_token_needs_a_name(patient) -> None:
    page = reauthenticated_client_for(patient).post(
        reverse("accounts:api_tokens"), {"name": "  "}, follow=True
    )
    assert b"Give the token a name" in page.content
    assert not ApiToken.objects.exists()

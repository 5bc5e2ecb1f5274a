"""A patient gives and withdraws consent to research use on their "Your data" page: the
default is no, every change is dated, and a repeated choice writes nothing."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import ResearchConsentChange
from accounts.services import set_research_consent
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_new_patient_has_not_agreed(patient) -> None:
    assert patient.research_consent_at is None
    page = client_for(patient).get(reverse("program:my_data"))
    assert "You have not agreed to research use." in page.content.decode()


def test_the_patient_agrees_and_the_date_is_kept_and_shown(patient) -> None:
    client = client_for(patient)
    with time_machine.travel("2026-03-04 10:00Z", tick=False):
        response = client.post(
            reverse("program:research_consent"), {"research": "yes"}, follow=True
        )
    patient.refresh_from_db()
    assert patient.research_consent_at == datetime(2026, 3, 4, 10, tzinfo=UTC)
    change = ResearchConsentChange.objects.get(patient=patient)
    assert change.given is True
    body = response.content.decode()
    assert "Saved: your data, without your name or contact details, may be included" in body
    assert "You agreed to research use on 4 March 2026." in body


def test_the_patient_withdraws_and_both_changes_are_in_the_history(patient) -> None:
    client = client_for(patient)
    client.post(reverse("program:research_consent"), {"research": "yes"})
    response = client.post(reverse("program:research_consent"), {"research": "no"}, follow=True)
    patient.refresh_from_db()
    assert patient.research_consent_at is None
    assert list(
        ResearchConsentChange.objects.filter(patient=patient).values_list("given", flat=True)
    ) == [False, True]
    body = response.content.decode()
    assert "Saved: your data will not be included in any research export" in body
    assert "Your earlier choices" in body


def test_the_same_choice_twice_writes_one_change(patient) -> None:
    assert set_research_consent(patient, given=True) is True
    assert set_research_consent(patient, given=True) is False
    assert ResearchConsentChange.objects.filter(patient=patient).count() == 1


def test_a_choice_that_is_neither_yes_nor_no_changes_nothing(patient) -> None:
    response = client_for(patient).post(
        reverse("program:research_consent"), {"research": "maybe"}, follow=True
    )
    patient.refresh_from_db()
    assert patient.research_consent_at is None
    assert not ResearchConsentChange.objects.exists()
    assert "Choose whether you agree, so nothing was changed." in response.content.decode()


def test_the_history_is_in_the_patients_own_download(patient) -> None:
    from program.my_data.export import export_json

    set_research_consent(patient, given=True)
    assert b'"research_consent"' in export_json(patient)

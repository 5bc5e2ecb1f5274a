"""Every view of a patient's data by someone else is recorded; the patient can see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.audit import purge
from accounts.models import AuditEvent
from tests.conftest import client_for


def test_a_therapist_opening_a_patient_is_recorded_with_who_what_and_where(
    patient, therapist
) -> None:
    client = client_for(therapist)
    client.get(reverse("program:patient_diary", args=[patient.pk]), REMOTE_ADDR="203.0.113.7")
    event = AuditEvent.objects.get(patient=patient)
    assert event.actor == therapist and event.actor_role == "therapist"
    assert event.action == "view" and event.path.endswith("/diary/")
    assert event.ip == "203.0.113.7"


def test_api_reads_and_admin_views_are_recorded(patient, therapist, clinic_admin) -> None:
    client_for(therapist).get(f"/api/v1/patients/{patient.pk}/diary")
    client_for(clinic_admin).get(reverse("admin:accounts_user_change", args=[patient.pk]))
    paths = list(AuditEvent.objects.values_list("path", flat=True))
    assert f"/api/v1/patients/{patient.pk}/diary" in paths
    assert any(p.startswith("/admin/") for p in paths)


def test_a_patients_own_views_and_refused_requests_are_not_recorded(
    patient, other_therapist
) -> None:
    client_for(patient).get(reverse("program:diary"))
    client_for(other_therapist).get(reverse("program:patient_detail", args=[patient.pk]))  # 404
    assert not AuditEvent.objects.exists()


def test_the_patient_sees_who_opened_their_record(patient, therapist) -> None:
    client_for(therapist).get(reverse("program:patient_sleep_window", args=[patient.pk]))
    page = client_for(patient).get(reverse("accounts:privacy"))
    assert b"Dr Tess Ward" in page.content
    assert b"Viewed your sleep window" in page.content


def test_events_are_append_only_and_purged_after_the_retention_period(
    patient, therapist, settings
) -> None:
    client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    event = AuditEvent.objects.get()
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    settings.AUDIT_RETENTION_DAYS = 30
    assert purge(now=timezone.now() + timedelta(days=29)) == 0
    assert purge(now=timezone.now() + timedelta(days=31)) == 1

"""Every view of a patient's data by someone else is recorded; the patient can see it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import path, reverse
from django.utils import timezone

import cbti.urls
from accounts.access import clinician_required, get_patient_for
from accounts.audit import purge
from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditEvent
from accounts.tokens import issue_token
from program.assessments.models import RiskAlert
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


# --- Reads are recorded by the access helper, whatever the URL argument is called ---------


@clinician_required
def _fetches_twice(request: AuthenticatedHttpRequest, person: int) -> HttpResponse:
    """A view whose argument is not called ``patient_id`` and that fetches twice."""
    get_patient_for(request, person)
    patient = get_patient_for(request, person)
    return HttpResponse(patient.display_name)


def trail_queries(queries: CaptureQueriesContext) -> list[str]:
    """The statements about the audit trail, by their first word."""
    return [
        q["sql"].split()[0] for q in queries.captured_queries if "accounts_auditevent" in q["sql"]
    ]


urlpatterns = [path("someone/<int:person>/", _fetches_twice), *cbti.urls.urlpatterns]


@pytest.mark.urls("tests.accounts.test_audit")
def test_a_read_is_recorded_once_whatever_the_argument_is_called(patient, therapist) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = client_for(therapist).get(f"/someone/{patient.pk}/")
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.patient, event.actor) == (patient, therapist)
    assert event.path == f"/someone/{patient.pk}/"
    # One write for the trail, nothing read for it.
    assert trail_queries(queries) == ["INSERT"]


@pytest.mark.urls("tests.accounts.test_audit")
def test_the_patients_own_read_through_the_helper_is_not_recorded(patient) -> None:
    client_for(patient).get(f"/someone/{patient.pk}/")  # 403: the patient is not a clinician
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    "name", ["program:patient_detail", "program:patient_diary", "program:patient_sleep_window"]
)
def test_a_patient_page_adds_one_query_for_the_trail(name, patient, therapist) -> None:
    client = client_for(therapist)
    client.get(reverse(name, args=[patient.pk]))  # a warm session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(name, args=[patient.pk])).status_code == 200
    assert trail_queries(queries) == ["INSERT"]
    assert AuditEvent.objects.filter(patient=patient).count() == 2


def test_an_api_read_with_a_token_is_recorded_against_the_token_holder(patient, therapist) -> None:
    _, token = issue_token(therapist, "test")
    url = f"/api/v1/patients/{patient.pk}/diary"
    response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.actor, event.patient, event.path) == (therapist, patient, url)


def test_a_patients_own_api_reads_are_not_recorded(patient) -> None:
    _, token = issue_token(patient, "test")
    response = Client().get(
        f"/api/v1/patients/{patient.pk}/diary", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.exists()


def test_acknowledging_an_alert_is_recorded_against_its_patient(patient, therapist) -> None:
    alert = RiskAlert.objects.create(
        patient=patient, source=RiskAlert.Source.PHQ9_ITEM9, therapist=therapist
    )
    client_for(therapist).post(reverse("program:acknowledge_alert", args=[patient.pk, alert.pk]))
    event = AuditEvent.objects.get()
    assert (event.patient, event.action) == (patient, "change")


def test_the_trail_is_in_words_in_the_readers_language(patient, therapist, clinic_admin) -> None:
    """The patient reads what was opened, and by whom, in their own language; the clinic's
    log says it in words too, with the exact address beneath."""
    client_for(therapist).get(reverse("program:patient_diary", args=[patient.pk]))
    patient.language = "fr"
    patient.save()
    page = client_for(patient).get(reverse("accounts:privacy")).content.decode()
    assert "Thérapeute" in page and "(therapist)" not in page
    assert "votre agenda du sommeil" in page and "your sleep diary" not in page
    log = client_for(clinic_admin).get(reverse("program:clinic_audit")).content.decode()
    assert "Viewed: the sleep diary" in log
    assert f"GET /patients/{patient.pk}/diary/" in log

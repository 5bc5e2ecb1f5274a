"""A user's language: chosen in Settings, used for the app's own text on each request."""

from __future__ import annotations

from django.urls import reverse


def test_a_patient_chooses_their_language(patient, patient_client) -> None:
    response = patient_client.post(
        reverse("accounts:profile"),
        {"name": patient.name, "time_zone": patient.time_zone, "language": "fr"},
    )
    assert response.status_code == 302
    patient.refresh_from_db()
    assert patient.language == "fr"
    page = patient_client.get(reverse("program:programme"))
    assert page.wsgi_request.LANGUAGE_CODE == "fr"


def test_an_unknown_language_is_refused(patient, patient_client) -> None:
    patient_client.post(
        reverse("accounts:profile"),
        {"name": patient.name, "time_zone": patient.time_zone, "language": "xx"},
    )
    patient.refresh_from_db()
    assert patient.language == "en"

"""The patient's record for another health record: ``GET /patients/{id}/fhir``."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Router

from program.api.common import ErrorOut, _patient

router = Router()


@router.get(
    "/patients/{patient_id}/fhir",
    response={404: ErrorOut},
    tags=["my data"],
    openapi_extra={
        "responses": {
            "200": {
                "description": "A FHIR R4 Bundle of type collection (the profile: docs/fhir.md).",
                "content": {"application/fhir+json": {"schema": {"type": "object"}}},
            }
        }
    },
)
def fhir_bundle(request: HttpRequest, patient_id: int) -> HttpResponse:
    """The patient's diary nights, questionnaires and scores, sleep windows, medicines and
    confirmed taper plans as one FHIR R4 Bundle; the same access rules as every read."""
    from program.my_data import fhir

    patient = _patient(request, patient_id)
    return HttpResponse(fhir.bundle_json(patient), content_type=fhir.FHIR_MIME)

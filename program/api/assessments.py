"""Questionnaires: results oldest first, and the ISI's change from baseline."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from program.api.common import (
    ErrorOut,
    _patient,
)

router = Router()


class AssessmentOut(Schema):
    id: int
    instrument: str = Field(description="isi, phq9, gad7, ess or psqi")
    instrument_name: str
    occasion: str = Field(description="baseline, week-N, follow-up, or other")
    completed_on: date
    total: int
    max_total: int
    band: str
    risk: bool = Field(description="PHQ-9 item 9 answered above 0")
    source: str = Field(description="patient, or clinician (a paper form or earlier result)")
    answers: dict[str, int]


class IsiChangeOut(Schema):
    baseline: int
    latest: int
    change: int = Field(description="latest − baseline; negative is better")
    response: bool = Field(description="a fall of more than 7 points (Morin 2009)")
    remission: bool = Field(description="a total below 8")


class AssessmentsOut(Schema):
    results: list[AssessmentOut] = Field(description="Oldest first.")
    isi_change: IsiChangeOut | None


class AssessmentFilter(Schema):
    instrument: str | None = None


@router.get(
    "/patients/{patient_id}/assessments",
    response={200: AssessmentsOut, 404: ErrorOut, 422: ErrorOut},
    tags=["assessments"],
)
def list_assessments(
    request: HttpRequest, patient_id: int, filters: Query[AssessmentFilter]
) -> dict[str, Any]:
    """The patient's questionnaire results, and the ISI's change from the first result."""
    from program.assessments import actions as assessment_service
    from program.models import Assessment

    patient = _patient(request, patient_id)
    results = list(Assessment.objects.for_patient(patient).select_related("instrument"))
    trends = assessment_service.trends(results)
    isi = trends.get("isi")
    shown = [
        a
        for key, trend in trends.items()
        if filters.instrument in (None, key)
        for a in trend.results
    ]
    shown.sort(key=lambda a: (a.completed_on, a.completed_at))
    return {
        "results": [
            {
                "id": a.pk,
                "instrument": a.instrument.key,
                "instrument_name": a.instrument.name,
                "occasion": a.occasion,
                "completed_on": a.completed_on,
                "total": a.total,
                "max_total": a.instrument.scale.max_total,
                "band": a.band,
                "risk": a.risk,
                "source": a.source,
                "answers": a.answers,
            }
            for a in shown
        ],
        "isi_change": isi.change.__dict__ if isi and isi.change else None,
    }

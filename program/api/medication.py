"""Sleep medication: the medicines, the taper plan and the weekly figures against it."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema

from program import clinical_text
from program.api.common import (
    DateRange,
    ErrorOut,
    _patient,
    _percent,
    _range,
)
from program.medication import actions as medication_service
from program.models import DiaryEntry, Enrolment, Medication, TaperStep

router = Router()


class MedicationOut(Schema):
    id: int
    name: str
    strengths_mg: list[Decimal]
    usual_dose_mg: Decimal
    active: bool


class TaperStepOut(Schema):
    starts_on: date = Field(description="The step applies from the evening of this date.")
    dose_mg: Decimal
    drug_free_nights_per_week: int
    note: str


class TaperPlanOut(Schema):
    id: int
    medication: MedicationOut
    status: str
    start_dose_mg: Decimal
    tablet_strengths_mg: list[Decimal]
    scored_strengths_mg: list[Decimal]
    template: str
    set_by: str
    prescriber: str
    confirmed_by: str | None
    confirmed_at: datetime | None
    paused_on: date | None
    notes: str
    conversion_note: str = Field(description="Entered by the clinician; the app has no table.")
    current_step: TaperStepOut | None
    next_step: TaperStepOut | None = Field(
        description=(
            "While the plan is paused, this step's date is the one planned before the pause:"
            " resuming moves it, and every later step, by the days the plan was paused."
        )
    )
    steps: list[TaperStepOut]


class MedicationWeekOut(Schema):
    week: int
    first_date: date
    last_date: date
    nights_answered: int
    nights_with_medication: int = Field(description="Out of 7.")
    mean_dose_mg: Decimal | None = Field(
        description="Over the nights it was taken; to 0.1 mg, or the finest dose's last digit."
    )
    percent_of_start: Decimal | None = Field(
        description="Mean over answered nights (none = 0 mg) against the plan's starting dose."
    )
    planned_drug_free_nights: int
    drug_free_nights_kept: bool | None
    nights_above_plan: int
    nights_at_previous_step: int
    sleep_efficiency: float | None


class MedicationFlagOut(Schema):
    kind: str
    message: str


class MedicationWeeksOut(Schema):
    medication: str | None = Field(description="The medicine the figures follow.")
    weeks: list[MedicationWeekOut]
    flags: list[MedicationFlagOut]


def _medication_out(m: Medication) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "strengths_mg": m.strengths,
        "usual_dose_mg": m.usual_dose_mg,
        "active": m.active,
    }


def _step_out(step: TaperStep | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "starts_on": step.starts_on,
        "dose_mg": step.dose_mg,
        "drug_free_nights_per_week": step.drug_free_nights_per_week,
        "note": step.note_words,
    }


@router.get(
    "/patients/{patient_id}/medications",
    response={200: list[MedicationOut], 404: ErrorOut, 422: ErrorOut},
    tags=["medication"],
)
def list_medications(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    """The patient's sleep medicines (stopped ones too, marked inactive)."""
    patient = _patient(request, patient_id)
    return [_medication_out(m) for m in Medication.objects.for_patient(patient)]


@router.get(
    "/patients/{patient_id}/taper-plan",
    response={200: TaperPlanOut, 404: ErrorOut, 422: ErrorOut},
    tags=["medication"],
)
def taper_plan(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """The confirmed plan in force (active or paused) with its steps; 404 when there is none.
    Drafts are never shown here: a plan counts only once a clinician confirms it."""
    patient = _patient(request, patient_id)
    plan = medication_service.current_plan(patient)
    if plan is None:
        raise Http404
    current, following = plan.current_and_next(patient.local_today())
    return {
        "id": plan.pk,
        "medication": _medication_out(plan.medication),
        "status": plan.status,
        "start_dose_mg": plan.start_dose_mg,
        "tablet_strengths_mg": plan.strengths,
        "scored_strengths_mg": plan.scored,
        "template": plan.template,
        "set_by": plan.set_by.display_name,
        "prescriber": plan.prescriber,
        "confirmed_by": plan.confirmed_by.display_name if plan.confirmed_by else None,
        "confirmed_at": plan.confirmed_at,
        "paused_on": plan.paused_on,
        "notes": plan.notes,
        "conversion_note": plan.conversion_note,
        "current_step": _step_out(current),
        "next_step": _step_out(following),
        "steps": [_step_out(s) for s in plan.steps.all()],
    }


@router.get(
    "/patients/{patient_id}/medication/weekly",
    response={200: MedicationWeeksOut, 404: ErrorOut, 422: ErrorOut},
    tags=["medication"],
)
def medication_weekly(
    request: HttpRequest, patient_id: int, query: Query[DateRange]
) -> dict[str, Any]:
    """Programme weeks overlapping the range: nights with medication of 7, mean dose,
    percent of the starting dose, planned drug-free nights kept, nights above the plan,
    and the diary's sleep efficiency alongside; with the therapist's flags."""
    patient = _patient(request, patient_id)
    first, last = _range(patient, query)
    entries = list(
        DiaryEntry.objects.for_patient(patient)
        .between(first, last)
        .select_related("medication")
        .prefetch_related("doses__medication")
        .order_by("-diary_date")
    )
    enrolment = Enrolment.objects.current().filter(patient=patient).first()
    fig = medication_service.figures(
        patient,
        patient.local_today(),
        entries=entries,
        start=enrolment.start_date if enrolment else first,
    )
    return {
        "medication": fig.focus.name if fig.focus else None,
        "weeks": [
            {
                "week": w.figures.week,
                "first_date": w.figures.first,
                "last_date": w.figures.last,
                "nights_answered": w.figures.nights_answered,
                "nights_with_medication": w.figures.nights_with_medication,
                "mean_dose_mg": w.figures.mean_dose_mg,
                "percent_of_start": w.figures.percent_of_start,
                "planned_drug_free_nights": w.figures.planned_drug_free,
                "drug_free_nights_kept": w.figures.drug_free_kept,
                "nights_above_plan": w.figures.above_plan,
                "nights_at_previous_step": w.figures.previous_step,
                "sleep_efficiency": _percent(w.sleep_efficiency),
            }
            for w in reversed(fig.weeks)
        ],
        "flags": [
            {"kind": f.kind, "message": clinical_text.taper_words(f.message)} for f in fig.flags
        ],
    }

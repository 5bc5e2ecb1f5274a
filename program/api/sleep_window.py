"""The sleep window: the prescription in force, its history, a pending recommendation."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from program.api.common import (
    ErrorOut,
    _patient,
    _user,
)
from program.api.schema import WallClock
from program.sleep_window.words import Audience

router = Router()


class PrescriptionOut(Schema):
    window_min: int
    bedtime: WallClock
    rise_time: WallClock
    effective_from: date
    source: str
    rule: str
    explanation: str
    figures: dict[str, Any]
    reason: str


class RecommendationOut(Schema):
    id: int
    kind: str
    review_date: date
    current_window_min: int | None
    proposed_window_min: int
    proposed_bedtime: WallClock | None
    rule: str
    explanation: str
    figures: dict[str, Any]
    flags: list[str]


class ReviewWeekOut(Schema):
    review_date: date = Field(description="The titration day on or before today.")
    first_morning: date = Field(description="The first morning whose night the review reads.")
    last_morning: date = Field(description="The last morning whose night the review reads.")


class SleepWindowOut(Schema):
    status: str
    protocol: str
    rise_time: WallClock | None
    current: PrescriptionOut | None
    pending_recommendation: RecommendationOut | None
    history: list[PrescriptionOut]
    review_week: ReviewWeekOut | None = Field(
        description="The week whose figures the caseload and the sleep-window pages "
        "show: the mornings (both included) that the weekly review of the latest titration "
        "day reads; null without a window."
    )


def _prescription(p: Any, audience: str, *, therapist: bool = True) -> dict[str, Any]:
    from program.sleep_window import actions as sw

    return {
        "window_min": p.window_min,
        "bedtime": p.bedtime,
        "rise_time": p.rise_time,
        "effective_from": p.effective_from,
        "source": p.source,
        "rule": p.rule,
        "explanation": sw.explain_window(p, audience, therapist=therapist),
        "figures": p.figures,
        "reason": p.reason,
    }


@router.get(
    "/patients/{patient_id}/sleep-window",
    response={200: SleepWindowOut, 404: ErrorOut},
    tags=["sleep window"],
)
def sleep_window(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """The prescription in force, its history, and a recommendation awaiting a clinician
    (shown to the patient's care team only; a patient sees it once decided)."""
    from program.rules import titration
    from program.sleep_window import actions as sw
    from program.sleep_window import rescreen

    patient = _patient(request, patient_id)
    course = sw.course_for(patient)
    today = patient.local_today()
    prescriptions = list(course.prescriptions.all())
    current = next((p for p in prescriptions if p.effective_from <= today), None)
    pending = course.recommendations.pending().first()
    viewer = _user(request)
    show_pending = pending is not None and viewer.pk != patient.pk
    # Explanations speak to the patient, or about them to their care team.
    audience = Audience.PATIENT if viewer.pk == patient.pk else Audience.STAFF
    # Without a therapist the patient's words name the clinic's duty list instead.
    therapist = rescreen.active_therapist(patient) is not None
    week = sw.review_week(course, today) if current else None
    return {
        "status": course.status,
        "protocol": str(course.protocol),
        "rise_time": course.rise_time,
        "current": _prescription(current, audience, therapist=therapist) if current else None,
        "pending_recommendation": {
            "id": pending.pk,
            "kind": pending.kind,
            "review_date": pending.review_date,
            "current_window_min": pending.current_window_min,
            "proposed_window_min": pending.proposed_window_min,
            "proposed_bedtime": (
                titration.bedtime(course.rise_time, pending.proposed_window_min)
                if course.rise_time
                else None
            ),
            "rule": pending.rule,
            "explanation": sw.explain(pending.rule, pending.figures, audience),
            "figures": pending.figures,
            "flags": pending.flags,
        }
        if show_pending and pending
        else None,
        "history": [_prescription(p, audience, therapist=therapist) for p in prescriptions],
        "review_week": (
            {
                "review_date": week.review_date,
                "first_morning": week.first_morning,
                "last_morning": week.last_morning,
            }
            if week
            else None
        ),
    }

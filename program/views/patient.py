from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import patient_required

from .. import assessments
from ..models import Assessment, DiaryEntry, Prescription
from ..services import current_enrolment


@patient_required
def patient_home(request: HttpRequest) -> HttpResponse:
    patient = request.user
    enrolment = current_enrolment(patient)  # type: ignore[arg-type]
    today = patient.local_today()  # type: ignore[union-attr]
    week = enrolment.week_number(today) if enrolment else None
    instruments = assessments.ensure_instruments()
    done = list(Assessment.objects.for_patient(patient).select_related("instrument"))
    due = [
        instruments[o.key]
        for o in assessments.due(enrolment, today, done)
        if instruments[o.key].can_be_filled
    ]
    ctx = {
        "messages_enabled": bool(enrolment and enrolment.programme.messages_enabled),
        "questionnaires_due": due,
        "enrolment": enrolment,
        "today": today,
        "week": week,
        "weeks": range(1, enrolment.programme.weeks + 1) if enrolment else [],
        "next_week_starts": (
            enrolment.week_starts(week + 1)
            if enrolment and week is not None and week < enrolment.programme.weeks
            else None
        ),
        "therapist": patient.therapist,  # type: ignore[union-attr]
        "last_entry": DiaryEntry.objects.for_patient(patient).order_by("-diary_date").first(),
        "window": (
            Prescription.objects.filter(
                course__patient=patient, course__status="active", effective_from__lte=today
            )
            .order_by("-effective_from", "-created_at")
            .first()
        ),
    }
    return render(request, "program/patient_home.html", ctx)

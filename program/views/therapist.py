from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.access import clinician_required, get_patient_for, therapist_required
from accounts.models import User

from ..curriculum import (
    advance_enrolment,
    extend_week,
    pause_enrolment,
    programme_overview,
    resume_enrolment,
)
from ..forms import PaceForm
from ..models import Enrolment, EnrolmentChange, Invitation, SafetyScreen

CASELOAD_PAGE_SIZE = 25


def _with_current_enrolment(patients):  # type: ignore[no-untyped-def]
    return patients.prefetch_related(
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.current().select_related("programme"),
            to_attr="current_enrolments",
        )
    )


@therapist_required
def caseload(request: HttpRequest) -> HttpResponse:
    """The therapist's own patients, with where each is in the programme."""
    therapist: User = request.user  # type: ignore[assignment]
    query = request.GET.get("q", "").strip()
    # Who needs the therapist first: a recommendation to decide or a safety screen to
    # review (more flags arrive with the caseload issue).
    patients = (
        User.objects.caseload_of(therapist)
        .annotate(
            pending_recommendations=Count(
                "sleep_course__recommendations",
                filter=Q(sleep_course__recommendations__status="pending"),
                distinct=True,
            ),
            screen_to_review=Exists(
                SafetyScreen.objects.filter(patient=OuterRef("pk"), decision="pending")
            ),
        )
        .order_by("-screen_to_review", "-pending_recommendations", "name", "email")
    )
    if query:
        patients = patients.filter(email__icontains=query) | patients.filter(name__icontains=query)
    page = Paginator(_with_current_enrolment(patients), CASELOAD_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for patient in page:
        enrolment = patient.current_enrolments[0] if patient.current_enrolments else None
        today = patient.local_today()
        rows.append(
            {
                "patient": patient,
                "enrolment": enrolment,
                "week": enrolment.week_number(today) if enrolment else None,
            }
        )
    ctx = {
        "page": page,
        "rows": rows,
        "query": query,
        "pending_invitations": Invitation.objects.pending().filter(therapist=therapist)[:20],
    }
    return render(request, "program/caseload.html", ctx)


@clinician_required
def patient_detail(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request.user, patient_id)  # type: ignore[arg-type]
    enrolments = list(Enrolment.objects.filter(patient=patient).select_related("programme"))
    current = next((e for e in enrolments if e.status in ("active", "paused")), None)
    today = patient.local_today()
    overview = None
    changes: list[EnrolmentChange] = []
    if current:
        current.patient = patient
        changes = list(EnrolmentChange.objects.filter(enrolment=current).select_related("made_by"))
        overview = programme_overview(current, today=today, changes=changes)
    ctx = {
        "patient": patient,
        "enrolments": enrolments,
        "current": current,
        "overview": overview,
        "changes": changes,
        "week": overview.current.number if overview and overview.current else None,
        "today": today,
    }
    return render(request, "program/patient_detail.html", ctx)


@clinician_required
@require_POST
def adjust_pace(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Pause, resume, extend or advance the patient's programme (the pace rules'
    inputs; see program.unlocking)."""
    clinician: User = request.user  # type: ignore[assignment]
    patient = get_patient_for(clinician, patient_id)
    enrolment = (
        Enrolment.objects.current().select_related("programme").filter(patient=patient).first()
    )
    form = PaceForm(request.POST)
    if enrolment is None or not form.is_valid():
        messages.error(request, "That change could not be made.")
        return redirect("program:patient_detail", patient_id=patient.pk)
    enrolment.patient = patient
    action = form.cleaned_data["action"]
    overview = programme_overview(enrolment)
    week = overview.current.number if overview.current else 1
    if action == "pause":
        pause_enrolment(enrolment=enrolment, by=clinician)
        messages.success(request, "Paused: no new week opens until you resume.")
    elif action == "resume":
        resume_enrolment(enrolment=enrolment, by=clinician)
        messages.success(request, "Resumed: the paused days do not count towards the pace.")
    elif action == "extend":
        days = form.cleaned_data["days"] or 7
        extend_week(enrolment=enrolment, week=week, days=days, by=clinician)
        messages.success(request, f"Week {week} extended by {days} days.")
    elif action == "advance":
        if overview.next_locked is None:
            messages.error(request, "Every week is already open.")
        else:
            advance_enrolment(enrolment=enrolment, week=overview.next_locked.number, by=clinician)
            messages.success(request, f"Week {overview.next_locked.number} is open now.")
    return redirect("program:patient_detail", patient_id=patient.pk)

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.access import clinician_required, get_patient_for, therapist_required
from accounts.models import User

from ..models import Enrolment, Invitation, SafetyScreen

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
    ctx = {
        "patient": patient,
        "enrolments": enrolments,
        "current": current,
        "week": current.week_number(today) if current else None,
        "today": today,
    }
    return render(request, "program/patient_detail.html", ctx)

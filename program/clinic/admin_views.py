from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import admin_required, get_patient_for, invitation_pending
from accounts.audit import note_reassigned, note_unchanged
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.services import reassign_patient
from program.clinic.actions import needing_a_therapist
from program.clinic.forms import ReassignForm, refusal
from program.messaging import actions as messaging
from program.models import Programme
from program.risk import actions as risk
from program.sleep_window import rescreen

PAGE_SIZE = 50


@admin_required
def clinic_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The clinic admin's overview: open risk alerts, therapists, their caseloads,
    unassigned patients."""
    therapists = (
        User.objects.therapists()
        .annotate(patient_count=Count("caseload", filter=Q(caseload__is_active=True)))
        .order_by("name", "email")
    )
    query = request.GET.get("q", "").strip()
    patients = User.objects.patients().select_related("therapist").order_by("name", "email")
    if query:
        patients = patients.filter(Q(email__icontains=query) | Q(name__icontains=query))
    needs = request.GET.get("needs") == "1"
    if needs:
        patients = patients.filter(pk__in=needing_a_therapist().values("pk"))
    page = Paginator(patients, PAGE_SIZE).get_page(request.GET.get("page"))
    for therapist in therapists:
        # Invited, not signed in yet: listed in "Move to" but not choosable.
        therapist.pending = invitation_pending(therapist)
    ctx = {
        "therapists": therapists,
        "page": page,
        "query": query,
        "needs": needs,
        # Where "Reassign" brings the admin back to: the same search, filter and page.
        "back": request.GET.urlencode(),
        "active_therapists": [t for t in therapists if t.is_active],
        "reassign_form": ReassignForm(),
        "programmes": Programme.objects.annotate(enrolled=Count("enrolments")),
        # No therapist, or a deactivated one: the duty list covers them meanwhile.
        "unassigned": needing_a_therapist().count(),
        # Patients with no therapist whose screen or window waits for a decision: the
        # admins decide them (program.sleep_window.rescreen.can_decide).
        "decisions_waiting": list(rescreen.waiting_without_therapist()),
        # Their messages nobody has read yet: the duty list's too (admins are on it).
        "messages_waiting": list(messaging.waiting_without_therapist()),
        # Every open risk alert, the urgent first thing an admin (on the duty list) sees.
        "risk_alerts": list(
            risk.alerts_for(request.user).open().prefetch_related("notices").order_by("created_at")
        ),
    }
    return render(request, "program/clinic_home.html", ctx)


def _back_to_overview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The overview as the admin left it: their search, filter and page."""
    sent = QueryDict(request.POST.get("back", ""))
    kept = {key: sent[key] for key in ("q", "needs", "page") if sent.get(key)}
    url = reverse("program:clinic_home")
    return redirect(f"{url}?{urlencode(kept)}" if kept else url)


@admin_required
@require_POST
def reassign(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    form = ReassignForm(request.POST)
    if form.is_valid():
        previous = patient.therapist
        reassign_patient(patient=patient, therapist=form.cleaned_data["therapist"])
        note_reassigned(
            request, patient, therapist=form.cleaned_data["therapist"], previous=previous
        )
        messages.success(
            request,
            _("%(patient)s is now with %(therapist)s.")
            % {"patient": patient.display_name, "therapist": form.cleaned_data["therapist"]},
        )
    else:
        note_unchanged(request)  # refused: the patient stays where they were
        messages.error(request, refusal(form, "therapist", _("Choose a therapist from the list.")))
    return _back_to_overview(request)

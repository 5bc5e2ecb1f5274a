"""Adverse events (program.adverse_events.actions): the patient's "Report a problem with my care",
and the staff's list, record, review and CSV export.

The list and the export are under /clinic/, so each visit is in the audit trail as a list
of patients (accounts.audit.LIST_PATHS); recording and reviewing name their patient in
the URL, so the audit middleware records them against that patient.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import clinician_required, get_patient_for, patient_required
from accounts.audit import note_read
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program import spreadsheet
from program.adverse_events import actions as service
from program.clinical_text import CRISIS_MESSAGE
from program.models import AdverseEvent
from program.risk import actions as risk


@patient_required
def report_problem(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient: User = request.user
    if request.method == "POST":
        form = service.ReportForm(request.POST)
        if form.is_valid():
            event = service.report(patient, by=patient, **form.cleaned_data)
            if event.risk_alerts.exists():
                # Words the clinic flags: the crisis contacts at once (base.html shows
                # them with a "crisis" message); what happened to the report is read
                # back from the record below it, as for any report.
                messages.error(request, str(risk.FLAGGED_WORDS), extra_tags="crisis")
            # What happened to it is read back from the record on the next page
            # (service.patient_words), after the email was, or was not, sent.
            return redirect("program:report_problem")
    else:
        form = service.ReportForm()
    reports = list(AdverseEvent.objects.filter(patient=patient)[:20])
    ctx = {
        "form": form,
        "reports": [(r, service.patient_words(r)) for r in reports],
        "crisis_message": str(CRISIS_MESSAGE),
    }
    return render(request, "program/report_problem.html", ctx)


@clinician_required
def adverse_events(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open events first, then the reviewed ones: a therapist's own patients', or every
    patient's for the duty list and the admins."""
    events = list(service.events_for(request.user)[: service.LIST_LIMIT])
    ctx = {
        "open_events": [e for e in events if e.reviewed_at is None],
        "reviewed": [e for e in events if e.reviewed_at is not None],
        "review_form": service.ReviewForm(),
        "limit": service.LIST_LIMIT,
        "truncated": len(events) >= service.LIST_LIMIT,
    }
    return render(request, "program/adverse_events.html", ctx)


@clinician_required
def adverse_events_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every event the user may see, as CSV through the formula-safe writer."""
    events = service.events_for(request.user).order_by("created_at", "pk")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="adverse-events.csv"'
    writer = spreadsheet.Writer(response)
    writer.writerow(service.CSV_HEADER)
    writer.writerows(service.csv_rows(events.iterator(chunk_size=500)))
    return response


@clinician_required
def adverse_event_new(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """A clinician records an event for a patient they may see."""
    clinician: User = request.user
    patient = get_patient_for(request, patient_id)
    if request.method == "POST":
        form = service.StaffEventForm(request.POST)
        if form.is_valid():
            service.report(patient, by=clinician, **form.cleaned_data)
            # Whether the email went is on the list, beside the event.
            messages.success(request, _("Recorded."))
            return redirect("program:adverse_events")
    else:
        form = service.StaffEventForm(initial={"happened_on": patient.local_today()})
    return render(request, "program/adverse_event_new.html", {"form": form, "patient": patient})


@clinician_required
@require_POST
def adverse_event_review(
    request: AuthenticatedHttpRequest, patient_id: int, event_id: int
) -> HttpResponse:
    """Mark an event reviewed, with a note; anyone who may not see it is told it does
    not exist."""
    clinician: User = request.user
    event = get_object_or_404(service.events_for(clinician), pk=event_id, patient_id=patient_id)
    note_read(request, clinician, event.patient)
    form = service.ReviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what you did or decided, then mark it reviewed."))
        return redirect("program:adverse_events")
    if service.mark_reviewed(event, by=clinician, note=form.cleaned_data["note"]):
        messages.success(request, _("Marked as reviewed."))
    else:
        messages.info(request, _("Someone had already reviewed this event."))
    return redirect("program:adverse_events")

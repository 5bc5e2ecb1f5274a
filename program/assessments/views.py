"""Questionnaires: the patient's progress page, filling one in, its result (with the
PHQ-9 item-9 crisis message and what the app did about it), and the clinician's entries.
(Acknowledging a risk alert: program/risk/views.py.)"""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import (
    get_patient_for,
    patient_required,
    therapist_required,
)
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.assessments import actions as service
from program.assessments import fhir_import
from program.assessments.forms import FhirImportForm, QuestionnaireForm, RecordResultForm
from program.clinical_text import CRISIS_MESSAGE
from program.diary import charts
from program.enrolment.actions import current_enrolment
from program.models import Assessment
from program.risk import actions as risk
from program.wearables import actions as wearables


def trend_charts(trends: dict[str, service.Trend], chart_prefix: str) -> list[dict]:
    """One chart and table per instrument with results, the ISI first."""
    out = []
    for key in ["isi", "promis_sd", "phq9", "gad7", "ess", "psqi"]:
        trend = trends.get(key)
        if trend is None:
            continue
        instrument = trend.results[-1].instrument
        scale = instrument.scale
        points = [(date_format(a.completed_on, "DAY_MONTH_FORMAT"), a.total) for a in trend.results]
        out.append(
            {
                "instrument": instrument,
                "trend": trend,
                "chart": charts.score_chart(
                    points,
                    max_total=scale.max_total,
                    band_lows=[b.low for b in scale.bands[1:]],
                    title=_("%(name)s totals over time") % {"name": instrument.short_name},
                    description=", ".join(f"{label}: {total}" for label, total in points),
                    chart_id=f"{chart_prefix}-{key}",
                ),
            }
        )
    return out


@patient_required
def progress(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The patient's progress page: questionnaires due and results with their trend."""
    patient: User = request.user
    today = patient.local_today()
    instruments = service.ensure_instruments()
    done = list(Assessment.objects.for_patient(patient).select_related("instrument"))
    enrolment = current_enrolment(patient)
    due = [
        {"occasion": o, "instrument": instruments[o.key]}
        for o in service.due(
            enrolment,
            today,
            done,
            service.restriction_start(patient),
            service.outcome_key(instruments),
        )
    ]
    ctx = {
        "due": due,
        "charts": trend_charts(service.trends(done), "progress"),
        "results": done,
    }
    return render(request, "program/progress.html", ctx)


@patient_required
def questionnaire(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    """Fill in a questionnaire that is due now (and whose wording this clinic holds)."""
    if request.method != "POST":
        return _questionnaire(request, key)
    with transaction.atomic():
        # One sending at a time per patient: Send tapped twice, or the page sent from two
        # tabs at the same instant, and the second reads what the first recorded (the
        # same answers are never recorded twice). SQLite runs one writer at a time.
        User.objects.select_for_update().get(pk=request.user.pk)
        return _questionnaire(request, key)


def _questionnaire(request: AuthenticatedHttpRequest, key: str) -> HttpResponse:
    patient: User = request.user
    today = patient.local_today()
    instruments = service.ensure_instruments()
    instrument = instruments.get(key)
    done = list(Assessment.objects.for_patient(patient).select_related("instrument"))
    enrolment = current_enrolment(patient)
    due = service.due(
        enrolment, today, done, service.restriction_start(patient), service.outcome_key(instruments)
    )
    occasion = next((o for o in due if o.key == key), None)
    if instrument is None:
        raise Http404
    form = QuestionnaireForm(instrument, request.POST or None)
    sending = request.method == "POST" and instrument.can_be_filled and form.is_valid()
    if occasion is None or not instrument.can_be_filled:
        # Sent already (the Back button, the link again, Send pressed twice): what they
        # sent, never "Page not found", and the same answers never recorded twice.
        sent = max(
            (a for a in done if a.instrument.key == key and a.source == Assessment.Source.PATIENT),
            key=lambda a: (a.completed_on, a.completed_at),
            default=None,
        )
        if sent is None:
            raise Http404
        keys = instrument.scale.item_keys
        changed = sending and {k: int(form.cleaned_data[k]) for k in keys} != sent.answers
        if not changed:
            messages.info(
                request,
                _("You sent this questionnaire on %(day)s. Here is your result.")
                % {"day": date_format(sent.completed_on, "LONG_DATE_FORMAT")},
            )
            return redirect("program:questionnaire_result", sent.pk)
        # Changed after Back: recorded for the same occasion, and read for risk like any
        # answers (an item-9 answer changed to "yes" reaches a person).
        occasion = service.Occasion(key, sent.occasion, sent.due_on or today)
    if sending:
        assessment = service.submit(
            patient=patient,
            instrument=instrument,
            answers=form.cleaned_data,
            occasion=occasion,
            enrolment=enrolment,
            today=today,
        )
        return redirect("program:questionnaire_result", assessment.pk)
    ctx = {"instrument": instrument, "occasion": occasion, "form": form}
    return render(request, "program/questionnaire.html", ctx)


@patient_required
def questionnaire_result(request: AuthenticatedHttpRequest, assessment_id: int) -> HttpResponse:
    assessment = get_object_or_404(
        Assessment.objects.select_related("instrument"), pk=assessment_id, patient=request.user
    )
    ctx = {"assessment": assessment, "crisis_message": str(CRISIS_MESSAGE)}
    alert = assessment.risk_alerts.first()
    if assessment.risk or alert is not None:
        # Said only as it happened: an alert written for a person, or nobody told. An
        # alert without item 9 is one of the clinic's own item rules.
        ctx["risk_words"] = risk.patient_words(alert)
        ctx["flagged_answer"] = None if assessment.risk else str(risk.FLAGGED_ANSWER)
    return render(request, "program/questionnaire_result.html", ctx)


@therapist_required
@require_POST
def record_result(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    form = RecordResultForm(service.ensure_instruments(), request.POST)
    if form.is_valid():
        data = form.cleaned_data
        service.record_result(
            patient=patient,
            instrument=form.instruments[data["instrument"]],
            total=data["total"],
            completed_on=data["completed_on"],
            occasion=data["occasion"],
            by=request.user,
        )
        messages.success(request, _("Result saved."))
    else:
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("Result not saved: %(errors)s") % {"errors": errors})
    # Back to the patient page's questionnaires, unfolded by its anchor.
    return redirect(reverse("program:patient_detail", args=[patient.pk]) + "#questionnaires")


@therapist_required
def import_fhir(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Questionnaire results and sleep from another system's FHIR file, all or nothing,
    with a report row by row (program/assessments/fhir_import.py)."""
    patient = get_patient_for(request, patient_id)
    form = FhirImportForm(request.POST or None, request.FILES or None)
    report = None
    file_error = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > fhir_import.MAX_BYTES:
                raise fhir_import.ImportFileError(_("The file is larger than 2 MB."))
            report = fhir_import.check(upload.read(), patient)
            if not report.problems:
                fhir_import.save(
                    report, patient=patient, by=request.user, occasion=form.cleaned_data["occasion"]
                )
        except fhir_import.ImportFileError as exc:
            file_error = str(exc)
    ctx = {
        "patient": patient,
        "form": form,
        "report": report,
        "file_error": file_error,
        "risk_rows": [r for r in report.saved if r.risk] if report else [],
        # The figures import whatever the therapist chose; the page says who sees them.
        "device_hidden": bool(
            report and report.saved_sleep and wearables.hidden_from_patient(patient)
        ),
    }
    return render(request, "program/fhir_import.html", ctx)

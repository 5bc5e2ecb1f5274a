from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from accounts.access import (
    clinician_required,
    get_patient_for,
    is_therapist,
    therapist_required,
)
from accounts.audit import note_unchanged
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program import spreadsheet
from program.assessments import actions as assessment_service
from program.assessments.forms import RecordResultForm
from program.assessments.models import RiskAlert
from program.assessments.views import trend_charts
from program.clinic import caseload as caseload_service
from program.clinic import summary
from program.clinic.forms import NoteForm, PaceForm
from program.clinical_text import situation_name
from program.curriculum.actions import (
    advance_enrolment,
    extend_week,
    pause_enrolment,
    programme_overview,
    resume_enrolment,
    shared_answers,
)
from program.curriculum.situations import Situated, situations_of, with_situations
from program.diary.views import diary_context
from program.enrolment import eligibility
from program.exercises.actions import weekly_counts
from program.form_fields import new_submission_key
from program.medication import actions as medication_service
from program.models import (
    AdverseEvent,
    Assessment,
    CaseloadSummary,
    Enrolment,
    EnrolmentChange,
    Invitation,
    Medication,
    Message,
    Recommendation,
    SafetyScreen,
    SleepCourse,
    TaperPlan,
    TaperStep,
    TherapistNote,
)
from program.risk import actions as risk
from program.rules import age
from program.rules.situations import SITUATIONS
from program.sleep_window import actions as sw
from program.sleep_window import rescreen
from program.sleep_window.words import Audience

CASELOAD_PAGE_SIZE = 25


def _caseload_rows(
    request: AuthenticatedHttpRequest, *, weeks: bool = True
) -> tuple[QuerySet[CaseloadSummary], dict[str, Any]]:
    """The therapist's patients' kept rows (program/clinic/summary.py), filtered and sorted
    in the database: only the rows shown are read (``weeks``: the weeks the page's filter
    offers, one query the CSV does without)."""
    therapist: User = request.user
    query = request.GET.get("q", "").strip()
    sort = request.GET.get("sort", "flags")
    if sort not in caseload_service.SORTS:
        sort = "flags"
    flagged = request.GET.get("flagged") == "1"
    week_text = request.GET.get("week", "")
    week = int(week_text) if week_text.isdigit() and len(week_text) < 4 else None
    summary.refresh(User.objects.caseload_of(therapist))
    everyone = summary.summaries_in_care_of(therapist)
    rows = summary.sort_and_filter(everyone, sort=sort, flagged=flagged, week=week, query=query)
    # The week filter offers the weeks this caseload's programmes have (6, not 12).
    longest = summary.longest_programme(everyone) if weeks else 0
    filters = {
        "query": query,
        "sort": sort,
        "flagged": flagged,
        "week": week,
        "weeks": range(1, max(longest, week or 0) + 1),
    }
    return rows, filters


@clinician_required
def patient_fhir(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """The patient's record as a FHIR R4 Bundle (docs/fhir.md); the read is audited."""
    from program.my_data import fhir

    patient = get_patient_for(request, patient_id)
    response = HttpResponse(fhir.bundle_json(patient), content_type=fhir.FHIR_MIME)
    today = request.user.local_today()
    response["Content-Disposition"] = (
        f'attachment; filename="cbti-record-{patient.pk}-{today:%Y-%m-%d}.fhir.json"'
    )
    return response


@therapist_required
def caseload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The therapist's own patients: figures, flags (the urgent first), sort, filter, pages.

    Built in a fixed number of queries whatever the caseload's size (program/clinic/caseload.py).
    """
    therapist: User = request.user
    rows, filters = _caseload_rows(request)
    page = Paginator(rows, CASELOAD_PAGE_SIZE).get_page(request.GET.get("page"))
    keep = request.GET.copy()
    keep.pop("page", None)
    ctx = {
        "page": page,
        "rows": list(summary.as_rows(page.object_list)),
        "filters": filters,
        "sorts": caseload_service.SORTS.items(),
        "weeks": filters["weeks"],
        "query": filters["query"],
        "querystring": keep.urlencode(),
        "pending_invitations": Invitation.objects.pending().filter(therapist=therapist)[:20],
    }
    return render(request, "program/caseload.html", ctx)


def _fmt(value: float | None, digits: int = 1) -> str:
    return "" if value is None else f"{value:.{digits}f}"


class _Line:
    """A file that hands back what is written to it (one CSV line at a time)."""

    def write(self, text: str) -> str:
        return text


# The CSV's columns, read from the kept rows as plain values (no model per row).
CSV_COLUMNS = (
    "patient__name",
    "patient__email",
    "week",
    "nights_last_7",
    "se_last",
    "se_change",
    "tst_last",
    "tst_change",
    "isi_latest",
    "isi_change",
    "lessons_done",
    "lessons_total",
    "pending_recommendations",
    "flags",
)
CSV_HEADER = (
    "patient",
    "email",
    "programme week",
    "diary nights last week",
    "SE last week %",
    "SE change",
    "TST last week min",
    "TST change min",
    "latest ISI",
    "ISI change from baseline",
    "lessons done",
    "lessons in programme",
    "pending sleep-window recommendations",
    "flags",
)
CSV_CHUNK = 2000  # rows fetched from the database at a time while the file streams


@therapist_required
def caseload_export(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The caseload as CSV (the therapist's own patients only, the page's filters),
    streamed: the rows are read from the database in chunks as the file is written, in
    one query whatever their number (tests/test_query_counts.py). A file of every
    patient grows with them; what each row costs is kept small (plain values, each
    set of flags worded once)."""
    summaries, _filters = _caseload_rows(request, weeks=False)
    values = summaries.values_list(*CSV_COLUMNS).iterator(chunk_size=CSV_CHUNK)
    lines = _caseload_lines(values, translation.get_language())
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="caseload.csv"'
    return response


def _caseload_lines(values: Iterator[tuple[Any, ...]], language: str) -> Iterator[str]:
    """The CSV's lines, in the request's language (the file is written after the view
    has returned)."""
    writer = spreadsheet.Writer(_Line())
    flag_text: dict[str, str] = {}  # the flags' JSON -> their words; many rows share them
    with translation.override(language):
        yield writer.writerow(CSV_HEADER)
        for (
            name,
            email,
            week,
            nights,
            se_last,
            se_change,
            tst_last,
            tst_change,
            isi_latest,
            isi_change,
            lessons_done,
            lessons_total,
            pending,
            flags,
        ) in values:
            text = flag_text.get(flags)
            if text is None:
                text = flag_text[flags] = "; ".join(
                    str(caseload_service.flag_from(key, params).label)
                    for key, params in json.loads(flags)
                )
            yield writer.writerow(
                (
                    name,
                    email,
                    week or "",
                    nights,
                    _fmt(se_last),
                    _fmt(se_change),
                    _fmt(tst_last, 0),
                    _fmt(tst_change, 0),
                    "" if isi_latest is None else isi_latest,
                    "" if isi_change is None else isi_change,
                    lessons_done,
                    lessons_total,
                    pending,
                    text,
                )
            )


def patient_context(patient: User, *, chart_id: str, every_week: bool = False) -> dict[str, Any]:
    """Everything the patient page and the printable summary show, in a fixed number
    of queries (the summary, ``every_week``, lists every week of the diary)."""
    today = patient.local_today()
    # With the patient's situations, which the overview and the page show (same for each).
    enrolments = list(
        with_situations(Enrolment.objects.filter(patient=patient)).select_related("programme")
    )
    current = next((e for e in enrolments if e.status in Enrolment.CURRENT), None)
    course = SleepCourse.objects.filter(patient=patient).first()  # never created by a GET
    prescriptions = list(course.prescriptions.select_related("set_by")) if course else []
    ctx = diary_context(
        patient,
        today,
        chart_id=chart_id,
        every_week=every_week,
        enrolments=enrolments,
        prescriptions=prescriptions,
    )
    ctx["diary_pages_url"] = reverse("program:patient_diary", args=[patient.pk])
    overview = None
    changes: list[EnrolmentChange] = []
    if current:
        current.patient = patient
        changes = list(EnrolmentChange.objects.filter(enrolment=current).select_related("made_by"))
        overview = programme_overview(current, today=today, changes=changes)
    instruments = assessment_service.ensure_instruments()
    results = list(
        Assessment.objects.for_patient(patient).select_related("instrument", "entered_by")
    )
    trends = assessment_service.trends(results)
    # The window's recommendations, newest first, read once: those waiting for a decision
    # and the latest 20 decided.
    recommendations = (
        list(
            Recommendation.objects.filter(course=course)
            .select_related("decided_by", "prescription")
            .order_by("-review_date")
        )
        if course
        else []
    )
    pending = Recommendation.Status.PENDING
    decisions = [r for r in recommendations if r.status != pending][:20]
    medicines = list(Medication.objects.for_patient(patient))
    medication = (
        medication_service.figures(patient, today, medicines=medicines) if medicines else None
    )
    notes = list(
        TherapistNote.objects.filter(patient=patient)
        .select_related("author")
        .prefetch_related("revisions__edited_by")
    )
    ctx.update(
        {
            "patient": patient,
            "enrolments": enrolments,
            "current": current,
            # The latest week the pace rules have opened (program.rules.unlocking).
            "week": overview.current.number
            if overview and overview.current
            else (current.week_number(today) if current else None),
            "overview": overview,
            "changes": changes,
            "today": today,
            "instruments": instruments.values(),
            "instruments_by_key": instruments,
            "results": results,
            "risks": list(
                RiskAlert.objects.open()
                .filter(patient=patient)
                .select_related("assessment__instrument", "screen", "adverse_event")
                .prefetch_related("notices")
                .order_by("created_at")
            ),
            "trend_charts": trend_charts(trends, chart_id),
            "isi": trends.get("isi"),
            "prescriptions": [(p, sw.explain_window(p, Audience.STAFF)) for p in prescriptions],
            "window_course": course,
            "decisions": decisions,
            "pending_recommendations": sorted(
                (r for r in recommendations if r.status == pending), key=lambda r: r.review_date
            ),
            "medication": medication,
            # The printable summary's (``every_week``); the patient page shows the plan itself.
            "taper_facts": taper_facts(medication.plan, today) if medication and every_week else [],
            "notes": notes,
            "shared_answers": shared_answers(patient),
            "patient_age": eligibility.patient_age(patient),
            "under_age": eligibility.not_eligible(patient),
            "older_adult": age.older_adult(eligibility.patient_age(patient)),
            "situations": _situations(overview.situations if overview else None, patient),
        }
    )
    return ctx


def _step_words(step: TaperStep | None, none: str, *, paused: bool = False) -> str:
    """A step's dose and the evening it begins, with its drug-free nights. A paused
    plan's next step has no evening yet: resuming moves it by the pause."""
    if step is None:
        return none
    if paused:
        words = _("%(dose)s when the plan is resumed") % {"dose": step.dose_display}
    else:
        words = _("%(dose)s from the evening of %(day)s") % {
            "dose": step.dose_display,
            "day": date_format(step.starts_on, "DAY_MONTH_YEAR_FORMAT"),
        }
    nights = step.drug_free_nights_per_week
    if nights:
        words += ngettext(
            ", %(nights)s drug-free night a week", ", %(nights)s drug-free nights a week", nights
        ) % {"nights": nights}
    return words


def taper_facts(plan: TaperPlan | None, today: date) -> list[tuple[str, str]]:
    """The taper plan in force, as the printable summary and its PDF give it: the
    medicine, its status, the current step and the next with their dates, who set and
    confirmed it and the prescriber (label, words). Empty without a plan in force."""
    if plan is None:
        return []
    current, following = plan.current_and_next(today)
    status = plan.get_status_display()
    paused = plan.status == TaperPlan.Status.PAUSED
    if paused and plan.paused_on:
        status += " " + _("since %(since)s") % {
            "since": date_format(plan.paused_on, "DAY_MONTH_YEAR_FORMAT")
        }
    confirmed = "–"
    if plan.confirmed_by:
        confirmed = plan.confirmed_by.display_name
        if plan.confirmed_at:
            confirmed += ", " + date_format(
                localtime(plan.confirmed_at).date(), "DAY_MONTH_YEAR_FORMAT"
            )
    return [
        (
            _("Medicine"),
            _("%(name)s, from %(dose)s")
            % {"name": plan.medication.name, "dose": plan.start_dose_display},
        ),
        (_("Status"), status),
        (_("Current step"), _step_words(current, _("Not started yet"))),
        (_("Next step"), _step_words(following, _("No further step planned"), paused=paused)),
        (_("Plan set by"), plan.set_by.display_name),
        (_("Plan confirmed by"), confirmed),
        (_("Prescriber"), plan.prescriber or _("Not recorded")),
    ]


def _situations(known: Situated | None, patient: User) -> dict[str, Any]:
    """What the patient ticked on "About you", and what applies from what the app read
    (program.rules.situations), by name; the overview read them already."""
    known = known or situations_of(patient)
    return {
        "chosen": [situation_name(k) for k in SITUATIONS if k in known.chosen],
        "read": [situation_name(k) for k in SITUATIONS if k in known.read],
        "answered_at": known.answered_at,
    }


def _next_action(
    patient: User, ctx: dict[str, Any], *, therapist: bool, decides: bool
) -> tuple[str, str] | None:
    """The one thing that waits for the clinician, most pressing first (as the round
    orders its items): an urgent alert, a sleep-window decision, an elevated-mood answer
    to look at, a taper plan to confirm, unread messages, a reported problem to review.
    None when nothing waits. ``decides``: the viewer records the patient's sleep-window
    decisions (their therapist, or for a patient without one the duty list)."""
    pk = patient.pk
    if ctx["risks"] and ctx["can_acknowledge"]:
        return _("Acknowledge the urgent alert"), "#risk"
    if ctx["pending_recommendations"] or ctx["pending_screens"]:
        return _("Decide the sleep window"), reverse("program:patient_sleep_window", args=[pk])
    row = ctx.get("row")
    if decides and row is not None and any(flag.key == "mood" for flag in row.flags):
        # Holds any shorter window until a clinician has looked (program.rules.mood).
        return _("Look at the mood answer"), reverse(
            "program:patient_sleep_window", args=[pk]
        ) + "#mood-heading"
    if ctx["draft_plans"] and therapist:
        plan = ctx["draft_plans"][0]
        return _("Confirm the taper plan"), reverse("program:taper_plan_edit", args=[pk, plan.pk])
    if ctx["unread_messages"]:
        return _("Read the new messages"), reverse("program:patient_messages", args=[pk])
    if ctx["adverse_events_open"]:
        return _("Review the reported problem"), reverse("program:adverse_events")
    return None


@clinician_required
def patient_detail(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """The patient in sections: a summary on top (the week, the one next action, flags,
    the sleep-efficiency trend, the window now and any decision waiting), then each area
    folded (<details>, opened by a link to its #anchor), in a fixed number of queries."""
    patient = get_patient_for(request, patient_id)
    ctx = patient_context(patient, chart_id="detail")
    ctx["can_acknowledge"] = risk.can_acknowledge(request.user, patient)
    ctx["adverse_events_open"] = AdverseEvent.objects.open().filter(patient=patient).count()
    # The caseload's own kept row for this one patient (program/clinic/summary.py), so
    # that the summary never reads the patient differently from the caseload and the
    # round; worked out again only when a write or the date has distrusted it.
    one = User.objects.filter(pk=patient.pk)
    summary.refresh(one)
    kept = summary.summaries(one).first()
    ctx["row"] = summary.as_row(kept) if kept else None
    ctx["pending_screens"] = list(SafetyScreen.objects.to_decide().filter(patient=patient))
    ctx["draft_plans"] = list(
        TaperPlan.objects.filter(patient=patient, status=TaperPlan.Status.DRAFT).select_related(
            "medication"
        )
    )
    thread = Message.objects.filter(patient=patient)
    ctx["unread_messages"] = thread.filter(sender_id=patient.pk, read_at__isnull=True).count()
    ctx["latest_messages"] = list(thread.select_related("sender").order_by("-created_at")[:3])
    today = ctx["today"]
    ctx["window_now"] = next(
        (p for p, _why in ctx["prescriptions"] if p.effective_from <= today), None
    )
    ctx["se_trend"] = [w for w in reversed(ctx["weeks"][:4]) if w.summary.nights]
    ctx["next_action"] = _next_action(
        patient,
        ctx,
        therapist=is_therapist(request.user),
        decides=rescreen.can_decide(request.user, patient),
    )
    # How often the patient practised the guided exercises (program.exercises), one query.
    current = ctx["current"]
    ctx["exercise_weeks"] = weekly_counts(
        patient, today=today, since=current.start_date if current else None
    )
    ctx["note_form"] = NoteForm(initial={"submission_key": new_submission_key()})
    ctx["record_form"] = RecordResultForm(
        ctx["instruments_by_key"], initial={"completed_on": ctx["today"]}
    )
    return render(request, "program/patient_detail.html", ctx)


@clinician_required
@require_POST
def adjust_pace(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Pause, resume, extend or advance the patient's programme (the pace rules'
    inputs; see program.rules.unlocking)."""
    clinician: User = request.user
    patient = get_patient_for(request, patient_id)
    enrolment = (
        Enrolment.objects.current().select_related("programme").filter(patient=patient).first()
    )
    form = PaceForm(request.POST)
    if enrolment is None or not form.is_valid():
        messages.error(request, _("That change could not be made."))
        return redirect("program:patient_detail", patient_id=patient.pk)
    enrolment.patient = patient
    action = form.cleaned_data["action"]
    overview = programme_overview(enrolment)
    week = overview.current.number if overview.current else 1
    if action == "pause":
        pause_enrolment(enrolment=enrolment, by=clinician)
        messages.success(request, _("Paused: no new week opens until you resume."))
    elif action == "resume":
        resume_enrolment(enrolment=enrolment, by=clinician)
        messages.success(request, _("Resumed: the paused days do not count towards the pace."))
    elif action == "extend":
        days = form.cleaned_data["days"] or 7
        extend_week(enrolment=enrolment, week=week, days=days, by=clinician)
        messages.success(
            request, _("Week %(week)s extended by %(days)s days.") % {"week": week, "days": days}
        )
    elif action == "advance":
        if overview.next_locked is None:
            messages.error(request, _("Every week is already open."))
        else:
            advance_enrolment(enrolment=enrolment, week=overview.next_locked.number, by=clinician)
            messages.success(
                request, _("Week %(week)s is open now.") % {"week": overview.next_locked.number}
            )
    return redirect(f"{patient_url(patient)}#programme")


@clinician_required
def patient_summary(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """A printable summary for the medical record (a print stylesheet; see README)."""
    patient = get_patient_for(request, patient_id)
    ctx = patient_context(patient, chart_id="summary", every_week=True)
    ctx["include_notes"] = request.GET.get("notes") == "1"
    return render(request, "program/patient_summary.html", ctx)


@clinician_required
def patient_summary_pdf(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """The same summary as a PDF download (fpdf2)."""
    from django.conf import settings

    from program.clinic.summary_pdf import build

    patient = get_patient_for(request, patient_id)
    ctx = patient_context(patient, chart_id="pdf", every_week=True)
    today = request.user.local_today()
    body = build(
        ctx,
        site_name=settings.SITE_NAME,
        printed=today,
        include_notes=request.GET.get("notes") == "1",
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="cbti-summary-{patient.pk}-{today:%Y-%m-%d}.pdf"'
    )
    return response


@therapist_required
@require_POST
def add_note(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            assessment_service.add_note(
                patient=patient,
                author=request.user,
                text=form.cleaned_data["text"],
                submission_key=form.cleaned_data["submission_key"],
            )
        except assessment_service.NoteAlreadySaved:
            # A double click saves the form twice and the browser shows only the second
            # answer: it answers as the save did (the note is saved, once, below).
            note_unchanged(request)  # nothing was saved again
            messages.success(request, _("Note saved."))
        else:
            messages.success(request, _("Note saved."))
    else:
        messages.error(request, _("A note needs some text."))
    return redirect(f"{patient_url(patient)}#notes")


def patient_url(patient: User) -> str:
    from django.urls import reverse

    return reverse("program:patient_detail", args=[patient.pk])


@therapist_required
def edit_note(request: AuthenticatedHttpRequest, patient_id: int, note_id: int) -> HttpResponse:
    """Change a note; the earlier text is kept and shown as its history."""
    patient = get_patient_for(request, patient_id)
    note = get_object_or_404(TherapistNote, pk=note_id, patient=patient)
    form = NoteForm(request.POST or None, initial={"text": note.text})
    if request.method == "POST" and form.is_valid():
        assessment_service.edit_note(
            note=note,
            by=request.user,
            text=form.cleaned_data["text"],
        )
        messages.success(request, _("Note updated; the earlier text is kept in its history."))
        return redirect(f"{patient_url(patient)}#notes")
    ctx = {
        "patient": patient,
        "note": note,
        "form": form,
        "revisions": note.revisions.select_related("edited_by"),
    }
    return render(request, "program/note_edit.html", ctx)

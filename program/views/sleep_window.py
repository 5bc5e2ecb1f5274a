from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import clinician_required, get_patient_for, patient_required
from accounts.models import User

from .. import risk, safety
from .. import sleep_window as sw
from ..calendar import calendar_feed
from ..clinical_text import translated
from ..forms import (
    CourseSettingsForm,
    ReasonForm,
    RecommendationDecisionForm,
    RiseTimeForm,
    SafetyScreenForm,
    ScreenDecisionForm,
    SleepinessForm,
)
from ..models import Recommendation, SafetyScreen, SleepCourse


def window_context(patient: User) -> dict[str, Any]:
    """What both the patient's and the therapist's sleep-window pages show."""
    today = patient.local_today()
    course = sw.course_for(patient)
    prescriptions = list(course.prescriptions.select_related("set_by"))
    current = next((p for p in prescriptions if p.effective_from <= today), None)
    upcoming = next((p for p in prescriptions if p.effective_from > today), None)
    pending = course.recommendations.pending().first()
    screen = sw.latest_screen(patient)
    sleepiness = sw.recent_sleepiness(patient, today)
    rules = course.protocol.rules()
    return {
        "patient": patient,
        "today": today,
        "course": course,
        "rules": rules,
        "current": current,
        "upcoming": upcoming,
        "current_explained": sw.explain(current.rule, current.figures) if current else "",
        "prescriptions": [(p, sw.explain(p.rule, p.figures)) for p in prescriptions],
        "pending": pending,
        "pending_explained": sw.explain(pending.rule, pending.figures) if pending else "",
        "screen": screen,
        "screen_reasons": [q for q in safety.SCREEN if screen and screen.answers.get(q.key)],
        "baseline": sw.baseline_status(patient, course, today),
        # The mornings the latest review read: the span the caseload shows too.
        "review_week": sw.review_week(course, today) if current else None,
        "sleepiness": sleepiness,
        "sleepiness_due": course.status == SleepCourse.Status.ACTIVE and sleepiness is None,
        "allowed": bool(screen) and screen.decision in ("allowed", "compression"),
        "safety_advice": sleepiness_words(patient),
        "crisis_message": translated(safety.CRISIS_MESSAGE),
        # Under the crisis message: whom the app told, as it happened.
        "risk_words": (
            risk.patient_words(screen.risk_alerts.first())
            if screen and screen.answers.get("self_harm")
            else ""
        ),
    }


def screen_words(patient: User) -> str:
    """What a positive screen leads to, as it is: the therapist sees it on their caseload
    ("Positive safety screen (to review)") and decides; without one, nobody does."""
    if patient.therapist_id:
        return _(
            "Thank you. Some of your answers mean your therapist should decide about the "
            "sleep window with you. They will see your answers on their list of patients."
        )
    return _(
        "Thank you. Some of your answers mean a clinician should decide about the sleep "
        "window with you. You do not have a therapist in this app, so nobody will look at "
        "these answers automatically: please talk to your clinic or your doctor."
    )


def sleepiness_words(patient: User) -> str:
    """The sleepiness advice, and the caseload's "Severe daytime sleepiness" flag only
    when there is a therapist whose caseload shows it."""
    advice = translated(safety.SAFETY_ADVICE)
    if patient.therapist_id:
        return advice + " " + _("Your therapist will see this on their list of patients.")
    return advice


@patient_required
def sleep_window(request: HttpRequest) -> HttpResponse:
    return _rerender(request)


def _rerender(request: HttpRequest, **forms: Any) -> HttpResponse:
    """The patient's page, with any form that needs correcting in place of a blank one."""
    patient: User = request.user  # type: ignore[assignment]
    ctx = window_context(patient)
    ctx.update(
        {
            "screen_form": SafetyScreenForm(),
            "sleepiness_form": SleepinessForm(),
            "rise_form": RiseTimeForm(initial={"rise_time": "06:30"}),
        }
    )
    ctx.update(forms)
    ctx["calendar_url"] = request.build_absolute_uri(
        reverse("program:calendar_feed", args=[ctx["course"].calendar_token])
    )
    return render(request, "program/sleep_window.html", ctx)


@patient_required
@require_POST
def submit_screen(request: HttpRequest) -> HttpResponse:
    form = SafetyScreenForm(request.POST)
    if not form.is_valid():
        return _rerender(request, screen_form=form)
    patient: User = request.user  # type: ignore[assignment]
    # Through program.risk: a self-harm answer raises its alert in the same transaction.
    _screen, result, alert = risk.submit_screen(patient, form.answers())
    if result.crisis:
        messages.error(request, translated(safety.CRISIS_MESSAGE))
        messages.error(request, risk.patient_words(alert))
    if result.positive:
        messages.info(request, screen_words(patient))
    else:
        messages.success(request, _("Thank you. You can choose your rise time now."))
    return redirect("program:sleep_window")


@patient_required
@require_POST
def start_window(request: HttpRequest) -> HttpResponse:
    form = RiseTimeForm(request.POST)
    if not form.is_valid():
        return _rerender(request, rise_form=form)
    try:
        recommendation = sw.start(request.user, rise_time=form.cleaned_data["rise_time"])  # type: ignore[arg-type]
    except sw.SleepWindowError as error:
        form.add_error(None, str(error))
        return _rerender(request, rise_form=form)
    if recommendation.status == Recommendation.Status.AUTOMATIC:
        messages.success(request, _("Your sleep window is ready."))
    else:
        messages.success(
            request,
            _(
                "Your therapist will look at your first sleep window and "
                "confirm it, usually within a few days."
            ),
        )
    return redirect("program:sleep_window")


@patient_required
@require_POST
def sleepiness_check(request: HttpRequest) -> HttpResponse:
    form = SleepinessForm(request.POST)
    if not form.is_valid():
        return _rerender(request, sleepiness_form=form)
    check = sw.record_sleepiness(
        request.user,
        dozing=form.cleaned_data["dozing"],  # type: ignore[arg-type]
        unsafe=form.cleaned_data["unsafe"] == "yes",
    )
    if check.very_sleepy:
        messages.warning(request, sleepiness_words(request.user))  # type: ignore[arg-type]
    else:
        messages.success(request, _("Thank you. Keep to your window: it is working for you."))
    return redirect("program:sleep_window")


@patient_required
@require_POST
def patient_pause(request: HttpRequest) -> HttpResponse:
    course = sw.course_for(request.user)  # type: ignore[arg-type]
    form = ReasonForm(request.POST)
    try:
        if course.status == SleepCourse.Status.PAUSED:
            sw.resume(course)
            messages.success(request, _("Welcome back: your sleep window is on again."))
        else:
            sw.pause(course, reason=form.data.get("reason", "")[:200] or "Paused by the patient")
            messages.info(
                request,
                _(
                    "Your sleep window is paused. Resume it when you are ready; "
                    "it continues where it left off."
                ),
            )
    except sw.SleepWindowError as error:
        messages.error(request, str(error))
    return redirect("program:sleep_window")


@patient_required
@require_POST
def new_calendar_link(request: HttpRequest) -> HttpResponse:
    from ..models.sleep_window import new_calendar_token

    course = sw.course_for(request.user)  # type: ignore[arg-type]
    course.calendar_token = new_calendar_token()
    course.save(update_fields=["calendar_token", "updated_at"])
    messages.success(request, _("Your calendar link was replaced; the old link no longer works."))
    return redirect("program:sleep_window")


def calendar(request: HttpRequest, token: str) -> HttpResponse:
    """The private iCalendar feed: whoever holds the secret link may read it."""
    course = SleepCourse.objects.select_related("patient").filter(calendar_token=token).first()
    if course is None or not course.patient.is_active:
        raise Http404
    with translation.override(course.patient.language or settings.LANGUAGE_CODE):
        body = calendar_feed(course, now=datetime.now(tz=course.patient.zone))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sleep-window.ics"'
    response["Cache-Control"] = "private, max-age=900"
    return response


# --- Therapist ----------------------------------------------------------------------------


@clinician_required
def patient_sleep_window(request: HttpRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request.user, patient_id)  # type: ignore[arg-type]
    return _therapist_page(request, patient)


def _therapist_page(
    request: HttpRequest, patient: User, decision_form: RecommendationDecisionForm | None = None
) -> HttpResponse:
    """The therapist's page, with a decision form that needs correcting if there is one."""
    ctx = window_context(patient)
    pending = ctx["pending"]
    ctx["decision_form"] = decision_form or RecommendationDecisionForm(
        initial={
            "action": "approve",
            "window_min": pending.proposed_window_min if pending else None,
        }
    )
    ctx["screen_form"] = ScreenDecisionForm()
    ctx["settings_form"] = CourseSettingsForm(
        initial={
            "protocol": ctx["course"].protocol_id,
            "titration_weekday": ctx["course"].titration_weekday,
        }
    )
    ctx["can_act"] = request.user.role == "therapist"  # type: ignore[union-attr]
    return render(request, "program/patient_sleep_window.html", ctx)


def _own_patient(request: HttpRequest, patient_id: int) -> User:
    """Decisions are the patient's own therapist's (admins read only)."""
    patient = get_patient_for(request.user, patient_id)  # type: ignore[arg-type]
    if request.user.role != "therapist":  # type: ignore[union-attr]
        raise Http404
    return patient


@clinician_required
@require_POST
def decide_recommendation(
    request: HttpRequest, patient_id: int, recommendation_id: int
) -> HttpResponse:
    patient = _own_patient(request, patient_id)
    recommendation = get_object_or_404(
        Recommendation, pk=recommendation_id, course__patient=patient
    )
    form = RecommendationDecisionForm(request.POST)
    if not form.is_valid():
        return _therapist_page(request, patient, decision_form=form)
    apply_decision(request, recommendation, form)
    return redirect("program:patient_sleep_window", patient_id=patient.pk)


def apply_decision(
    request: HttpRequest, recommendation: Recommendation, form: RecommendationDecisionForm
) -> bool:
    """The therapist's valid decision through program.sleep_window (which refuses a
    second one), and a message that says what happened. True if it was recorded."""
    action, by = form.cleaned_data["action"], request.user
    try:
        if action == "approve":
            sw.approve(recommendation, by=by)  # type: ignore[arg-type]
            messages.success(request, _("Approved. The patient sees the new window now."))
        elif action == "edit":
            sw.edit(
                recommendation,
                by=by,
                window_min=form.cleaned_data["window_min"],  # type: ignore[arg-type]
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Your window is set. The patient sees it now."))
        else:
            sw.reject(recommendation, by=by, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
            messages.success(request, _("Rejected. The current window stays."))
    except sw.SleepWindowError as error:
        messages.error(request, str(error))
        return False
    return True


@clinician_required
@require_POST
def decide_screen(request: HttpRequest, patient_id: int, screen_id: int) -> HttpResponse:
    patient = _own_patient(request, patient_id)
    screen = get_object_or_404(SafetyScreen, pk=screen_id, patient=patient)
    form = ScreenDecisionForm(request.POST)
    if form.is_valid():
        sw.decide_screen(
            screen,
            decision=form.cleaned_data["decision"],
            by=request.user,  # type: ignore[arg-type]
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Your decision is recorded."))
    else:
        messages.error(request, _("Choose a decision."))
    return redirect("program:patient_sleep_window", patient_id=patient.pk)


@clinician_required
@require_POST
def course_action(request: HttpRequest, patient_id: int) -> HttpResponse:
    """Pause, resume, end, review now, or change the protocol and review day."""
    patient = _own_patient(request, patient_id)
    course = sw.course_for(patient)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()
    try:
        if action == "pause":
            sw.pause(course, reason=reason or "Paused by the therapist")
            messages.success(request, _("Paused. It resumes where it left off."))
        elif action == "resume":
            sw.resume(course)
            messages.success(request, _("Resumed."))
        elif action == "end":
            sw.end(course, reason=reason or "Ended by the therapist")
            messages.success(request, _("Sleep restriction has ended for this patient."))
        elif action == "review":
            recommendation = sw.weekly_review(course, patient.local_today())
            if recommendation is None:
                messages.error(request, _("A review needs an active window."))
            else:
                messages.success(request, _("This week's recommendation is ready below."))
        elif action == "settings":
            form = CourseSettingsForm(request.POST)
            if form.is_valid():
                course.protocol = form.cleaned_data["protocol"]
                course.titration_weekday = form.cleaned_data["titration_weekday"]
                course.save()
                messages.success(request, _("Saved."))
            else:
                messages.error(request, _("Choose a protocol and a day."))
        else:
            messages.error(request, _("Unknown action."))
    except sw.SleepWindowError as error:
        messages.error(request, str(error))
    return redirect("program:patient_sleep_window", patient_id=patient.pk)

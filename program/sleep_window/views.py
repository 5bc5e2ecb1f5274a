from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import clinician_required, patient_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.clinical_text import (
    CRISIS_MESSAGE,
    NAP_RULE,
    SAFETY_ADVICE,
    flag_words,
    screen_question,
    translated,
)
from program.enrolment import eligibility
from program.models import MoodCheck, PatientPause, Recommendation, SafetyScreen, SleepCourse
from program.reminders import actions as reminders
from program.risk import actions as risk
from program.rules import age, mood, safety
from program.sleep_window import actions as sw
from program.sleep_window import rescreen
from program.sleep_window.calendar import calendar_feed
from program.sleep_window.forms import (
    BirthDateForm,
    CourseSettingsForm,
    MoodForm,
    ReasonForm,
    RecommendationDecisionForm,
    RiseTimeForm,
    SafetyScreenForm,
    ScreenDecisionForm,
    SleepinessForm,
)
from program.sleep_window.words import Audience
from program.today import actions as pauses


def _break_that_paused(patient: User) -> PatientPause | None:
    """The patient's open break, if it is what paused the window (a break never claims a
    clinician's pause: it does not resume it)."""
    pause = pauses.open_pause(patient)
    return pause if pause is not None and pause.paused_window else None


def window_context(patient: User, audience: str = Audience.PATIENT) -> dict[str, Any]:
    """What both the patient's and the therapist's sleep-window pages show, the
    decisions worded for ``audience`` (the patient, or their care team)."""
    today = patient.local_today()
    course = sw.course_for(patient)
    # The therapist came with the course (one join, not a query of its own).
    patient.therapist = course.patient.therapist
    # Read once, newest first; the review week and the screen's schedule use them too.
    prescriptions = list(course.prescriptions.select_related("set_by"))
    current = sw.in_force(prescriptions, today)
    upcoming = next((p for p in prescriptions if p.effective_from > today), None)
    # The mornings the latest review read: the span the caseload and the API show too.
    week = sw.review_week(course, today, prescriptions) if current else None
    # The pending recommendations and that week's review, in one read.
    wanted = Q(status=Recommendation.Status.PENDING)
    if week is not None:
        wanted |= Q(kind="weekly", review_date=week.review_date)
    recommendations = list(course.recommendations.filter(wanted))
    pending = next((r for r in recommendations if r.status == Recommendation.Status.PENDING), None)
    reviewed = week is not None and any(
        r.kind == "weekly" and r.review_date == week.review_date for r in recommendations
    )
    screen = sw.latest_screen(patient)
    sleepiness = sw.recent_sleepiness(patient, today)
    rules = course.protocol.rules()
    mood_checks = list(MoodCheck.objects.filter(patient=patient).select_related("reviewed_by")[:8])
    therapist = rescreen.active_therapist(patient)
    has_therapist = therapist is not None
    return {
        # The screen due again (program.rules.rescreen): "start", "periodic", "change".
        "rescreen_due": rescreen.due(patient, course, screen, today, prescriptions)
        if screen
        else "",
        "has_therapist": therapist is not None,
        # Without a therapist, the clinic's admins decide
        # (program.sleep_window.rescreen.can_decide).
        "duty_team": therapist is None and rescreen.deciders_without_therapist().exists(),
        # A pending recommendation's first day of waiting, in the patient's zone.
        "pending_since": (
            (pending.waiting_since or pending.created_at).astimezone(patient.zone)
            if pending
            else None
        ),
        "patient": patient,
        "today": today,
        "course": course,
        # The patient's own break, when that is what paused the window (program.today).
        "on_break": _break_that_paused(patient)
        if course.status == SleepCourse.Status.PAUSED
        else None,
        "rules": rules,
        "current": current,
        "upcoming": upcoming,
        "audience": audience,
        "current_explained": (
            sw.explain_window(current, audience, therapist=has_therapist) if current else ""
        ),
        "prescriptions": [
            (p, sw.explain_window(p, audience, therapist=has_therapist)) for p in prescriptions
        ],
        "pending": pending,
        "pending_explained": (
            sw.explain(pending.rule, pending.figures, audience, therapist=has_therapist)
            if pending
            else ""
        ),
        # Why it waits for the clinician, in their words (program.clinical_text.FLAG_WORDS).
        "pending_flags": flag_words(pending.flags) if pending else [],
        "screen": screen,
        "screen_reasons": [
            {"text": screen_question(q.key), "why": q.why}
            for q in safety.SCREEN
            if screen and screen.answers.get(q.key)
        ],
        "baseline": sw.baseline_status(patient, course, today),
        "review_week": week,
        # A weekly review was made that day (a first window's day has none to tell).
        "reviewed": reviewed,
        "sleepiness": sleepiness,
        "sleepiness_due": course.status == SleepCourse.Status.ACTIVE and sleepiness is None,
        "allowed": screen is not None and screen.decision in ("allowed", "compression"),
        "safety_advice": sleepiness_words(patient),
        "nap_rule": str(NAP_RULE),
        # The weekly elevated-mood question (program.rules.mood), for a history of bipolar disorder.
        "mood_due": sw.mood_question_due(
            course, screen, mood_checks[0] if mood_checks else None, today
        ),
        "mood_not_validated": translated(mood.NOT_VALIDATED),
        "mood_checks": mood_checks,
        "mood_to_review": [c for c in mood_checks if c.to_review],
        "crisis_message": str(CRISIS_MESSAGE),
        # Under the crisis message: whom the app told, as it happened.
        "risk_words": (
            risk.patient_words(screen.risk_alerts.first())
            if screen and screen.answers.get("self_harm")
            else ""
        ),
    }


def screen_words(patient: User) -> str:
    """What a positive screen leads to, as it is: the therapist sees it on their caseload
    ("Positive safety screen (to review)") and decides; without one, the clinic's admins
    see it on the clinic page ("Decisions waiting", program.clinic.admin_views) and decide;
    with no admin either, nobody does."""
    if rescreen.active_therapist(patient):
        return _(
            "Thank you. Some of your answers mean your therapist should decide about the "
            "sleep window with you. They will see your answers on their list of patients."
        )
    if rescreen.deciders_without_therapist().exists():
        return _(
            "Thank you. Some of your answers mean a clinician should decide about the sleep "
            "window with you. You do not have a therapist in this app, so your clinic's "
            "duty team will see your answers on the clinic's page and decide."
        )
    return _(
        "Thank you. Some of your answers mean a clinician should decide about the sleep "
        "window with you. You do not have a therapist in this app, so nobody will look at "
        "these answers automatically: please talk to your clinic or your doctor."
    )


def sleepiness_words(patient: User) -> str:
    """The sleepiness advice, and the caseload's "Severe daytime sleepiness" flag only
    when there is a therapist whose caseload shows it."""
    advice = str(SAFETY_ADVICE) + " " + str(NAP_RULE)
    if rescreen.active_therapist(patient):
        return advice + " " + _("Your therapist will see this on their list of patients.")
    return advice


@patient_required
def sleep_window(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _rerender(request)


def _rerender(request: AuthenticatedHttpRequest, **forms: Any) -> HttpResponse:
    """The patient's page, with any form that needs correcting in place of a blank one."""
    patient: User = request.user
    ctx = window_context(patient)
    ctx.update(
        {
            "screen_form": SafetyScreenForm(years=patient.age()),
            "sleepiness_form": SleepinessForm(),
            "mood_form": MoodForm(),
            "rise_form": RiseTimeForm(initial={"rise_time": "06:30"}),
            "birth_form": BirthDateForm(),
        }
    )
    ctx.update(forms)
    ctx["calendar_url"] = request.build_absolute_uri(
        reverse("program:calendar_feed", args=[ctx["course"].calendar_token])
    )
    return render(request, "program/sleep_window.html", ctx)


@patient_required
@require_POST
def submit_screen(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SafetyScreenForm(request.POST, years=request.user.age())
    if not form.is_valid():
        return _rerender(request, screen_form=form)
    patient: User = request.user
    # Through program.risk.actions: a self-harm answer raises its alert in the same transaction.
    _screen, result, _alert = risk.submit_screen(patient, form.answers())
    # A self-harm answer makes the screen positive, and the page it lands on shows the
    # crisis contacts (tappable) and whom the app told under the clinician's decision
    # (templates/program/sleep_window.html): the same words flashed above them were the
    # patient's second copy of both.
    if result.positive:
        messages.info(request, screen_words(patient))
    elif sw.course_for(patient).status in (SleepCourse.Status.ACTIVE, SleepCourse.Status.PAUSED):
        messages.success(request, _("Thank you. Your sleep window goes on as before."))
    else:
        messages.success(request, _("Thank you. You can choose your rise time now."))
    return redirect("program:sleep_window")


@patient_required
@require_POST
def birth_date(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The date of birth asked once, before sleep restriction, of an account made before
    onboarding asked it. Under 18, the programme's pages then say why not
    (program.enrolment.eligibility); from 65, compression is proposed (program.rules.age)."""
    patient: User = request.user
    form = BirthDateForm(request.POST)
    if not form.is_valid():
        return _rerender(request, birth_form=form)
    patient.date_of_birth = form.cleaned_data["date_of_birth"]
    patient.save(update_fields=["date_of_birth"])
    sw.follow_age(patient)
    reminders.refresh_schedules(patient)  # none at all under 18
    messages.success(request, _("Thank you. Your date of birth is saved."))
    return redirect("program:sleep_window")


@patient_required
@require_POST
def report_change(request: AuthenticatedHttpRequest) -> HttpResponse:
    """ "Something has changed": the screen opens again, and no shorter window is made
    until it is answered (program.sleep_window.rescreen)."""
    rescreen.report_change(request.user)
    messages.info(
        request,
        _(
            "Thank you for telling us. Please answer the safety questions again below: "
            "until you do, your window will not be made shorter."
        ),
    )
    return redirect(reverse("program:sleep_window") + "#screen-heading")


@patient_required
@require_POST
def start_window(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = RiseTimeForm(request.POST)
    if not form.is_valid():
        return _rerender(request, rise_form=form)
    try:
        recommendation = sw.start(request.user, rise_time=form.cleaned_data["rise_time"])
    except sw.SleepWindowError as error:
        form.add_error(None, str(error))
        return _rerender(request, rise_form=form)
    if recommendation.status == Recommendation.Status.AUTOMATIC:
        messages.success(request, _("Your sleep window is ready."))
    elif rescreen.active_therapist(request.user):
        messages.success(
            request,
            _(
                "Your therapist will look at your first sleep window and "
                "confirm it, usually within a few days."
            ),
        )
    elif rescreen.deciders_without_therapist().exists():
        messages.success(
            request,
            _(
                "You do not have a therapist in this app, so your clinic's duty team will "
                "look at your first sleep window and confirm it."
            ),
        )
    else:
        messages.warning(
            request,
            _(
                "You do not have a therapist in this app, so nobody will confirm your first "
                "sleep window automatically: please talk to your clinic."
            ),
        )
    return redirect("program:sleep_window")


@patient_required
@require_POST
def sleepiness_check(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = SleepinessForm(request.POST)
    if not form.is_valid():
        return _rerender(request, sleepiness_form=form)
    check = sw.record_sleepiness(
        request.user,
        dozing=form.cleaned_data["dozing"],
        unsafe=form.cleaned_data["unsafe"] == "yes",
    )
    if check.very_sleepy:
        messages.warning(request, sleepiness_words(request.user))
    else:
        messages.success(request, _("Thank you. Keep to your window: it is working for you."))
    return redirect("program:sleep_window")


def mood_words(patient: User) -> str:
    """What happens after an elevated-mood "yes", as it is: the therapist's caseload
    shows it ("Elevated mood reported (to review)"); without a therapist, the duty list's
    queue does (on the alerts and clinic pages) when the duty list has someone with an
    account to look; otherwise nobody's does."""
    held = _("Your sleep window will not be made shorter until a clinician has looked at it.")
    if patient.therapist_id:
        return (
            _(
                "Thank you for telling us. Your therapist will see your answer on their list of "
                "patients."
            )
            + " "
            + held
        )
    if rescreen.deciders_without_therapist().exists():
        # The duty list's queue on the alerts and clinic pages (rescreen.waiting_without_therapist).
        return (
            _("Thank you for telling us.")
            + " "
            + held
            + " "
            + _(
                "You do not have a therapist in this app, so your clinic's duty team will see "
                "your answer on their list of patients waiting for a clinician. If you feel "
                "unwell, please also tell your doctor."
            )
        )
    return (
        _("Thank you for telling us.")
        + " "
        + held
        + " "
        + _(
            "You do not have a therapist in this app, so nobody will see this answer "
            "automatically: please tell your clinic or your doctor soon."
        )
    )


@patient_required
@require_POST
def mood_check(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient: User = request.user
    form = MoodForm(request.POST)
    if not form.is_valid():
        return _rerender(request, mood_form=form)
    course = sw.course_for(patient)
    if not sw.mood_question_due(
        course, sw.latest_screen(patient), sw.last_mood_check(patient), patient.local_today()
    ):
        messages.info(request, _("This week's question has been answered already."))
        return redirect("program:sleep_window")
    check = sw.record_mood(patient, elevated=form.cleaned_data["elevated"] == "yes")
    if check.elevated:
        messages.warning(request, mood_words(patient))
    else:
        messages.success(request, _("Thank you."))
    return redirect("program:sleep_window")


@patient_required
@require_POST
def patient_pause(request: AuthenticatedHttpRequest) -> HttpResponse:
    course = sw.course_for(request.user)
    form = ReasonForm(request.POST)
    try:
        if course.status == SleepCourse.Status.PAUSED:
            sw.resume(course)
            messages.success(request, _("Welcome back: your sleep window is on again."))
        else:
            # Only what the patient typed: the page words a pause with none itself.
            sw.pause(course, reason=form.data.get("reason", "")[:200])
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
def new_calendar_link(request: AuthenticatedHttpRequest) -> HttpResponse:
    from program.sleep_window.models import new_calendar_token

    course = sw.course_for(request.user)
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
def patient_sleep_window(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = rescreen.get_patient_for_decider(request, patient_id)
    return _therapist_page(request, patient)


def _therapist_page(
    request: AuthenticatedHttpRequest,
    patient: User,
    decision_form: RecommendationDecisionForm | None = None,
    screen_form: ScreenDecisionForm | None = None,
) -> HttpResponse:
    """The therapist's page, with a decision form that needs correcting if there is one."""
    ctx = window_context(patient, Audience.STAFF)
    pending = ctx["pending"]
    ctx["decision_form"] = decision_form or RecommendationDecisionForm(
        initial={
            "action": "approve",
            "window_min": pending.proposed_window_min if pending else None,
        },
        rules=ctx["rules"],
    )
    screen = ctx["screen"]
    ctx["screen_form"] = screen_form or ScreenDecisionForm.for_screen(screen)
    ctx["strict_screen"] = ctx["screen_form"].strict
    if ctx["strict_screen"] and not ctx["screen_form"].is_bound:
        ctx["screen_form"].initial = {"decision": "compression"}
    ctx["settings_form"] = CourseSettingsForm(
        initial={
            "protocol": ctx["course"].protocol_id,
            "titration_weekday": ctx["course"].titration_weekday,
        }
    )
    ctx["can_act"] = rescreen.can_decide(request.user, patient)
    years = eligibility.patient_age(patient)
    ctx["patient_age"] = years
    # The app's proposal from the age (program.rules.age), until a clinician chooses.
    ctx["age_proposal"] = (
        ctx["course"].protocol_set_by_id is None
        and age.older_adult(years)
        and ctx["course"].protocol.key == age.OLDER_ADULT_PROTOCOL
    )
    return render(request, "program/patient_sleep_window.html", ctx)


def _own_patient(request: AuthenticatedHttpRequest, patient_id: int) -> User:
    """Decisions are the patient's own therapist's; for a patient without one, a clinic
    admin's (``rescreen.can_decide``). Otherwise admins read only."""
    patient = rescreen.get_patient_for_decider(request, patient_id)
    if not rescreen.can_decide(request.user, patient):
        raise Http404
    return patient


@clinician_required
@require_POST
def decide_recommendation(
    request: AuthenticatedHttpRequest, patient_id: int, recommendation_id: int
) -> HttpResponse:
    patient = _own_patient(request, patient_id)
    recommendation = get_object_or_404(
        Recommendation.objects.select_related("course__protocol"),
        pk=recommendation_id,
        course__patient=patient,
    )
    form = RecommendationDecisionForm(request.POST, rules=recommendation.course.protocol.rules())
    if not form.is_valid():
        return _therapist_page(request, patient, decision_form=form)
    apply_decision(request, recommendation, form)
    return redirect("program:patient_sleep_window", patient_id=patient.pk)


def apply_decision(
    request: AuthenticatedHttpRequest,
    recommendation: Recommendation,
    form: RecommendationDecisionForm,
) -> bool:
    """The therapist's valid decision through program.sleep_window.actions (which refuses a
    second one), and a message that says what happened. True if it was recorded."""
    action, by = form.cleaned_data["action"], request.user
    try:
        if action == "approve":
            sw.approve(recommendation, by=by)
            if recommendation.proposed_window_min == recommendation.current_window_min:
                messages.success(request, _("Approved: the window stays as it is."))
            else:
                messages.success(request, _("Approved. The patient sees the new window now."))
        elif action == "edit":
            sw.edit(
                recommendation,
                by=by,
                window_min=form.cleaned_data["window_min"],
                reason=form.cleaned_data["reason"],
                outside_confirmed=form.cleaned_data["outside_protocol"],
            )
            messages.success(request, _("The window you chose is set. The patient sees it now."))
        else:
            sw.reject(recommendation, by=by, reason=form.cleaned_data["reason"])
            messages.success(request, _("Rejected. The current window stays."))
    except sw.SleepWindowError as error:
        messages.error(request, str(error))
        return False
    return True


@clinician_required
@require_POST
def decide_screen(
    request: AuthenticatedHttpRequest, patient_id: int, screen_id: int
) -> HttpResponse:
    patient = _own_patient(request, patient_id)
    screen = get_object_or_404(SafetyScreen, pk=screen_id, patient=patient)
    form = ScreenDecisionForm.for_screen(screen, request.POST)
    if not form.is_valid():
        return _therapist_page(request, patient, screen_form=form)
    try:
        sw.decide_screen(
            screen,
            decision=form.cleaned_data["decision"],
            by=request.user,
            note=form.cleaned_data["note"],
        )
    except sw.SleepWindowError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Your decision is recorded."))
    return redirect("program:patient_sleep_window", patient_id=patient.pk)


@clinician_required
@require_POST
def review_mood(request: AuthenticatedHttpRequest, patient_id: int, check_id: int) -> HttpResponse:
    """The therapist has looked at an elevated-mood answer: reductions are no longer held."""
    patient = _own_patient(request, patient_id)
    check = get_object_or_404(MoodCheck, pk=check_id, patient=patient)
    sw.review_mood(check, by=request.user)
    messages.success(
        request, _("Marked as looked at. Shorter windows are no longer held for this answer.")
    )
    return redirect("program:patient_sleep_window", patient_id=patient.pk)


@clinician_required
@require_POST
def course_action(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Pause, resume, end, review now, or change the protocol and review day."""
    patient = _own_patient(request, patient_id)
    course = sw.course_for(patient)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "").strip()
    try:
        if action == "pause":
            sw.pause(course, reason=reason)
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
            elif recommendation.status == Recommendation.Status.PENDING:
                messages.success(request, _("This week's recommendation is ready below."))
            else:  # today's review was decided already: the same day is never reviewed twice
                messages.info(
                    request,
                    _("Today's review was decided already (%(status)s): see the decisions below.")
                    % {"status": recommendation.get_status_display().lower()},
                )
        elif action == "settings":
            form = CourseSettingsForm(request.POST)
            if form.is_valid():
                course.protocol = form.cleaned_data["protocol"]
                course.protocol_set_by = request.user  # the app proposes no more
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

"""The weekly round (program.clinic.round): the list of what needs the clinician, one card per
patient with the previous and next patients, and the decisions made in place.

Every decision posts, goes through the existing workflow and redirects (Post/Redirect/Get)
to the next item: the same patient's card while they still have items that need a
decision, else the next patient's. Back and a second submit decide nothing twice: the
workflows refuse, the message says who decided what, and the clinician stays on that
patient's card with the reason they typed shown to copy (``_refused``).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import clinician_required, get_patient_for, is_own_therapist, is_therapist
from accounts.audit import note_unchanged
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.assessments.models import RiskAlert
from program.clinic import round as round_service
from program.clinic.forms import PlanConfirmForm
from program.medication import actions as medication_service
from program.models import Recommendation, SafetyScreen, TaperPlan
from program.risk import actions as risk
from program.risk import views as risk_views
from program.sleep_window import actions as sw
from program.sleep_window.forms import RecommendationDecisionForm, ScreenDecisionForm
from program.sleep_window.views import apply_decision

ROUND_PAGE_SIZE = 25


@clinician_required
def round_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    user: User = request.user
    # Cut into pages in the database, as the caseload is: a page's cards cost the same
    # whatever the round's length (issue #20), and the totals are counted over everyone.
    page = Paginator(round_service.on_the_round(user), ROUND_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    cards = round_service.cards(user, list(page.object_list))
    totals = round_service.totals(user) if cards else None
    return render(
        request,
        "program/round.html",
        {
            "cards": cards,
            "page": page,
            "patients": page.paginator.count,
            "urgent": totals.urgent if totals else 0,
            "decisions": totals.decisions if totals else 0,
            "can_decide": is_therapist(user),
        },
    )


@clinician_required
def round_patient(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    return _card_page(request, patient)


def _screen_form(screen: SafetyScreen, data: Any = None) -> ScreenDecisionForm:
    """The same form as on the sleep-window page: a safety-critical job or untreated sleep
    apnoea is cleared only with a typed reason, compression offered first."""
    return ScreenDecisionForm.for_screen(screen, data, prefix=f"s{screen.pk}")


def _card_page(
    request: AuthenticatedHttpRequest,
    patient: User,
    *,
    decision_forms: dict[int, RecommendationDecisionForm] | None = None,
    screen_forms: dict[int, ScreenDecisionForm] | None = None,
    plan_forms: dict[int, PlanConfirmForm] | None = None,
    not_saved: str = "",
) -> HttpResponse:
    """One patient's card; forms that need correcting are shown with what was typed, and
    ``not_saved``, a reason typed for a decision made meanwhile, to copy."""
    user: User = request.user
    where = round_service.position(user, patient.pk)
    card = where.card
    decision_forms = decision_forms or {}
    screen_forms = screen_forms or {}
    plan_forms = plan_forms or {}
    ctx: dict[str, Any] = {
        "patient": patient,
        "where": where,
        "card": card,
        "number": (where.index or 0) + 1,
        "can_decide": is_therapist(user),
        "recommendations": [],
        "screens": [],
        "plans": [],
        "not_saved": not_saved,
    }
    if card is not None:
        ctx["recommendations"] = [
            (
                pending,
                decision_forms.get(pending.recommendation.pk)
                or RecommendationDecisionForm(
                    initial={
                        "action": "approve",
                        "window_min": pending.recommendation.proposed_window_min,
                    },
                    prefix=f"r{pending.recommendation.pk}",
                    rules=pending.recommendation.course.protocol.rules(),
                ),
            )
            for pending in card.recommendations
        ]
        ctx["screens"] = [
            (screen, screen_forms.get(screen.pk) or _screen_form(screen)) for screen in card.screens
        ]
        ctx["alerts"] = [(a, risk.can_acknowledge(user, patient)) for a in card.alerts]
        # Each draft with its steps and the checks the plan's page shows: errors (a step
        # still to complete, so it cannot be confirmed from here) and notes (tablets, rate).
        ctx["plans"] = [
            (
                plan,
                *medication_service.check_plan_steps(plan, plan.pure_steps()),
                plan_forms.get(plan.pk) or PlanConfirmForm(prefix=f"p{plan.pk}"),
            )
            for plan in card.drafts
        ]
    return render(request, "program/round_patient.html", ctx)


def _therapists_own(request: AuthenticatedHttpRequest, patient_id: int) -> User:
    """Decisions are the patient's own therapist's (admins read the round only)."""
    patient = get_patient_for(request, patient_id)
    if not is_own_therapist(request.user, patient):
        raise Http404
    return patient


def _onwards(request: AuthenticatedHttpRequest, patient: User) -> HttpResponse:
    """After a decision: this patient's card while they still have a decision waiting,
    else the next patient on the round (as it was when the form was shown), else the
    list."""
    user: User = request.user
    here = round_service.position(user, patient.pk)
    if here.card is not None and here.card.decisions:
        return redirect("program:round_patient", patient_id=patient.pk)
    following = request.POST.get("next", "")
    if following.isdigit() and round_service.is_on_the_round(user, int(following)):
        return redirect("program:round_patient", patient_id=int(following))
    if here.next is not None:
        return redirect("program:round_patient", patient_id=here.next.pk)
    if not here.total:
        messages.info(request, _("That was the last item: your round is done."))
    return redirect("program:round")


def _refused(
    request: AuthenticatedHttpRequest, patient: User, words: str, typed_field: str
) -> HttpResponse:
    """A decision already made (in another tab, or by Back and a second submit): say who
    decided what, and stay on this patient's card rather than going onwards. A reason the
    clinician typed is not thrown away: the card shows it to copy (the form it was typed
    in is gone, as nothing waits to be decided). With nothing typed, Post/Redirect/Get."""
    note_unchanged(request)  # refused: nothing was decided
    messages.error(request, words)
    typed = request.POST.get(typed_field, "").strip()
    if typed:
        return _card_page(request, patient, not_saved=typed)
    return redirect("program:round_patient", patient_id=patient.pk)


def _decided_words(who: User | None, when: Any, what: str) -> str:
    if who is None:
        return _("This was already decided (%(what)s). Nothing was changed.") % {"what": what}
    return _("%(name)s had already decided this on %(when)s (%(what)s). Nothing was changed.") % {
        "name": who.display_name,
        "when": date_format(localtime(when), "DAY_MONTH_YEAR_TIME_FORMAT") if when else "",
        "what": what,
    }


@clinician_required
@require_POST
def round_decide_recommendation(
    request: AuthenticatedHttpRequest, patient_id: int, recommendation_id: int
) -> HttpResponse:
    patient = _therapists_own(request, patient_id)
    recommendation = get_object_or_404(
        Recommendation.objects.select_related("decided_by", "course__protocol"),
        pk=recommendation_id,
        course__patient=patient,
    )
    if recommendation.status != Recommendation.Status.PENDING:
        return _refused(
            request,
            patient,
            sw.set_aside_words(recommendation.status)
            or _decided_words(
                recommendation.decided_by,
                recommendation.decided_at,
                recommendation.get_status_display(),
            ),
            f"r{recommendation.pk}-reason",
        )
    form = RecommendationDecisionForm(
        request.POST,
        prefix=f"r{recommendation.pk}",
        rules=recommendation.course.protocol.rules(),
    )
    if not form.is_valid():
        return _card_page(request, patient, decision_forms={recommendation.pk: form})
    if not apply_decision(request, recommendation, form):
        # Refused (its message said why). Decided meanwhile, at the same instant in
        # another tab: the reason typed is shown to copy, as in _refused.
        reason = form.cleaned_data.get("reason") or ""
        recommendation.refresh_from_db(fields=["status"])
        if reason and recommendation.status != Recommendation.Status.PENDING:
            return _card_page(request, patient, not_saved=reason)
        return redirect("program:round_patient", patient_id=patient.pk)
    return _onwards(request, patient)


def _screen_decided(
    request: AuthenticatedHttpRequest, patient: User, screen: SafetyScreen
) -> HttpResponse:
    return _refused(
        request,
        patient,
        _decided_words(screen.decided_by, screen.decided_at, screen.get_decision_display()),
        f"s{screen.pk}-note",
    )


@clinician_required
@require_POST
def round_decide_screen(
    request: AuthenticatedHttpRequest, patient_id: int, screen_id: int
) -> HttpResponse:
    patient = _therapists_own(request, patient_id)
    screen = get_object_or_404(
        SafetyScreen.objects.select_related("decided_by"), pk=screen_id, patient=patient
    )
    if screen.decision != SafetyScreen.Decision.PENDING:
        return _screen_decided(request, patient, screen)
    form = _screen_form(screen, request.POST)
    if not form.is_valid():
        return _card_page(request, patient, screen_forms={screen.pk: form})
    try:
        sw.decide_screen(
            screen,
            decision=form.cleaned_data["decision"],
            by=request.user,
            note=form.cleaned_data["note"],
        )
    except sw.SleepWindowError as error:
        # Decided meanwhile, at the same instant in another tab (the action locks the
        # row and reads it again): say by whom, and show the note typed to copy.
        screen = SafetyScreen.objects.select_related("decided_by").get(pk=screen.pk)
        if screen.decision != SafetyScreen.Decision.PENDING:
            return _screen_decided(request, patient, screen)
        messages.error(request, str(error))
        return redirect("program:round_patient", patient_id=patient.pk)
    messages.success(request, _("Your decision is recorded."))
    return _onwards(request, patient)


@clinician_required
@require_POST
def round_acknowledge(
    request: AuthenticatedHttpRequest, patient_id: int, alert_id: int
) -> HttpResponse:
    """As the alerts page's acknowledgement (program.risk.views), then onwards."""
    user: User = request.user
    patient = get_patient_for(request, patient_id)
    alert = get_object_or_404(
        RiskAlert.objects.select_related("patient", "acknowledged_by"),
        pk=alert_id,
        patient=patient,
    )
    if not risk.can_acknowledge(user, patient):
        raise Http404
    risk_views.acknowledge_and_say(request, alert)
    return _onwards(request, patient)


@clinician_required
@require_POST
def round_confirm_plan(
    request: AuthenticatedHttpRequest, patient_id: int, plan_id: int
) -> HttpResponse:
    """Confirm a draft taper plan as it stands (its steps are edited on the plan's page).
    The service claims the draft with a conditional update, so of a double click or two
    tabs only the first confirms; the second is told who confirmed it and when."""
    clinician: User = request.user
    patient = _therapists_own(request, patient_id)
    plans = TaperPlan.objects.for_patient(patient).select_related("confirmed_by", "medication")
    plan = get_object_or_404(plans, pk=plan_id)
    if plan.status != TaperPlan.Status.DRAFT:
        return _refused(
            request,
            patient,
            _decided_words(plan.confirmed_by, plan.confirmed_at, plan.get_status_display()),
            f"p{plan.pk}-reason",
        )
    form = PlanConfirmForm(request.POST, prefix=f"p{plan.pk}")
    if not form.is_valid():
        return _card_page(request, patient, plan_forms={plan.pk: form})
    try:
        medication_service.confirm_plan(plan=plan, by=clinician, reason=form.cleaned_data["reason"])
    except medication_service.PlanError as error:
        again = plans.get(pk=plan.pk)
        if again.status != TaperPlan.Status.DRAFT:  # confirmed meanwhile, in another tab
            error_text = _decided_words(
                again.confirmed_by, again.confirmed_at, again.get_status_display()
            )
            if form.cleaned_data["reason"]:
                messages.error(request, error_text)
                return _card_page(request, patient, not_saved=form.cleaned_data["reason"])
        else:
            error_text = str(error)
        messages.error(request, error_text)
        return redirect("program:round_patient", patient_id=patient.pk)
    messages.success(
        request,
        _("Plan confirmed by %(name)s. The patient now sees the current step and the next.")
        % {"name": clinician.display_name},
    )
    return _onwards(request, patient)

"""Sleep medication: the patient's list, and the clinician's figures and taper plans."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import date_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import (
    clinician_required,
    get_patient_for,
    patient_required,
    therapist_required,
)
from accounts.audit import note_unchanged
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program import clinical_text
from program.medication import actions as medication_service
from program.medication import dose_chart
from program.medication.forms import (
    MedicationForm,
    TaperPlanActionForm,
    TaperPlanDetailsForm,
    TaperPlanNewForm,
    TaperStepFormSet,
)
from program.medication.models import COMMON_SLEEP_MEDICINES
from program.models import Medication, TaperPlan, TaperPlanChange
from program.rules import taper

CHART_NIGHTS = 28


# --- Patient: "My sleep medicines" ------------------------------------------------------


@patient_required
def medicines(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The patient's list of sleep medicines, with a form to add one."""
    patient: User = request.user
    form = MedicationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.instance.patient = patient
        medicine = form.save()
        messages.success(
            request, _("Added %(name)s to your sleep medicines.") % {"name": medicine.name}
        )
        return redirect("program:medicines")
    ctx = {
        "medicines": list(Medication.objects.for_patient(patient)),
        "form": form,
        "common": COMMON_SLEEP_MEDICINES,
        "medication": patient_card(patient, patient.local_today()),
    }
    return render(request, "program/medicines.html", ctx)


@patient_required
def medicine_edit(request: AuthenticatedHttpRequest, medication_id: int) -> HttpResponse:
    """Change a medicine on the list, stop it, or take it up again."""
    patient: User = request.user
    medicine = get_object_or_404(Medication.objects.for_patient(patient), pk=medication_id)
    if request.method == "POST" and request.POST.get("active") in ("0", "1"):
        medicine.active = request.POST["active"] == "1"
        medicine.save(update_fields=["active", "updated_at"])
        messages.success(
            request,
            (
                _("%(name)s: taking it again.")
                if medicine.active
                else _("%(name)s: marked as stopped.")
            )
            % {"name": medicine.name},
        )
        return redirect("program:medicines")
    plan = medication_service.current_plan(patient)
    form = MedicationForm(
        request.POST or None,
        instance=medicine,
        before_plan=plan is not None and plan.medication_id == medicine.pk,
    )
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved %(name)s.") % {"name": medicine.name})
        return redirect("program:medicines")
    ctx = {
        "medicine": medicine,
        "form": form,
        "common": COMMON_SLEEP_MEDICINES,
        "safety_words": medication_service.SAFETY_WORDS,
    }
    return render(request, "program/medicine_edit.html", ctx)


def patient_card(patient: User, today: date) -> dict[str, Any]:
    """The patient's current step and the next, for the diary and home pages (2 queries)."""
    plan = medication_service.current_plan(patient)
    if plan is None:
        return {"plan": None, "safety_words": medication_service.SAFETY_WORDS}
    current, following = plan.current_and_next(today)
    return {
        "plan": plan,
        "current_step": current,
        "next_step": following,
        "safety_words": medication_service.SAFETY_WORDS,
    }


# --- Clinician: figures, chart, flags, plans ------------------------------------------------


def medication_context(patient: User, today: date, *, chart_id: str = "dose") -> dict[str, Any]:
    fig = medication_service.figures(patient, today)
    nights = medication_service.nights_for_chart(fig, today, CHART_NIGHTS)
    bars = [
        dose_chart.DoseBar(
            label=date_format(n["date"], "WEEKDAY_DAY_MONTH_FORMAT"),
            when=n["date"],
            taken=n["taken"],
            planned=n["planned"],
            above=bool(
                n["check"]
                and n["check"].check in (taper.Check.ABOVE_PLAN, taper.Check.PREVIOUS_STEP)
            ),
        )
        for n in nights
    ]
    answered = sum(1 for n in nights if n["taken"] is not None)
    focus = fig.focus.name if fig.focus else "medicine"
    plan = fig.plan
    current, following = plan.current_and_next(today) if plan else (None, None)
    return {
        "fig": fig,
        "chart_nights": list(reversed(nights)),
        "current_step": current,
        "next_step": following,
        "dose_chart": mark_safe(  # built from numbers and escaped labels only
            dose_chart.dose_chart(
                bars,
                title=_("%(medicine)s per night, last %(nights)s mornings")
                % {"medicine": focus.capitalize(), "nights": CHART_NIGHTS},
                description=(
                    _(
                        "%(answered)s of the last %(nights)s nights answered. Bars show the "
                        "dose taken (darker: above the plan), the green line the planned step. "
                        "The same numbers are in the table below."
                    )
                    % {"answered": answered, "nights": CHART_NIGHTS}
                ),
                chart_id=chart_id,
            )
        )
        if fig.focus
        else "",
    }


@clinician_required
def patient_medication(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """A patient's sleep medication: weekly figures with SE, dose against the plan, flags,
    and the plans with their history."""
    return _medication_page(request, get_patient_for(request, patient_id))


def _medication_page(
    request: AuthenticatedHttpRequest, patient: User, *, reason: str = ""
) -> HttpResponse:
    """The page, its pace form carrying the plan in force as shown (and a reason typed
    for a change that was refused, so it is not lost)."""
    today = patient.local_today()
    ctx = medication_context(patient, today)
    ctx["patient"] = patient
    ctx["today"] = today
    ctx["plans"] = list(
        TaperPlan.objects.for_patient(patient)
        .exclude(status__in=[TaperPlan.Status.ACTIVE, TaperPlan.Status.PAUSED])
        .select_related("medication", "set_by", "confirmed_by")
    )
    ctx["changes"] = list(
        TaperPlanChange.objects.filter(plan__patient=patient)
        .select_related("changed_by", "plan__medication")
        .order_by("-changed_at", "-pk")[:30]
    )
    plan = ctx["fig"].plan
    ctx["action_form"] = TaperPlanActionForm(
        initial={"reason": reason, "seen": medication_service.plan_version(plan) if plan else ""}
    )
    ctx["action_open"] = bool(reason)
    return render(request, "program/patient_medication.html", ctx)


@therapist_required
def taper_plan_new(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Step 1 of a plan: a medicine and a template give a draft to edit and confirm."""
    patient = get_patient_for(request, patient_id)
    listed = list(Medication.objects.for_patient(patient).active())
    if not listed:
        messages.info(
            request, _("The patient has no sleep medicine on their list yet: they add it first.")
        )
        return redirect("program:patient_medication", patient_id=patient.pk)
    first = listed[0]
    form = TaperPlanNewForm(
        request.POST or None,
        medicines=listed,
        initial={
            "medication": first.pk,
            "start_dose_mg": taper.plain(first.usual_dose_mg),
            "start_on": patient.local_today() + timedelta(days=1),
            "strengths": first.strengths_display,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        plan = medication_service.create_draft(
            patient=patient,
            medication=data["medication"],
            template_key=data["template"],
            start_dose=data["start_dose_mg"],
            start_on=data["start_on"],
            strengths=data["strengths"],
            scored=data["scored"],
            by=request.user,
        )
        messages.info(
            request,
            _(
                "A draft from the template. Check and edit every step, then confirm it: the "
                "patient sees nothing until you do."
            ),
        )
        return redirect("program:taper_plan_edit", patient_id=patient.pk, plan_id=plan.pk)
    ctx = {"patient": patient, "form": form}
    return render(request, "program/taper_plan_new.html", ctx)


def _steps_initial(plan: TaperPlan) -> list[dict[str, Any]]:
    return [
        {
            "starts_on": s.starts_on,
            "dose_mg": taper.plain(s.dose_mg),
            # Left empty where the clinician has still to enter it (the field is
            # required: the step cannot be saved until they do).
            "drug_free_nights": None
            if s.note_code == taper.Note.DRUG_FREE_TO_SET
            else s.drug_free_nights_per_week,
            "note": s.note,
            "note_code": s.note_code,
            "note_params": s.note_params,
        }
        for s in plan.steps.all()
    ]


@therapist_required
def taper_plan_edit(
    request: AuthenticatedHttpRequest, patient_id: int, plan_id: int
) -> HttpResponse:
    """Edit a plan's steps (every change kept with who and why) and confirm a draft."""
    patient = get_patient_for(request, patient_id)
    plans = (
        TaperPlan.objects.for_patient(patient)
        .select_related("medication", "set_by", "confirmed_by")
        .prefetch_related("steps")
    )
    plan = get_object_or_404(plans, pk=plan_id)
    clinician: User = request.user
    not_saved: list[taper.Step] = []
    details_initial = {
        "prescriber": plan.prescriber,
        "notes": plan.notes,
        "conversion_note": plan.conversion_note,
        "seen": medication_service.plan_version(plan),
    }
    # Bound forms get no initial: a row equal to its initial would count as unchanged
    # (an empty extra row) and be dropped.
    formset = (
        TaperStepFormSet(request.POST, prefix="step")
        if request.method == "POST"
        else TaperStepFormSet(initial=_steps_initial(plan), prefix="step")
    )
    details = TaperPlanDetailsForm(
        request.POST or None,
        initial=details_initial,
        confirmed=plan.status != TaperPlan.Status.DRAFT,
    )
    notes: list[taper.Message] = []
    if request.method == "POST" and formset.is_valid() and details.is_valid():
        steps = sorted(
            (
                taper.Step(
                    f.cleaned_data["starts_on"],
                    taper.mg(f.cleaned_data["dose_mg"]),
                    f.cleaned_data["drug_free_nights"],
                    f.cleaned_data.get("note") or "",
                    f.cleaned_data.get("message"),
                )
                for f in formset.forms
                if f.cleaned_data and not f.cleaned_data.get("DELETE")
            ),
            key=lambda s: s.starts_on,
        )
        data = details.cleaned_data
        try:
            notes = medication_service.update_steps(
                plan=plan,
                steps=steps,
                by=clinician,
                reason=data["reason"],
                allow_increase=data["allow_increase"],
                seen=data["seen"] or None,
            )
            plan.prescriber = data["prescriber"]
            plan.notes = data["notes"]
            plan.conversion_note = data["conversion_note"]
            plan.save(update_fields=["prescriber", "notes", "conversion_note", "updated_at"])
            if "confirm" in request.POST and plan.status == TaperPlan.Status.DRAFT:
                medication_service.confirm_plan(plan=plan, by=clinician, reason=data["reason"])
                messages.success(
                    request,
                    _(
                        "Plan confirmed by %(name)s. The patient now sees the "
                        "current step and the next."
                    )
                    % {"name": clinician.display_name},
                )
                return redirect("program:patient_medication", patient_id=patient.pk)
        except medication_service.PlanChanged as error:
            # The form shows the plan as it is now (a Save must not put back what the
            # colleague changed unseen); the steps typed are listed to copy, the reason
            # and the plan's details typed are kept.
            note_unchanged(request)
            messages.error(request, str(error))
            not_saved = steps
            plan = plans.get(pk=plan.pk)
            formset = TaperStepFormSet(initial=_steps_initial(plan), prefix="step")
            details = TaperPlanDetailsForm(
                initial={
                    **{k: data[k] for k in ("prescriber", "notes", "conversion_note", "reason")},
                    "seen": medication_service.plan_version(plan),
                },
                confirmed=plan.status != TaperPlan.Status.DRAFT,
            )
        except medication_service.PlanError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Steps saved."))
            for note in notes:
                messages.warning(request, clinical_text.taper_words(note))
            return redirect("program:taper_plan_edit", patient_id=patient.pk, plan_id=plan.pk)
    check_errors, check_notes = medication_service.check_plan_steps(plan, plan.pure_steps())
    ctx = {
        "patient": patient,
        "plan": plan,
        "formset": formset,
        "details": details,
        "check_notes": [*check_errors, *check_notes],
        "not_saved": not_saved,
        "template": taper.TEMPLATES.get(plan.template),
        "editable": plan.status
        in (TaperPlan.Status.DRAFT, TaperPlan.Status.ACTIVE, TaperPlan.Status.PAUSED),
    }
    return render(request, "program/taper_plan_edit.html", ctx)


@require_POST
@therapist_required
def taper_plan_action(
    request: AuthenticatedHttpRequest, patient_id: int, plan_id: int
) -> HttpResponse:
    """Pause, slow down, resume or end a plan — always the clinician's decision."""
    patient = get_patient_for(request, patient_id)
    plan = get_object_or_404(TaperPlan.objects.for_patient(patient), pk=plan_id)
    form = TaperPlanActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose what to do with the plan."))
        return redirect("program:patient_medication", patient_id=patient.pk)
    action = form.cleaned_data["action"]
    reason = form.cleaned_data["reason"]
    # Sent by the page since the plan was locked against changes made after it was drawn;
    # a form without it (an older page) still changes the plan, as before.
    seen = form.cleaned_data["seen"] or None
    clinician: User = request.user
    today = patient.local_today()
    try:
        if action == "pause":
            medication_service.pause_plan(
                plan=plan, by=clinician, today=today, reason=reason, seen=seen
            )
            done = _("Plan paused: the patient stays at the current step.")
        elif action == "resume":
            medication_service.resume_plan(
                plan=plan, by=clinician, today=today, reason=reason, seen=seen
            )
            done = _("Plan resumed: the steps not yet begun moved later by the pause.")
        elif action == "slow":
            factor = form.cleaned_data.get("factor") or Decimal(2)
            medication_service.slow_plan(
                plan=plan, by=clinician, today=today, factor=factor, reason=reason, seen=seen
            )
            done = _("Plan slowed: the remaining steps are %(factor)s × as far apart.") % {
                "factor": f"{factor.normalize():f}"
            }
        else:
            medication_service.end_plan(plan=plan, by=clinician, reason=reason, seen=seen)
            done = _("Plan ended.")
    except medication_service.PlanError as error:
        note_unchanged(request)
        messages.error(request, str(error))
        if reason:  # the page again, the reason typed kept
            return _medication_page(request, patient, reason=reason)
    else:
        messages.success(request, done)
    return redirect("program:patient_medication", patient_id=patient.pk)

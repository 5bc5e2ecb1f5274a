"""Sleep-medication workflow: the diary's medication answer, taper plans set by a
clinician, and the figures the pages and the API read.

The arithmetic lives in the pure module ``program.rules.taper``. Every change to a plan
is a named function here, in a transaction, that leaves a ``TaperPlanChange`` row
saying who did what and why. Nothing here chooses a dose: a plan is suggested from
a template only as a draft, and only a clinician's confirmation makes it active.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.access import is_clinician
from accounts.models import User
from program import clinical_text
from program.diary import actions as diary_service
from program.models import (
    CaseloadSummary,
    DiaryEntry,
    DiaryEntryRevision,
    Medication,
    MedicationAnswer,
    MedicationDose,
    NightMedication,
    TaperPlan,
    TaperPlanChange,
    TaperStep,
)
from program.rules import taper

# The fixed wording the patient sees wherever the plan is shown. The app gives no
# dosing advice of its own [ASAM; ASAM-CPG; docs/sources.md].
SAFETY_WORDS = _(
    "Changes to your medicine are made only with your prescriber. If you notice withdrawal "
    "symptoms (such as anxiety, shakiness, sweating, or sleep getting much worse), contact "
    "your clinician."
)


class PlanError(Exception):
    """A plan change that cannot be made, in words for the clinician."""


# --- The diary's medication answer -------------------------------------------------------


@dataclass(frozen=True)
class DoseIn:
    medication: Medication
    dose_mg: Decimal
    taken_at: time | None = None


def usual_doses(
    medicines: Sequence[Medication], plan: TaperPlan | None, diary_date: date
) -> list[DoseIn]:
    """What "my usual dose" means for a night: each active medicine's usual dose,
    except the planned medicine, which is the step in force that evening (none at
    all once the plan reaches 0 mg)."""
    planned: Decimal | None = None
    if plan is not None and plan.status in (TaperPlan.Status.ACTIVE, TaperPlan.Status.PAUSED):
        current, _next = plan.current_and_next(taper.night_of(diary_date))
        planned = current.dose_mg if current is not None else None
    doses = []
    for medicine in medicines:
        if not medicine.active:
            continue
        dose = medicine.usual_dose_mg
        if plan is not None and planned is not None and medicine.pk == plan.medication_id:
            dose = planned
        if dose > 0:
            doses.append(DoseIn(medicine, dose))
    return doses


def _describe(answer: str, doses: Sequence[MedicationDose | DoseIn]) -> str:
    if answer == MedicationAnswer.NONE:
        return "none"
    return "; ".join(
        f"{d.medication.name} {taper.format_mg(d.dose_mg)}"
        + (f" at {d.taken_at:%H:%M}" if d.taken_at else "")
        for d in doses
    )


def record_night(
    *, entry: DiaryEntry, answer: str, doses: Sequence[DoseIn], changed_by: User
) -> NightMedication:
    """Store a night's medication answer, replacing an earlier one (kept as a revision)."""
    if answer == MedicationAnswer.NONE:
        doses = []
    previous = NightMedication.objects.filter(entry=entry).first()
    if previous is not None:
        before = _describe(previous.answer, list(entry.doses.select_related("medication")))
        after = _describe(answer, doses)
        if before != after:
            DiaryEntryRevision.objects.create(
                entry=entry,
                changed_by=changed_by,
                previous={"medication": before},
                changed_fields=["medication"],
            )
        entry.doses.all().delete()
        previous.answer = answer
        previous.save(update_fields=["answer", "updated_at"])
        night = previous
    else:
        night = NightMedication.objects.create(entry=entry, answer=answer)
    MedicationDose.objects.bulk_create(
        MedicationDose(entry=entry, medication=d.medication, dose_mg=d.dose_mg, taken_at=d.taken_at)
        for d in doses
    )
    CaseloadSummary.objects.mark_changed([entry.patient_id])  # no signal from bulk_create()
    return night


def save_entry_with_medication(
    *,
    patient: User,
    diary_date: date,
    answers: dict[str, Any],
    changed_by: User,
    entry: DiaryEntry | None = None,
    medication_answer: str | None = None,
    other: DoseIn | None = None,
    submission_key: str = "",
) -> diary_service.SavedEntry:
    """The diary's ``save_entry`` and the night's medication answer, in one transaction
    (with no medication answer, ``save_entry``'s own is enough)."""
    with transaction.atomic() if medication_answer else nullcontext():
        saved = diary_service.save_entry(
            patient=patient,
            diary_date=diary_date,
            answers=answers,
            changed_by=changed_by,
            entry=entry,
            submission_key=submission_key,
        )
        if medication_answer:
            if medication_answer == MedicationAnswer.USUAL:
                medicines = list(Medication.objects.for_patient(patient).active())
                plan = current_plan(patient)
                doses = usual_doses(medicines, plan, saved.entry.diary_date)
            elif medication_answer == MedicationAnswer.OTHER and other is not None:
                doses = [other]
            else:
                doses = []
            record_night(
                entry=saved.entry, answer=medication_answer, doses=doses, changed_by=changed_by
            )
    return saved


def check_plan_steps(
    plan: TaperPlan, steps: Sequence[taper.Step]
) -> tuple[list[taper.Message], list[taper.Message]]:
    """``taper.check_steps`` for this plan: its tablets, its template's rate, and the
    clinic's largest step (``TAPER_MAX_STEP_PERCENT``, off when unset)."""
    limit = settings.TAPER_MAX_STEP_PERCENT
    return taper.check_steps(
        steps,
        strengths=plan.strengths,
        scored=plan.scored,
        template=taper.TEMPLATES.get(plan.template),
        max_step_percent=Decimal(limit) if limit else None,
    )


def has_current_plan() -> Exists:
    """Whether a plan is in force, for a query whose rows have a ``patient`` (Today
    reads the plan only when there is one)."""
    return Exists(TaperPlan.objects.current().filter(patient=OuterRef("patient")))


def current_plan(patient: User) -> TaperPlan | None:
    return (
        TaperPlan.objects.for_patient(patient)
        .current()
        .select_related("medication", "set_by", "confirmed_by")
        .prefetch_related("steps")
        .first()
    )


# --- Plans: drafts, edits, confirmation, pause, slow, resume ------------------------------


def _snapshot(plan: TaperPlan) -> list[dict[str, Any]]:
    return [
        {
            "starts_on": s.starts_on.isoformat(),
            "dose_mg": f"{s.dose_mg.normalize():f}",
            "drug_free_nights_per_week": s.drug_free_nights_per_week,
            "note": s.note,
            "note_code": s.note_code,
            "note_params": s.note_params,
        }
        for s in plan.steps.all()
    ]


def _log(plan: TaperPlan, by: User, action: str, reason: str = "") -> None:
    # Every change counts on the plan's row, so plan_version tells a page drawn before it.
    TaperPlan.objects.filter(pk=plan.pk).update(revision=F("revision") + 1)
    TaperPlanChange.objects.create(
        plan=plan,
        changed_by=by,
        action=action,
        reason=reason,
        status=plan.status,
        steps=_snapshot(plan),
    )


class PlanChanged(PlanError):
    """The plan changed after the page asking for a change was drawn."""


def plan_version(plan: TaperPlan) -> str:
    """What a page that changes the plan carries back (the count of its changes), so
    that a change made since is not overruled unseen."""
    return str(plan.revision)


def _lock(plan: TaperPlan, seen: str | None) -> None:
    """Lock the plan's row and read its state again: of two changes at once (a double
    tap, a colleague) the second sees the first. With ``seen`` (``plan_version`` when
    the page was drawn) a change made since refuses this one: a double tap on "Slow
    down" slowed the plan twice, a colleague's pause could be ended unseen."""
    fresh = TaperPlan.objects.select_for_update().get(pk=plan.pk)
    if seen is not None and plan_version(fresh) != seen:
        last = plan.changes.select_related("changed_by").first()
        raise PlanChanged(
            _(
                "This plan was changed after the page was opened (%(action)s: %(name)s, "
                "%(when)s). Nothing more was changed: look at the plan as it is now."
            )
            % {
                "action": last.action_words if last else "—",
                "name": last.changed_by.display_name if last and last.changed_by else "—",
                "when": date_format(localtime(last.changed_at), "DAY_MONTH_YEAR_TIME_FORMAT")
                if last
                else "—",
            }
        )
    plan.status, plan.paused_on, plan.revision = fresh.status, fresh.paused_on, fresh.revision


def _require_clinician(user: User) -> None:
    if not is_clinician(user):
        raise PlanError(_("Only a clinician sets a taper plan."))


def _replace_steps(plan: TaperPlan, steps: Sequence[taper.Step]) -> None:
    TaperStep.objects.filter(plan=plan).delete()
    # Forget steps prefetched before the change, so what follows reads the new ones.
    getattr(plan, "_prefetched_objects_cache", {}).pop("steps", None)
    TaperStep.objects.bulk_create(
        TaperStep(
            plan=plan,
            starts_on=s.starts_on,
            dose_mg=s.dose_mg,
            drug_free_nights_per_week=s.drug_free_nights,
            note=s.note[:200],
            note_code=s.message.code if s.message else "",
            note_params=dict(s.message.params) if s.message else {},
        )
        for s in steps
    )


@transaction.atomic
def create_draft(
    *,
    patient: User,
    medication: Medication,
    template_key: str,
    start_dose: Decimal,
    start_on: date,
    strengths: Sequence[Decimal],
    scored: Sequence[Decimal],
    by: User,
) -> TaperPlan:
    """A draft plan from a template's suggestion. Invisible to the patient until a
    clinician edits and confirms it."""
    _require_clinician(by)
    if medication.patient_id != patient.pk:
        raise PlanError(_("That medicine is not on this patient's list."))
    template = taper.TEMPLATES[template_key]
    plan = TaperPlan.objects.create(
        patient=patient,
        medication=medication,
        start_dose_mg=start_dose,
        tablet_strengths_mg=[f"{s.normalize():f}" for s in strengths],
        scored_strengths_mg=[f"{s.normalize():f}" for s in scored],
        template=template_key,
        set_by=by,
    )
    _replace_steps(
        plan,
        taper.suggest_steps(
            template=template,
            start_dose=start_dose,
            start_on=start_on,
            strengths=strengths,
            scored=scored,
        ),
    )
    _log(plan, by, "drafted", f"Suggested from the template: {template.name}.")
    return plan


@transaction.atomic
def update_steps(
    *,
    plan: TaperPlan,
    steps: Sequence[taper.Step],
    by: User,
    reason: str,
    allow_increase: bool = False,
    seen: str | None = None,
) -> list[taper.Message]:
    """Replace a plan's steps as the clinician edited them; returns notes to show.

    Raises PlanError for steps that cannot be saved, and for a step up unless the
    clinician said explicitly that they mean it (``allow_increase``). Changing a
    confirmed plan needs a reason.
    """
    _require_clinician(by)
    _lock(plan, seen)
    if plan.status in (TaperPlan.Status.FINISHED, TaperPlan.Status.CANCELLED):
        raise PlanError(_("This plan has ended; start a new one."))
    errors, notes = check_plan_steps(plan, steps)
    if errors:
        raise PlanError(" ".join(clinical_text.taper_words(e) for e in errors))
    ups = taper.increases(steps)
    if ups and not allow_increase:
        raise PlanError(
            ngettext(
                "Step %(steps)s raises the dose. Tick the box to confirm you mean it, or change "
                "the step.",
                "Steps %(steps)s raise the dose. Tick the box to confirm you mean it, or change "
                "the steps.",
                len(ups),
            )
            % {"steps": ", ".join(str(i + 1) for i in ups)}
        )
    if plan.status != TaperPlan.Status.DRAFT and not reason.strip():
        raise PlanError(_("Say why the confirmed plan changes: it is kept in the plan's history."))
    _replace_steps(plan, steps)
    plan.start_dose_mg = steps[0].dose_mg
    plan.save(update_fields=["start_dose_mg", "updated_at"])
    _log(plan, by, "edited" + (" (dose raised)" if ups else ""), reason)
    return notes


@transaction.atomic
def confirm_plan(*, plan: TaperPlan, by: User, reason: str = "") -> None:
    """A clinician's explicit confirmation: the only way a plan becomes active."""
    _require_clinician(by)
    # Steps the clinician has still to complete (drug-free nights the template's source
    # gives no number for) keep the plan a draft.
    errors, _notes = check_plan_steps(plan, plan.pure_steps())
    if errors:
        raise PlanError(" ".join(clinical_text.taper_words(e) for e in errors))
    if TaperPlan.objects.for_patient(plan.patient_id).current().exclude(pk=plan.pk).exists():
        raise PlanError(_("This patient already has a plan in force. Finish or withdraw it first."))
    now = timezone.now()
    # A conditional UPDATE claims the draft: a second click or tab confirms nothing twice.
    # The unique constraint on current plans stops two drafts becoming active at once.
    claimed = TaperPlan.objects.filter(pk=plan.pk, status=TaperPlan.Status.DRAFT).update(
        status=TaperPlan.Status.ACTIVE, confirmed_by=by, confirmed_at=now, updated_at=now
    )
    if not claimed:
        raise PlanError(_("Only a draft can be confirmed."))
    plan.status = TaperPlan.Status.ACTIVE
    plan.confirmed_by = by
    plan.confirmed_at = now
    _log(plan, by, "confirmed", reason)


@transaction.atomic
def pause_plan(
    *, plan: TaperPlan, by: User, today: date, reason: str, seen: str | None = None
) -> None:
    """Hold at the current step (e.g. when withdrawal appears [ASAM])."""
    _require_clinician(by)
    _lock(plan, seen)
    if plan.status != TaperPlan.Status.ACTIVE:
        raise PlanError(_("Only an active plan can be paused."))
    plan.status = TaperPlan.Status.PAUSED
    plan.paused_on = today
    plan.save(update_fields=["status", "paused_on", "updated_at"])
    _log(plan, by, "paused", reason)


@transaction.atomic
def resume_plan(
    *, plan: TaperPlan, by: User, today: date, reason: str, seen: str | None = None
) -> None:
    """Continue after a pause: the steps not yet begun move later by the pause."""
    _require_clinician(by)
    _lock(plan, seen)
    if plan.status != TaperPlan.Status.PAUSED or plan.paused_on is None:
        raise PlanError(_("Only a paused plan can be resumed."))
    days = max(0, (today - plan.paused_on).days)
    _replace_steps(plan, taper.shift_future(plan.pure_steps(), plan.paused_on, days))
    plan.status = TaperPlan.Status.ACTIVE
    plan.paused_on = None
    plan.save(update_fields=["status", "paused_on", "updated_at"])
    _log(plan, by, "resumed", reason or f"Steps not yet begun moved {days} days later.")


@transaction.atomic
def slow_plan(
    *,
    plan: TaperPlan,
    by: User,
    today: date,
    factor: Decimal,
    reason: str,
    seen: str | None = None,
) -> None:
    """Spread the steps not yet begun ``factor`` times as far apart [ASAM]."""
    _require_clinician(by)
    _lock(plan, seen)
    if plan.status not in (TaperPlan.Status.ACTIVE, TaperPlan.Status.PAUSED):
        raise PlanError(_("Only a plan in force can be slowed."))
    # While paused, the patient is still at the step in force when the pause began.
    anchor = plan.paused_on if plan.status == TaperPlan.Status.PAUSED and plan.paused_on else today
    _replace_steps(plan, taper.stretch(plan.pure_steps(), anchor, factor))
    _log(plan, by, f"slowed ×{factor.normalize():f}", reason)


@transaction.atomic
def end_plan(*, plan: TaperPlan, by: User, reason: str, seen: str | None = None) -> None:
    """Finish a plan in force, or withdraw a draft."""
    _require_clinician(by)
    _lock(plan, seen)
    if plan.status == TaperPlan.Status.DRAFT:
        plan.status = TaperPlan.Status.CANCELLED
    elif plan.status in (TaperPlan.Status.ACTIVE, TaperPlan.Status.PAUSED):
        plan.status = TaperPlan.Status.FINISHED
    else:
        raise PlanError(_("This plan has already ended."))
    plan.save(update_fields=["status", "updated_at"])
    _log(plan, by, "finished" if plan.status == TaperPlan.Status.FINISHED else "withdrawn", reason)


# --- Figures for the pages and the API -------------------------------------------------


@dataclass(frozen=True)
class NightRow:
    entry: DiaryEntry
    answer: str
    doses: list[MedicationDose]
    check: taper.NightCheck | None


@dataclass(frozen=True)
class WeekRow:
    figures: taper.WeekFigures
    sleep_efficiency: float | None


@dataclass
class MedicationFigures:
    medicines: list[Medication]
    focus: Medication | None
    plan: TaperPlan | None
    nights: list[NightRow]  # newest first
    weeks: list[WeekRow]  # newest first
    flags: list[taper.Flag]
    start: date


def figures(
    patient: User,
    today: date,
    *,
    entries: list[DiaryEntry] | None = None,
    start: date | None = None,
    plan: TaperPlan | None = None,
    medicines: list[Medication] | None = None,
) -> MedicationFigures:
    """Nights and weeks of medication against the plan, in a fixed number of queries.

    The figures follow one medicine: the plan's, else the first on the list.
    """
    from program.models import Enrolment

    if medicines is None:
        medicines = list(Medication.objects.for_patient(patient))
    if plan is None:
        plan = current_plan(patient)
    if entries is None:
        entries = list(
            DiaryEntry.objects.for_patient(patient)
            .select_related("medication")
            .prefetch_related("doses__medication")
            .order_by("-diary_date")
        )
    if start is None:
        enrolment = Enrolment.objects.current().filter(patient=patient).first()
        start = (
            enrolment.start_date if enrolment else (entries[-1].diary_date if entries else today)
        )
    focus = plan.medication if plan else next((m for m in medicines if m.active), None)
    steps = plan.steps_in_force() if plan else []
    rows: list[NightRow] = []
    night_doses: list[taper.NightDose] = []
    for entry in entries:
        answered = getattr(entry, "medication", None)
        if answered is None:
            continue
        doses = list(entry.doses.all())
        amount = sum(
            (d.dose_mg for d in doses if focus and d.medication_id == focus.pk), Decimal(0)
        )
        night = taper.NightDose(
            entry.diary_date, taper.mg(amount), any(d.dose_mg > 0 for d in doses)
        )
        night_doses.append(night)
        rows.append(
            NightRow(
                entry, answered.answer, doses, taper.check_night(night, steps) if steps else None
            )
        )
    night_doses.sort(key=lambda n: n.diary_date)
    start_dose = plan.start_dose_mg if plan else None
    weeks = taper.week_figures(night_doses, steps, start, start_dose)
    sleep_rows = {
        w.week: w.summary.sleep_efficiency for w in diary_service.weekly_rows(entries, start)
    }
    week_rows = [WeekRow(w, sleep_rows.get(w.week)) for w in reversed(weeks)]
    return MedicationFigures(
        medicines=medicines,
        focus=focus,
        plan=plan,
        nights=rows,
        weeks=week_rows,
        flags=taper.flags(night_doses, steps, weeks),
        start=start,
    )


def nights_for_chart(fig: MedicationFigures, today: date, days: int = 28) -> list[dict[str, Any]]:
    """The last ``days`` mornings: taken (None when not answered) and planned."""
    by_date = {n.entry.diary_date: n for n in fig.nights}
    steps = fig.plan.steps_in_force() if fig.plan else []
    result = []
    for offset in range(days - 1, -1, -1):
        day = today - timedelta(days=offset)
        row = by_date.get(day)
        index = taper.current_index(steps, taper.night_of(day)) if steps else None
        taken = None
        if row is not None:
            taken = sum(
                (d.dose_mg for d in row.doses if fig.focus and d.medication_id == fig.focus.pk),
                Decimal(0),
            )
        result.append(
            {
                "date": day,
                "taken": taken,
                "planned": steps[index].dose_mg if index is not None else None,
                "check": row.check if row else None,
            }
        )
    return result

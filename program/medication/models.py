"""Sleep medication: the patient's list, what each diary night recorded, and taper
plans set and confirmed by a clinician (never by the app).

The arithmetic (suggested steps, weekly figures, checks) lives in the pure module
``program.rules.taper``; the workflow in ``program.medication.actions``.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from program import clinical_text
from program.clinical_text import taper_words
from program.diary.models import DiaryEntry
from program.rules import taper

# A short list of common sleep medicines to choose from; anything else is typed.
# Names only: strengths differ by country and are entered by the patient or the
# clinician. No dose equivalences (a conversion is the clinician's note on a plan).
COMMON_SLEEP_MEDICINES = [
    ("Benzodiazepines", ["diazepam", "temazepam", "lorazepam", "oxazepam", "nitrazepam",
                         "lormetazepam", "clonazepam", "alprazolam"]),
    ("Z-drugs", ["zolpidem", "zopiclone", "eszopiclone", "zaleplon"]),
    ("Sedating antidepressants", ["trazodone", "mirtazapine", "doxepin", "amitriptyline"]),
    ("Antihistamines", ["diphenhydramine", "doxylamine", "promethazine"]),
    ("Other", ["melatonin", "quetiapine"]),
]  # fmt: skip


def parse_strengths(text: str, *, decimal_comma: bool = False) -> list[Decimal]:
    """'2, 5 mg' -> [2, 5]; raises ValueError on anything that is not a positive number.
    ``decimal_comma`` (French, German…): a comma between two digits is the decimal mark,
    '3,75; 7,5' -> [3.75, 7.5], so that '3,75' is never read as 3 mg and 75 mg."""
    if decimal_comma:
        text = re.sub(r"(?<=\d),(?=\d)", ".", text)
    values = []
    for part in text.replace("mg", " ").replace(";", ",").replace("/", ",").split(","):
        part = part.strip()
        if not part:
            continue
        value = taper.mg(part)
        if value <= 0:
            raise ValueError(part)
        values.append(value)
    return sorted(set(values))


def strengths_text(values: list[str]) -> str:
    """Tablet strengths for people, in the active language: 2.5, 5 (French 2,5 ; 5)."""
    return clinical_text.strengths(values)


class MedicationQuerySet(models.QuerySet):
    def for_patient(self, patient: object) -> MedicationQuerySet:
        return self.filter(patient=patient)

    def active(self) -> MedicationQuerySet:
        return self.filter(active=True)


class Medication(models.Model):
    """One sleep medicine on the patient's list."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="medications"
    )
    name = models.CharField(max_length=100)
    # Tablet strengths available, in mg, as text of Decimals (e.g. ["2", "5"]).
    strengths_mg = models.JSONField(default=list, blank=True)
    usual_dose_mg = models.DecimalField(max_digits=8, decimal_places=3)
    active = models.BooleanField(default=True, help_text=_("Still taking it (or tapering)."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MedicationQuerySet.as_manager()

    class Meta:
        ordering = ["-active", "name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} {taper.format_mg(self.usual_dose_mg)}"

    @property
    def strengths(self) -> list[Decimal]:
        return [Decimal(v) for v in self.strengths_mg]

    @property
    def strengths_display(self) -> str:
        return strengths_text(self.strengths_mg)


class MedicationAnswer(models.TextChoices):
    USUAL = "usual", _("My usual dose")
    NONE = "none", _("None")
    OTHER = "other", _("Something different")


class NightMedication(models.Model):
    """A diary entry's medication answer: "none" is recorded, not missing."""

    entry = models.OneToOneField(DiaryEntry, on_delete=models.CASCADE, related_name="medication")
    answer = models.CharField(max_length=10, choices=MedicationAnswer.choices)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.entry}: {self.get_answer_display()}"


class MedicationDose(models.Model):
    """A sleep medicine taken on a diary night."""

    entry = models.ForeignKey(DiaryEntry, on_delete=models.CASCADE, related_name="doses")
    medication = models.ForeignKey(Medication, on_delete=models.PROTECT, related_name="doses")
    dose_mg = models.DecimalField(max_digits=8, decimal_places=3)
    taken_at = models.TimeField("time taken (local)", null=True, blank=True)

    class Meta:
        ordering = ["entry", "pk"]

    def __str__(self) -> str:
        return f"{self.medication.name} {taper.format_mg(self.dose_mg)}"


class TaperPlanQuerySet(models.QuerySet):
    def for_patient(self, patient: object) -> TaperPlanQuerySet:
        return self.filter(patient=patient)

    def current(self) -> TaperPlanQuerySet:
        """Confirmed plans in force: active or paused (at most one per patient)."""
        return self.filter(status__in=[TaperPlan.Status.ACTIVE, TaperPlan.Status.PAUSED])


class TaperPlan(models.Model):
    """A taper schedule set by a clinician. A draft is invisible to the patient until
    a clinician confirms it; the app never confirms, advances or changes it."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (not confirmed)")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        FINISHED = "finished", _("Finished")
        CANCELLED = "cancelled", _("Withdrawn")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="taper_plans"
    )
    medication = models.ForeignKey(Medication, on_delete=models.PROTECT, related_name="plans")
    start_dose_mg = models.DecimalField(max_digits=8, decimal_places=3)
    tablet_strengths_mg = models.JSONField(default=list, blank=True)
    scored_strengths_mg = models.JSONField(
        default=list, blank=True, help_text=_("Strengths whose tablets may be halved.")
    )
    template = models.CharField(max_length=30, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    prescriber = models.CharField(
        max_length=150, blank=True, help_text=_("The prescriber who agreed the plan, if not you.")
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    paused_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    conversion_note = models.TextField(
        blank=True,
        help_text=_("If the plan converts from another medicine, the conversion you used."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # One more at every change (actions._log): a page that changes the plan carries the
    # number it was drawn with, and a change made since refuses it.
    revision = models.PositiveIntegerField(default=0, editable=False)

    objects = TaperPlanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status__in=["active", "paused"]),
                name="one_current_taper_plan",
            )
        ]

    def __str__(self) -> str:
        return f"Taper of {self.medication.name} for {self.patient}"

    @property
    def strengths(self) -> list[Decimal]:
        return [Decimal(v) for v in self.tablet_strengths_mg]

    @property
    def scored(self) -> list[Decimal]:
        return [Decimal(v) for v in self.scored_strengths_mg]

    @property
    def strengths_display(self) -> str:
        return strengths_text(self.tablet_strengths_mg)

    @property
    def scored_display(self) -> str:
        return strengths_text(self.scored_strengths_mg)

    @property
    def start_dose_display(self) -> str:
        return clinical_text.dose(self.start_dose_mg)

    def pure_steps(self) -> list[taper.Step]:
        """The steps as ``program.rules.taper`` sees them (uses prefetched steps if any)."""
        return [
            taper.Step(
                s.starts_on,
                taper.mg(s.dose_mg),
                s.drug_free_nights_per_week,
                s.note,
                s.message,
            )
            for s in self.steps.all()
        ]

    def steps_in_force(self) -> list[taper.Step]:
        """The steps the nights are compared with: while paused, none after the pause
        began (the patient holds at the paused step until the clinician resumes)."""
        steps = self.pure_steps()
        if self.status == self.Status.PAUSED and self.paused_on:
            steps = [s for s in steps if s.starts_on <= self.paused_on] or steps[:1]
        return steps

    def current_and_next(self, night: date) -> tuple[TaperStep | None, TaperStep | None]:
        steps = list(self.steps.all())
        if self.status == self.Status.PAUSED and self.paused_on:
            night = min(night, self.paused_on)
        index = taper.current_index(self.pure_steps(), night)
        current = steps[index] if index is not None else None
        following = steps[(index + 1) if index is not None else 0 :]
        return current, (following[0] if following else None)


def step_message(code: str, params: object) -> taper.Message | None:
    """A stored note code and its figures as ``taper.Message`` (None for an empty or
    unknown code, or figures that are not a mapping of names to text or numbers)."""
    if code not in taper.Note or not isinstance(params, dict):
        return None
    figures = {
        str(k): v for k, v in params.items() if isinstance(v, str | int) and not isinstance(v, bool)
    }
    return taper.Message(taper.Note(code), figures)


class TaperStep(models.Model):
    plan = models.ForeignKey(TaperPlan, on_delete=models.CASCADE, related_name="steps")
    starts_on = models.DateField(help_text=_("From the evening of this date."))
    dose_mg = models.DecimalField(max_digits=8, decimal_places=3)
    drug_free_nights_per_week = models.PositiveSmallIntegerField(default=0)
    # The suggestion's note: a code of ``taper.Note`` and its figures (words at display
    # time, ``clinical_text.taper_words``); ``note`` is the clinician's own.
    note_code = models.CharField(max_length=30, blank=True)
    note_params = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["starts_on", "pk"]

    def __str__(self) -> str:
        return f"{taper.format_mg(self.dose_mg)} from {self.starts_on:%Y-%m-%d}"

    @property
    def message(self) -> taper.Message | None:
        return step_message(self.note_code, self.note_params)

    @property
    def note_words(self) -> str:
        """The suggestion's note in the active language, then the clinician's own."""
        return " ".join(part for part in (taper_words(self.message), self.note) if part)

    @property
    def dose_display(self) -> str:
        return clinical_text.dose(self.dose_mg)


# What a change to a plan did (``program.medication.actions._log``), in the reader's words.
PLAN_ACTIONS = {
    "drafted": _("drafted"),
    "edited": _("edited"),
    "confirmed": _("confirmed"),
    "paused": _("paused"),
    "resumed": _("resumed"),
    "finished": _("finished"),
    "withdrawn": _("withdrawn"),
}


class TaperPlanChange(models.Model):
    """Every change to a plan: who, when, what they did and why, and the steps after."""

    plan = models.ForeignKey(TaperPlan, on_delete=models.CASCADE, related_name="changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    status = models.CharField(max_length=10)
    steps = models.JSONField(default=list)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.action} {self.plan} at {self.changed_at:%Y-%m-%d %H:%M}"

    @property
    def action_words(self) -> str:
        return str(PLAN_ACTIONS.get(self.action, self.action))

    @property
    def status_words(self) -> str:
        """The plan's status after the change, as its page names statuses."""
        try:
            return str(TaperPlan.Status(self.status).label)
        except ValueError:
            return self.status

    @property
    def step_rows(self) -> list[tuple[date, Decimal, int]]:
        """The steps kept with the change: (first evening, dose, drug-free nights a week)."""
        return [
            (
                date.fromisoformat(s["starts_on"]),
                Decimal(s["dose_mg"]),
                int(s.get("drug_free_nights_per_week") or 0),
            )
            for s in self.steps
        ]

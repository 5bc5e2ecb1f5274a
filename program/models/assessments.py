"""Questionnaires as data (instruments), the answers patients give (assessments), and
the care team's private notes on a patient.

Scoring lives in the pure module ``program.scoring``; the workflow (what is due,
submitting, the PHQ-9 item-9 risk workflow) in ``program.assessments``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .. import scoring
from .programme import Enrolment


class InstrumentQuerySet(models.QuerySet["Instrument"]):
    def current(self) -> InstrumentQuerySet:
        return self.filter(is_current=True)


class Instrument(models.Model):
    """A questionnaire: its items, options, recall period, licence and scoring key.

    ``wording_loaded`` is False for licensed instruments whose wording this
    installation does not hold (ISI, ESS, PSQI as shipped): clinicians see "needs
    licensed wording" and patients are never asked to fill placeholder text.
    """

    key = models.SlugField(max_length=20, help_text=_("Scoring key: isi, phq9, gad7, ess, psqi."))
    version = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=20)
    licence = models.TextField()
    citation = models.CharField(max_length=300, blank=True)
    recall_period = models.CharField(max_length=100)
    preamble = models.TextField(blank=True)
    items = models.JSONField(help_text=_('[{"key": "isi1", "text": "..."}, ...]'))
    options = models.JSONField(help_text=_('[{"value": 0, "label": "..."}, ...]'))
    wording_loaded = models.BooleanField(default=False)
    wording_source = models.CharField(max_length=300, blank=True)
    is_current = models.BooleanField(default=True)

    objects = InstrumentQuerySet.as_manager()

    class Meta:
        ordering = ["key", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="one_instrument_version"),
            models.UniqueConstraint(
                fields=["key"], condition=models.Q(is_current=True), name="one_current_instrument"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.short_name} v{self.version}"

    @property
    def scale(self) -> scoring.Scale:
        return scoring.SCALES[self.key]

    @property
    def can_be_filled(self) -> bool:
        return self.wording_loaded


class AssessmentQuerySet(models.QuerySet):
    def for_patient(self, patient: object) -> AssessmentQuerySet:
        return self.filter(patient=patient)

    def of(self, key: str) -> AssessmentQuerySet:
        return self.filter(instrument__key=key)

    def unacknowledged_risk(self) -> AssessmentQuerySet:
        return self.filter(risk=True, risk_acknowledged_at__isnull=True)


class Assessment(models.Model):
    """One completed questionnaire: the answers, total and band, and any risk."""

    class Source(models.TextChoices):
        PATIENT = "patient", _("Filled in by the patient")
        CLINICIAN = "clinician", _("Entered by a clinician (paper form or earlier result)")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assessments"
    )
    instrument = models.ForeignKey(Instrument, on_delete=models.PROTECT, related_name="+")
    enrolment = models.ForeignKey(
        Enrolment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    occasion = models.CharField(max_length=20, help_text=_("baseline, week-2, …, follow-up"))
    answers = models.JSONField(default=dict, blank=True)
    total = models.PositiveSmallIntegerField()
    band = models.CharField(max_length=100)
    band_rank = models.PositiveSmallIntegerField(default=0)
    risk = models.BooleanField(default=False, help_text=_("PHQ-9 item 9 answered above 0."))
    risk_acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    risk_acknowledged_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField(null=True, blank=True)
    completed_on = models.DateField(help_text=_("The patient's local date."))
    completed_at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.PATIENT)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A risk answer's email to the care team (program.notifications): when it went out,
    # and when the reminder tick last queued it again because it had not.
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_queued_at = models.DateTimeField(null=True, blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "-completed_at"]
        indexes = [
            models.Index(fields=["patient", "completed_on"]),
            models.Index(
                fields=["completed_at"],
                condition=models.Q(risk=True, email_sent_at__isnull=True),
                name="assessment_alert_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument.short_name} {self.total} on {self.completed_on}"

    def answer_rows(self) -> list[dict[str, Any]]:
        labels = {o["value"]: o["label"] for o in self.instrument.options}
        return [
            {
                "text": item["text"],
                "value": self.answers.get(item["key"]),
                "label": labels.get(self.answers.get(item["key"]), ""),
            }
            for item in self.instrument.items
            if item["key"] in self.answers
        ]


class TherapistNote(models.Model):
    """A care-team note on a patient: private (the patient never sees it), timestamped,
    editable, with every earlier text kept in ``NoteRevision``."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="therapist_notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Note on {self.patient} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def edited(self) -> bool:
        return (self.updated_at - self.created_at).total_seconds() > 1


class NoteRevision(models.Model):
    """The text a note had before an edit, who replaced it and when."""

    note = models.ForeignKey(TherapistNote, on_delete=models.CASCADE, related_name="revisions")
    text = models.TextField()
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    edited_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-edited_at"]

    def __str__(self) -> str:
        return f"Earlier text of note {self.note_id}"

"""Questionnaires as data (instruments), the answers patients give (assessments), the
risk alerts some answers raise, and the care team's private notes on a patient.

Scoring lives in the pure module ``program.rules.scoring``; the workflow (what is due,
submitting) in ``program.assessments.actions``; the risk workflow, for every answer that
signals a risk of self-harm whatever asked it, in ``program.risk.actions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from program.clinical_text import band_words
from program.enrolment.models import Enrolment
from program.rules import scoring

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


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
    # A raw-to-T-score table loaded with licensed wording (PROMIS): one T-score for each raw
    # total, lowest first (program.rules.scoring.check_t_table); empty: no T-scores.
    t_scores = models.JSONField(default=list, blank=True)
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
        """Loaded wording, and for an instrument scored by T-scores, its table too."""
        return self.wording_loaded and (self.key != "promis_sd" or bool(self.t_scores))

    def t_score(self, total: int) -> float | None:
        return scoring.t_score(self.scale, self.t_scores, total) if self.t_scores else None


class AssessmentQuerySet(models.QuerySet):
    def for_patient(self, patient: object) -> AssessmentQuerySet:
        return self.filter(patient=patient)

    def of(self, key: str) -> AssessmentQuerySet:
        return self.filter(instrument__key=key)

    def unacknowledged_risk(self) -> RiskAlertQuerySet:
        """Every open risk alert, whatever answer raised it (a PHQ-9 item 9 or the safety
        screen's self-harm question): a ``RiskAlert`` queryset, not assessments.

        The caseload's urgent flag reads this inside ``Exists(...filter(patient=...))``
        (program/clinic/caseload.py), so answering with the alerts puts every risk answer on the
        caseload without another query. Filter it by ``patient`` only. (Follow-up: the
        caseload should read ``RiskAlert.objects.open()`` itself.)"""
        return RiskAlert.objects.open()


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
    # A code of ``program.rules.scoring`` (its words: ``clinical_text.band_words``).
    band_code = models.CharField(max_length=100)
    band_rank = models.PositiveSmallIntegerField(default=0)
    risk = models.BooleanField(default=False, help_text=_("PHQ-9 item 9 answered above 0."))
    # Mirrors its RiskAlert's acknowledgement (program.risk.actions.acknowledge), for the readers
    # of the assessment itself (the API, the data export).
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
    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_on", "-completed_at"]
        indexes = [models.Index(fields=["patient", "completed_on"])]

    def __str__(self) -> str:
        return f"{self.instrument.short_name} {self.total} on {self.completed_on}"

    @property
    def t_score(self) -> float | None:
        """The T-score of the total, for instruments scored by a loaded table (PROMIS)."""
        return self.instrument.t_score(self.total)

    @property
    def band(self) -> str:
        """The band's words in the active language."""
        return band_words(self.band_code)

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


class RiskAlertQuerySet(models.QuerySet["RiskAlert"]):
    def open(self) -> RiskAlertQuerySet:
        """Not yet acknowledged by a person."""
        return self.filter(acknowledged_at__isnull=True)


class RiskAlert(models.Model):
    """An answer that signals a risk of self-harm, and the workflow it started
    (program.risk.actions): the urgent flag while it is open, its emails (``RiskNotice``), who
    acknowledged it and when, and its escalation. Its steps are in ``RiskAlertEvent``."""

    class Source(models.TextChoices):
        # A later instrument adds its source here and calls program.risk.actions.raise_alert.
        PHQ9_ITEM9 = "phq9_item9", _("Self-harm answer on the PHQ-9 (item 9)")
        SCREEN_SELF_HARM = "screen_self_harm", _("Self-harm answer on the safety screen")
        # The clinic's own risk flags (program.risk.models.RiskRule); ``matches`` says which.
        FLAGGED_WORDS = "flagged_words", _("Words the clinic flags, in what the patient wrote")
        FLAGGED_ITEM = "flagged_item", _("A questionnaire answer the clinic flags")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="risk_alerts"
    )
    source = models.CharField(max_length=30, choices=Source.choices)
    # The answer that raised it (kept if that row is deleted by hand in the admin).
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.SET_NULL, related_name="risk_alerts"
    )
    screen = models.ForeignKey(
        "program.SafetyScreen",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risk_alerts",
    )
    message = models.ForeignKey(
        "program.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risk_alerts",
    )
    diary_entry = models.ForeignKey(
        "program.DiaryEntry",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risk_alerts",
    )
    # A patient's problem report ("Report a problem with my care") with words the clinic
    # flags: the report's own email to the same people carries the alert (no second email).
    adverse_event = models.ForeignKey(
        "program.AdverseEvent",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="risk_alerts",
    )
    # For a clinic's risk flag: each rule that matched, as it read then, and the words
    # around the match ([{"rule": "“kill myself”", "excerpt": "…", "negated": false}]).
    matches = models.JSONField(default=list, blank=True)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The patient's therapist when it was raised; none: the duty list's."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)

    objects = RiskAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["patient", "-created_at"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(acknowledged_at__isnull=True, escalated_at__isnull=True),
                name="risk_alert_to_escalate",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} of {self.patient} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def urgent_label(self) -> str:
        """The urgent flag's words, naming what raised it (caseload, round, patient page)."""
        return str(urgent_label(self.source))


# The urgent flag's words for each source: one wording for the caseload, the weekly round
# and the patient page, so each names what really raised the alert.
URGENT_LABELS = {
    RiskAlert.Source.PHQ9_ITEM9: _("Urgent: self-harm answer on the PHQ-9"),
    RiskAlert.Source.SCREEN_SELF_HARM: _("Urgent: self-harm answer on the safety screen"),
    RiskAlert.Source.FLAGGED_WORDS: _("Urgent: words the clinic flags, in what the patient wrote"),
    RiskAlert.Source.FLAGGED_ITEM: _("Urgent: a questionnaire answer the clinic flags"),
}
URGENT_ANY = _("Urgent: an open risk alert")


def urgent_label(source: str) -> StrOrPromise:
    """``URGENT_LABELS`` of ``source``; the general words for a source not known here."""
    return (
        URGENT_LABELS.get(RiskAlert.Source(source), URGENT_ANY)
        if source in RiskAlert.Source.values
        else URGENT_ANY
    )


class RiskNotice(models.Model):
    """One email of an alert, to the addresses it lists: the first one (the therapist and
    the duty list) or the escalation (the duty list and the admins). Written only when
    there is someone to send it to; the task marks it sent (program.notifications).
    The same people's devices get a web push as well where they turned it on
    (``pushed_to``: the addresses at least one of whose devices accepted it)."""

    class Kind(models.TextChoices):
        ALERT = "alert", _("Alert")
        ESCALATION = "escalation", _("Escalation")

    alert = models.ForeignKey(RiskAlert, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    recipients = models.JSONField(default=list, help_text=_("Email addresses."))
    created_at = models.DateTimeField(auto_now_add=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_queued_at = models.DateTimeField(null=True, blank=True)
    pushed_to = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Addresses whose devices accepted the web push of this notice."),
    )

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["alert", "kind"], name="one_risk_notice_per_kind")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(email_sent_at__isnull=True),
                name="risk_notice_unsent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of alert {self.alert_id}"


class RiskAlertEvent(models.Model):
    """A step of a risk alert, who took it (none: the app) and when: append-only."""

    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised: urgent flag shown")
        NOBODY_TO_TELL = "nobody", _("Nobody to email: no therapist and an empty duty list")
        EMAILED = "emailed", _("Email sent")
        WITH_REPORT = "with_report", _("Emailed as urgent with the problem report it is in")
        PUSHED = "pushed", _("Web push sent")
        PUSH_FAILED = "push_failed", _("Web push failed (the email was not affected)")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        ESCALATED = "escalated", _("Escalated: not acknowledged in time")

    alert = models.ForeignKey(RiskAlert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (alert {self.alert_id}) at {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Risk alert events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        raise ValueError("Risk alert events go only with their alert.")


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
    # The key of the form that added it: the same form sent again (Back then Save, a
    # double tap) is recognised as saved instead of adding the note twice.
    submission_key = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="one_note_per_submission",
            ),
        ]

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

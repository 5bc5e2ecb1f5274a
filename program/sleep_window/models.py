"""Sleep restriction therapy: protocols, each patient's course, the prescriptions in
force and the weekly recommendations that a clinician approves.

The rules are in the pure module ``program.rules.titration``; a ``SleepProtocol`` row
is one versioned set of its parameters.
"""

from __future__ import annotations

import secrets
from datetime import date, time
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from program.rules import titration


class SleepProtocol(models.Model):
    """One version of a titration protocol. Rows in use are never edited: an admin
    adds a new version instead (older prescriptions keep pointing at theirs)."""

    key = models.SlugField(max_length=40)
    version = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    sources = models.TextField(blank=True, help_text=_("Where each constant comes from."))
    initial_rule = models.CharField(
        max_length=20, choices=[(r.value, r.value) for r in titration.InitialRule]
    )
    initial_offset_min = models.PositiveSmallIntegerField(default=0)
    floor_min = models.PositiveSmallIntegerField(help_text=_("Shortest window, minutes."))
    ceiling_min = models.PositiveSmallIntegerField(default=540)
    round_to_min = models.PositiveSmallIntegerField(default=15)
    extend_at = models.FloatField(
        default=90.0, help_text=_("SE (%) at or above which to lengthen.")
    )
    reduce_below = models.FloatField(default=85.0, help_text=_("SE (%) below which to shorten."))
    step_up_min = models.PositiveSmallIntegerField(default=15)
    step_down_min = models.PositiveSmallIntegerField(default=15)
    reduce_mode = models.CharField(
        max_length=20, choices=[(r.value, r.value) for r in titration.ReduceMode]
    )
    se_denominator = models.CharField(
        max_length=20,
        default="in_bed",
        choices=[("in_bed", "into bed"), ("lights_out", "lights out")],
    )
    min_nights = models.PositiveSmallIntegerField(default=5)
    lookback_days = models.PositiveSmallIntegerField(default=7)
    baseline_min_nights = models.PositiveSmallIntegerField(default=7)
    baseline_lookback_days = models.PositiveSmallIntegerField(default=14)
    age_adjust = models.BooleanField(default=False)
    compression_weeks = models.PositiveSmallIntegerField(default=5)
    is_active = models.BooleanField(default=True, help_text=_("Offered for new courses."))

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="one_protocol_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def rules(self) -> titration.Protocol:
        return titration.Protocol(
            key=self.key,
            name=self.name,
            initial_rule=titration.InitialRule(self.initial_rule),
            floor_min=self.floor_min,
            ceiling_min=self.ceiling_min,
            round_to_min=self.round_to_min,
            extend_at=self.extend_at,
            reduce_below=self.reduce_below,
            step_up_min=self.step_up_min,
            step_down_min=self.step_down_min,
            reduce_mode=titration.ReduceMode(self.reduce_mode),
            se_denominator=self.se_denominator,
            min_nights=self.min_nights,
            lookback_days=self.lookback_days,
            baseline_min_nights=self.baseline_min_nights,
            baseline_lookback_days=self.baseline_lookback_days,
            initial_offset_min=self.initial_offset_min,
            age_adjust=self.age_adjust,
            compression_weeks=self.compression_weeks,
        )


class SafetyScreenQuerySet(models.QuerySet["SafetyScreen"]):
    def to_decide(self) -> SafetyScreenQuerySet:
        """Positive screens still waiting for a clinician's decision: the one rule for
        the caseload's "Positive safety screen (to review)" flag and the round's item."""
        return self.filter(positive=True, decision=SafetyScreen.Decision.PENDING)


class SafetyScreen(models.Model):
    """Answers to the screen taken before sleep restriction starts."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("Waiting for the clinician")
        ALLOWED = "allowed", _("Sleep restriction allowed")
        COMPRESSION_ONLY = "compression", _("Only the gentler sleep compression")
        NOT_ALLOWED = "not_allowed", _("No sleep restriction")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="safety_screens"
    )
    answers = models.JSONField()
    positive = models.BooleanField(help_text=_("Any answer that needs a clinician's decision."))
    completed_at = models.DateTimeField(auto_now_add=True)
    decision = models.CharField(max_length=20, choices=Decision.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # Why it was asked (program.rules.rescreen.Due): before the first window, again at
    # the start, every 4 weeks of restriction, or after a change the patient reported.
    occasion = models.CharField(max_length=10, default="first")

    objects = SafetyScreenQuerySet.as_manager()

    class Meta:
        ordering = ["-completed_at"]

    def __str__(self) -> str:
        return f"Safety screen of {self.patient} ({self.get_decision_display()})"


class SleepinessCheck(models.Model):
    """The weekly daytime-sleepiness check while restriction is on."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sleepiness_checks"
    )
    week_of = models.DateField(help_text=_("The patient's local date when answered."))
    dozing = models.PositiveSmallIntegerField()
    unsafe = models.BooleanField()
    very_sleepy = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Sleepiness of {self.patient} on {self.week_of}"


class MoodCheck(models.Model):
    """The weekly elevated-mood question during restriction, asked of patients whose
    safety screen records bipolar disorder (program.rules.mood). Our own wording: NOT a
    validated questionnaire, and every answer says so (``validated`` is always False)."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mood_checks"
    )
    week_of = models.DateField(help_text=_("The patient's local date when answered."))
    question = models.TextField(help_text=_("The question as it was asked (English)."))
    elevated = models.BooleanField(help_text=_("The patient answered yes."))
    validated = models.BooleanField(
        default=False,
        editable=False,
        help_text=_("Always False: the project's own question, not a validated questionnaire."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Mood check of {self.patient} on {self.week_of}"

    @property
    def to_review(self) -> bool:
        return self.elevated and self.reviewed_at is None


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)


class SleepCourse(models.Model):
    """A patient's sleep restriction (or compression) from first window to its end."""

    class Status(models.TextChoices):
        SETTING_UP = "setting_up", _("Setting up")
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        ENDED = "ended", _("Ended")

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sleep_course"
    )
    protocol = models.ForeignKey(SleepProtocol, on_delete=models.PROTECT)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SETTING_UP)
    rise_time = models.TimeField(
        null=True, blank=True, help_text=_("The fixed time to get up, every day.")
    )
    titration_weekday = models.PositiveSmallIntegerField(
        default=0, help_text=_("0 = Monday … 6 = Sunday, in the patient's zone.")
    )
    # Compression steps, fixed when the course starts [BSM-COMP].
    compression_target_min = models.PositiveSmallIntegerField(null=True, blank=True)
    compression_step_min = models.PositiveSmallIntegerField(null=True, blank=True)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    # The clinician who chose the protocol; until one has, it is the app's proposal
    # (program.rules.age: compression from 65) and may follow the patient's age.
    protocol_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    paused_reason = models.CharField(max_length=200, blank=True)
    ended_reason = models.CharField(max_length=200, blank=True)
    # The patient's local day it ended (the restriction-week PHQ-9s due after it are not
    # scheduled: program.rules.mood.restriction_occasions).
    ended_on = models.DateField(null=True, blank=True)
    # "Something has changed" (pregnancy, a new job, a new diagnosis): the screen is due
    # again until answered after this (program.rules.rescreen, issue 16 part 5).
    change_reported_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Sleep window of {self.patient}"


class PrescriptionQuerySet(models.QuerySet):
    def in_force_on(self, day: date) -> PrescriptionQuerySet:
        return self.filter(effective_from__lte=day).order_by("-effective_from", "-created_at")

    def active_for(self, patient: object, day: date) -> Prescription | None:
        """The window in force for ``patient`` on ``day``, while restriction is on."""
        return (
            self.filter(course__patient=patient, course__status="active")
            .in_force_on(day)
            .select_related("course")
            .first()
        )


class Prescription(models.Model):
    """A sleep window in force from a date: kept for ever, with who set it and why."""

    class Source(models.TextChoices):
        APPROVED = "approved", _("Recommendation approved by the clinician")
        EDITED = "edited", _("Set by the clinician (recommendation edited)")
        AUTOMATIC = "automatic", _("Applied automatically (self-guided programme)")
        CLINICIAN = "clinician", _("Set by the clinician")

    course = models.ForeignKey(SleepCourse, on_delete=models.CASCADE, related_name="prescriptions")
    window_min = models.PositiveSmallIntegerField()
    rise_time = models.TimeField()
    effective_from = models.DateField()
    source = models.CharField(max_length=20, choices=Source.choices)
    rule = models.CharField(max_length=30)
    figures = models.JSONField(default=dict)
    reason = models.TextField(blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = PrescriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-effective_from", "-created_at"]

    def __str__(self) -> str:
        return f"{self.window_min} min from {self.effective_from}"

    @property
    def bedtime(self) -> time:
        return titration.bedtime(self.rise_time, self.window_min)


class RecommendationQuerySet(models.QuerySet):
    def pending(self) -> RecommendationQuerySet:
        return self.filter(status=Recommendation.Status.PENDING)


class Recommendation(models.Model):
    """What the protocol proposes on a titration day, before a clinician decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the clinician")
        APPROVED = "approved", _("Approved")
        EDITED = "edited", _("Changed by the clinician")
        REJECTED = "rejected", _("Rejected")
        AUTOMATIC = "automatic", _("Applied automatically")
        SUPERSEDED = "superseded", _("Replaced by a newer recommendation")
        # Undecided when the window was paused or ended; a pause resumed within the week
        # brings it back to the clinician (``sleep_window.actions.resume``).
        SET_ASIDE = "set_aside", _("Set aside: the sleep window was paused or ended")

    course = models.ForeignKey(
        SleepCourse, on_delete=models.CASCADE, related_name="recommendations"
    )
    review_date = models.DateField()
    kind = models.CharField(
        max_length=10, choices=[("initial", "First window"), ("weekly", "Weekly review")]
    )
    current_window_min = models.PositiveSmallIntegerField(null=True, blank=True)
    proposed_window_min = models.PositiveSmallIntegerField()
    rule = models.CharField(max_length=30)
    figures = models.JSONField(default=dict)
    flags = models.JSONField(default=list)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    prescription = models.ForeignKey(
        Prescription, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Since when a change has waited for a clinician: a recommendation that replaces
    # one still waiting keeps its start (program.sleep_window.waiting; empty: ``created_at``).
    waiting_since = models.DateTimeField(null=True, blank=True)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["-review_date", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "review_date", "kind"], name="one_recommendation_per_review"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} recommendation for {self.course.patient} on {self.review_date}"


def threshold_age(patient: Any) -> int | None:
    """The age a protocol's thresholds read (``titration.thresholds``): from the date of
    birth; for an account made before it was asked, the latest safety screen's "65 or
    older" answer. Here, beside the models it reads, so that the lesson pages quote the
    thresholds the titration applies without reaching up into the sleep window's
    workflow."""
    years = patient.age()
    if years is not None:
        return years
    screen = SafetyScreen.objects.filter(patient=patient).order_by("-completed_at", "-pk").first()
    return titration.OLDER_ADULT_AGE if screen and screen.answers.get("older") else None

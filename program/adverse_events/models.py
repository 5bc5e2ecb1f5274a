"""Adverse events: a problem with a patient's care, reported by the patient or recorded by
staff (issue 16, part 10). The workflow is in ``program.adverse_events.actions``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AdverseEventQuerySet(models.QuerySet["AdverseEvent"]):
    def open(self) -> AdverseEventQuerySet:
        return self.filter(reviewed_at__isnull=True)


class AdverseEvent(models.Model):
    """What happened, when, how serious, who reported it; whom it was emailed to; who
    reviewed it, when and with what note. Kept when the reporter leaves."""

    class Seriousness(models.TextChoices):
        # Plain words, for the patient to choose from.
        MILD = "mild", _("It bothered me, but I am all right")
        MODERATE = "moderate", _("It got in the way of my daily life")
        SEVERE = "severe", _("I was hurt, or needed a doctor or a hospital")

    class Kind(models.TextChoices):
        PATIENT_REPORT = "patient_report", _("Reported by the patient")
        FALL_OR_ACCIDENT = "fall_or_accident", _("Fall or accident while sleepy")
        DROWSY_DRIVING = "drowsy_driving", _("Too sleepy to drive or work safely")
        WITHDRAWAL = "withdrawal", _("Withdrawal symptom (medication taper)")
        MOOD = "mood", _("Worse mood or anxiety")
        OTHER = "other", _("Other")

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="adverse_events"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    what_happened = models.TextField(max_length=4000)
    happened_on = models.DateField()
    seriousness = models.CharField(max_length=20, choices=Seriousness.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reporter_role = models.CharField(max_length=20)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    # The email to the care team, after the commit: planned, and actually sent.
    recipients = models.JSONField(default=list, blank=True)
    emailed_to = models.JSONField(default=list, blank=True)
    email_attempted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(max_length=4000, blank=True)

    objects = AdverseEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"Adverse event {self.pk} ({self.get_kind_display()})"

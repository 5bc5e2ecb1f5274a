"""A record of each guided exercise a patient did: which, when, how long, and whether
they reached the end. Nothing typed and no settings are kept (record only what is needed)."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ExerciseKind(models.TextChoices):
    BREATHING = "breathing", _("Paced breathing")
    MUSCLES = "muscles", _("Progressive muscle relaxation")
    WORRY = "worry", _("Worry time")
    IMAGERY = "imagery", _("Calm place imagery")
    BODY_SCAN = "body-scan", _("Mindful body scan")


class ExerciseSession(models.Model):
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exercise_sessions"
    )
    kind = models.CharField(max_length=16, choices=ExerciseKind.choices)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    completed = models.BooleanField(
        default=False, help_text="Reached the end (False: stopped early)."
    )

    class Meta:
        indexes = [models.Index(fields=["patient", "started_at"], name="exercise_patient_started")]

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self) -> timedelta:
        return self.finished_at - self.started_at

    @property
    def minutes(self) -> int:
        return max(1, round(self.duration.total_seconds() / 60))

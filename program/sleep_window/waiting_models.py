"""Reminders about a recommendation that waits for a clinician (issue 16 part 6).

One row per (recommendation, stage): the unique key is the claim, so a repeated or
doubled tick never writes a second reminder, and the task's conditional claim of
``email_sent_at`` sends each at most once (program.sleep_window.waiting).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from program.sleep_window.models import Recommendation


class RecommendationReminder(models.Model):
    class Stage(models.TextChoices):
        THERAPIST = "therapist", _("Reminder to the therapist")
        DUTY = "duty", _("Reminder to the duty list")

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="reminders"
    )
    stage = models.CharField(max_length=10, choices=Stage.choices)
    recipients = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "stage"], name="one_waiting_reminder_per_stage"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} for recommendation {self.recommendation_id}"

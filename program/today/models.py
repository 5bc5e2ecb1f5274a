"""A break the patient takes themselves (issue 22, part 5): "I'm ill", "I'm travelling"."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PatientPause(models.Model):
    """While open (``ended_on`` empty) the programme's week clock and the sleep window are
    paused (program.today.actions); it ends when the patient resumes, or on ``ends_on``."""

    class Reason(models.TextChoices):
        ILL = "ill", _("I'm ill")
        TRAVEL = "travel", _("I'm travelling")
        OTHER = "other", _("Something else")

    # The reason inside a sentence about the break ("paused (travelling) until …"): the
    # choices are the patient's own words, "I'm travelling", for the form only.
    REASON_WORDS = {
        Reason.ILL.value: _("ill"),
        Reason.TRAVEL.value: _("travelling"),
        Reason.OTHER.value: _("another reason"),
    }

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="patient_pauses"
    )
    reason = models.CharField(max_length=10, choices=Reason.choices)
    started_on = models.DateField()  # the patient's local date
    ends_on = models.DateField()  # resumes on this day at the latest
    ended_on = models.DateField(null=True, blank=True)
    # What this pause set aside (and so resumes): not what a clinician had paused already.
    paused_programme = models.BooleanField(default=False)
    paused_window = models.BooleanField(default=False)
    therapist_emailed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(ended_on__isnull=True),
                name="one_open_patient_pause",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} paused from {self.started_on}"

    @classmethod
    def words_for(cls, reason: str) -> str:
        return str(cls.REASON_WORDS.get(reason, reason))

    @property
    def reason_words(self) -> str:
        return self.words_for(self.reason)

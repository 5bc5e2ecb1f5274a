"""Sleep periods a patient's device recorded, kept beside (never instead of) the diary."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from program.rules.device_sleep import DEFAULT_FLAG_MIN, Period, Stage


class DeviceSleepPeriod(models.Model):
    """One period as the device recorded it (an instant range, one stage).

    The same period imported again (the next export holds every earlier night too) is
    the same row: unique per patient, source, stage, start and end.
    """

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="device_sleep_periods",
        db_index=False,
    )
    source = models.CharField(max_length=100)
    stage = models.CharField(max_length=8, choices=[(s.value, s.name) for s in Stage])
    start = models.DateTimeField()
    end = models.DateTimeField()
    # The morning (diary date) the period belongs to, in the patient's zone at import.
    diary_date = models.DateField()
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "source", "stage", "start", "end"],
                name="one_device_period_per_source_stage_and_time",
            )
        ]
        indexes = [models.Index(fields=["patient", "diary_date"], name="device_sleep_morning")]

    def __str__(self) -> str:
        return f"{self.source} {self.stage} {self.start:%Y-%m-%d %H:%M}"

    def as_period(self) -> Period:
        return Period(source=self.source, stage=Stage(self.stage), start=self.start, end=self.end)


class DeviceSleepSetting(models.Model):
    """Whether the patient sees their device's figures, and from how many minutes' difference
    in total sleep a night is flagged to the therapist (the therapist's choices)."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="device_sleep_setting"
    )
    hidden_from_patient = models.BooleanField(
        default=False,
        help_text=_("The patient's pages leave out the device's figures (orthosomnia)."),
    )
    flag_threshold_min = models.PositiveSmallIntegerField(
        default=DEFAULT_FLAG_MIN,
        help_text=_("Nights whose total sleep differs by more than this are flagged (minutes)."),
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Device sleep shown to {self.patient}: {not self.hidden_from_patient}"

"""The sleep diary: one Consensus Sleep Diary entry per patient per night.

Items follow the Consensus Sleep Diary (Carney et al., SLEEP 2012;35:287-302).
Raw answers are stored (clock times as aware datetimes in UTC, resolved from the
patient's zone); metrics are derived by ``program.rules.sleep`` and stored with the
version of the formulas that produced them.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UnusualReason(models.TextChoices):
    ILLNESS = "illness", _("Illness")
    TRAVEL = "travel", _("Travel or time-zone change")
    SHIFT = "shift", _("Shift work")
    OTHER = "other", _("Something else")


class Quality(models.IntegerChoices):
    VERY_POOR = 1, _("Very poor")
    POOR = 2, _("Poor")
    FAIR = 3, _("Fair")
    GOOD = 4, _("Good")
    VERY_GOOD = 5, _("Very good")


class DiaryEntryQuerySet(models.QuerySet):
    def for_patient(self, patient: object) -> DiaryEntryQuerySet:
        return self.filter(patient=patient)

    def between(self, first: object, last: object) -> DiaryEntryQuerySet:
        """Entries whose diary date (the morning's date) is in [first, last]."""
        return self.filter(diary_date__gte=first, diary_date__lte=last)

    def valid_for_titration(self) -> DiaryEntryQuerySet:
        """Nights that count for sleep-window decisions: not marked unusual."""
        return self.filter(unusual_night=False)


class DiaryEntry(models.Model):
    # No index of its own: the unique (patient, diary_date) constraint's index serves
    # every lookup by patient, and each night saved would write a second one.
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="diary_entries",
        db_index=False,
    )
    # The CSD's "date": the date of the morning the diary is filled in.
    diary_date = models.DateField()
    # The IANA zone the clock times were given in (the patient's at the time).
    time_zone = models.CharField(max_length=64)

    into_bed = models.DateTimeField("got into bed")
    lights_off = models.DateTimeField("tried to go to sleep")
    sleep_latency_min = models.PositiveSmallIntegerField("minutes to fall asleep")
    awakenings = models.PositiveSmallIntegerField("times woken, not counting the final time")
    awake_min = models.PositiveSmallIntegerField("minutes awake during those awakenings")
    final_wake = models.DateTimeField("final awakening")
    out_of_bed = models.DateTimeField("got out of bed")
    quality = models.PositiveSmallIntegerField(choices=Quality.choices)
    comments = models.TextField(blank=True)

    # Expanded items.
    nap_count = models.PositiveSmallIntegerField("naps or dozing yesterday", default=0)
    nap_min = models.PositiveSmallIntegerField("minutes of naps or dozing", default=0)
    early_wake_min = models.PositiveSmallIntegerField(
        "minutes woken earlier than wanted", default=0
    )
    alcohol_drinks = models.PositiveSmallIntegerField("alcoholic drinks", default=0)
    alcohol_last_at = models.TimeField("time of the last alcoholic drink", null=True, blank=True)
    caffeine_drinks = models.PositiveSmallIntegerField("caffeinated drinks", default=0)
    caffeine_last_at = models.TimeField("time of the last caffeinated drink", null=True, blank=True)
    unusual_night = models.BooleanField(
        default=False, help_text=_("Left out of sleep-window decisions (illness, travel, shift).")
    )
    unusual_reason = models.CharField(max_length=20, choices=UnusualReason.choices, blank=True)

    # Derived by program.rules.sleep.night_metrics; see METRICS_VERSION there.
    time_in_bed_min = models.PositiveIntegerField()
    total_sleep_min = models.PositiveIntegerField()
    sleep_efficiency = models.FloatField()
    terminal_wake_min = models.PositiveIntegerField()
    metrics_version = models.PositiveSmallIntegerField(default=1)

    entered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Filled in after the morning it describes (back-filled).
    is_late = models.BooleanField(default=False)
    # The key of the form (or the API call's Idempotency-Key) that created the entry: the
    # same form sent again (Back then Save, a double tap, a retry) is recognised as
    # already saved instead of being stored under another morning.
    submission_key = models.CharField(max_length=64, blank=True, default="")

    objects = DiaryEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-diary_date"]
        verbose_name_plural = "diary entries"
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "diary_date"], name="one_diary_entry_per_night"
            ),
            models.UniqueConstraint(
                fields=["patient", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="one_diary_entry_per_submission",
            ),
        ]
        # The reminder tick reads the nights entered since its last run (new-week reminders).
        indexes = [models.Index(fields=["entered_at"], name="diary_entered_at")]

    def __str__(self) -> str:
        return f"Diary of {self.patient} for {self.diary_date:%Y-%m-%d}"


class DiaryEntryRevision(models.Model):
    """What an entry said before each change, and who changed it when."""

    entry = models.ForeignKey(DiaryEntry, on_delete=models.CASCADE, related_name="revisions")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    previous = models.JSONField(help_text=_("The entry's answers before this change."))
    changed_fields = models.JSONField(default=list)

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"Change to {self.entry} at {self.changed_at:%Y-%m-%d %H:%M}"

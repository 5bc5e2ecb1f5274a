"""Reminders: each person's choices, their next due times, and the outbox of sends.

How a reminder travels (see program/reminders/actions.py):
1. ``ReminderSchedule.next_due_at`` (UTC, indexed) says when a kind is next due
   for a person, worked out from their own clock and time zone.
2. An every-minute tick selects schedules with ``next_due_at <= now``, writes one
   ``Delivery`` per (user, kind, local date) — a unique key, so a repeated tick,
   two beat processes or a retried task cannot make a second row — advances the
   schedule, and enqueues the new deliveries in batches.
3. The delivery task claims each row with a conditional UPDATE before sending.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ReminderKind(models.TextChoices):
    DIARY = "diary", _("Morning diary reminder")
    WIND_DOWN = "wind_down", _("Evening wind-down reminder")
    DIGEST = "digest", _("Weekly caseload digest (therapists)")
    NEW_WEEK = "new_week", _("A new programme week opening")
    QUESTIONNAIRE = "questionnaire", _("A questionnaire due")


class ReminderPreference(models.Model):
    """What a person wants to be reminded of, how, and when not."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reminder_preference"
    )
    diary = models.BooleanField("Morning diary reminder", default=True)
    diary_time = models.TimeField(
        "Time for the diary reminder",
        null=True,
        blank=True,
        help_text=_("Leave empty for 30 minutes after your rise time (or 07:30)."),
    )
    wind_down = models.BooleanField("Evening wind-down reminder", default=True)
    wind_down_minutes = models.PositiveSmallIntegerField(
        "Minutes before bedtime", default=60, help_text=_("Only while you have a sleep window.")
    )
    digest = models.BooleanField("Weekly caseload digest", default=True)
    new_week = models.BooleanField("When a new programme week opens", default=True)
    questionnaire = models.BooleanField("When a questionnaire is due", default=True)
    comeback = models.BooleanField(
        "A gentle note when I have been away a few days",
        default=True,
        help_text=_("At most two, then none until you are back. None while you take a break."),
    )
    email = models.BooleanField("By email", default=True)
    push = models.BooleanField(
        "By notification on my devices",
        default=False,
        help_text=_("Turn on notifications on each device with the button below."),
    )
    quiet_start = models.TimeField("Quiet hours from", null=True, blank=True)
    quiet_end = models.TimeField("Quiet hours until", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Reminder choices of {self.user}"

    def wants(self, kind: str) -> bool:
        return bool(getattr(self, kind, False)) and (self.email or self.push)


class ReminderSchedule(models.Model):
    # Indexed by the unique (user, kind) key, which leads with the user: the tick advances
    # every schedule due at once, and each index more is one more write per schedule.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="reminder_schedules",
        db_index=False,
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    next_due_at = models.DateTimeField(db_index=True)
    local_date = models.DateField(help_text=_("The local date the next reminder belongs to."))
    # The local clock time and (for weekly kinds) weekday it recurs at, so the tick
    # advances schedules with arithmetic alone; they are recomputed whenever what
    # they derive from changes (time zone, choices, sleep window).
    clock = models.TimeField()
    weekday = models.PositiveSmallIntegerField(null=True, blank=True)
    # A one-off (e.g. the day a week opens): removed once due, not advanced.
    once = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_schedule_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user} at {self.next_due_at:%Y-%m-%d %H:%M} UTC"


class Delivery(models.Model):
    """The outbox: one row per reminder that is, was or will be sent."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed (will retry)")
        GAVE_UP = "gave_up", _("Failed for good")
        SKIPPED = "skipped", _("Skipped")
        INTERRUPTED = "interrupted", _("Interrupted mid-send (not resent)")

    # Three indexes, no more: a tick writes up to one row per person at once, and each
    # index is one more write per row (issue #20). The unique (user, kind, local date) key
    # serves lookups by user. The third holds only the rows still in play (pending, failed,
    # sending), by when they were enqueued or claimed: what the tick's re-enqueue and the
    # sweep read. Rows written as skipped (too late) never enter it, and sent ones leave
    # it, so it stays the size of a few minutes' reminders however long the outbox grows.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    local_date = models.DateField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_token = models.CharField(
        max_length=32, blank=True, help_text=_("Which delivery run claimed the row.")
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-due_at"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "local_date"], name="one_delivery_per_kind_and_day"
            )
        ]
        indexes = [
            models.Index(
                fields=["status", "claimed_at"],
                name="delivery_in_play",
                condition=models.Q(status__in=["pending", "failed", "sending"]),
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user} on {self.local_date} ({self.status})"


class PushSubscription(models.Model):
    """A browser's web-push subscription (one per device and browser)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    failures = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return f"Push subscription of {self.user}"


class Watermark(models.Model):
    """How far a periodic job has read (a row per job): its next run reads on from there,
    however long the workers or the broker were away."""

    name = models.CharField(max_length=50, unique=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} read until {self.until:%Y-%m-%d %H:%M:%S}"


class ComebackReminder(models.Model):
    """A come-back note sent to a patient who has gone quiet (program.reminders.comeback,
    program.rules.reengagement): at most one per patient and local date, so a repeated
    or doubled hourly run cannot send a second."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comeback_reminders"
    )
    local_date = models.DateField(help_text=_("The patient's local date it was due on."))
    number = models.PositiveSmallIntegerField(help_text=_("1 for the first of this absence."))
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-local_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "local_date"], name="one_comeback_reminder_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"Come-back note {self.number} to {self.patient} on {self.local_date}"

"""The therapy: programmes, enrolments, and the invitations that start them."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_PROGRAMME = {
    "slug": "cbti-6-weeks",
    "name": "Sleep Better: six weeks of CBT-I",
    "weeks": 6,
    "description": (
        "Six weekly modules of cognitive behavioural therapy for insomnia: how sleep works and "
        "the sleep diary; sleep restriction and stimulus control; adjusting your sleep window; "
        "thoughts about sleep; habits and relaxation; sleep medication and keeping the gains."
    ),
}


def list_of_isi_weeks() -> list[int]:
    """The ISI at the end of weeks 2, 4 and 6 (issue 7), besides baseline and follow-up."""
    return [2, 4, 6]


def list_of_restriction_phq9_weeks() -> list[int]:
    """The PHQ-9 at the end of sleep-restriction weeks 2 and 4 (issue 16; program.rules.mood)."""
    return [2, 4]


class ProgrammeQuerySet(models.QuerySet["Programme"]):
    def active(self) -> ProgrammeQuerySet:
        return self.filter(is_active=True)

    def default(self) -> Programme:
        """The programme offered first; recreated if it was removed (e.g. a flushed test DB)."""
        programme = self.filter(is_default=True).first()
        if programme is not None:
            return programme
        recreated, _created = self.get_or_create(
            slug=DEFAULT_PROGRAMME["slug"],
            defaults={**DEFAULT_PROGRAMME, "is_default": True},
        )
        return recreated


class Programme(models.Model):
    """A multi-week CBT-I course that patients are enrolled in."""

    name = models.CharField(max_length=200)
    slug = models.SlugField(unique=True)
    description = models.TextField(blank=True)
    weeks = models.PositiveSmallIntegerField(
        default=6, help_text=_("How many weekly modules the programme has.")
    )
    is_active = models.BooleanField(default=True, help_text=_("Offered to new patients."))
    is_default = models.BooleanField(
        default=False, help_text=_("Offered first when inviting, and used for self-enrolment.")
    )
    sleep_window_auto_apply = models.BooleanField(
        default=False,
        help_text=(
            _(
                "Self-guided: weekly sleep-window changes apply without a clinician's approval. "
                "A positive safety screen or high sleepiness still holds them for a clinician."
            )
        ),
    )
    pace_days = models.PositiveSmallIntegerField(
        default=7, help_text=_("Days after a week opens before the next one may open.")
    )
    require_previous_lessons = models.BooleanField(
        default=True,
        help_text=_("A week opens only once the previous week's required lessons are done."),
    )

    isi_weeks = models.JSONField(
        default=list_of_isi_weeks,
        help_text=_("Weeks at whose end the ISI is due (besides baseline), e.g. [2, 4, 6]."),
    )
    restriction_phq9_weeks = models.JSONField(
        default=list_of_restriction_phq9_weeks,
        blank=True,
        help_text=_(
            "Weeks of sleep restriction at whose end the PHQ-9 is due as well (counted from "
            "the first sleep window), e.g. [2, 4]; [] for none."
        ),
    )
    follow_up_weeks = models.PositiveSmallIntegerField(
        default=12,
        help_text=_("Weeks after the start when the follow-up ISI is due (0: no follow-up)."),
    )

    messages_enabled = models.BooleanField(
        default=False,
        help_text=_(
            "Patients and their therapist can exchange secure messages (emails say only "
            "that there is a new message)."
        ),
    )

    # Changes whenever the programme's weeks, lessons or lesson versions change
    # (program.curriculum.signals): web processes keep the programme's structure in memory
    # under this key (program.curriculum.actions.programme_structure), so a patient's pages
    # do not read the same weeks and lessons on every request.
    content_revision = models.UUIDField(default=uuid.uuid4, editable=False)

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_programme",
            )
        ]

    def __str__(self) -> str:
        return self.name


class EnrolmentQuerySet(models.QuerySet):
    def current(self) -> EnrolmentQuerySet:
        return self.filter(status__in=Enrolment.CURRENT)


class Enrolment(models.Model):
    """A patient's place in a programme. A patient is in one programme at a time."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        COMPLETED = "completed", _("Completed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # The statuses of the patient's programme now (``EnrolmentQuerySet.current``).
    CURRENT = (Status.ACTIVE, Status.PAUSED)

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    # The patient's local date on which week 1 began.
    start_date = models.DateField()
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EnrolmentQuerySet.as_manager()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=models.Q(status__in=["active", "paused"]),
                name="one_current_enrolment_per_patient",
            )
        ]

    def __str__(self) -> str:
        return f"{self.patient} in {self.programme}"

    def week_number(self, today: date) -> int:
        """The programme week ``today`` (the patient's local date) falls in, 1-based.

        Before the start date it is week 1; after the last week it stays at the
        last week (the programme does not run past its end).
        """
        elapsed = (today - self.start_date).days
        return max(1, min(self.programme.weeks, elapsed // 7 + 1))

    def week_starts(self, week: int) -> date:
        return self.start_date + timedelta(days=7 * (week - 1))


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Invitation(models.Model):
    """A therapist's single-use, expiring invitation for a patient to join.

    Only a hash of the token is stored, so a database leak gives no working link.
    """

    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    therapist = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="invitations_sent"
    )
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation for {self.email}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    @property
    def status_display(self) -> str:
        return str(INVITATION_STATUS_LABELS[self.status])


INVITATION_STATUS_LABELS = {
    "accepted": _("accepted"),
    "revoked": _("revoked"),
    "expired": _("expired"),
    "pending": _("pending"),
}


class WorkerHeartbeat(models.Model):
    """The last time a Celery worker ran the periodic heartbeat task (one row)."""

    name = models.CharField(max_length=50, unique=True)
    seen_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name} at {self.seen_at:%Y-%m-%d %H:%M:%S}"

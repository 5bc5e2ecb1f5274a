"""Identity, roles and the care relationship between a patient and a therapist."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .birth_dates import age_on
from .timezones import is_valid_time_zone


def validate_time_zone(value: str) -> None:
    if not is_valid_time_zone(value):
        raise ValidationError(
            "“%(value)s” is not a time zone we know. Choose one from the list, e.g. Europe/London.",
            params={"value": value},
        )


class Role(models.TextChoices):
    PATIENT = "patient", _("Patient")
    THERAPIST = "therapist", _("Therapist")
    ADMIN = "admin", _("Clinic admin")


def in_care_of(therapist: User, through: str = "") -> models.Q:
    """The patients in ``therapist``'s care, as a filter; ``through`` the relation to them
    from another model ("patient__"), so that a query of that model joins them once."""
    return models.Q(**{f"{through}role": Role.PATIENT, f"{through}therapist": therapist})


class UserQuerySet(models.QuerySet["User"]):
    def patients(self) -> UserQuerySet:
        return self.filter(role=Role.PATIENT)

    def therapists(self) -> UserQuerySet:
        return self.filter(role=Role.THERAPIST)

    def active(self) -> UserQuerySet:
        return self.filter(is_active=True)

    def caseload_of(self, therapist: User) -> UserQuerySet:
        """The patients in ``therapist``'s care."""
        return self.filter(in_care_of(therapist))


# The stubs cannot follow a base class made by from_queryset.
class UserManager(BaseUserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """Email is the login; there are no usernames."""

    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra: object) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra: object) -> User:
        extra.setdefault("role", Role.PATIENT)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra: object) -> User:
        extra["role"] = Role.ADMIN
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """A person who signs in: a patient, a therapist or a clinic admin.

    ``role`` is the one source of truth for what a person may do; ``is_staff``
    and ``is_superuser`` follow from it (only clinic admins use the Django admin).
    """

    # Email login: AbstractUser's name fields are removed (None is how Django removes them).
    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField("email address", unique=True)
    name = models.CharField(
        "name", max_length=150, blank=True, help_text=_("How you would like to be addressed.")
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PATIENT)
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text=_("Times in your diary and reminders follow this zone."),
    )
    therapist = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="caseload",
        limit_choices_to={"role": Role.THERAPIST},
        help_text=_("The therapist who looks after this patient."),
    )

    language = models.CharField(
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
        help_text=_("Pages and lessons are shown in this language where a translation exists."),
    )

    # The crisis contacts shown follow it (program.crisis.actions); blank: not said
    # yet, the clinic's CLINIC_DEFAULT_COUNTRY is used. "ZZ": another country.
    country = models.CharField(
        max_length=2,
        blank=True,
        help_text=_("Where you live: the crisis contacts you are shown are for this country."),
    )

    deletion_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_(
            "The person asked for their account to be deleted; it is, after a grace period."
        ),
    )
    # Asked of patients at onboarding (program.rules.age: adults only; the protocol proposed
    # from 65). Empty for accounts made before it was asked: they are asked once, before
    # sleep restriction starts.
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    consent_given_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("When the person agreed to the data use and to their therapist's access."),
    )
    # A separate choice, asked on the patient's "Your data" page (docs/research-export.md):
    # empty is "no", the default. Only patients with a date here are in a research export.
    # Every change is dated in ResearchConsentChange.
    research_consent_at = models.DateTimeField(
        _("agreed to research use"),
        null=True,
        blank=True,
        help_text=_("When the person agreed to their de-identified data being used for research."),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()

    class Meta:
        ordering = ["email"]
        indexes = [models.Index(fields=["role", "therapist"])]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        super().clean()
        if self.therapist_id and self.role != Role.PATIENT:
            raise ValidationError({"therapist": "Only patients have a therapist."})
        if self.therapist is not None and self.therapist.role != Role.THERAPIST:
            raise ValidationError({"therapist": "Choose a therapist."})

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Staff flags follow the role so that no check needs to read them.
        self.is_staff = self.role == Role.ADMIN
        self.is_superuser = self.role == Role.ADMIN
        if self.role != Role.PATIENT:
            self.therapist = None
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.name or self.email

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_therapist(self) -> bool:
        return self.role == Role.THERAPIST

    @property
    def is_clinic_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def needs_mfa(self) -> bool:
        """Therapists and admins see patient data, so they must use two factors."""
        return self.role in (Role.THERAPIST, Role.ADMIN)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_now(self, now: datetime | None = None) -> datetime:
        return (now or timezone.now()).astimezone(self.zone)

    def local_today(self, now: datetime | None = None) -> date:
        """The user's "today": the date on their own wall clock, not the server's."""
        return self.local_now(now).date()

    def deletion_due_on(self) -> date | None:
        """The day, on the person's own calendar, their account is deleted (None: they have
        not asked): the grace period after they asked (``services.delete_due_accounts``)."""
        if self.deletion_requested_at is None:
            return None
        grace = timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)
        return self.local_today(self.deletion_requested_at + grace)

    def age(self) -> int | None:
        """Whole years on the person's own today; None without a date of birth."""
        if self.date_of_birth is None:
            return None
        return age_on(self.date_of_birth, self.local_today())


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class ApiToken(models.Model):
    """A personal token for the JSON API (e.g. a phone app), revocable at any time.

    Only a SHA-256 hash is stored; the token itself is shown once, when made.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text=_("Where it is used, e.g. “My phone”."))
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text=_("The first characters, to recognise it."))
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def about(self, patient: User) -> AuditEventQuerySet:
        return self.filter(patient=patient)


class AuditEvent(models.Model):
    """Who opened or changed a patient's data, other than the patient: append-only.

    Written by AuditMiddleware for every successful request that read a patient
    through the access helpers (``accounts.audit.note_read``), to the caseload, and
    to the Django admin.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        CHANGE = "change", _("Changed")

    actor = models.ForeignKey(User, null=True, on_delete=models.SET_NULL, related_name="+")
    actor_role = models.CharField(max_length=20)
    # Kept when the patient's account is deleted (the trail outlives the record),
    # without the link to the person.
    patient = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_events"
    )
    action = models.CharField(max_length=10, choices=Action.choices)
    path = models.CharField(max_length=500)
    method = models.CharField(max_length=10)
    status = models.PositiveSmallIntegerField()
    ip = models.GenericIPAddressField(null=True, blank=True)
    # What a change was where its path does not say, as ``accounts.audit.describe`` words
    # it: a reassignment's new and previous therapist, named as they were then.
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.action} {self.path} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any):
        raise ValueError("Audit events are deleted only by the retention purge.")


class ResearchConsentChange(models.Model):
    """A patient giving or withdrawing consent to research use: append-only, dated.

    The current choice is ``User.research_consent_at``; this is its history, so a study
    can show when each patient's consent stood (docs/research-export.md).
    """

    patient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="research_consents")
    given = models.BooleanField(help_text=_("True: agreed; False: withdrawn."))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.patient_id} {'gave' if self.given else 'withdrew'} research consent"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("Consent changes are append-only.")
        super().save(*args, **kwargs)


class DutyMember(models.Model):
    """One address on the clinic's duty list (``accounts.duty``), kept by clinic admins on
    /clinic/duty/: a therapist or admin account's address, or one with no account (a
    shared on-call inbox). While the table is empty the list is ``RISK_DUTY_EMAILS`` and
    the active clinic admins (the settings are the defaults until an admin saves the
    list); the form never leaves it empty."""

    email = models.EmailField(unique=True)
    added_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        return self.email

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class ClinicHours(models.Model):
    """The clinic's opening hours (``program.rules.working_hours``: ``Mon-Fri 09:00-17:00``)
    in its time zone, kept by clinic admins on /clinic/duty/: one row at most. Without it
    the hours are ``CLINIC_HOURS`` in ``CLINIC_TIME_ZONE`` (``accounts.duty.opening_hours``)."""

    hours = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64)
    changed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("clinic hours")

    def __str__(self) -> str:
        return f"{self.hours} ({self.time_zone})"


# The limits an admin may set on /clinic/duty/ (accounts.duty): an alert is escalated
# after at least a quarter of a working hour and at most a working week (40 hours);
# a waiting recommendation reminds after 1 to 14 days. Design decision (docs/sources.md,
# "Design decisions", clinic delays): the defaults (4 hours, 3 days) sit inside.
ESCALATE_HOURS_RANGE = (Decimal("0.25"), Decimal("40"))
REMIND_DAYS_RANGE = (1, 14)


class ClinicDelays(models.Model):
    """How long the clinic lets an urgent alert wait for an acknowledgement (in working
    hours, ``program.risk.actions``) and a sleep-window recommendation wait for a
    clinician (in days, ``program.sleep_window.waiting``), kept by clinic admins on
    /clinic/duty/: one row at most. Without it they are ``RISK_ESCALATE_AFTER_HOURS`` and
    ``RECOMMENDATION_REMIND_AFTER_DAYS`` (``accounts.duty.escalate_after_hours``)."""

    escalate_after_hours = models.DecimalField(max_digits=4, decimal_places=2)
    remind_after_days = models.PositiveSmallIntegerField()
    changed_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("clinic delays")

    def __str__(self) -> str:
        return (
            f"escalate after {self.escalate_after_hours} h, remind after {self.remind_after_days} d"
        )

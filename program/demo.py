"""Demo data: a clinic a visitor can walk through at once (see ../shared/JOURNEYS.md).

Idempotent: running it again keeps existing data and adds only what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import create_user

from .demo_curriculum import load_demo_curriculum
from .models import Enrolment, Invitation, Programme, hash_token
from .services import enrol

DEMO_PASSWORD = "sleep-demo-2026"
# A fixed TOTP secret for the demo staff, so a visitor can add it to an
# authenticator app. Demo only: real staff enrol their own.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_INVITATION_TOKEN = "demo-invitation-for-new-patient"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: Role
    time_zone: str
    about: str
    therapist: str | None = None
    days_into_programme: int | None = None


THERAPISTS = [
    DemoPerson(
        "therapist@example.com",
        "Dr Amira Haddad",
        Role.THERAPIST,
        "Europe/London",
        "therapist with most of the demo caseload",
    ),
    DemoPerson(
        "therapist2@example.com",
        "Sam Okafor",
        Role.THERAPIST,
        "America/New_York",
        "a second therapist, who must not see the first one's patients",
    ),
]
ADMINS = [
    DemoPerson(
        "admin@example.com",
        "Clinic Admin",
        Role.ADMIN,
        "Europe/London",
        "clinic admin: curriculum, users, reassignment",
    ),
]
PATIENTS = [
    DemoPerson(
        "baseline@example.com",
        "Ben (baseline week)",
        Role.PATIENT,
        "Europe/London",
        "in the baseline week, day 4",
        "therapist@example.com",
        3,
    ),
    DemoPerson(
        "week3@example.com",
        "Chloe (week 3)",
        Role.PATIENT,
        "Europe/London",
        "in week 3",
        "therapist@example.com",
        16,
    ),
    DemoPerson(
        "week6@example.com",
        "Dev (week 6)",
        Role.PATIENT,
        "America/New_York",
        "in week 6, nearly finished",
        "therapist@example.com",
        38,
    ),
    DemoPerson(
        "taper@example.com",
        "Eva (takes diazepam)",
        Role.PATIENT,
        "Europe/Berlin",
        "in week 4; takes diazepam at night",
        "therapist@example.com",
        24,
    ),
    DemoPerson(
        "lapsed@example.com",
        "Frank (week 2)",
        Role.PATIENT,
        "Europe/London",
        "in week 2",
        "therapist@example.com",
        11,
    ),
    DemoPerson(
        "grace@example.com",
        "Grace (second therapist)",
        Role.PATIENT,
        "America/New_York",
        "in week 2, on the second therapist's caseload",
        "therapist2@example.com",
        9,
    ),
]


def _ensure_user(person: DemoPerson, therapists: dict[str, User]) -> tuple[User, bool]:
    user = User.objects.filter(email=person.email).first()
    if user:
        return user, False
    user = create_user(
        email=person.email,
        password=DEMO_PASSWORD,
        role=person.role,
        name=person.name,
        time_zone=person.time_zone,
        therapist=therapists.get(person.therapist or ""),
    )
    if person.role == Role.PATIENT:
        user.consent_given_at = timezone.now()
        user.save(update_fields=["consent_given_at"])
    return user, True


def _ensure_totp(user: User) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)


@transaction.atomic
def load_demo() -> list[tuple[DemoPerson, bool]]:
    """Create the demo clinic; returns each person and whether they were new."""
    programme = Programme.objects.default()
    created: list[tuple[DemoPerson, bool]] = []
    therapists: dict[str, User] = {}
    for person in THERAPISTS + ADMINS:
        user, new = _ensure_user(person, therapists)
        _ensure_totp(user)
        if person.role == Role.THERAPIST:
            therapists[person.email] = user
        created.append((person, new))
    for person in PATIENTS:
        patient, new = _ensure_user(person, therapists)
        if not Enrolment.objects.current().filter(patient=patient).exists():
            start = patient.local_today() - timedelta(days=person.days_into_programme or 0)
            enrol(patient=patient, programme=programme, start_date=start)
        created.append((person, new))
    # A patient who has been invited but has not yet accepted.
    if not Invitation.objects.filter(token_hash=hash_token(DEMO_INVITATION_TOKEN)).exists():
        Invitation.objects.create(
            email="invited@example.com",
            name="Hana (just invited)",
            therapist=therapists["therapist@example.com"],
            programme=programme,
            token_hash=hash_token(DEMO_INVITATION_TOKEN),
            expires_at=timezone.now() + timedelta(days=365),
            sent_at=timezone.now(),
        )
    load_demo_curriculum(programme)
    return created

"""Named actions of the therapy workflow, each in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import is_patient, is_therapist
from accounts.models import Role, User
from accounts.services import create_user
from program.models import CaseloadSummary, Enrolment, Invitation, Programme, hash_token
from program.publish import Published, publish_on_commit


class InvitationError(Exception):
    """Why an invitation link cannot be used, in words for the person holding it."""


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # only ever in memory and in the email; the database keeps a hash
    published: Published
    replaced: int = 0  # earlier pending invitations to the address, now withdrawn

    @property
    def path(self) -> str:
        return f"/invite/{self.token}/"


@transaction.atomic
def invite_patient(
    *, therapist: User, email: str, programme: Programme, name: str = ""
) -> IssuedInvitation:
    """Create an invitation and email its link (through Celery, after commit).

    Earlier pending invitations to the same address from the same therapist are
    revoked, so only the newest link works (``replaced`` says how many).
    """
    if not is_therapist(therapist):
        raise ValueError("Only therapists invite patients.")
    email = email.strip().lower()
    now = timezone.now()
    replaced = (
        Invitation.objects.pending()
        .filter(therapist=therapist, email__iexact=email)
        .update(revoked_at=now)
    )
    token = Invitation.new_token()
    invitation = Invitation.objects.create(
        email=email,
        name=name,
        therapist=therapist,
        programme=programme,
        token_hash=hash_token(token),
        expires_at=now + timedelta(days=settings.INVITATION_VALID_DAYS),
    )

    published = publish_on_commit("program.tasks.send_invitation_task", invitation.pk, token)
    return IssuedInvitation(invitation, token, published, replaced)


def find_invitation(token: str) -> Invitation:
    """The usable invitation behind ``token``, or InvitationError saying why not."""
    invitation = (
        Invitation.objects.select_related("therapist", "programme")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if invitation is None:
        raise InvitationError(
            _("This invitation link is not valid. Check that you copied all of it.")
        )
    if invitation.accepted_at:
        raise InvitationError(_("This invitation has already been used. Sign in instead."))
    if invitation.revoked_at:
        raise InvitationError(
            _(
                "This invitation was withdrawn, perhaps because a newer one was sent. "
                "Use the link in the most recent email, or ask your therapist for a new one."
            )
        )
    if invitation.expires_at <= timezone.now():
        raise InvitationError(
            _("This invitation has expired. Ask your therapist to send a new one.")
        )
    return invitation


@transaction.atomic
def accept_invitation(
    *,
    token: str,
    password: str,
    name: str,
    time_zone: str,
    language: str = "",
    country: str = "",
    date_of_birth: date | None = None,
) -> User:
    """Create the patient's account, put them on the therapist's caseload and enrol them.

    Single use: the invitation is claimed with a conditional UPDATE, so two
    simultaneous submissions cannot both succeed (works on SQLite and PostgreSQL).
    """
    invitation = find_invitation(token)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise InvitationError(
            _(
                "An account with this email address already exists. Sign in, or ask your "
                "therapist to invite a different address."
            )
        )
    now = timezone.now()
    claimed = Invitation.objects.filter(pk=invitation.pk, accepted_at__isnull=True).update(
        accepted_at=now
    )
    if not claimed:
        raise InvitationError(_("This invitation has already been used. Sign in instead."))
    patient = create_user(
        email=invitation.email,
        password=password,
        role=Role.PATIENT,
        name=name or invitation.name,
        time_zone=time_zone,
        therapist=invitation.therapist,
        date_of_birth=date_of_birth,
    )
    if language in dict(settings.LANGUAGES):
        patient.language = language
    patient.consent_given_at = now
    patient.country = country  # where they live: their crisis contacts
    patient.save(update_fields=["consent_given_at", "language", "country"])
    Invitation.objects.filter(pk=invitation.pk).update(accepted_by=patient)
    enrol(patient=patient, programme=invitation.programme, start_date=patient.local_today())
    return patient


@transaction.atomic
def enrol(*, patient: User, programme: Programme, start_date: date) -> Enrolment:
    """Enrol ``patient``, ending any current enrolment (one programme at a time)."""
    Enrolment.objects.current().filter(patient=patient).update(status=Enrolment.Status.WITHDRAWN)
    CaseloadSummary.objects.mark_changed([patient.pk])  # no signal from update()
    return Enrolment.objects.create(patient=patient, programme=programme, start_date=start_date)


def current_enrolments(patient: User) -> QuerySet[Enrolment]:
    """The patient's current enrolment (at most one), with its programme, as a query to
    add to (``current_enrolment`` reads it)."""
    return Enrolment.objects.current().select_related("programme").filter(patient=patient)


def current_enrolment(patient: User) -> Enrolment | None:
    return current_enrolments(patient).first()


def enrol_self_signed_up(patient: User) -> Enrolment | None:
    """Open sign-up (ALLOW_SELF_SIGNUP): start the default programme today, with no
    therapist until a clinic admin assigns one."""
    if not is_patient(patient) or current_enrolment(patient) is not None:
        return None
    return enrol(
        patient=patient, programme=Programme.objects.default(), start_date=patient.local_today()
    )

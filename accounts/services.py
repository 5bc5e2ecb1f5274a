"""Named actions on accounts, each in a transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import cast

from allauth.account.models import EmailAddress
from allauth.usersessions.adapter import DefaultUserSessionsAdapter
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy

from .access import invitation_pending, is_patient, is_therapist
from .models import ResearchConsentChange, Role, User


def ensure_verified_email(user: User) -> EmailAddress:
    """Give ``user`` a verified, primary allauth address for their email.

    Users created outside sign-up (by an admin, a command, the demo loader or an
    accepted invitation, whose link proved the address) need one, or mandatory
    verification would stop them at login.
    """
    address, _ = EmailAddress.objects.update_or_create(
        user=user,
        email__iexact=user.email,
        defaults={"email": user.email, "verified": True, "primary": True},
    )
    EmailAddress.objects.filter(user=user).exclude(pk=address.pk).update(primary=False)
    return address


@transaction.atomic
def create_user(
    *,
    email: str,
    password: str | None,
    role: Role,
    name: str = "",
    time_zone: str = "UTC",
    therapist: User | None = None,
    date_of_birth: date | None = None,
) -> User:
    """Create a user whose email address is already verified."""
    user = User.objects.create_user(
        email=email,
        password=password,
        role=role,
        name=name,
        time_zone=time_zone,
        therapist=therapist,
        date_of_birth=date_of_birth,
    )
    # A new user has no address yet: this one is theirs, verified and primary (what
    # ensure_verified_email makes sure of for an existing user, in three queries).
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    return user


# Why a therapist who was invited and has not signed in yet is given no patient: their
# alerts would reach nobody (``access.invitation_pending``).
NOT_SIGNED_IN_THERAPIST = gettext_lazy(
    "%(name)s has not accepted their invitation yet, so cannot be given patients. Choose a "
    "therapist who has signed in, or send the invitation again from their page under Staff."
)


class NotSignedInYet(ValueError):
    """The therapist chosen has not accepted their invitation: in words for the admin."""


@transaction.atomic
def reassign_patient(*, patient: User, therapist: User) -> None:
    """Move ``patient`` to ``therapist``'s caseload (a clinic admin's action)."""
    if not is_patient(patient) or not is_therapist(therapist):
        raise ValueError("Only a patient can be assigned, and only to a therapist.")
    if invitation_pending(therapist):
        raise NotSignedInYet(NOT_SIGNED_IN_THERAPIST % {"name": therapist.display_name})
    patient.therapist = therapist
    patient.save(update_fields=["therapist"])


class TooManyAttempts(Exception):
    """Too many wrong passwords for this account or from this address: sign-in's limits
    (``ACCOUNT_RATE_LIMITS["login_failed"]``) were reached."""


def confirm_password(request: HttpRequest, user: User, password: str) -> bool:
    """Whether ``password`` is ``user``'s, checked as allauth checks a sign-in, so each
    wrong guess counts against the same limits, per account and per address, whichever
    page it was typed on. A right one counts as re-authentication (a sensitive action
    within the next few minutes asks no more). Raises ``TooManyAttempts``, before
    checking, once the limits are reached."""
    from allauth.account.adapter import get_adapter
    from allauth.account.internal.flows.reauthentication import reauthenticate_by_password

    try:
        # allauth's own re-authentication: its pre_authenticate consumes "login_failed"
        # for the address and the account, and a right password gives the use back.
        confirmed = get_adapter(request).reauthenticate(user, password)
    except ValidationError:  # "too_many_login_attempts"
        raise TooManyAttempts from None
    if confirmed:
        reauthenticate_by_password(request)
    return confirmed


def request_deletion(user: User) -> date:
    """The person asked to delete their account: it goes after the grace period, during
    which they can keep it ("Keep my account"). Returns the day it is deleted, on their
    own calendar (``User.deletion_due_on``)."""
    from django.utils import timezone

    user.deletion_requested_at = timezone.now()
    user.save(update_fields=["deletion_requested_at"])
    return cast(date, user.deletion_due_on())  # set just above: never None


def cancel_deletion(user: User) -> None:
    user.deletion_requested_at = None
    user.save(update_fields=["deletion_requested_at"])


@transaction.atomic
def delete_due_accounts(now=None) -> int:
    """Delete accounts whose grace period has passed, with everything that is theirs
    (diary, answers, windows, medication, messages, questionnaires: all cascade).
    Kept: the audit trail of who accessed the record, without the link to the person."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)
    due = list(User.objects.filter(deletion_requested_at__lte=cutoff, role=Role.PATIENT))
    for user in due:
        user.delete()
    return len(due)


def signed_out_everywhere(user: User) -> None:
    """The person ended their other sessions ("sign out everywhere else"): whatever else
    lets someone act for them without signing in stops working too. Other apps do their
    part through ``ACCOUNTS_SIGNED_OUT_EVERYWHERE_HOOKS`` (accounts imports none of them),
    e.g. the links in reminder emails are revoked."""
    for hook in settings.ACCOUNTS_SIGNED_OUT_EVERYWHERE_HOOKS:
        import_string(hook)(user)


class UserSessionsAdapter(DefaultUserSessionsAdapter):
    """allauth's sessions page (``USERSESSIONS_ADAPTER``): ending sessions also calls
    ``signed_out_everywhere`` for their owners."""

    def end_sessions(self, sessions: Iterable) -> None:
        sessions = list(sessions)
        super().end_sessions(sessions)
        for user in User.objects.filter(pk__in={s.user_id for s in sessions}):
            signed_out_everywhere(user)


@transaction.atomic
def set_research_consent(patient: User, *, given: bool, now: datetime | None = None) -> bool:
    """Record the patient's choice about research use; False when it did not change.

    The choice and its dated history row are written together; asking for the choice the
    patient already has writes nothing (a second click, a reloaded form)."""
    patient = User.objects.select_for_update().get(pk=patient.pk)
    if (patient.research_consent_at is not None) == given:
        return False
    patient.research_consent_at = (now or timezone.now()) if given else None
    patient.save(update_fields=["research_consent_at"])
    ResearchConsentChange.objects.create(patient=patient, given=given)
    return True

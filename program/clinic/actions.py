"""The clinic admin's work on staff accounts: invite, deactivate, reactivate, and move a
therapist's patients. Each action is one transaction.

A staff invitation is an account with no usable password and a verified address, and an
email whose link is allauth's own "set a new password" link (its token changes once the
password is set or the person signs in, so the link works once, for
``PASSWORD_RESET_TIMEOUT``). The person then signs in and sets up two-factor
authentication (``accounts.middleware.RequireStaffMFAMiddleware``).

A deactivated therapist keeps their patients on record, but the app treats those patients
as having no therapist (``program.risk.actions`` and ``program.sleep_window.rescreen``
send their alerts and decisions to the duty list) and the clinic overview lists them as
needing a therapist until an admin moves them.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.access import (
    invitation_pending,
    is_clinic_admin,
    is_clinician,
    is_therapist,
    without_active_therapist,
)
from accounts.models import Role, User
from accounts.services import NOT_SIGNED_IN_THERAPIST, create_user
from program.models import CaseloadSummary
from program.publish import Published, publish_on_commit

STAFF_ROLES = (Role.THERAPIST, Role.ADMIN)


class StaffError(Exception):
    """Why a staff action cannot be done, in words for the admin."""


def staff() -> QuerySet[User]:
    return User.objects.filter(role__in=STAFF_ROLES)


def needing_a_therapist() -> QuerySet[User]:
    """Patients with no active therapist (``accounts.access.without_active_therapist``):
    the duty list looks after them until an admin gives them a therapist."""
    return without_active_therapist(User.objects.patients())


@transaction.atomic
def invite_staff(*, email: str, role: str, name: str = "", invited_by: User) -> Published:
    """Make the account and email the person a link to choose their password."""
    if role not in STAFF_ROLES:
        raise StaffError(_("Only therapists and clinic admins are invited here."))
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise StaffError(_("This address already has an account."))
    user = create_user(email=email, password=None, role=Role(role), name=name)
    user.language = invited_by.language
    user.save(update_fields=["language"])
    return send_invitation(user, invited_by=invited_by)


def send_invitation(user: User, *, invited_by: User) -> Published:
    """(Again) email ``user`` the link to choose their password, after the commit."""
    return publish_on_commit("program.tasks.send_staff_invitation_task", user.pk, invited_by.pk)


@transaction.atomic
def deactivate(*, member: User, by: User, move_to: User | None = None) -> list[User]:
    """Stop ``member`` signing in. A therapist's patients go to ``move_to``, or stay
    listed as needing a therapist (the duty list covers them). Returns those moved."""
    if member.pk == by.pk:
        raise StaffError(_("You cannot deactivate your own account."))
    if not is_clinician(member):
        raise StaffError(_("Only staff accounts are deactivated here."))
    if (
        is_clinic_admin(member)
        and not staff().filter(role=Role.ADMIN, is_active=True).exclude(pk=member.pk).exists()
    ):
        raise StaffError(_("The clinic needs at least one active admin."))
    member.is_active = False
    member.save(update_fields=["is_active"])
    if move_to is not None and is_therapist(member):
        return move_caseload(from_therapist=member, to_therapist=move_to)
    return []


@transaction.atomic
def reactivate(*, member: User) -> None:
    member.is_active = True
    member.save(update_fields=["is_active"])


@transaction.atomic
def move_caseload(*, from_therapist: User, to_therapist: User) -> list[User]:
    """Move every patient of ``from_therapist`` to ``to_therapist``; returns those moved."""
    if not is_therapist(to_therapist) or not to_therapist.is_active:
        raise StaffError(_("Choose an active therapist."))
    if to_therapist.pk == from_therapist.pk:
        raise StaffError(_("Choose another therapist."))
    if invitation_pending(to_therapist):
        raise StaffError(NOT_SIGNED_IN_THERAPIST % {"name": to_therapist.display_name})
    patients = list(User.objects.caseload_of(from_therapist))
    ids = [patient.pk for patient in patients]
    User.objects.filter(pk__in=ids).update(therapist=to_therapist)
    CaseloadSummary.objects.mark_changed(ids)  # no signal from update()
    return patients

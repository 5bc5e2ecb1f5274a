"""Who may see what: every role gate and object check lives here.

Views, forms and page contexts never test ``user.role`` or ``user.is_staff`` or
compare ids themselves: they ask a named rule here (``is_own_therapist`` …). They use a role
decorator and start with a permission-checked fetch that begins from the user
and answers 404 to anyone who is not allowed to know the object exists. The fetch
of a patient also notes the read for the audit trail (``accounts.audit``).

The rules:
- a patient sees only their own record;
- a therapist sees the patients on their own caseload, and nobody else's;
- a clinic admin sees every patient (their access is audited, see issue #9).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from accounts.http import AuthenticatedHttpRequest, to_sign_in

from .audit import note_read
from .models import Role, User

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.db.models import QuerySet

View = Callable[..., HttpResponseBase]  # a page, a redirect or a streamed file


def login_required(view: View) -> View:
    """Django's ``login_required``, except that a form sent after the session ended brings
    its sender back, once signed in, to the page the form was on (``to_sign_in``)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return to_sign_in(request)
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles: Role) -> Callable[[View], View]:
    """Allow only signed-in users with one of ``roles``; others get 403.

    Anonymous visitors are sent to the login page first.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapper(
            request: AuthenticatedHttpRequest, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            if request.user.role not in roles:
                raise PermissionDenied("This page is not part of your role.")
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


patient_required = role_required(Role.PATIENT)
therapist_required = role_required(Role.THERAPIST)
admin_required = role_required(Role.ADMIN)
clinician_required = role_required(Role.THERAPIST, Role.ADMIN)


def is_patient(user: User) -> bool:
    return user.role == Role.PATIENT


def is_therapist(user: User) -> bool:
    """Therapists decide for the patients on their caseload; clinic admins only read."""
    return user.role == Role.THERAPIST


def is_clinic_admin(user: User) -> bool:
    return user.role == Role.ADMIN


def is_clinician(user: User) -> bool:
    """A therapist or a clinic admin: the care team's side of the app."""
    return user.role in (Role.THERAPIST, Role.ADMIN)


def invitation_pending(user: User) -> bool:
    """Invited (``program.clinic.actions.invite_staff``) and has not signed in or chosen a
    password yet. Nobody reads what is sent to such an account, so it is given no patients
    and put on no duty list until it has: a risk answer must reach a person."""
    return user.last_login is None and not user.has_usable_password()


def is_own_therapist(user: User, patient: User) -> bool:
    """``user`` is ``patient``'s therapist: the one who writes to them and decides."""
    return user.role == Role.THERAPIST and patient.therapist_id == user.pk


def is_staff_member(user: User | AnonymousUser) -> bool:
    """Signed in as clinic staff (``is_staff`` follows from the admin role)."""
    return bool(user.is_authenticated and user.is_staff)


def visible_patients(user: User) -> QuerySet[User]:
    """The patients ``user`` may see, as a queryset to filter further."""
    patients: QuerySet[User] = User.objects.patients()
    if user.role == Role.ADMIN:
        return patients
    if user.role == Role.THERAPIST:
        caseload: QuerySet[User] = User.objects.caseload_of(user)
        return caseload
    if user.role == Role.PATIENT:
        return patients.filter(pk=user.pk)
    return patients.none()


def can_view_patient(user: User, patient: User) -> bool:
    if not user.is_authenticated or not user.is_active or patient.role != Role.PATIENT:
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.THERAPIST:
        return patient.therapist_id == user.pk
    return patient.pk == user.pk


def active_therapist(patient: User) -> User | None:
    """The patient's therapist while their account is active and a therapist's: a
    deactivated therapist is nobody's (the duty list looks after the patient, reads their
    messages and decides for them). No query when the therapist came with the patient."""
    therapist = patient.therapist if patient.therapist_id else None
    if therapist is None or not therapist.is_active or not is_therapist(therapist):
        return None
    return therapist


def without_active_therapist(patients: QuerySet[User]) -> QuerySet[User]:
    """The patients among ``patients`` whom ``active_therapist`` gives nobody, in SQL: no
    therapist, a deactivated one, or an account that is no longer a therapist's (its role
    changed in the admin). The duty list's queues read this, so a patient the duty list
    answers for is one it is shown."""
    return patients.exclude(therapist__is_active=True, therapist__role=Role.THERAPIST)


def get_patient_for(request: HttpRequest, patient_id: int, *, user: User | None = None) -> User:
    """The patient ``patient_id`` if the user may see them, else 404; the read is noted
    for the audit trail (once per request, never the patient's own).

    ``user`` is who asks when it is not ``request.user`` (the API's token holder).
    """
    reader = user if user is not None else cast(User, request.user)
    # With their therapist, whom the staff's pages name (one join, not a query of its own).
    patients = visible_patients(reader).select_related("therapist")
    patient: User = get_object_or_404(patients, pk=patient_id)
    note_read(request, reader, patient)
    return patient


def get_therapist_for(user: User, therapist_id: int) -> User:
    """Only clinic admins manage therapists."""
    if user.role != Role.ADMIN:
        raise Http404
    therapists: QuerySet[User] = User.objects.therapists()
    return get_object_or_404(therapists, pk=therapist_id)

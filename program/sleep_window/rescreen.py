"""The safety screen kept current (issue 16 part 5): when it is due again, what holds
the window meanwhile, the patient's "Something has changed", and who may decide a
positive screen.

The rule itself is pure (``program.rules.rescreen.screen_due``); this module reads
the patient's records for it.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from accounts.access import active_therapist, get_patient_for, without_active_therapist
from accounts.audit import note_read
from accounts.duty import duty_addresses, on_duty
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, User
from program.models import Prescription, SafetyScreen, SleepCourse
from program.rules import titration
from program.rules.rescreen import Due, screen_due


def restriction_from(
    course: SleepCourse, prescriptions: list[Prescription] | None = None
) -> date | None:
    """The first night of the first window, while restriction is on (active or paused);
    None before it starts and after it ends. ``prescriptions``: the course's, when the
    caller has read them."""
    if course.pk is None or course.status not in (
        SleepCourse.Status.ACTIVE,
        SleepCourse.Status.PAUSED,
    ):
        return None
    if prescriptions is not None:
        first = min(prescriptions, key=lambda p: (p.effective_from, p.created_at), default=None)
    else:
        first = course.prescriptions.order_by("effective_from", "created_at").first()
    return first.effective_from if first else None


def due(
    patient: User,
    course: SleepCourse,
    screen: SafetyScreen | None,
    today: date | None = None,
    prescriptions: list[Prescription] | None = None,
) -> Due:
    """Whether ``patient`` must answer the screen (again) now (``prescriptions``: the
    course's, when the caller has read them)."""
    return due_after(
        patient,
        course,
        screen.completed_at if screen else None,
        today or patient.local_today(),
        prescriptions,
    )


def due_after(
    patient: User,
    course: SleepCourse,
    last_screen_at: datetime | None,
    today: date,
    prescriptions: list[Prescription] | None = None,
) -> Due:
    """``due``, from when the latest screen was answered (``latest_screen_at``, read with
    another query as a subquery)."""
    if course.status == SleepCourse.Status.ENDED:
        return Due.NO  # nothing left to keep current
    changed = bool(
        last_screen_at and course.change_reported_at and course.change_reported_at > last_screen_at
    )
    return screen_due(
        today,
        last_screen_on=last_screen_at.astimezone(patient.zone).date() if last_screen_at else None,
        restriction_from=restriction_from(course, prescriptions),
        change_reported=changed,
    )


def latest_screen_at() -> Subquery:
    """When the patient (``OuterRef("patient")``) last answered the screen: for ``due_after``
    without a query of its own."""
    return Subquery(
        SafetyScreen.objects.filter(patient=OuterRef("patient"))
        .order_by("-completed_at", "-pk")
        .values("completed_at")[:1]
    )


def hold_reason(
    patient: User, course: SleepCourse, screen: SafetyScreen | None, today: date
) -> titration.Flag | None:
    """Why no shorter window may be made now: the screen is due and unanswered, or its
    latest answers wait for a clinician (or said no restriction); None otherwise."""
    if due(patient, course, screen, today) is not Due.NO:
        return titration.Flag.SCREEN_DUE
    if screen is not None and screen.decision in (
        SafetyScreen.Decision.PENDING,
        SafetyScreen.Decision.NOT_ALLOWED,
    ):
        return titration.Flag.SCREEN_REVIEW
    return None


@transaction.atomic
def report_change(patient: User) -> SleepCourse:
    """ "Something has changed": the screen is due again until the patient answers it."""
    from program.sleep_window.actions import course_for

    course = course_for(patient)
    course.change_reported_at = timezone.now()
    course.save(update_fields=["change_reported_at", "updated_at"])
    return course


def get_patient_for_decider(request: AuthenticatedHttpRequest, patient_id: int) -> User:
    """The patient if the user may see them (``get_patient_for``), or, for someone on the
    duty list, a patient without an active therapist, whose decisions and messages are
    theirs (``can_decide``); the read is audited. Anyone else: 404."""
    try:
        return get_patient_for(request, patient_id)
    except Http404:
        patient = User.objects.patients().filter(pk=patient_id).first()
        if patient is None or not can_decide(request.user, patient):
            raise
        note_read(request, request.user, patient)
        return patient


def deciders_without_therapist() -> QuerySet[User]:
    """Who decides for a patient with no therapist: the duty list's people with an
    account (``accounts.duty.on_duty``): the active clinic admins, and therapists whose address is
    on the duty list (``accounts.duty.duty_addresses``)."""
    from django.db.models import Q

    return User.objects.active().filter(
        Q(role=Role.ADMIN) | Q(role=Role.THERAPIST, email__in=duty_addresses())
    )


def can_decide(user: User, patient: User) -> bool:
    """Who records a decision on the patient's screen and sleep-window recommendations:
    their own therapist; for a patient with no (active) therapist, the duty list
    (``accounts.duty.on_duty``: a clinic admin, or a therapist whose address is on it) — so a
    positive screen always has someone who can decide it (issue 16, loose end b)."""
    if not user.is_authenticated or not user.is_active:
        return False
    therapist = active_therapist(patient)
    if therapist is not None:
        return user.pk == therapist.pk
    return on_duty(user)


def waiting_without_therapist() -> QuerySet[User]:
    """Patients with no active therapist whose safety screen or sleep-window
    recommendation waits for a decision, or whose elevated-mood "yes" nobody has looked
    at yet (it holds shorter windows until someone does): the clinic page's and the
    alerts page's "Decisions waiting" queue, for the duty list, annotated with what
    waits (``screen_waiting``, ``window_waiting``, ``mood_waiting``)."""
    from django.db.models import Exists, OuterRef, Q

    from program.models import MoodCheck, Recommendation

    mood_waiting = Exists(
        MoodCheck.objects.filter(patient=OuterRef("pk"), elevated=True, reviewed_at__isnull=True)
    )

    screen_waiting = Exists(SafetyScreen.objects.to_decide().filter(patient=OuterRef("pk")))
    window_waiting = Exists(
        Recommendation.objects.filter(
            course__patient=OuterRef("pk"), status=Recommendation.Status.PENDING
        )
    )
    return (
        without_active_therapist(User.objects.patients())
        .annotate(
            screen_waiting=screen_waiting, window_waiting=window_waiting, mood_waiting=mood_waiting
        )
        .filter(Q(screen_waiting=True) | Q(window_waiting=True) | Q(mood_waiting=True))
        .order_by("name", "email")
    )

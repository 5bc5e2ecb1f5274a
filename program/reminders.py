"""Reminders at each person's local time: schedules, the tick, and the outbox.

Delivery semantics, per kind: every kind is sent **at most once**. A delivery is
claimed (pending -> sending, a conditional UPDATE that works on SQLite and
PostgreSQL) before the email goes out and marked sent after. A worker killed
between the two leaves the row "sending"; the sweep marks it "interrupted" (shown
in the admin) instead of sending again, because a reminder arriving twice erodes
trust in the programme more than a rare lost one — and none is lost silently:
every due reminder has a row saying what happened to it. Late reminders (workers
or beat down) go out within ``REMINDER_GRACE`` or are recorded as skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User

from . import schedule
from .emails import send_templated_email
from .models import (
    Delivery,
    DiaryEntry,
    Enrolment,
    Prescription,
    Recommendation,
    ReminderKind,
    ReminderPreference,
    ReminderSchedule,
    SafetyScreen,
    SleepCourse,
)

log = logging.getLogger(__name__)

DEFAULT_DIARY_TIME = time(7, 30)
DIARY_AFTER_RISE = timedelta(minutes=30)
DIGEST_WEEKDAY = 0  # Monday
DIGEST_TIME = time(8, 0)
BATCH = 500  # deliveries per delivery task (see STACK.md: batch ids, not one task each)
MAX_ATTEMPTS = 5
INTERRUPTED_AFTER = timedelta(minutes=10)  # longer than any send takes
REENQUEUE_AFTER = timedelta(minutes=5)
SIGNING_SALT = "program.reminders.manage"
MANAGE_LINK_MAX_AGE = 60 * 60 * 24 * 90  # a link in an email works for 90 days


def grace() -> timedelta:
    return timedelta(minutes=getattr(settings, "REMINDER_GRACE_MINUTES", 120))


def preference_for(user: User) -> ReminderPreference:
    preference, _ = ReminderPreference.objects.get_or_create(user=user)
    return preference


# --- When each kind is due -----------------------------------------------------------


def _active_prescription(user: User, today: date) -> Prescription | None:
    return (
        Prescription.objects.filter(
            course__patient=user,
            course__status=SleepCourse.Status.ACTIVE,
            effective_from__lte=today,
        )
        .select_related("course")
        .order_by("-effective_from", "-created_at")
        .first()
    )


def local_clock(user: User, kind: str, preference: ReminderPreference, today: date) -> time | None:
    """The local time a kind is due for ``user``, or None when it does not apply."""
    if not preference.wants(kind) or not user.is_active:
        return None
    if kind == ReminderKind.DIARY:
        if (
            user.role != Role.PATIENT
            or not Enrolment.objects.current()
            .filter(patient=user, status=Enrolment.Status.ACTIVE)
            .exists()
        ):
            return None
        if preference.diary_time:
            return preference.diary_time
        course = SleepCourse.objects.filter(patient=user).first()
        if course and course.rise_time:
            return (datetime.combine(today, course.rise_time) + DIARY_AFTER_RISE).time()
        return DEFAULT_DIARY_TIME
    if kind == ReminderKind.WIND_DOWN:
        prescription = _active_prescription(user, today)
        if user.role != Role.PATIENT or prescription is None:
            return None
        bedtime = datetime.combine(today, prescription.bedtime)
        return (bedtime - timedelta(minutes=preference.wind_down_minutes)).time()
    if kind == ReminderKind.DIGEST:
        return DIGEST_TIME if user.role == Role.THERAPIST else None
    return None


def occurrence_after(
    clock: time,
    weekday: int | None,
    zone,
    after: datetime,  # type: ignore[no-untyped-def]
    preference: ReminderPreference | None,
) -> schedule.Occurrence:
    """The next occurrence of a schedule (pure arithmetic: no queries)."""
    quiet = (
        {"quiet_start": preference.quiet_start, "quiet_end": preference.quiet_end}
        if preference
        else {}
    )
    occurrence = schedule.next_occurrence(clock, zone, after, **quiet)
    while weekday is not None and occurrence.local_date.weekday() != weekday:
        occurrence = schedule.next_occurrence(clock, zone, occurrence.due_at, **quiet)
    return occurrence


@transaction.atomic
def refresh_schedules(user: User, now: datetime | None = None) -> None:
    """Recompute ``user``'s next due times: after a change of time zone, of choices,
    or of sleep window. Kinds that no longer apply lose their schedule."""
    now = now or timezone.now()
    preference = preference_for(user)
    today = user.local_today(now)
    for kind in ReminderKind.values:
        clock = local_clock(user, kind, preference, today)
        if clock is None:
            ReminderSchedule.objects.filter(user=user, kind=kind).delete()
            continue
        weekday = DIGEST_WEEKDAY if kind == ReminderKind.DIGEST else None
        occurrence = occurrence_after(clock, weekday, user.zone, now, preference)
        ReminderSchedule.objects.update_or_create(
            user=user,
            kind=kind,
            defaults={
                "next_due_at": occurrence.due_at,
                "local_date": occurrence.local_date,
                "clock": clock,
                "weekday": weekday,
            },
        )


# --- The tick -------------------------------------------------------------------------


def tick(now: datetime | None = None, *, limit: int = 200_000) -> list[list[int]]:
    """Turn due schedules into outbox rows, advance them, and return batches of
    delivery ids to enqueue. Safe to run twice or in two processes at once."""
    now = now or timezone.now()
    due = list(
        ReminderSchedule.objects.filter(next_due_at__lte=now)
        .select_related("user", "user__reminder_preference")
        .order_by("next_due_at")[:limit]
    )
    rows: list[Delivery] = []
    advanced: list[ReminderSchedule] = []
    for item in due:
        late = now - item.next_due_at > grace()
        rows.append(
            Delivery(
                user_id=item.user_id,
                kind=item.kind,
                local_date=item.local_date,
                due_at=item.next_due_at,
                status=Delivery.Status.SKIPPED if late else Delivery.Status.PENDING,
                note="Due while reminders were not running; too late to send." if late else "",
            )
        )
        preference = getattr(item.user, "reminder_preference", None)
        occurrence = occurrence_after(
            item.clock, item.weekday, item.user.zone, max(now, item.next_due_at), preference
        )
        item.next_due_at, item.local_date = occurrence.due_at, occurrence.local_date
        advanced.append(item)
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        ReminderSchedule.objects.bulk_update(
            advanced, ["next_due_at", "local_date"], batch_size=2000
        )
    return pending_batches(now)


def pending_batches(now: datetime) -> list[list[int]]:
    """Ids of deliveries ready to send and not enqueued in the last few minutes."""
    not_recently_enqueued = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - REENQUEUE_AFTER)
    ready = Delivery.objects.filter(
        (Q(status=Delivery.Status.PENDING) & not_recently_enqueued)
        | Q(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
    )
    ids = list(ready.order_by("due_at").values_list("pk", flat=True))
    # Mark them enqueued, so the next tick does not enqueue them again meanwhile.
    Delivery.objects.filter(pk__in=ids, status=Delivery.Status.PENDING).update(claimed_at=now)
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def sweep_interrupted(now: datetime | None = None) -> int:
    """Rows left "sending" by a worker that died are recorded, never resent."""
    now = now or timezone.now()
    return Delivery.objects.filter(
        status=Delivery.Status.SENDING, claimed_at__lt=now - INTERRUPTED_AFTER
    ).update(
        status=Delivery.Status.INTERRUPTED,
        note="The worker stopped while sending; not resent, so it is never sent twice.",
    )


# --- Sending ------------------------------------------------------------------------


def manage_token(user: User) -> str:
    return signing.dumps({"u": user.pk}, salt=SIGNING_SALT)


def user_for_manage_token(token: str) -> User | None:
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=MANAGE_LINK_MAX_AGE)
    except signing.BadSignature:
        return None
    return User.objects.filter(pk=data.get("u"), is_active=True).first()


def _claim(delivery_id: int, now: datetime) -> bool:
    return bool(
        Delivery.objects.filter(
            Q(status=Delivery.Status.PENDING)
            | Q(status=Delivery.Status.FAILED, next_attempt_at__lte=now),
            pk=delivery_id,
        ).update(status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def deliver(ids: Sequence[int], now: datetime | None = None, send: object = None) -> dict[str, int]:
    """Send each claimed delivery once. Returns counts by outcome."""
    now = now or timezone.now()
    counts = {"sent": 0, "skipped": 0, "failed": 0, "not_claimed": 0}
    for delivery_id in ids:
        if not _claim(delivery_id, now):
            counts["not_claimed"] += 1
            continue
        delivery = Delivery.objects.select_related("user").get(pk=delivery_id)
        user = delivery.user
        preference = preference_for(user)
        reason = ""
        if now - delivery.due_at > grace():
            reason = "Too late to send (beyond the grace period)."
        elif local_clock(user, delivery.kind, preference, delivery.local_date) is None:
            reason = "Turned off, or no longer applies (e.g. the sleep window ended)."
        elif (
            delivery.kind == ReminderKind.DIARY
            and DiaryEntry.objects.filter(patient=user, diary_date=delivery.local_date).exists()
        ):
            reason = "The diary was already filled in."
        if reason:
            Delivery.objects.filter(pk=delivery_id).update(
                status=Delivery.Status.SKIPPED, note=reason
            )
            counts["skipped"] += 1
            continue
        try:
            (send or send_reminder)(delivery)
        except Exception as error:  # any transport error: retry with backoff
            attempts = delivery.attempts
            gave_up = attempts >= MAX_ATTEMPTS
            Delivery.objects.filter(pk=delivery_id).update(
                status=Delivery.Status.GAVE_UP if gave_up else Delivery.Status.FAILED,
                next_attempt_at=now + timedelta(minutes=2**attempts),
                note=f"{type(error).__name__}: {error}"[:300],
            )
            log.warning("Reminder %s failed (attempt %s): %s", delivery_id, attempts, error)
            counts["failed"] += 1
            continue
        Delivery.objects.filter(pk=delivery_id).update(
            status=Delivery.Status.SENT, sent_at=timezone.now()
        )
        counts["sent"] += 1
    return counts


def _missed_two_nights(user: User, today: date) -> bool:
    days = {today - timedelta(days=1), today - timedelta(days=2)}
    have = set(
        DiaryEntry.objects.filter(patient=user, diary_date__in=days).values_list(
            "diary_date", flat=True
        )
    )
    started = Enrolment.objects.current().filter(
        patient=user, start_date__lte=today - timedelta(days=2)
    )
    return not have and started.exists()


def digest_counts(therapist: User) -> dict[str, int]:
    """How many patients need the therapist (counts only: no health details by email)."""
    caseload = User.objects.caseload_of(therapist).filter(is_active=True)
    today = therapist.local_today()
    recent = DiaryEntry.objects.filter(
        patient__in=caseload, diary_date__gt=today - timedelta(days=3)
    )
    return {
        "patients": caseload.count(),
        "no_diary": caseload.exclude(pk__in=recent.values("patient")).count(),
        "approvals": Recommendation.objects.pending()
        .filter(course__patient__in=caseload)
        .values("course")
        .distinct()
        .count(),
        "screens": SafetyScreen.objects.filter(patient__in=caseload, decision="pending").count(),
    }


def send_reminder(delivery: Delivery) -> None:
    """One email, text and HTML, with a signed link to manage or stop reminders.

    The text carries no health details (no sleep figures, no diagnoses)."""
    user = delivery.user
    base = settings.SITE_URL.rstrip("/")
    ctx: dict[str, object] = {
        "user": user,
        "manage_link": base + reverse("program:manage_reminders", args=[manage_token(user)]),
        "site": base,
    }
    if delivery.kind == ReminderKind.DIARY:
        ctx["nudge"] = _missed_two_nights(user, delivery.local_date)
        ctx["link"] = base + reverse("program:diary_new")
        name = "diary_reminder"
    elif delivery.kind == ReminderKind.WIND_DOWN:
        prescription = _active_prescription(user, delivery.local_date)
        ctx["bedtime"] = prescription.bedtime if prescription else None
        name = "wind_down_reminder"
    else:
        ctx["counts"] = digest_counts(user)
        ctx["link"] = base + reverse("program:caseload")
        name = "digest"
    send_templated_email(name, user.email, ctx)


def schedule_everyone(users: Iterable[User], now: datetime | None = None) -> None:
    for user in users:
        refresh_schedules(user, now)

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
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.html import escape
from django.utils.translation import gettext_lazy

from accounts.access import is_patient, is_therapist
from accounts.models import User
from program.emails import RepeatedHeadersEmail, render_email
from program.models import (
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
    Watermark,
)
from program.rules import age, schedule

log = logging.getLogger(__name__)

DEFAULT_DIARY_TIME = time(7, 30)
DIARY_AFTER_RISE = timedelta(minutes=30)
DIGEST_WEEKDAY = 0  # Monday
QUESTIONNAIRE_AFTER_DIARY = timedelta(hours=1)
DIGEST_TIME = time(8, 0)
BATCH = 500  # deliveries per delivery task (see STACK.md: batch ids, not one task each)
MAX_ATTEMPTS = 5
INTERRUPTED_AFTER = timedelta(minutes=10)  # longer than any send takes
REENQUEUE_AFTER = timedelta(minutes=5)
# New diary nights and the new-week reminder (new_nights_since_last_read):
NEW_NIGHTS = "new-week-after-new-nights"
NIGHTS_READ_BACK = timedelta(days=2)  # after a longer outage, older nights are not read
NIGHTS_SETTLE = timedelta(minutes=1)  # a save that committed late is read again next time
SIGNING_SALT = "program.reminders.actions.manage"


def grace() -> timedelta:
    return timedelta(minutes=getattr(settings, "REMINDER_GRACE_MINUTES", 120))


def preference_for(user: User) -> ReminderPreference:
    preference, _ = ReminderPreference.objects.get_or_create(user=user)
    return preference


# --- When each kind is due -----------------------------------------------------------


def _active_prescription(user: User, today: date) -> Prescription | None:
    return Prescription.objects.active_for(user, today)


class _Reads:
    """What working out one person's schedules reads from the database, each at most once
    (the diary's clock is asked for by three kinds, the enrolment by three)."""

    def __init__(self, user: User) -> None:
        self.user = user

    @cached_property
    def enrolment(self) -> Enrolment | None:
        """The enrolment reminders follow: current and not paused."""
        enrolment = (
            Enrolment.objects.current()
            .select_related("programme")
            .filter(patient=self.user, status=Enrolment.Status.ACTIVE)
            .first()
        )
        if enrolment is not None:
            enrolment.patient = self.user  # the pace rules read the patient's situations
        return enrolment

    @cached_property
    def course(self) -> SleepCourse | None:
        return SleepCourse.objects.filter(patient=self.user).first()


def local_clock(
    user: User,
    kind: str,
    preference: ReminderPreference,
    today: date,
    reads: _Reads | None = None,
) -> time | None:
    """The local time a kind is due for ``user``, or None when it does not apply."""
    reads = reads or _Reads(user)
    if not preference.wants(kind) or not user.is_active:
        return None
    if is_patient(user) and not age.eligible(age.age(user.date_of_birth, today)):
        return None  # under 18: the programme is not theirs (program.enrolment.eligibility)
    if kind == ReminderKind.DIARY:
        if not is_patient(user) or reads.enrolment is None:
            return None
        if preference.diary_time:
            return preference.diary_time
        course = reads.course
        if course and course.rise_time:
            return (datetime.combine(today, course.rise_time) + DIARY_AFTER_RISE).time()
        return DEFAULT_DIARY_TIME
    if kind == ReminderKind.WIND_DOWN:
        prescription = _active_prescription(user, today)
        if not is_patient(user) or prescription is None:
            return None
        bedtime = datetime.combine(today, prescription.bedtime)
        return (bedtime - timedelta(minutes=preference.wind_down_minutes)).time()
    if kind == ReminderKind.DIGEST:
        return DIGEST_TIME if is_therapist(user) else None
    if kind in (ReminderKind.NEW_WEEK, ReminderKind.QUESTIONNAIRE):
        if not preference.wants(kind) or not is_patient(user):
            return None
        morning = (
            local_clock(user, ReminderKind.DIARY, preference, today, reads) or DEFAULT_DIARY_TIME
        )
        if kind == ReminderKind.QUESTIONNAIRE:  # an hour after the diary reminder, so one
            # filled in with the diary that morning needs no second email
            return (datetime.combine(today, morning) + QUESTIONNAIRE_AFTER_DIARY).time()
        return morning
    return None


def next_questionnaire_dates(user: User, today: date, reads: _Reads | None = None) -> list[date]:
    """Dates (today on) a questionnaire the patient can fill in comes due, in order."""
    from program.assessments import actions as assessments
    from program.models import Assessment

    enrolment = (reads or _Reads(user)).enrolment
    if enrolment is None:
        return []
    instruments = assessments.ensure_instruments()
    filled = set(
        Assessment.objects.filter(patient=user, enrolment=enrolment).values_list(
            "instrument__key", "occasion"
        )
    )
    return sorted(
        {
            o.due_on
            for o in assessments.occasions(
                enrolment, assessments.restriction_start(user), assessments.outcome_key(instruments)
            )
            if o.due_on >= today
            and (o.key, o.occasion) not in filled
            and instruments[o.key].can_be_filled
        }
    )


def next_week_opens_on(user: User, today: date, reads: _Reads | None = None) -> date | None:
    """The date the next locked programme week opens, if the pace rules know it."""
    from program.curriculum.actions import programme_overview

    enrolment = (reads or _Reads(user)).enrolment
    if enrolment is None:
        return None
    overview = programme_overview(enrolment, today=today)
    locked = overview.next_locked
    return locked.state.opens_on if locked else None


def occurrence_after(
    clock: time,
    weekday: int | None,
    zone,
    after: datetime,
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


@dataclass(frozen=True)
class Plan:
    """Where a kind's schedule belongs now, worked out from its rule."""

    occurrence: schedule.Occurrence
    clock: time
    weekday: int | None
    once: bool


def planned(
    user: User,
    kind: str,
    preference: ReminderPreference,
    today: date,
    now: datetime,
    reads: _Reads | None = None,
) -> Plan | None:
    """The next occurrence of ``kind`` for ``user`` after ``now`` by its rule (choices,
    programme, sleep window), or None when the kind does not apply."""
    reads = reads or _Reads(user)
    clock = local_clock(user, kind, preference, today, reads)
    if clock is None:
        return None
    once = kind in (ReminderKind.NEW_WEEK, ReminderKind.QUESTIONNAIRE)
    weekday = DIGEST_WEEKDAY if kind == ReminderKind.DIGEST else None
    if not once:
        occurrence = occurrence_after(clock, weekday, user.zone, now, preference)
        return Plan(occurrence, clock, weekday, once)
    if kind == ReminderKind.NEW_WEEK:
        opens_on = next_week_opens_on(user, today, reads)
        dates = [opens_on] if opens_on else []
    else:
        dates = next_questionnaire_dates(user, today, reads)
    # The first of them still ahead (today's may already have passed).
    dates = [d for d in dates if schedule.local_instant(d, clock, user.zone) > now]
    if not dates:
        return None
    occurrence = schedule.Occurrence(schedule.local_instant(dates[0], clock, user.zone), dates[0])
    return Plan(occurrence, clock, weekday, once)


@transaction.atomic
def refresh_schedules(
    user: User, now: datetime | None = None, kinds: Sequence[str] | None = None
) -> None:
    """Recompute ``user``'s next due times: after a change of time zone, of choices,
    or of sleep window. Kinds that no longer apply lose their schedule; a schedule
    already where it belongs is not written."""
    now = now or timezone.now()
    preference = preference_for(user)
    today = user.local_today(now)
    reads = _Reads(user)
    kinds = list(kinds or ReminderKind.values)
    kept = {
        s.kind: s
        for s in ReminderSchedule.objects.select_for_update().filter(user=user, kind__in=kinds)
    }
    gone = []
    for kind in kinds:
        plan = planned(user, kind, preference, today, now, reads)
        kept_schedule = kept.get(kind)
        if plan is None:
            if kept_schedule is not None:
                gone.append(kind)
            continue
        values = {
            "next_due_at": plan.occurrence.due_at,
            "local_date": plan.occurrence.local_date,
            "clock": plan.clock,
            "weekday": plan.weekday,
            "once": plan.once,
        }
        if kept_schedule is None:  # update: another refresh may have just written it
            ReminderSchedule.objects.update_or_create(user=user, kind=kind, defaults=values)
        elif any(getattr(kept_schedule, name) != value for name, value in values.items()):
            ReminderSchedule.objects.filter(pk=kept_schedule.pk).update(**values)
    if gone:
        ReminderSchedule.objects.filter(user=user, kind__in=gone).delete()


# --- The tick -------------------------------------------------------------------------


LATE_NOTE = "Due while reminders were not running; too late to send."


def tick(now: datetime | None = None, *, limit: int = 200_000) -> list[list[int]]:
    """Turn due schedules into outbox rows, advance them, and return batches of
    delivery ids to enqueue. Safe to run twice or in two processes at once.

    On PostgreSQL the rows never leave the database (``program.reminders.sql``); on
    SQLite the ORM does the same (``_tick_orm``). Both give the same rows, schedules and
    batches (tests/program/test_tick_paths.py)."""
    now = now or timezone.now()
    if connection.vendor == "postgresql":
        return _tick_sql(now, limit)
    return _tick_orm(now, limit)


def _next_for_group(now: datetime, group: tuple) -> schedule.Occurrence:
    """Where a group of recurring schedules due together moves to: they share the due
    instant, clock, weekday, zone and quiet hours, so they share the next occurrence."""
    due_at, clock, weekday, zone, quiet_start, quiet_end = group
    quiet = ReminderPreference(quiet_start=quiet_start, quiet_end=quiet_end)
    return occurrence_after(clock, weekday, ZoneInfo(zone), max(now, due_at), quiet)


def _tick_sql(now: datetime, limit: int) -> list[list[int]]:
    """The tick in three set-based statements and one per group of a few dozen rows."""
    from program.reminders import sql

    ready = [pk for batch in pending_batches(now) for pk in batch]
    groups, one_off_due = sql.due_groups(now, limit)
    written: list[int] = []
    if groups or one_off_due:
        plans = []
        for group in groups:
            occurrence = _next_for_group(now, group)
            plans.append((group, occurrence.due_at, occurrence.local_date))
        written = sql.write_due(now, limit, now - grace(), LATE_NOTE, plans)
    ids = ready + written
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def _tick_orm(now: datetime, limit: int) -> list[list[int]]:
    """The tick through the ORM (SQLite):

    1. Read the due schedules as plain tuples (no model objects).
    2. Write one outbox row each; the unique (user, kind, local date) key makes a
       row written twice collapse into one.
    3. Advance the schedules by group: rows with the same due instant, clock,
       weekday, zone and quiet hours share their next occurrence, so one UPDATE
       serves a whole group and the tick does a few statements, not one per person.
    """
    due = list(
        ReminderSchedule.objects.filter(next_due_at__lte=now)
        .order_by("next_due_at")
        .values_list(
            "pk",
            "user_id",
            "kind",
            "local_date",
            "next_due_at",
            "clock",
            "weekday",
            "user__time_zone",
            "user__reminder_preference__quiet_start",
            "user__reminder_preference__quiet_end",
            "once",
        )[:limit]
    )
    late_before = now - grace()
    rows = [
        Delivery(
            user_id=user_id,
            kind=kind,
            local_date=local_date,
            due_at=due_at,
            status=Delivery.Status.SKIPPED if due_at < late_before else Delivery.Status.PENDING,
            note=LATE_NOTE if due_at < late_before else "",
        )
        for _, user_id, kind, local_date, due_at, *_ in due
    ]
    groups: dict[tuple, list[int]] = {}
    one_offs: list[int] = []
    for pk, _, _, _, due_at, clock, weekday, zone, quiet_start, quiet_end, once in due:
        if once:
            one_offs.append(pk)
            continue
        groups.setdefault((due_at, clock, weekday, zone, quiet_start, quiet_end), []).append(pk)
    with transaction.atomic():
        Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=5000)
        ReminderSchedule.objects.filter(pk__in=one_offs).delete()
        for group, pks in groups.items():
            occurrence = _next_for_group(now, group)
            for i in range(0, len(pks), 5000):
                ReminderSchedule.objects.filter(pk__in=pks[i : i + 5000]).update(
                    next_due_at=occurrence.due_at, local_date=occurrence.local_date
                )
    return pending_batches(now)


def patients_with_new_nights(now: datetime) -> list[int]:
    """Patients who entered diary nights since the last read (``nights_read_until``).

    A night can bring the next programme week's opening forward (a week may need a number
    of diary nights), and so the day of its new-week reminder. The reminder tick reads the
    new nights every minute and reschedules those patients' new-week reminders in the
    worker, rather than each diary save publishing a task: a save costs no publish, and a
    save made while the broker was down is read when the tick runs again, however late
    (within ``NIGHTS_READ_BACK``), so its reminder is not lost. The read overlaps the last
    one by ``NIGHTS_SETTLE``, for saves that committed after it began; rescheduling a
    patient twice is harmless."""
    mark = Watermark.objects.filter(name=NEW_NIGHTS).values_list("until", flat=True).first()
    since = max(mark or now - NIGHTS_READ_BACK, now - NIGHTS_READ_BACK) - NIGHTS_SETTLE
    return sorted(
        DiaryEntry.objects.filter(entered_at__gt=since, entered_at__lte=now)
        .order_by()
        .values_list("patient_id", flat=True)
        .distinct()
    )


def nights_read_until(now: datetime) -> None:
    """Once their patients' reschedules are enqueued: the next read starts here."""
    Watermark.objects.update_or_create(name=NEW_NIGHTS, defaults={"until": now})


def pending_batches(now: datetime) -> list[list[int]]:
    """Ids of deliveries ready to send and not enqueued in the last few minutes."""
    if connection.vendor == "postgresql":
        from program.reminders import sql

        ids = sql.ready_to_enqueue(now, now - REENQUEUE_AFTER)
        return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    not_recently_enqueued = Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - REENQUEUE_AFTER)
    ready = Delivery.objects.filter(
        (Q(status=Delivery.Status.PENDING) & not_recently_enqueued)
        | Q(status=Delivery.Status.FAILED, next_attempt_at__lte=now)
    )
    ids = list(ready.order_by("due_at", "pk").values_list("pk", flat=True))
    # Mark them enqueued, so the next tick does not enqueue them again meanwhile.
    for i in range(0, len(ids), 5000):
        Delivery.objects.filter(pk__in=ids[i : i + 5000], status=Delivery.Status.PENDING).update(
            claimed_at=now
        )
    return [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]


def not_enqueued(ids: Sequence[int], marked_at: datetime) -> int:
    """Undo ``pending_batches``' enqueue mark on rows whose batch could not be
    published (the broker was down), so that the next tick offers them again at once
    rather than ``REENQUEUE_AFTER`` later. Rows another tick marked since are left."""
    return Delivery.objects.filter(
        pk__in=list(ids), status=Delivery.Status.PENDING, claimed_at=marked_at
    ).update(claimed_at=None)


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


def manage_link_max_age() -> timedelta:
    """How long the link in a reminder email works (``REMINDER_LINK_VALID_DAYS``)."""
    return timedelta(days=settings.REMINDER_LINK_VALID_DAYS)


def _link_version(user: User, preference: ReminderPreference | None) -> str:
    """What a link to manage reminders is bound to, so that it stops working when any of
    it changes: the reminder choices (saved through the link or the settings page, or
    touched by ``revoke_manage_links`` when the person signs out everywhere), the email
    address it was sent to, and the password."""
    changed = preference.updated_at.timestamp() if preference and preference.updated_at else 0
    state = f"{changed:.6f}|{user.email}|{user.password}"
    return salted_hmac(SIGNING_SALT + ".version", state, algorithm="sha256").hexdigest()[:20]


def manage_token(user: User, preference: ReminderPreference | None = None) -> str:
    """The signed key in a reminder email's link: the person and their link version."""
    if preference is None:
        preference = getattr(user, "reminder_preference", None)
    return signing.dumps({"u": user.pk, "v": _link_version(user, preference)}, salt=SIGNING_SALT)


def user_for_manage_token(token: str) -> User | None:
    """The person a current link belongs to; None for a forged, expired or revoked link
    (and for the older links without a version, which were not revocable)."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=manage_link_max_age())
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("v"), str):
        return None
    user = (
        User.objects.filter(pk=data.get("u"), is_active=True)
        .select_related("reminder_preference")
        .first()
    )
    if user is None:
        return None
    version = _link_version(user, getattr(user, "reminder_preference", None))
    return user if constant_time_compare(version, data["v"]) else None


def revoke_manage_links(user: User) -> None:
    """Every link to manage this person's reminders stops working (they signed out
    everywhere); the next reminder brings a new one."""
    preference = preference_for(user)
    preference.save(update_fields=["updated_at"])


def _questionnaires_due(deliveries: Sequence[Delivery]) -> set[tuple[int, date]]:
    """(patient, morning) pairs of a batch's diary and questionnaire reminders with a
    questionnaire the patient can fill in due that morning, in four queries whatever
    the batch size."""
    from program.assessments import actions as assessments
    from program.models import Assessment

    kinds = (ReminderKind.DIARY, ReminderKind.QUESTIONNAIRE)
    mornings = {(d.user_id, d.local_date) for d in deliveries if d.kind in kinds}
    if not mornings:
        return set()
    patients = {patient_id for patient_id, _ in mornings}
    instruments = assessments.ensure_instruments()
    fillable = {key for key, i in instruments.items() if i.can_be_filled}
    enrolments = {
        e.patient_id: e
        for e in Enrolment.objects.current()
        .filter(patient_id__in=patients)
        .select_related("programme")
    }
    done: dict[int, list[Assessment]] = {}
    for a in Assessment.objects.filter(patient_id__in=patients).select_related("instrument"):
        done.setdefault(a.patient_id, []).append(a)
    restriction = assessments.restriction_starts(patients)
    outcome = assessments.outcome_key(instruments)
    return {
        (patient_id, day)
        for patient_id, day in mornings
        if any(
            o.key in fillable
            for o in assessments.due(
                enrolments.get(patient_id),
                day,
                done.get(patient_id, []),
                restriction.get(patient_id),
                outcome,
            )
        )
    }


@dataclass
class BatchContext:
    """What deciding and writing a batch of reminders needs, fetched in a fixed
    number of queries whatever the batch size."""

    enrolled: set[int]
    rise_times: dict[int, time]
    bedtimes: dict[int, time]
    filled: set[tuple[int, date]]
    recent: dict[int, set[date]]
    # (patient, morning) with a questionnaire due that they can fill in: the morning
    # diary reminder mentions it, and a questionnaire reminder still applies.
    questionnaire_due: set[tuple[int, date]] = field(default_factory=set)

    @classmethod
    def load(cls, deliveries: Sequence[Delivery]) -> BatchContext:
        users = {d.user_id for d in deliveries}
        days = {d.local_date for d in deliveries}
        earliest = min(days) - timedelta(days=2) if days else date.today()  # noqa: DTZ011
        entries = DiaryEntry.objects.filter(
            patient_id__in=users,
            diary_date__gte=earliest,
            diary_date__lte=max(days, default=earliest),
        )
        recent: dict[int, set[date]] = {}
        for patient_id, day in entries.values_list("patient_id", "diary_date"):
            recent.setdefault(patient_id, set()).add(day)
        bedtimes: dict[int, time] = {}
        today = max(days, default=earliest)
        for p in (
            Prescription.objects.filter(
                course__patient_id__in=users,
                course__status=SleepCourse.Status.ACTIVE,
                effective_from__lte=today,
            )
            .select_related("course")
            .order_by("effective_from", "created_at")
        ):
            bedtimes[p.course.patient_id] = p.bedtime
        return cls(
            enrolled=set(
                Enrolment.objects.filter(
                    patient_id__in=users, status=Enrolment.Status.ACTIVE
                ).values_list("patient_id", flat=True)
            ),
            rise_times={
                patient_id: rise
                for patient_id, rise in SleepCourse.objects.filter(
                    patient_id__in=users, rise_time__isnull=False
                ).values_list("patient_id", "rise_time")
                if rise is not None
            },
            bedtimes=bedtimes,
            filled={(pid, day) for pid, days_ in recent.items() for day in days_},
            recent=recent,
            questionnaire_due=_questionnaires_due(deliveries),
        )

    def applies(self, delivery: Delivery, preference: ReminderPreference | None) -> bool:
        """Whether the kind still applies (the person may have changed their mind)."""
        user = delivery.user
        if not user.is_active or (preference is not None and not preference.wants(delivery.kind)):
            return False
        if delivery.kind == ReminderKind.DIARY:
            return is_patient(user) and user.pk in self.enrolled
        if delivery.kind == ReminderKind.WIND_DOWN:
            return is_patient(user) and user.pk in self.bedtimes
        if delivery.kind == ReminderKind.NEW_WEEK:
            return is_patient(user) and user.pk in self.enrolled
        if delivery.kind == ReminderKind.QUESTIONNAIRE:  # still due (not filled this morning)
            return (
                is_patient(user)
                and user.pk in self.enrolled
                and (user.pk, delivery.local_date) in self.questionnaire_due
            )
        return is_therapist(user)

    def missed_two_nights(self, delivery: Delivery) -> bool:
        days = self.recent.get(delivery.user_id, set())
        return not (
            {delivery.local_date - timedelta(days=1), delivery.local_date - timedelta(days=2)}
            & days
        )


def deliver(ids: Sequence[int], now: datetime | None = None, send: object = None) -> dict[str, int]:
    """Send a batch of reminders, each at most once.

    1. Claim the batch in one conditional UPDATE (pending, or failed and due for a
       retry -> sending) tagged with this run's token; rows another worker claimed
       are not touched.
    2. Load what the decisions need in a fixed number of queries.
    3. Skip what no longer applies (recorded with the reason); send the rest one
       by one over one mail connection, each email built from its kind and language
       rendered once for the batch (``_Letters``).
    4. Mark the ones the connection took as sent in one statement (and the failed
       ones in another). A worker killed before that leaves them "sending": the sweep
       records them as interrupted, and they are never sent again.
    """
    now = now or timezone.now()
    counts = {"sent": 0, "skipped": 0, "failed": 0, "not_claimed": 0}
    token = uuid.uuid4().hex
    claimed = Delivery.objects.filter(
        Q(status=Delivery.Status.PENDING)
        | Q(status=Delivery.Status.FAILED, next_attempt_at__lte=now),
        pk__in=list(ids),
    ).update(
        status=Delivery.Status.SENDING,
        claimed_at=now,
        claim_token=token,
        attempts=F("attempts") + 1,
    )
    counts["not_claimed"] = len(set(ids)) - claimed
    if not claimed:
        return counts
    deliveries = list(
        Delivery.objects.filter(claim_token=token, status=Delivery.Status.SENDING)
        .select_related("user", "user__reminder_preference")
        .order_by("due_at")
    )
    context = BatchContext.load(deliveries)
    skipped: dict[str, list[int]] = {}
    to_send: list[Delivery] = []
    for delivery in deliveries:
        preference = getattr(delivery.user, "reminder_preference", None)
        if now - delivery.due_at > grace():
            skipped.setdefault("Too late to send (beyond the grace period).", []).append(
                delivery.pk
            )
        elif not context.applies(delivery, preference):
            skipped.setdefault(
                "Turned off, or no longer applies (e.g. the sleep window ended).", []
            ).append(delivery.pk)
        elif (
            delivery.kind == ReminderKind.DIARY
            and (delivery.user_id, delivery.local_date) in context.filled
        ):
            skipped.setdefault("The diary was already filled in.", []).append(delivery.pk)
        else:
            to_send.append(delivery)
    for note, pks in skipped.items():
        Delivery.objects.filter(pk__in=pks).update(status=Delivery.Status.SKIPPED, note=note)
        counts["skipped"] += len(pks)
    # One-offs: schedule each person's next occasion, if any, once the batch is sent
    # (a few queries per person; the sends do not wait for them).
    follow_ups = [d.user for d in deliveries if d.kind == ReminderKind.QUESTIONNAIRE]
    try:
        if to_send:
            _send_all(to_send, counts, now, send or _mail_sender(context))
    finally:
        for user in follow_ups:
            refresh_schedules(user, kinds=[ReminderKind.QUESTIONNAIRE])
    return counts


def _send_all(to_send: list[Delivery], counts: dict[str, int], now: datetime, sender: Any) -> None:
    """Send each over one connection; mark the sent ones ``BATCH`` at a time in one
    statement, and whatever was sent before an error or a stop once more on the way out."""
    sent: list[Delivery] = []
    unmarked: list[int] = []
    failed: list[Delivery] = []

    def mark_sent() -> None:
        if unmarked:
            Delivery.objects.filter(pk__in=unmarked).update(
                status=Delivery.Status.SENT, sent_at=timezone.now()
            )
            unmarked.clear()

    try:
        with _mail_connection() as connection:
            for delivery in to_send:
                try:
                    sender(delivery, connection)
                except Exception as error:  # any transport error: retry with backoff
                    gave_up = delivery.attempts >= MAX_ATTEMPTS
                    delivery.status = Delivery.Status.GAVE_UP if gave_up else Delivery.Status.FAILED
                    delivery.next_attempt_at = now + timedelta(minutes=2**delivery.attempts)
                    delivery.note = f"{type(error).__name__}: {error}"[:300]
                    failed.append(delivery)
                    log.warning(
                        "Reminder %s failed (attempt %s): %s", delivery.pk, delivery.attempts, error
                    )
                    continue
                sent.append(delivery)
                unmarked.append(delivery.pk)
                if len(unmarked) >= BATCH:
                    mark_sent()
    finally:
        mark_sent()
        if failed:
            Delivery.objects.bulk_update(failed, ["status", "next_attempt_at", "note"])
    counts["sent"] += len(sent)
    counts["failed"] += len(failed)
    for delivery in sent:
        if delivery.kind == ReminderKind.NEW_WEEK:  # the next week's opening, if known
            refresh_schedules(delivery.user, kinds=[ReminderKind.NEW_WEEK])


class _mail_connection:
    """One open mail connection for a whole batch (SMTP would otherwise reconnect
    for every message)."""

    def __enter__(self):
        from django.core.mail import mailers

        self.backend = mailers.default
        self.backend.open()
        return self.backend

    def __exit__(self, *exc: object) -> None:
        self.backend.close()


PUSH_TEXT = {
    ReminderKind.DIARY: gettext_lazy("How did you sleep? Your diary takes about a minute."),
    ReminderKind.WIND_DOWN: gettext_lazy("Time to start winding down."),
    ReminderKind.DIGEST: gettext_lazy("Your weekly caseload digest is ready."),
    ReminderKind.NEW_WEEK: gettext_lazy("A new week of your programme is open."),
    ReminderKind.QUESTIONNAIRE: gettext_lazy("A short questionnaire is ready for you."),
}


class NotTaken(Exception):
    """The mail connection did not report the message as sent."""


def _mail_sender(context: BatchContext):
    """Send by the channels the person chose: email, web push, or both."""
    from program.reminders import push

    letters = _Letters(context)
    base = settings.SITE_URL.rstrip("/")
    push_links: dict[str, str] = {
        kind: base + reverse(name)
        for kind, name in (
            (ReminderKind.DIARY, "program:diary_new"),
            (ReminderKind.NEW_WEEK, "program:programme"),
            (ReminderKind.QUESTIONNAIRE, "program:progress"),
            (ReminderKind.DIGEST, "program:caseload"),
            (ReminderKind.WIND_DOWN, "program:exercises"),
        )
    }

    def sender(delivery: Delivery, connection) -> None:
        preference = getattr(delivery.user, "reminder_preference", None)
        message = letters.message(delivery)
        if (preference is None or preference.email) and connection.send_messages([message]) != 1:
            raise NotTaken("The mail server did not take the message.")
        if preference is not None and preference.push:
            # The subject was rendered in the person's language; the body must match.
            with translation.override(delivery.user.language or settings.LANGUAGE_CODE):
                body = str(PUSH_TEXT[ReminderKind(delivery.kind)])
            push.send_to_user(
                delivery.user,
                title=str(message.subject),
                body=body,
                url=push_links[delivery.kind],
            )

    return sender


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


def _letter(delivery: Delivery, context: BatchContext) -> tuple[str, dict[str, object]]:
    """The email's template and what it says, apart from the person's name and their
    link to manage reminders. No health details (no sleep figures, no diagnoses)."""
    user = delivery.user
    base = settings.SITE_URL.rstrip("/")
    ctx: dict[str, object] = {"site": base}
    if delivery.kind == ReminderKind.DIARY:
        ctx["nudge"] = context.missed_two_nights(delivery)
        if (user.pk, delivery.local_date) in context.questionnaire_due:
            ctx["questionnaire_link"] = base + reverse("program:progress")
        ctx["link"] = base + reverse("program:diary_new")
        return "diary_reminder", ctx
    if delivery.kind == ReminderKind.WIND_DOWN:
        ctx["bedtime"] = context.bedtimes.get(user.pk)
        ctx["link"] = base + reverse("program:exercises")
        return "wind_down_reminder", ctx
    if delivery.kind == ReminderKind.NEW_WEEK:
        ctx["link"] = base + reverse("program:programme")
        return "new_week_reminder", ctx
    if delivery.kind == ReminderKind.QUESTIONNAIRE:
        ctx["link"] = base + reverse("program:progress")
        return "questionnaire_reminder", ctx
    ctx["counts"] = digest_counts(user)
    ctx["link"] = base + reverse("program:caseload")
    return "digest", ctx


def _manage_link(user: User) -> str:
    base = settings.SITE_URL.rstrip("/")
    return base + reverse("program:manage_reminders", args=[manage_token(user)])


def reminder_message(delivery: Delivery, context: BatchContext | None = None):
    """One email, text and HTML, with a signed link to manage or stop reminders."""
    user = delivery.user
    name, ctx = _letter(delivery, context or BatchContext.load([delivery]))
    ctx.update(user=user, manage_link=_manage_link(user))
    return render_email(name, user.email, ctx, language=user.language)


class _Letters:
    """A batch's reminder emails, each kind rendered once per language and wording.

    Within a batch the emails of a kind differ only in the person's name and their link
    to manage reminders (and in a few flags: the nudge, a questionnaire waiting, the
    bedtime, which are part of the key). So each is rendered once with markers in their
    place, and each person's email is that text with theirs put in — escaped in the HTML
    part, as the template escapes them. The weekly digest, with its own counts, is
    rendered for each therapist. tests/program/test_reminders.py holds the result equal
    to ``reminder_message``'s, rendered alone."""

    def __init__(self, context: BatchContext) -> None:
        self.context = context
        marker = uuid.uuid4().hex
        self.name_mark = f"@@name-{marker}@@"
        self.link_mark = f"@@manage-{marker}@@"
        self.rendered: dict[tuple, tuple[str, str, str]] = {}

    def message(self, delivery: Delivery) -> EmailMultiAlternatives:
        user = delivery.user
        if delivery.kind == ReminderKind.DIGEST:
            return reminder_message(delivery, self.context)
        name, ctx = _letter(delivery, self.context)
        key = (name, user.language, bool(user.name), tuple(sorted(ctx.items())))
        if key not in self.rendered:
            ctx.update(
                user={"name": self.name_mark if user.name else ""}, manage_link=self.link_mark
            )
            template = render_email(name, "", ctx, language=user.language)
            html = template.alternatives[0][0]
            self.rendered[key] = (str(template.subject), str(template.body), str(html))
        subject, text, html = self.rendered[key]
        link = _manage_link(user)
        message = RepeatedHeadersEmail(
            subject=subject,
            body=text.replace(self.name_mark, user.name).replace(self.link_mark, link),
            to=[user.email],
        )
        message.attach_alternative(
            html.replace(self.name_mark, escape(user.name)).replace(self.link_mark, escape(link)),
            "text/html",
        )
        return message


def schedule_everyone(users: Iterable[User], now: datetime | None = None) -> None:
    for user in users:
        refresh_schedules(user, now)

"""The come-back note (issue 22, part 5): a kind, capped reminder to a patient who has
gone quiet. The rules are ``program.rules.reengagement``; this module reads what they need
for every enrolled patient in a fixed number of queries, records each note
(``ComebackReminder``, one per patient and local date) and sends it by the channels the
patient chose (email, web push).

Run hourly (``program.tasks.comeback_task``): each patient's kind hours are found in their
own zone. Running twice is harmless: the unique key refuses a second note the same day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy

from accounts.models import User
from program.diary.models import DiaryEntry
from program.emails import render_email
from program.enrolment.models import Enrolment
from program.models import LessonProgress
from program.reminders.actions import manage_token
from program.reminders.models import ComebackReminder, ReminderPreference
from program.rules import reengagement
from program.today.models import PatientPause

log = logging.getLogger(__name__)

PUSH_TEXT = gettext_lazy("We're here when you're ready. Last night's diary takes about a minute.")


def rule_settings() -> reengagement.Settings:
    return reengagement.Settings(
        after_days=tuple(sorted(settings.COMEBACK_AFTER_DAYS)),
        max_reminders=settings.COMEBACK_MAX_REMINDERS,
    )


@dataclass(frozen=True)
class Due:
    patient: User
    local_date: date
    number: int


def _local(moment: datetime | None, user: User) -> date | None:
    return moment.astimezone(user.zone).date() if moment else None


def due_now(now: datetime | None = None) -> list[Due]:
    """Every patient a come-back note is due for now (six queries, whatever their number)."""
    now = now or timezone.now()
    rules = rule_settings()
    if rules.cap == 0:
        return []
    enrolments = list(
        Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, patient__is_active=True)
        .select_related("patient", "patient__reminder_preference")
        .order_by("pk")
    )
    ids = [e.patient_id for e in enrolments]
    diary = dict(
        DiaryEntry.objects.filter(patient_id__in=ids)
        .values("patient_id")
        .annotate(last=Max("entered_at"))
        .values_list("patient_id", "last")
    )
    lessons = dict(
        LessonProgress.objects.filter(enrolment__patient_id__in=ids)
        .values("enrolment__patient_id")
        .annotate(last=Max("last_opened_at"))
        .values_list("enrolment__patient_id", "last")
    )
    pauses: dict[int, date | None] = {}
    paused: set[int] = set()
    for patient_id, ended_on in PatientPause.objects.filter(patient_id__in=ids).values_list(
        "patient_id", "ended_on"
    ):
        if ended_on is None:
            paused.add(patient_id)
        else:
            latest = pauses.get(patient_id)
            if latest is None or ended_on > latest:
                pauses[patient_id] = ended_on
    sent: dict[int, list[date]] = {}
    for patient_id, day in ComebackReminder.objects.filter(
        patient_id__in=ids, sent_at__isnull=False
    ).values_list("patient_id", "local_date"):
        sent.setdefault(patient_id, []).append(day)
    out: list[Due] = []
    for enrolment in enrolments:
        patient = enrolment.patient
        preference: ReminderPreference | None = getattr(patient, "reminder_preference", None)
        if preference is not None and not preference.wants("comeback"):
            continue
        signs = [
            enrolment.start_date,
            _local(diary.get(patient.pk), patient),
            _local(lessons.get(patient.pk), patient),
            _local(patient.last_login, patient),
            pauses.get(patient.pk),
        ]
        last_active = max(day for day in signs if day is not None)
        local_now = patient.local_now(now).replace(tzinfo=None)
        number = reengagement.due_number(
            local_now=local_now,
            last_active=last_active,
            sent_on=sent.get(patient.pk, []),
            paused=patient.pk in paused,
            quiet_start=preference.quiet_start if preference else None,
            quiet_end=preference.quiet_end if preference else None,
            settings=rules,
        )
        if number is not None:
            out.append(Due(patient, local_now.date(), number))
    return out


def _message(due: Due, remaining: int):
    patient = due.patient
    base = settings.SITE_URL.rstrip("/")
    ctx = {
        "user": patient,
        "link": base + reverse("program:diary_new"),
        "pause_link": base + reverse("program:patient_home"),
        "remaining": remaining,
        "manage_link": base + reverse("program:manage_reminders", args=[manage_token(patient)]),
    }
    return render_email("comeback_reminder", patient.email, ctx, language=patient.language)


def send_due(now: datetime | None = None, send_push: Callable[..., object] | None = None) -> int:
    """Record and send every come-back note due now; returns how many were sent."""
    from program.reminders import push

    now = now or timezone.now()
    cap = rule_settings().cap
    sent = 0
    for due in due_now(now):
        try:
            with transaction.atomic():
                row = ComebackReminder.objects.create(
                    patient=due.patient, local_date=due.local_date, number=due.number
                )
        except IntegrityError:
            continue  # another run took today's note
        preference = getattr(due.patient, "reminder_preference", None)
        try:
            message = _message(due, cap - due.number)
            if preference is None or preference.email:
                message.send()
            if preference is not None and preference.push:
                with translation.override(due.patient.language or settings.LANGUAGE_CODE):
                    body = str(PUSH_TEXT)
                sender = send_push or push.send_to_user
                sender(
                    due.patient,
                    title=str(message.subject),
                    body=body,
                    url=settings.SITE_URL.rstrip("/") + reverse("program:diary_new"),
                )
        except Exception as error:  # the note is not counted; tomorrow may try again
            log.warning("Come-back note %s failed: %s", row.pk, error)
            row.note = f"{type(error).__name__}: {error}"[:300]
            row.save(update_fields=["note"])
            continue
        row.sent_at = timezone.now()
        row.save(update_fields=["sent_at"])
        sent += 1
    return sent

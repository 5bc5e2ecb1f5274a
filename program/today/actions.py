"""A patient-initiated pause (issue 22, part 5): "I'm ill", "I'm travelling".

Starting one, in one transaction:
- the programme's week clock stops (``curriculum.actions.pause_enrolment``: paused days do
  not count towards the pace, ``program.rules.unlocking`` rule 3), and with the enrolment
  paused the diary, new-week and questionnaire reminders stop (``reminders.actions``);
- an active sleep window is paused (``sleep_window.actions.pause``): no weekly review, so
  nothing is shortened, and a change waiting for a clinician is set aside; the wind-down
  reminder stops with it;
- the therapist is told: the caseload and the round show "Paused by the patient" at once
  (the caseload row is marked changed by the pause's save), and an email asks them to sign in.

It ends when the patient resumes, or by itself on ``ends_on`` (at most
``settings.PATIENT_PAUSE_MAX_DAYS`` after the start: ``end_due``, run by the reminder tick and
on the patient's Today page). Only what the pause set aside is resumed: a programme or a
window a clinician had paused stays paused.

What a pause never touches (docs/clinical-safety.md H31): questionnaires can still be filled
in and every answer goes through the risk workflow; open risk alerts stay on the caseload;
the crisis contacts are on every page; the diary can still be kept.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.db.models import Field, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import active_therapist
from accounts.models import User
from program.curriculum.actions import pause_enrolment, resume_enrolment
from program.models import Enrolment, SleepCourse
from program.publish import publish_on_commit, run_after_commit
from program.sleep_window import actions as sw
from program.today.models import PatientPause


class PauseError(Exception):
    pass


def max_days() -> int:
    return int(settings.PATIENT_PAUSE_MAX_DAYS)


def open_pause(patient: User) -> PatientPause | None:
    return PatientPause.objects.filter(patient=patient, ended_on__isnull=True).first()


def latest(patient: User) -> PatientPause | None:
    """The patient's latest break, open or ended; an open one whose end date has come is
    ended first (one query)."""
    pause = PatientPause.objects.filter(patient=patient).order_by("-started_on", "-pk").first()
    if pause is not None and pause.ended_on is None and pause.ends_on <= patient.local_today():
        end(pause, on=pause.ends_on)
        pause.refresh_from_db()
    return pause


# The latest break's fields that Today shows and the welcome back reads.
_PAUSE_FIELDS = ("id", "reason", "started_on", "ends_on", "ended_on")


def latest_values() -> Subquery:
    """The latest break's fields as one JSON object, for a query whose rows have a
    ``patient`` (Today reads it with the enrolment, not in a query of its own)."""
    return Subquery(
        PatientPause.objects.filter(patient=OuterRef("patient"))
        .order_by("-started_on", "-pk")
        .values(row=JSONObject(**{name: name for name in _PAUSE_FIELDS}))[:1],
        output_field=JSONField(),
    )


def latest_from(patient: User, values: dict[str, Any] | None) -> PatientPause | None:
    """``latest`` from the values ``latest_values`` read: the break as read, unless it
    is open and its end date has come (then ``latest`` ends it, and reads it again)."""
    if values is None:
        return None
    fields = {
        name: cast("Field[Any, Any]", PatientPause._meta.get_field(name)).to_python(value)
        for name, value in values.items()
    }
    pause = PatientPause(patient=patient, **fields)
    if pause.ended_on is None and pause.ends_on <= patient.local_today():
        return latest(patient)
    return pause


def therapist_is_told(patient: User) -> bool:
    """Whether a pause reaches a therapist: the patient has one, still active."""
    return active_therapist(patient) is not None


@transaction.atomic
def start(patient: User, *, reason: str, days: int) -> PatientPause:
    if reason not in PatientPause.Reason.values:
        raise PauseError(_("Choose why you are taking a break."))
    if not 1 <= days <= max_days():
        raise PauseError(_("A break can last from 1 to %(max)s days.") % {"max": max_days()})
    if open_pause(patient) is not None:
        raise PauseError(_("Your programme is already paused."))
    enrolment = Enrolment.objects.current().select_for_update().filter(patient=patient).first()
    if enrolment is None:
        raise PauseError(
            _("You are not in a programme at the moment, so there is nothing to pause.")
        )
    if enrolment.status == Enrolment.Status.PAUSED:
        raise PauseError(
            _("Your therapist has paused your programme; they will let you know when it continues.")
        )
    today = patient.local_today()
    pause_enrolment(enrolment=enrolment, by=patient)
    course = SleepCourse.objects.filter(patient=patient).first()
    paused_window = course is not None and course.status == SleepCourse.Status.ACTIVE
    if course is not None and paused_window:
        # Nothing typed: the pages name the break itself, in the reader's language.
        sw.pause(course, reason="")
    pause = PatientPause.objects.create(
        patient=patient,
        reason=reason,
        started_on=today,
        ends_on=today + timedelta(days=days),
        paused_programme=True,
        paused_window=paused_window,
    )
    _reminders_follow(patient)
    if therapist_is_told(patient):
        publish_on_commit("program.tasks.patient_pause_email_task", pause.pk)
    return pause


@transaction.atomic
def end(pause: PatientPause, *, on: date | None = None) -> None:
    """Resume what ``pause`` set aside (the patient's choice, or its end date)."""
    pause = PatientPause.objects.select_for_update().get(pk=pause.pk)
    if pause.ended_on is not None:
        return
    patient = pause.patient
    if pause.paused_programme:
        enrolment = Enrolment.objects.current().filter(patient=patient).first()
        if enrolment is not None:
            resume_enrolment(enrolment=enrolment, by=patient)
    if pause.paused_window:
        course = SleepCourse.objects.filter(patient=patient).first()
        if course is not None and course.status == SleepCourse.Status.PAUSED:
            sw.resume(course)
    pause.ended_on = on or patient.local_today()
    pause.save(update_fields=["ended_on"])
    _reminders_follow(patient)


def end_due(patient: User | None = None) -> int:
    """End the open pauses whose end date has come (each on its patient's local date)."""
    pauses = PatientPause.objects.filter(ended_on__isnull=True).select_related("patient")
    if patient is not None:
        pauses = pauses.filter(patient=patient)
    # The widest "today" bounds the query (zones ahead of the server's by up to a day).
    pauses = pauses.filter(ends_on__lte=timezone.now().date() + timedelta(days=1))
    ended = 0
    for pause in pauses:
        if pause.ends_on <= pause.patient.local_today():
            end(pause, on=pause.ends_on)
            ended += 1
    return ended


def _reminders_follow(patient: User) -> None:
    run_after_commit("program.tasks.refresh_reminders_task", patient.pk, [])

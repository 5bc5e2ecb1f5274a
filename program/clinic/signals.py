"""Every write that changes a patient's caseload figures distrusts their kept row
(``CaseloadSummary``) in the same transaction as the write (program/clinic/summary.py).

Receivers on the models the caseload reads (program.clinic.caseload.build_rows). Workflows
that write with ``QuerySet.update`` or ``bulk_create`` (which send no signals) call
``summary.mark_changed`` themselves. A missed write could only leave a row stale until the
patient's next local midnight; tests/program/test_caseload_summary.py drives the writes and
holds the rows to the raw figures.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from accounts.access import is_patient
from accounts.models import User
from program.adverse_events.models import AdverseEvent
from program.assessments.models import RiskAlert
from program.models import (
    Assessment,
    CaseloadSummary,
    DiaryEntry,
    Enrolment,
    EnrolmentChange,
    Lesson,
    LessonProgress,
    LessonVersion,
    MedicationDose,
    Message,
    MoodCheck,
    PatientPause,
    Prescription,
    Programme,
    Recommendation,
    SafetyScreen,
    SleepCourse,
    SleepinessCheck,
    SleepProtocol,
    Week,
)


def _mark(patients: QuerySet[Any]) -> None:
    """Distrust the rows of the patients ``patients`` (a values("patient_id") query)."""
    CaseloadSummary.objects.filter(patient_id__in=patients).update(changes=F("changes") + 1)


# Models with the patient on the row.
@receiver([post_save, post_delete], sender=DiaryEntry)
@receiver([post_save, post_delete], sender=Assessment)
@receiver([post_save, post_delete], sender=RiskAlert)
@receiver([post_save, post_delete], sender=SafetyScreen)
@receiver([post_save, post_delete], sender=SleepinessCheck)
@receiver([post_save, post_delete], sender=MoodCheck)
@receiver([post_save, post_delete], sender=SleepCourse)
@receiver([post_save, post_delete], sender=Message)
@receiver([post_save, post_delete], sender=Enrolment)
@receiver([post_save, post_delete], sender=PatientPause)
@receiver([post_save, post_delete], sender=AdverseEvent)
def patient_row_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    CaseloadSummary.objects.mark_changed([instance.patient_id])


@receiver([post_save, post_delete], sender=MedicationDose)
def dose_changed(sender: type, instance: MedicationDose, **kwargs: Any) -> None:
    _mark(DiaryEntry.objects.filter(pk=instance.entry_id).values("patient_id"))


@receiver([post_save, post_delete], sender=Prescription)
@receiver([post_save, post_delete], sender=Recommendation)
def course_row_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    _mark(SleepCourse.objects.filter(pk=instance.course_id).values("patient_id"))


@receiver([post_save, post_delete], sender=EnrolmentChange)
@receiver([post_save, post_delete], sender=LessonProgress)
def enrolment_row_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    _mark(Enrolment.objects.filter(pk=instance.enrolment_id).values("patient_id"))


@receiver(post_save, sender=SleepProtocol)
def protocol_changed(sender: type, instance: SleepProtocol, **kwargs: Any) -> None:
    _mark(SleepCourse.objects.filter(protocol_id=instance.pk).values("patient_id"))


# The curriculum: every patient on the programme (lessons in all, the pace rules' weeks).
@receiver(post_save, sender=Programme)
def programme_changed(sender: type, instance: Programme, **kwargs: Any) -> None:
    _mark(Enrolment.objects.filter(programme_id=instance.pk).values("patient_id"))


@receiver([post_save, post_delete], sender=Week)
def week_changed(sender: type, instance: Week, **kwargs: Any) -> None:
    _mark(Enrolment.objects.filter(programme_id=instance.programme_id).values("patient_id"))


@receiver([post_save, post_delete], sender=Lesson)
def lesson_changed(sender: type, instance: Lesson, **kwargs: Any) -> None:
    _mark(Enrolment.objects.filter(programme__modules=instance.week_id).values("patient_id"))


@receiver([post_save, post_delete], sender=LessonVersion)
def version_changed(sender: type, instance: LessonVersion, **kwargs: Any) -> None:
    _mark(
        Enrolment.objects.filter(programme__modules__lessons=instance.lesson_id).values(
            "patient_id"
        )
    )


@receiver(post_save, sender=User)
def user_saved(sender: type, instance: User, created: bool, **kwargs: Any) -> None:
    """A new patient gets a row to mark from the start; a change of zone, language or
    role changes the figures (a sign-in's ``last_login`` does not)."""
    if created:
        if is_patient(instance):
            CaseloadSummary.objects.ensure_rows([instance.pk])
        return
    if set(kwargs.get("update_fields") or ()) != {"last_login"}:
        CaseloadSummary.objects.mark_changed([instance.pk])

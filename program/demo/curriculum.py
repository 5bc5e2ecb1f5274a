"""Demo lesson progress: each demo patient has read the lessons of the weeks behind them,
and is part-way through this week's, so a visitor sees progress at once.

Idempotent: a lesson already started is left as it is. Called by ``program.demo.clinic.load_demo``.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from accounts.models import User
from program.curriculum.actions import current_versions, save_answer
from program.models import (
    DiaryEntry,
    Enrolment,
    EnrolmentChange,
    Lesson,
    LessonProgress,
    LessonVersion,
    Programme,
)

# A few answers, so the lesson pages show kept answers.
DEMO_ANSWERS: dict[str, dict[str, Any]] = {
    "hopes": {
        "text": "Have the energy to play with my kids after work, and stop dreading bedtime."
    },
    "sleep-drive": {"choice": 0},
    "hyperarousal": {"choice": 0},
    "what-keeps-it-going": {
        "text": "I go to bed at 21:30 to catch up and lie in at weekends. I nap after bad nights."
    },
    # Week 6's plan for keeping good sleep, which the summary at the end shows again.
    "relapse-plan": {
        "fields": {
            "what-helped": "Getting up at 06:30 every day, and leaving the bedroom when I "
            "could not sleep.",
            "warning-signs": "Lying in after a bad night; checking the clock.",
            "what-i-will-do": "Keep my rise time, fill in the diary for a week, and go "
            "back to my last sleep window if it lasts.",
            "who-to-contact": "My GP, if it lasts more than three weeks.",
        }
    },
}


def _at(patient: User, day, hour: int) -> datetime:
    """An aware datetime at ``hour`` on the patient's local ``day``."""
    return datetime.combine(day, time(hour), tzinfo=patient.zone)


def load_demo_curriculum(programme: Programme) -> None:
    lessons = list(
        Lesson.objects.filter(week__programme=programme)
        .select_related("week")
        .order_by("week__number", "order")
    )
    versions = current_versions(lessons, "en")
    enrolments = Enrolment.objects.current().filter(programme=programme).select_related("patient")
    for enrolment in enrolments:
        patient = enrolment.patient
        today = patient.local_today()
        calendar_week = enrolment.week_number(today)
        # Past the programme's last week, its lessons were all read too.
        over = (today - enrolment.start_date).days >= 7 * programme.weeks
        # The diary is the diary's demo's business; where it has fewer than 7 valid nights,
        # the therapist opened the sleep-window week by hand, as a clinician may.
        nights = DiaryEntry.objects.for_patient(patient).valid_for_titration().count()
        if calendar_week >= 2 and nights < 7:
            EnrolmentChange.objects.get_or_create(
                enrolment=enrolment,
                kind=EnrolmentChange.Kind.ADVANCE,
                week=2,
                defaults={"on_date": enrolment.week_starts(2), "made_by": patient.therapist},
            )
        for lesson in lessons:
            number = lesson.week.number
            version = versions.get(lesson.pk)
            if version is None or number > calendar_week:
                continue
            week_start = enrolment.week_starts(number)
            # Past weeks: every lesson read on the week's first days. This week: the first
            # lesson read, the second opened (so "continue where you left off" shows).
            if number < calendar_week or over:
                opened = _at(patient, week_start + timedelta(days=lesson.order % 3), 20)
                completed = opened + timedelta(minutes=version.minutes + 3)
            elif lesson.order == 1 and today > week_start:
                opened = _at(patient, week_start, 20)
                completed = opened + timedelta(minutes=version.minutes + 3)
            elif lesson.order == 2 and today > week_start:
                opened, completed = _at(patient, today - timedelta(days=1), 21), None
            else:
                continue
            progress, created = LessonProgress.objects.get_or_create(
                enrolment=enrolment,
                lesson=lesson,
                defaults={
                    "version": version,
                    "last_opened_at": opened,
                    "completed_at": completed,
                },
            )
            if created:
                LessonProgress.objects.filter(pk=progress.pk).update(started_at=opened)
                for part in LessonVersion.objects.get(pk=version.pk).parts:
                    if part["key"] in DEMO_ANSWERS:
                        save_answer(
                            progress=progress,
                            part_key=part["key"],
                            data=DEMO_ANSWERS[part["key"]],
                            share=part["key"] == "hopes",
                        )

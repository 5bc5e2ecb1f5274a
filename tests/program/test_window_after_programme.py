"""After the programme has run its course, a sleep window whose patient keeps no diary
makes no weekly review: the review could only keep the window "for want of a diary"
and ask the therapist to approve that every week (program.sleep_window.actions
.rests_after_programme). A patient who goes on with the diary goes on being reviewed,
and mid-programme a week without a diary is still reviewed, so the patient reads why
their window stayed the same."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest
import time_machine

from accounts.models import User
from program.diary.actions import save_entry
from program.models import Enrolment, Prescription, Recommendation, SleepCourse
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw
from tests.nights import night_answers
from tests.program.test_programme_summary import reenrol

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def afternoon(patient: User) -> Iterator[None]:
    """Past the hour a review waits for that morning's diary, on the patient's clock."""
    moment = datetime.combine(patient.local_today(), time(13), tzinfo=patient.zone)
    with time_machine.travel(moment, tick=False):
        yield


def night(patient: User, day) -> None:
    save_entry(
        patient=patient,
        diary_date=day,
        changed_by=patient,
        enforce_backfill=False,
        answers=night_answers(),
    )


def window_for_two_weeks(patient: User, therapist: User) -> SleepCourse:
    """A window approved after a baseline week a month ago, in force for 14 days, and
    reviewed today (its titration day)."""
    today = patient.local_today()
    sw.submit_screen(patient, {q.key: False for q in SCREEN})
    for back in range(30, 23, -1):
        night(patient, today - timedelta(days=back))
    sw.approve(
        sw.start(patient, rise_time=time(6, 30), today=today - timedelta(days=24)), by=therapist
    )
    Prescription.objects.update(effective_from=today - timedelta(days=14))
    course = SleepCourse.objects.get(patient=patient)
    course.titration_weekday = today.weekday()
    course.save()
    return course


def test_no_review_after_the_programme_without_a_diary(patient, therapist) -> None:
    from program.tasks import titration_tick_task

    reenrol(patient)
    course = window_for_two_weeks(patient, therapist)
    assert sw.rests_after_programme(course, patient.local_today())
    assert sw.due_reviews() == []
    assert titration_tick_task() == 0
    assert not Recommendation.objects.filter(kind="weekly").exists()


def test_a_diary_kept_after_the_programme_is_still_reviewed(patient, therapist) -> None:
    reenrol(patient)
    course = window_for_two_weeks(patient, therapist)
    night(patient, patient.local_today() - timedelta(days=2))
    assert [c.pk for c, _day in sw.due_reviews()] == [course.pk]


def test_mid_programme_a_week_without_a_diary_is_still_reviewed(patient, therapist) -> None:
    enrolment = Enrolment.objects.get(patient=patient)
    enrolment.start_date = patient.local_today() - timedelta(days=31)
    enrolment.save()
    course = window_for_two_weeks(patient, therapist)
    assert not sw.rests_after_programme(course, patient.local_today())
    assert [c.pk for c, _day in sw.due_reviews()] == [course.pk]
    review = sw.weekly_review(course, patient.local_today())
    assert review is not None and review.rule == "not_enough_diary"


def test_a_very_sleepy_answer_after_the_programme_is_still_reviewed(patient, therapist) -> None:
    """No diary, but "very sleepy": the window is made longer whatever the diary says
    (titration step 2), so the review is made and reaches the clinician."""
    reenrol(patient)
    course = window_for_two_weeks(patient, therapist)
    sw.record_sleepiness(patient, dozing=3, unsafe=True)
    assert not sw.rests_after_programme(course, patient.local_today())
    review = sw.weekly_review(course, patient.local_today())
    assert review is not None and review.rule == "sleepy_extend"


def test_a_completed_enrolment_rests_too(patient, therapist) -> None:
    enrolment = Enrolment.objects.get(patient=patient)
    course = window_for_two_weeks(patient, therapist)
    enrolment.status = Enrolment.Status.COMPLETED
    enrolment.save()
    assert sw.rests_after_programme(course, patient.local_today())

"""The demo clinic's patients show lesson progress at once, and loading it twice adds nothing."""

from __future__ import annotations

from program.curriculum.actions import programme_overview
from program.demo.clinic import load_demo
from program.models import Enrolment, LessonAnswer, LessonProgress


def test_demo_patients_have_read_up_to_their_week(programme) -> None:
    load_demo()
    counts = (LessonProgress.objects.count(), LessonAnswer.objects.count())
    load_demo()
    assert (LessonProgress.objects.count(), LessonAnswer.objects.count()) == counts
    weeks = {}
    for enrolment in Enrolment.objects.current().select_related("patient", "programme"):
        overview = programme_overview(enrolment)
        weeks[enrolment.patient.email] = (overview.current.number, overview.done)
        assert overview.resume is not None or overview.done == 0
    assert weeks["week3@example.com"][0] == 3
    assert weeks["week6@example.com"][0] == 6
    assert weeks["baseline@example.com"][0] == 1
    assert weeks["week6@example.com"][1] > weeks["week3@example.com"][1] > 0

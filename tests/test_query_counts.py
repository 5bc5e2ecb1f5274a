"""Every page's query count stays the same as the data grows (1 row, then many)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from program.services import enrol
from tests.conftest import client_for, make_user


def count_queries(client, url: str) -> int:
    """Queries for a page view in a warm session (the first view of a session also
    records it in allauth's session list and stamps the idle timer)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def add_patients(therapist, programme, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        p = make_user(f"p{i}@example.test", Role.PATIENT, therapist=therapist)
        enrol(patient=p, programme=programme, start_date=date(2026, 11, 1))


@pytest.mark.parametrize("page", ["program:caseload", "program:clinic_home"])
def test_lists_use_a_fixed_number_of_queries(page, therapist, clinic_admin, programme) -> None:
    client = client_for(clinic_admin if page == "program:clinic_home" else therapist)
    add_patients(therapist, programme, 1)
    few = count_queries(client, reverse(page))
    add_patients(therapist, programme, 20, start=1)
    many = count_queries(client, reverse(page))
    assert few == many, f"{page}: {few} queries for 1 patient, {many} for 21 (N+1?)"


def test_the_patient_pages_use_a_fixed_number_of_queries(patient, therapist, clinic_admin):
    home = count_queries(client_for(patient), reverse("program:patient_home"))
    detail = count_queries(
        client_for(therapist), reverse("program:patient_detail", args=[patient.pk])
    )
    # Session, user, MFA check (clinicians), enrolment with programme, therapist; then the
    # programme overview (program.curriculum.programme_overview): weeks, lessons, published
    # versions, the patient's progress, pace changes, diary nights.
    assert home <= 11, home  # and the parts of this week's opened lessons (exercises)
    assert detail <= 12, detail


def test_the_curriculum_pages_use_a_fixed_number_of_queries(patient, programme) -> None:
    """Programme, week and lesson pages: one lesson started, then every lesson done with
    answers and pace changes; the counts stay the same (no query per week or lesson)."""
    from program.curriculum import open_lesson, save_answer
    from program.models import Enrolment, EnrolmentChange, Lesson, LessonProgress

    client = client_for(patient)
    enrolment = Enrolment.objects.get(patient=patient)
    lessons = list(Lesson.objects.filter(week__programme=programme).order_by("week__number"))
    first = lessons[0]
    pages = [
        reverse("program:programme"),
        reverse("program:week", args=[1]),
        reverse("program:lesson", args=[first.pk]),
        reverse("program:patient_home"),
    ]
    open_lesson(enrolment=enrolment, lesson=first, language="en")
    few = [count_queries(client, url) for url in pages]
    for lesson in lessons:
        progress = open_lesson(enrolment=enrolment, lesson=lesson, language="en")
        LessonProgress.objects.filter(pk=progress.pk).update(completed_at=progress.last_opened_at)
        for part in progress.version.parts:
            save_answer(progress=progress, part_key=part["key"], data={}, share=False)
    for week in range(2, 7):
        EnrolmentChange.objects.create(
            enrolment=enrolment, kind="advance", week=week, on_date=date(2026, 11, 3)
        )
    many = [count_queries(client, url) for url in pages]
    assert few == many, f"{pages}: {few} queries with one lesson started, {many} with all done"
    # Programme and week: session, user, enrolment, then the overview's six (weeks, lessons,
    # versions, progress, pace changes, diary nights). The lesson page adds the lesson, a
    # savepoint around the pinned progress (locked for update, its last-opened time
    # updated) and the answers.
    assert many[0] <= 9 and many[1] <= 9, many
    assert many[2] <= 16, many


def test_the_curriculum_admin_lists_use_a_fixed_number_of_queries(clinic_admin, programme) -> None:
    from program.models import Lesson, LessonVersion, Week

    client = client_for(clinic_admin)
    pages = [
        reverse("admin:program_lesson_changelist"),
        reverse("admin:program_lessonversion_changelist"),
        reverse("admin:program_week_changelist"),
    ]
    few = [count_queries(client, url) for url in pages]
    week = Week.objects.create(programme=programme, number=7, title="Extra")
    for i in range(10):
        lesson = Lesson.objects.create(week=week, slug=f"extra-{i}", order=i)
        LessonVersion.objects.create(lesson=lesson, title=f"Extra {i}", body="Text")
    many = [count_queries(client, url) for url in pages]
    assert few == many, f"{pages}: {few} then {many} (N+1?)"

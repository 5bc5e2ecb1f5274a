"""The programme's structure (weeks, lessons, current versions) is kept in each web
process's memory under the programme's content revision: read once, and read again
as soon as an admin changes a week, a lesson or a version."""

from __future__ import annotations

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from program.curriculum.actions import programme_overview, publish_version, start_draft
from program.enrolment.actions import current_enrolment
from program.models import Lesson, Programme, Week
from tests.conftest import client_for


def overview_for(patient):
    enrolment = current_enrolment(patient)
    enrolment.patient = patient
    return programme_overview(enrolment, today=date(2026, 11, 25))


def curriculum_queries(queries) -> list[str]:
    tables = ('"program_week"', '"program_lesson"', '"program_lessonversion"')
    return [q["sql"] for q in queries if any(f"FROM {t}" in q["sql"] for t in tables)]


def test_the_structure_is_read_once_per_revision(patient) -> None:
    overview_for(patient)
    with CaptureQueriesContext(connection) as again:
        overview = overview_for(patient)
    assert curriculum_queries(again.captured_queries) == []
    assert [w.number for w in overview.weeks] == [1, 2, 3, 4, 5, 6]


def test_editing_a_week_gives_the_programme_a_new_revision(patient, programme) -> None:
    before = Programme.objects.get(pk=programme.pk).content_revision
    overview_for(patient)
    week = Week.objects.get(programme=programme, number=1)
    week.title = "Sleep, and how it works"
    week.save()
    assert Programme.objects.get(pk=programme.pk).content_revision != before
    assert overview_for(patient).weeks[0].title == "Sleep, and how it works"


def test_a_newly_published_version_reaches_new_readers_at_once(
    patient, programme, clinic_admin
) -> None:
    lesson = Lesson.objects.get(week__programme=programme, slug="welcome")
    assert overview_for(patient).weeks[0].lessons[0].version.number == 1
    draft = start_draft(lesson=lesson, language="en", user=clinic_admin)
    draft.title = "Welcome, and what to expect"
    draft.save()
    publish_version(version=draft, user=clinic_admin)
    first = overview_for(patient).weeks[0].lessons[0]
    assert (first.version.number, first.version.title) == (2, "Welcome, and what to expect")
    response = client_for(patient).get(reverse("program:programme"))
    assert "Welcome, and what to expect" in response.content.decode()


def test_a_new_or_deleted_lesson_changes_the_revision(patient, programme) -> None:
    week = Week.objects.get(programme=programme, number=1)
    revision = Programme.objects.get(pk=programme.pk).content_revision
    lesson = Lesson.objects.create(week=week, slug="extra", order=99)
    after_create = Programme.objects.get(pk=programme.pk).content_revision
    assert after_create != revision
    lesson.delete()
    assert Programme.objects.get(pk=programme.pk).content_revision != after_create


def test_another_programme_keeps_its_revision(programme) -> None:
    other = Programme.objects.create(name="Short course", slug="short", weeks=2)
    other.refresh_from_db()
    revision = other.content_revision
    Week.objects.create(programme=programme, number=7, title="Extra week")
    other.refresh_from_db()
    assert other.content_revision == revision


def test_saving_the_programme_never_brings_back_an_older_revision(patient, programme) -> None:
    """An admin saving the programme's settings from a copy loaded before a lesson
    changed must not restore the revision that processes may hold the old structure
    under."""
    stale_copy = Programme.objects.get(pk=programme.pk)
    old = stale_copy.content_revision
    Week.objects.filter(programme=programme, number=1).get().save()  # a concurrent change
    stale_copy.pace_days = 8
    stale_copy.save()
    assert Programme.objects.get(pk=programme.pk).content_revision not in (old, None)

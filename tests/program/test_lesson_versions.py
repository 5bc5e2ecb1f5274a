"""Lesson versions: published ones are immutable, readers keep the version they started
unless it is pushed, every version is kept, compared and restorable; the admin previews
a draft with the patient's own template."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from program.curriculum.actions import (
    mark_lesson_done,
    open_lesson,
    publish_version,
    push_version,
    start_draft,
)
from program.curriculum.admin import diff_lines
from program.models import Enrolment, Lesson, LessonProgress, LessonVersion
from tests.conftest import client_for


@pytest.fixture
def lesson(programme) -> Lesson:
    return Lesson.objects.get(week__programme=programme, slug="how-sleep-works")


def edit_and_publish(lesson: Lesson, admin, new_text: str, *, push: bool = False) -> LessonVersion:
    draft = start_draft(lesson=lesson, language="en", user=admin)
    draft.body = draft.body.replace("Two systems", new_text)
    draft.save()
    publish_version(version=draft, user=admin, push=push)
    return draft


def test_a_published_version_cannot_be_changed(lesson) -> None:
    version = lesson.versions.get(language="en", number=1)
    version.body = "Changed"
    with pytest.raises(ValidationError):
        version.save()


def test_publishing_numbers_versions_and_keeps_every_one(lesson, clinic_admin) -> None:
    v2 = edit_and_publish(lesson, clinic_admin, "Version two")
    v3 = edit_and_publish(lesson, clinic_admin, "Version three")
    assert (v2.number, v3.number) == (2, 3)
    assert v3.published_by == clinic_admin
    assert list(
        lesson.versions.published().filter(language="en").values_list("number", flat=True)
    ) == [3, 2, 1]


def test_a_reader_keeps_the_version_they_started_until_it_is_pushed(
    lesson, patient, other_patient, clinic_admin
) -> None:
    enrolment = Enrolment.objects.get(patient=patient)
    progress = open_lesson(enrolment=enrolment, lesson=lesson, language="en")
    assert progress.version.number == 1
    v2 = edit_and_publish(lesson, clinic_admin, "Version two")
    # Mid-lesson: still version 1.
    assert open_lesson(enrolment=enrolment, lesson=lesson, language="en").version.number == 1
    # A new reader starts on version 2.
    other = Enrolment.objects.get(patient=other_patient)
    assert open_lesson(enrolment=other, lesson=lesson, language="en").version == v2
    # Pushing version 3 moves both unfinished readers; a finished reader keeps theirs.
    mark_lesson_done(progress=LessonProgress.objects.get(enrolment=other))
    v3 = edit_and_publish(lesson, clinic_admin, "Version three", push=True)
    assert LessonProgress.objects.get(enrolment=enrolment).version == v3
    assert LessonProgress.objects.get(enrolment=other).version == v2


def test_push_moves_only_unfinished_readers(lesson, patient, clinic_admin) -> None:
    enrolment = Enrolment.objects.get(patient=patient)
    open_lesson(enrolment=enrolment, lesson=lesson, language="en")
    v2 = edit_and_publish(lesson, clinic_admin, "Version two")
    assert push_version(version=v2) == 1
    assert push_version(version=v2) == 0


def test_restoring_makes_a_draft_with_the_old_text(lesson, clinic_admin) -> None:
    v1 = lesson.versions.get(language="en", number=1)
    edit_and_publish(lesson, clinic_admin, "Version two")
    draft = start_draft(lesson=lesson, language="en", user=clinic_admin, source=v1)
    assert draft.status == "draft" and draft.body == v1.body and draft.based_on == v1
    publish_version(version=draft, user=clinic_admin)
    assert draft.number == 3
    assert (
        lesson.versions.get(language="en", number=2).body != draft.body
    )  # version 2 is still kept


def test_only_one_draft_per_lesson_and_language(lesson, clinic_admin) -> None:
    first = start_draft(lesson=lesson, language="en", user=clinic_admin)
    assert start_draft(lesson=lesson, language="en", user=clinic_admin) == first


def test_comparing_two_versions_shows_what_changed(lesson, clinic_admin) -> None:
    v1 = lesson.versions.get(language="en", number=1)
    v2 = edit_and_publish(lesson, clinic_admin, "Three systems")
    lines = diff_lines(v1, v2)
    assert ("del", "-Two systems decide when you sleep, and a third can get in their way.") in lines
    assert (
        "add",
        "+Three systems decide when you sleep, and a third can get in their way.",
    ) in lines


# --- The admin's screens ------------------------------------------------------------


def test_the_admin_previews_a_draft_as_a_patient_sees_it(lesson, admin_client) -> None:
    draft = start_draft(lesson=lesson, language="en", user=None)
    draft.body = "New **draft** text <script>alert('x')</script> [x](javascript:alert(1))"
    draft.save()
    response = admin_client.get(reverse("admin:program_lessonversion_preview", args=[draft.pk]))
    assert response.status_code == 200
    assert next(t.name for t in response.templates) == "program/lesson.html"
    html = response.content.decode()
    assert "New <strong>draft</strong> text" in html
    assert "<script>alert" not in html and "javascript:" not in html
    assert "Preview" in html


def test_the_admin_publishes_and_pushes_from_the_confirmation_page(
    lesson, admin_client, patient
) -> None:
    open_lesson(enrolment=Enrolment.objects.get(patient=patient), lesson=lesson, language="en")
    draft = start_draft(lesson=lesson, language="en", user=None)
    url = reverse("admin:program_lessonversion_publish", args=[draft.pk])
    assert "1 patient part-way" in admin_client.get(url).content.decode()
    response = admin_client.post(url, {"push": "on"})
    assert response.status_code == 302
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert "Published as version 2. 1 patient part-way through now reads it." in said
    draft.refresh_from_db()
    assert draft.number == 2 and draft.is_published
    assert LessonProgress.objects.get(lesson=lesson).version == draft


def test_the_admin_compares_and_restores(lesson, admin_client, clinic_admin) -> None:
    v1 = lesson.versions.get(language="en", number=1)
    v2 = edit_and_publish(lesson, clinic_admin, "Three systems")
    compare = admin_client.get(
        reverse("admin:program_lessonversion_compare", args=[v2.pk]), {"with": v1.pk}
    )
    assert compare.status_code == 200
    assert "+Three systems" in compare.content.decode()
    response = admin_client.post(reverse("admin:program_lessonversion_restore", args=[v1.pk]))
    draft = LessonVersion.objects.get(lesson=lesson, status="draft")
    assert response["Location"] == reverse("admin:program_lessonversion_change", args=[draft.pk])
    assert draft.body == v1.body


def test_the_admin_edits_a_draft_and_its_parts_as_yaml(lesson, admin_client) -> None:
    response = admin_client.get(
        reverse("admin:program_lessonversion_start_draft", args=[lesson.pk, "en"])
    )
    draft = LessonVersion.objects.get(lesson=lesson, status="draft")
    change = reverse("admin:program_lessonversion_change", args=[draft.pk])
    assert response["Location"] == change
    page = admin_client.get(change).content.decode()
    assert "sleep-drive" in page  # the parts, as YAML
    response = admin_client.post(
        change,
        {
            "title": "How sleep works (edited)",
            "summary": draft.summary,
            "body": draft.body,
            "minutes": 8,
            "parts": "- type: reflection\n  key: notes\n  prompt: What did you learn?\n",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.title == "How sleep works (edited)"
    assert draft.parts == [{"type": "reflection", "key": "notes", "prompt": "What did you learn?"}]
    bad = admin_client.post(
        change,
        {"title": "x", "body": "y", "minutes": 5, "parts": "- type: quiz\n  key: q\n"},
    )
    assert bad.status_code == 200 and "a quiz needs" in bad.content.decode()


def test_a_published_version_is_read_only_in_the_admin(lesson, admin_client) -> None:
    v1 = lesson.versions.get(language="en", number=1)
    change = reverse("admin:program_lessonversion_change", args=[v1.pk])
    page = admin_client.get(change).content.decode()
    assert 'name="body"' not in page
    assert "Restore as a new draft" in page


def test_therapists_and_patients_cannot_reach_the_curriculum_admin(
    lesson, therapist, patient
) -> None:
    url = reverse(
        "admin:program_lessonversion_preview",
        args=[lesson.versions.filter(language="en").first().pk],
    )
    for user in (therapist, patient):
        response = client_for(user).get(url)
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "login" in response["Location"]

"""The lesson is one form: "Mark as done" saves what is typed in its parts, and a part's
Save saves the other parts too, so nothing written is left on the device alone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from program.models import Lesson, LessonAnswer, LessonProgress

NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def welcome() -> Lesson:
    return Lesson.objects.get(slug="welcome")


def the_lesson_form_as_sent(page: str) -> str:
    """The lesson page must hold its answers and "Mark as done" in one form."""
    start = page.index('<form method="post" class="lesson-form"')
    return page[start : page.index("</form>", start)]


def test_marking_a_lesson_done_saves_the_answers_typed(patient, patient_client) -> None:
    lesson = welcome()
    page = patient_client.get(reverse("program:lesson", args=[lesson.pk])).content.decode()
    form = the_lesson_form_as_sent(page)
    # The boxes and the button are in the same form, the button posting to "done".
    assert 'name="hopes:text"' in form
    assert 'name="my-goals:field-nights"' in form
    assert "Mark as done" in form
    assert f'action="{reverse("program:lesson_done", args=[lesson.pk])}"' in form

    response = patient_client.post(
        reverse("program:lesson_done", args=[lesson.pk]),
        {
            "parts": ["hopes", "my-goals"],
            "hopes:text": "More energy in the afternoon.",
            "my-goals:field-nights": "Stop dreading bed",
            "done": "1",
        },
        follow=True,
    )
    assert LessonAnswer.objects.get(part_key="hopes").data == {
        "text": "More energy in the afternoon."
    }
    goals = LessonAnswer.objects.get(part_key="my-goals").data["fields"]
    assert goals["nights"] == "Stop dreading bed"
    assert LessonProgress.objects.get(lesson=lesson).completed_at == NOW
    assert "your answers are saved" in response.content.decode()


def test_marking_done_with_nothing_typed_makes_no_empty_answers(patient, patient_client) -> None:
    lesson = welcome()
    response = patient_client.post(
        reverse("program:lesson_done", args=[lesson.pk]),
        {"parts": ["hopes", "my-goals"], "hopes:text": "  ", "done": "1"},
        follow=True,
    )
    assert not LessonAnswer.objects.exists()
    assert "your answers are saved" not in response.content.decode()
    assert LessonProgress.objects.get(lesson=lesson).completed_at == NOW


def test_a_parts_save_keeps_the_other_parts_and_leaves_unchanged_ones_alone(
    patient, patient_client
) -> None:
    lesson = welcome()
    url = reverse("program:lesson_answer", args=[lesson.pk, "my-goals"])
    patient_client.post(url, {"parts": ["hopes", "my-goals"], "hopes:text": "Sleep through"})
    first = LessonAnswer.objects.get(part_key="hopes")
    assert first.data == {"text": "Sleep through"}
    assert not LessonAnswer.objects.filter(part_key="my-goals").exists()
    with time_machine.travel(NOW.replace(minute=5), tick=False):
        response = patient_client.post(
            url,
            {
                "parts": ["hopes", "my-goals"],
                "hopes:text": "Sleep through",
                "my-goals:field-nights": "Wake rested",
                "my-goals:share": "on",
            },
        )
    assert response["Location"].endswith("#part-my-goals")
    # The unchanged reflection keeps the time it was written.
    assert LessonAnswer.objects.get(part_key="hopes").updated_at == first.updated_at
    goals = LessonAnswer.objects.get(part_key="my-goals")
    assert goals.data["fields"]["nights"] == "Wake rested"
    assert goals.shared_with_therapist is True


def test_marking_not_done_saves_the_answers_too(patient, patient_client) -> None:
    lesson = welcome()
    done = reverse("program:lesson_done", args=[lesson.pk])
    patient_client.post(done, {"done": "1"})
    patient_client.post(done, {"parts": ["hopes"], "hopes:text": "Calmer evenings", "done": "0"})
    assert LessonProgress.objects.get(lesson=lesson).completed_at is None
    assert LessonAnswer.objects.get(part_key="hopes").data == {"text": "Calmer evenings"}


def test_a_page_open_in_another_tab_does_not_overwrite_an_answer_written_since(
    patient, patient_client
) -> None:
    """Tab A shows the lesson; tab B saves an answer; tab A's "Mark as done" sent every
    part, its empty copy of that answer too, and the answer was gone. A part left as the
    page drew it is not sent again; a part changed on the page is saved."""
    import re

    from tests.conftest import client_for

    lesson = welcome()
    url = reverse("program:lesson", args=[lesson.pk])
    page_a = patient_client.get(url).content.decode()
    drawn = dict(re.findall(r'name="([\w-]+:drawn)" value="(\w+)"', page_a))
    assert set(drawn) == {"hopes:drawn", "my-goals:drawn"}
    client_for(patient).post(
        reverse("program:lesson_answer", args=[lesson.pk, "hopes"]),
        {"parts": ["hopes"], "hopes:text": "Written in tab B", "hopes:drawn": drawn["hopes:drawn"]},
    )
    patient_client.post(
        reverse("program:lesson_done", args=[lesson.pk]),
        {
            "parts": ["hopes", "my-goals"],
            "hopes:text": "",
            "my-goals:field-nights": "Sleep through",
            **drawn,
            "done": "1",
        },
    )
    assert LessonAnswer.objects.get(part_key="hopes").data == {"text": "Written in tab B"}
    assert LessonAnswer.objects.get(part_key="my-goals").data["fields"]["nights"] == "Sleep through"
    assert LessonProgress.objects.get(lesson=lesson).completed_at == NOW

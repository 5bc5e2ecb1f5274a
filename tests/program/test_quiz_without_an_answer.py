"""A lesson's "Check my answer" pressed with no option chosen says "Choose an answer
first." in that quiz, where the page comes back to, not out of sight at the top; the
rest of the lesson's form is kept as for any other button."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from program.models import Lesson, LessonAnswer

NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)
SAYS = "Choose an answer first."


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _part(page: str, key: str) -> str:
    start = page.index(f'id="part-{key}"')
    return page[start : page.index("</section>", start)]


def test_checking_with_nothing_chosen_says_so_in_the_quiz(patient, patient_client) -> None:
    how = Lesson.objects.get(slug="how-sleep-works")
    url = reverse("program:lesson_answer", args=[how.pk, "sleep-drive"])
    # The one form as the page sends it: the other quiz answered, this one not.
    response = patient_client.post(
        url, {"parts": ["sleep-drive", "hyperarousal"], "hyperarousal:choice": "1"}
    )
    assert response["Location"].endswith("#part-sleep-drive")
    page = patient_client.get(response["Location"]).content.decode()
    quiz = _part(page, "sleep-drive")
    assert SAYS in quiz
    assert 'aria-describedby="part-sleep-drive-notice"' in quiz
    assert page.count(SAYS) == 1  # in the quiz, not again at the top
    # Nothing made up for this quiz; the other part's answer kept and still shown.
    assert not LessonAnswer.objects.filter(part_key="sleep-drive").exists()
    assert LessonAnswer.objects.get(part_key="hyperarousal").data == {"choice": 1}
    assert re.search(r'name="hyperarousal:choice" value="1"[^>]* checked', page)
    # Said once: the page opened again does not repeat it.
    again = patient_client.get(reverse("program:lesson", args=[how.pk])).content.decode()
    assert SAYS not in again


def test_an_answer_chosen_gets_its_feedback_and_no_such_notice(patient, patient_client) -> None:
    how = Lesson.objects.get(slug="how-sleep-works")
    url = reverse("program:lesson_answer", args=[how.pk, "sleep-drive"])
    response = patient_client.post(url, {"parts": ["sleep-drive"], "sleep-drive:choice": "1"})
    page = patient_client.get(response["Location"]).content.decode()
    assert "Not quite." in _part(page, "sleep-drive") and SAYS not in page

"""A quiz's first option is an answer like any other: chosen and checked through the
lesson's one form, it is kept and gets its feedback (its index, 0, once counted as
nothing chosen, so the answer was dropped and the page came back blank)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from program.models import Lesson, LessonAnswer

NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.parametrize("button", ["part", "done"])
def test_the_first_option_is_kept_and_answered(patient, patient_client, button) -> None:
    how = Lesson.objects.get(slug="how-sleep-works")
    if button == "part":
        url = reverse("program:lesson_answer", args=[how.pk, "sleep-drive"])
    else:
        url = reverse("program:lesson_done", args=[how.pk])
    patient_client.post(url, {"parts": ["sleep-drive"], "sleep-drive:choice": "0", "done": "0"})
    assert LessonAnswer.objects.get(part_key="sleep-drive").data == {"choice": 0}
    page = patient_client.get(reverse("program:lesson", args=[how.pk])).content.decode()
    assert 'name="sleep-drive:choice" value="0" id="part-sleep-drive-0" checked' in page
    assert "s right.</strong> Sleep drive grows" in page

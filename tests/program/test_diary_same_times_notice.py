"""Saving another morning with the same four clock times asks "is this the same night?"
(program.diary.forms). The notice at the top of the form says a question waits for an
answer, not "Please correct the highlighted field below": nothing typed is wrong. A
mistake still gets the correction notice."""

from __future__ import annotations

import pytest
import time_machine
from django.urls import reverse

from program.models import DiaryEntry
from tests.conftest import client_for
from tests.program.test_diary_integrity import NIGHT

CORRECT = "Please correct the highlighted field"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def test_the_same_times_on_another_morning_are_a_question_not_a_mistake(patient) -> None:
    client = client_for(patient)
    client.post(reverse("program:diary_new"), NIGHT)
    asked = client.post(reverse("program:diary_new"), {**NIGHT, "diary_date": "2026-11-24"})
    page = asked.content.decode()
    assert CORRECT not in page
    assert "Not saved yet: a question below waits for your answer." in page
    assert 'href="#id_same_times_confirmed">Is this the same night?</a>' in page
    assert DiaryEntry.objects.filter(patient=patient).count() == 1


def test_a_real_mistake_still_asks_for_a_correction(patient) -> None:
    wrong = {**NIGHT, "quality": "9"}
    page = client_for(patient).post(reverse("program:diary_new"), wrong).content.decode()
    assert CORRECT in page
    assert "a question below waits for your answer" not in page

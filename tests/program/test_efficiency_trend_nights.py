"""The therapist's summary of a patient reads sleep efficiency week by week as a trend
("week 1: 70.9% → week 2: 93.7%"). A week of one night reads as firmly as a week of
seven unless it says so: each week's figure is followed by its number of nights."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from program.diary.actions import save_entry
from tests.conftest import client_for
from tests.nights import night_answers

pytestmark = pytest.mark.django_db

START = date(2026, 11, 2)  # the patient's enrolment (tests/conftest.py), a Monday


def trend(html: str) -> str:
    """The words of the summary's sleep-efficiency line, tags and spaces folded."""
    found = re.search(r"<dt>Sleep efficiency</dt><dd>(.*?)</dd>", html, re.S)
    assert found, "no sleep efficiency in the summary"
    words = re.sub(r"<br>.*", "", found.group(1), flags=re.S)
    words = re.sub(r'<span class="visually-hidden">.*?</span>', "", words)
    return " ".join(re.sub(r"<[^>]+>", " ", words).split())


def test_each_week_of_the_trend_says_how_many_nights_it_rests_on(patient, therapist) -> None:
    with time_machine.travel("2026-11-10 09:00Z", tick=False):
        for day in range(8):  # the seven mornings of week 1, and one of week 2
            save_entry(
                patient=patient,
                diary_date=START + timedelta(days=day),
                changed_by=patient,
                enforce_backfill=False,
                answers=night_answers(),
            )
        response = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert response.status_code == 200
    assert trend(response.content.decode()) == (
        "week 1: 88.9% (7 nights) → week 2: 88.9% (1 night)"
    )

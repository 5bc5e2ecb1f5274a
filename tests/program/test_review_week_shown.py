"""The nights a weekly review read (mornings R-6..R, ``titration.review_week``) are
told to the patient on their sleep-window page and given in the API, the same span
the therapist's page and the caseload show."""

from __future__ import annotations

from datetime import date

import time_machine
from django.test import Client
from django.urls import reverse

from accounts.tokens import issue_token
from program.sleep_window import actions as sw
from tests.conftest import client_for
from tests.program.test_sleep_window import started
from tests.program.test_titration_workflow import (
    ON_REVIEW_DAY,
    answer_sleepiness,
    review,
    week_of_nights,
)

SAID = (
    "Your latest weekly review, on Wednesday 2 December, read your diary for the mornings "
    "from Thursday 26 November to Wednesday 2 December."
)


def _api(user, patient) -> dict:
    _, token = issue_token(user, "test")
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        response = Client().get(
            f"/api/v1/patients/{patient.pk}/sleep-window", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    assert response.status_code == 200, response.content
    return response.json()


def _page(patient) -> str:
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        return client_for(patient).get(reverse("program:sleep_window")).content.decode()


def test_the_patient_is_told_which_mornings_the_review_read(patient, therapist) -> None:
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        started(patient, therapist)  # Wed 25 Nov; reviews on Wednesdays
        week_of_nights(patient)
    answer_sleepiness(patient, dozing=0)
    assert "Your latest weekly review" not in _page(patient)  # none yet
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        recommendation = review(patient)
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        sw.approve(recommendation, by=therapist)
    assert SAID in _page(patient)
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        week = sw.review_week(sw.course_for(patient), patient.local_today())
    assert (week.first_morning, week.last_morning) == (date(2026, 11, 26), date(2026, 12, 2))


def test_the_api_gives_the_span_the_pages_show(patient, therapist) -> None:
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        assert _api(patient, patient)["review_week"] is None  # no window yet
        started(patient, therapist)
        week_of_nights(patient)
        review(patient)
    expected = {
        "review_date": "2026-12-02",
        "first_morning": "2026-11-26",
        "last_morning": "2026-12-02",
    }
    assert _api(patient, patient)["review_week"] == expected
    assert _api(therapist, patient)["review_week"] == expected
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        page = client_for(therapist).get(reverse("program:patient_sleep_window", args=[patient.pk]))
    assert "the review of 2 Dec reads the nights of the mornings 26 Nov to 2 Dec" in (
        page.content.decode()
    )


def test_the_schema_describes_the_span(db) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    week = schema["components"]["schemas"]["ReviewWeekOut"]
    assert set(week["required"]) == {"review_date", "first_morning", "last_morning"}
    assert week["properties"]["first_morning"]["format"] == "date"

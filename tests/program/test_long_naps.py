"""Naps or dozing of more than 3 hours in a day (``sleep.LONG_NAP``) are unusual, as a night
of more than 10 hours in bed is: the night saves, and the patient is asked to check the
figure ("Please check: …"), in the diary form and in the API's warnings. Naps and the night
in bed that come to a day or more cannot be (``NAPS_OVER_A_DAY``), as a day in bed cannot:
refused on the naps, with the answers kept."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.tokens import issue_token
from program.models import DiaryEntry
from program.rules.sleep import LONG_NAP, Issue, IssueCode, Night, check_night
from tests.conftest import client_for

NIGHT = {
    "diary_date": "2026-11-25",
    "into_bed": "22:45",
    "lights_off": "23:00",
    "sleep_latency_min": "30",
    "awakenings": "2",
    "awake_min": "40",
    "final_wake": "06:20",
    "out_of_bed": "06:30",
    "quality": "3",
}
SAYS = "That is 14 h of naps or dozing in the day, more than 3 hours."


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def _night(nap: int) -> Night:
    def at(clock: str) -> datetime:
        return datetime.fromisoformat(f"2026-11-25T{clock}:00+00:00")

    base = Night(at("00:00"), at("00:00"), 10, 0, 0, at("07:00"), at("07:10"))
    return replace(base, nap_min=nap)


@pytest.mark.parametrize(
    ("nap", "warnings"),
    [
        (0, []),
        (30, []),  # the programme's own safety nap at its longest
        (LONG_NAP, []),  # 3 hours: long, not flagged
        (LONG_NAP + 1, [Issue(IssueCode.LONG_NAP, params={"minutes": LONG_NAP + 1})]),
        (14 * 60, [Issue(IssueCode.LONG_NAP, params={"minutes": 840})]),
    ],
)
def test_more_than_three_hours_of_naps_is_a_warning_not_an_error(nap, warnings) -> None:
    check = check_night(_night(nap))
    assert check.ok
    assert check.warnings == warnings


def test_the_diary_saves_a_long_nap_and_asks_to_check_it(patient) -> None:
    response = client_for(patient).post(
        reverse("program:diary_new"), {**NIGHT, "nap_count": "1", "nap_min": "840"}, follow=True
    )
    page = response.content.decode()
    assert DiaryEntry.objects.get(patient=patient).nap_min == 840
    assert f"Please check: {SAYS} If it is right, there is nothing to do." in page


def test_naps_and_a_night_of_a_day_or_more_are_an_error_on_the_naps() -> None:
    # 00:00 to 07:10 in bed is 430 minutes: 1 010 of naps make the day.
    check = check_night(_night(1440 - 430))
    assert check.errors == [Issue(IssueCode.NAPS_OVER_A_DAY, "nap_min", {"minutes": 1440})]
    assert check_night(_night(1440 - 431)).ok


def test_naps_that_cannot_fit_the_day_are_refused_and_the_answers_kept(patient) -> None:
    response = client_for(patient).post(reverse("program:diary_new"), {**NIGHT, "nap_min": "1000"})
    page = response.content.decode()
    assert response.status_code == 200
    # 465 minutes in bed and 1 000 of naps: 24 h 25 min.
    assert "Your naps and your night in bed come to 24 h 25 min, more than a day." in page
    assert 'value="1000"' in page and 'value="22:45"' in page
    assert not DiaryEntry.objects.exists()


def test_the_api_gives_the_same_warning(patient) -> None:
    _, token = issue_token(patient, "test")
    night = {
        **NIGHT,
        "sleep_latency_min": 30,
        "awakenings": 2,
        "awake_min": 40,
        "quality": 3,
        "nap_min": 840,
    }
    response = Client().post(
        f"/api/v1/patients/{patient.pk}/diary",
        json.dumps(night),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["nap_min"] == 840
    assert SAYS in response.json()["warnings"]
    assert DiaryEntry.objects.get(patient=patient).diary_date == date(2026, 11, 25)

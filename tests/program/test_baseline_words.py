"""The therapist's sleep-window page counts the baseline diary as it is used: never
"13 of 7 nights"."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.conftest import client_for
from tests.program.test_sleep_window import TODAY, night


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def _baseline_line(patient, therapist) -> str:
    page = client_for(therapist).get(reverse("program:patient_sleep_window", args=[patient.pk]))
    text = page.content.decode()
    start = text.index("<dt>Baseline diary</dt>")
    return text[start : text.index("</dd>", start)]


def test_more_nights_than_needed_read_as_enough_with_the_count(patient, therapist) -> None:
    for back in range(13):
        night(patient, TODAY - timedelta(days=back))
    line = _baseline_line(patient, therapist)
    assert "7 of 7 nights needed (13 nights in the last two weeks)" in line
    assert "13 of 7" not in line


def test_fewer_nights_than_needed_read_as_so_many_of_those_needed(patient, therapist) -> None:
    for back in range(5):
        night(patient, TODAY - timedelta(days=back))
    night(patient, TODAY - timedelta(days=6), unusual=True)  # left out of the baseline
    assert "5 of 7 nights needed, in the last two weeks" in _baseline_line(patient, therapist)

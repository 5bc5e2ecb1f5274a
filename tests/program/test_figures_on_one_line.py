"""A figure and its unit stay on one line of a phone's screen: at 360 px a French diary
card read "5 h" at the end of one line and "45" at the start of the next, a German one
"5:45" and "h". In a page a duration is a ``nowrap`` span; in a plain-text email it is
the text alone."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from django.template import Context, Template
from django.urls import reverse

from program.diary.actions import save_entry
from tests.conftest import client_for
from tests.nights import night_answers


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


@pytest.mark.parametrize(
    ("language", "in_bed", "asleep"),
    [("en", "7h 30m", "6h 40m"), ("fr", "7 h 30", "6 h 40"), ("de", "7:30 h", "6:40 h")],
)
def test_the_diary_keeps_each_duration_on_one_line(patient, language, in_bed, asleep) -> None:
    save_entry(
        patient=patient, diary_date=date(2026, 11, 25), answers=night_answers(), changed_by=patient
    )
    patient.language = language
    patient.save(update_fields=["language"])
    page = client_for(patient).get(reverse("program:diary")).content.decode()
    assert f'<span class="nowrap">{in_bed}</span>' in page
    assert f'<span class="nowrap">{asleep}</span>' in page


def test_a_plain_text_template_gets_the_duration_alone() -> None:
    """An email's text part renders with autoescape off (``program.emails``)."""
    template = Template(
        "{% load diary_tags %}{{ m|minutes }} / {{ m|minutes_long }} / {{ d|minutes_signed }}"
    )
    text = template.render(Context({"m": 450, "d": -20}, autoescape=False))
    assert text == "7h 30m / 7 h 30 min / −20m"
    page = template.render(Context({"m": 450, "d": -20}))
    assert page == (
        '<span class="nowrap">7h 30m</span> / <span class="nowrap">7 h 30 min</span> / '
        '<span class="nowrap">−20m</span>'
    )


@pytest.mark.parametrize(("language", "week"), [("en", "Week 1 of 6"), ("de", "Woche 1 von 6")])
def test_a_week_of_the_programme_stays_on_one_line(patient, therapist, language, week) -> None:
    """At 360 px "Woche 3 von" ended one line and "6" began the next, on the patient's Today
    page and the therapist's caseload."""
    patient.language = therapist.language = language
    patient.save(update_fields=["language"])
    therapist.save(update_fields=["language"])
    home = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert f'<span class="nowrap">{week}</span>' in home
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    of = week.split(" ", 1)[1]
    assert f'<span class="nowrap">{of}</span>' in caseload

"""The sleep-efficiency trend on the therapist's patient page reads "before: … → week 1:
…" as copied or read aloud: no comma hidden beside the arrow ("→ , week 1"), which is
the text a browser gives when the page is copied; a screen reader hears the arrow as
"then"."""

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


def trend_as_text(html: str) -> str:
    """Every word of the line, hidden ones too (what copying or innerText gives)."""
    found = re.search(r"<dt>Sleep efficiency</dt><dd>(.*?)</dd>", html, re.S)
    assert found, "no sleep efficiency in the summary"
    words = re.sub(r"<br>.*", "", found.group(1), flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", words).split())


def test_a_patient_with_one_week_reads_before_then_week_one(patient, therapist) -> None:
    with time_machine.travel("2026-11-05 09:00Z", tick=False):
        for day in range(-7, 3):  # a baseline week before the start, three mornings of week 1
            save_entry(
                patient=patient,
                diary_date=START + timedelta(days=day),
                changed_by=patient,
                enforce_backfill=False,
                answers=night_answers(),
            )
        html = (
            client_for(therapist)
            .get(reverse("program:patient_detail", args=[patient.pk]))
            .content.decode()
        )
    text = trend_as_text(html)
    assert re.fullmatch(r"before: [\d.]+% \(7 nights\) → week 1: [\d.]+% \(3 nights\)", text), text
    assert '<span role="img" aria-label="then">→</span>' in html

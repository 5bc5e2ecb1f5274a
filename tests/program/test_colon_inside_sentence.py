"""A colon between a label and its figure belongs to the translated sentence, where
French puts its no-break space before it: a French therapist read "semaine 1: 71,5 %"
on a patient's page, the colon written by the template after the translated words."""

from __future__ import annotations

from datetime import date, timedelta

import time_machine
from django.urls import reverse

from program.diary.actions import save_entry
from tests.conftest import client_for
from tests.nights import night_answers
from tests.program.test_round import pending_recommendation

NBSP = "\u00a0"


def test_the_weekly_sleep_efficiency_is_written_with_the_french_colon(patient, therapist):
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        for back in range(3):
            save_entry(
                patient=patient,
                diary_date=date(2026, 11, 25) - timedelta(days=back),
                answers=night_answers(),
                changed_by=patient,
                enforce_backfill=False,
            )
        therapist.language = "fr"
        therapist.save(update_fields=["language"])
        page = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    html = page.content.decode()
    assert f"88,9{NBSP}%" in html
    assert f"{NBSP}: 88,9{NBSP}%" in html
    assert ": 88,9" not in html.replace(f"{NBSP}: 88,9", "")


def test_the_recommendation_s_heading_ends_in_the_language_s_colon(patient, therapist):
    """The therapist's sleep-window page read "Revue hebdomadaire du 25 nov.:"."""
    pending_recommendation(patient)
    therapist.language = "fr"
    therapist.save(update_fields=["language"])
    url = reverse("program:patient_sleep_window", args=[patient.pk])
    html = client_for(therapist).get(url).content.decode()
    heading = html[html.index("Revue hebdomadaire du") :]
    heading = heading[: heading.index("</strong>")]
    assert heading.endswith(f"{NBSP}:"), heading

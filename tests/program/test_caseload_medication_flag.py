"""The caseload's "Sleep medication use rising" flag (program.clinic.caseload) counts the
nights the diary's medication question was answered, as the medication page's flags do
(program.rules.taper.flags): a morning the diary was not filled in is no night without
medication. Before, the demo's Eva, stepping down from 10 mg to 8 mg, was flagged as
rising on the caseload and the round the morning she filled in a full week after a week
with one missed morning, while her medication page showed her use falling."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from program.clinic import caseload
from program.diary.actions import save_entry
from program.medication import actions as medication_service
from program.models import Medication
from tests.nights import night_answers

TODAY = date(2026, 12, 8)
RISING = "Sleep medication use rising"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-12-08 09:00Z", tick=False):
        yield


@pytest.fixture
def diazepam(patient) -> Medication:
    return Medication.objects.create(
        patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
    )


def nights(patient, diazepam, doses: dict[int, int | None]) -> None:
    """A diary night for each morning ``back`` days before today, with the medication
    answer: that many mg, 0 for none, None for a morning with no medication answer."""
    for back, mg in doses.items():
        saved = save_entry(
            patient=patient,
            diary_date=TODAY - timedelta(days=back),
            changed_by=patient,
            today=TODAY,
            enforce_backfill=False,
            answers=night_answers(),
        )
        if mg is None:
            continue
        medication_service.record_night(
            entry=saved.entry,
            answer="none" if mg == 0 else "other",
            doses=[medication_service.DoseIn(diazepam, Decimal(mg))] if mg else [],
            changed_by=patient,
        )


def flag_keys(therapist, patient) -> list[str]:
    (row,) = [r for r in caseload.build_rows(therapist) if r.patient.pk == patient.pk]
    return [f.key for f in row.flags]


def test_a_full_week_after_a_week_with_a_missed_morning_is_no_rise(
    therapist, therapist_client, patient, diazepam
) -> None:
    # The 7 mornings before: 10 mg on the 6 filled in, one morning missed (no diary).
    # The last 7: 8 mg every night but one at 10 mg, every morning filled in.
    before = {back: 10 for back in range(7, 14) if back != 13}
    last = dict.fromkeys(range(7), 8) | {3: 10}
    nights(patient, diazepam, before | last)
    assert "medication" not in flag_keys(therapist, patient)
    page = therapist_client.get(reverse("program:caseload")).content.decode()
    assert RISING not in page


def test_a_morning_with_no_medication_answer_is_not_a_night_without(
    therapist, patient, diazepam
) -> None:
    before = dict.fromkeys(range(7, 14), 10) | {9: None, 11: None}
    last = dict.fromkeys(range(7), 10)
    nights(patient, diazepam, before | last)
    assert "medication" not in flag_keys(therapist, patient)


def test_more_of_the_answered_nights_with_medication_is_a_rise(
    therapist, therapist_client, patient, diazepam
) -> None:
    before = {back: (10 if back % 2 else 0) for back in range(7, 14)}  # 4 of 7 nights
    last = dict.fromkeys(range(7), 10)  # 7 of 7
    nights(patient, diazepam, before | last)
    assert "medication" in flag_keys(therapist, patient)
    assert RISING in therapist_client.get(reverse("program:caseload")).content.decode()


def test_more_mg_a_night_is_a_rise_with_fewer_mornings_filled_in(
    therapist, patient, diazepam
) -> None:
    before = dict.fromkeys(range(7, 14), 5)  # 35 mg over 7 nights
    last = dict.fromkeys((0, 2, 4, 6), 10)  # 40 mg over 4 nights: 10 mg a night
    nights(patient, diazepam, before | last)
    assert "medication" in flag_keys(therapist, patient)


def test_too_few_answered_nights_are_not_compared(therapist, patient, diazepam) -> None:
    before = dict.fromkeys((8, 10), 5)  # 2 nights answered: too few to compare
    last = dict.fromkeys(range(7), 10)
    nights(patient, diazepam, before | last)
    assert "medication" not in flag_keys(therapist, patient)

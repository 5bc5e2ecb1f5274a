"""Issue 22, part 3: no insomnia measure ships with its wording (docs/sources.md,
OPEN-OUTCOME), so the PROMIS Sleep Disturbance 8b ships as structure, scored with its
reversed items, and a clinic that holds the permission loads its wording and its scoring
manual's T-score table. Then, while the ISI's wording is not loaded, it is the outcome every
patient is asked at baseline, weeks 2, 4 and 6 and follow-up.

The T-score tables here are made up for the tests (20.0, 21.5, …), NOT the published one."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from program.assessments import actions as assessments
from program.rules import scoring
from tests.conftest import client_for

SCALE = scoring.SCALES["promis_sd"]
TEST_TABLE = [20.0 + 1.5 * i for i in range(33)]  # made up: one for each raw 8..40


def answers(values: list[int]) -> dict[str, int]:
    return dict(zip(SCALE.item_keys, values, strict=True))


def test_items_2_3_7_and_8_count_backwards() -> None:
    # Worst sleep: "very much" restless, trouble… (5) and "not at all" satisfied,
    # refreshing, enough, "very poor" quality (1 on the reversed items).
    assert scoring.sum_score(answers([5, 1, 1, 5, 5, 5, 1, 1]), SCALE) == 40
    assert scoring.sum_score(answers([1, 5, 5, 1, 1, 1, 5, 5]), SCALE) == 8
    assert scoring.sum_score(answers([1] * 8), SCALE) == 4 * 1 + 4 * 5


@given(st.lists(st.integers(1, 5), min_size=8, max_size=8))
def test_a_raw_score_is_8_to_40_and_mirrors_when_every_answer_flips(values) -> None:
    raw = scoring.sum_score(answers(values), SCALE)
    assert 8 <= raw <= 40
    assert scoring.sum_score(answers([6 - v for v in values]), SCALE) == 48 - raw


def test_a_t_score_table_is_checked_never_guessed() -> None:
    assert scoring.check_t_table(SCALE, TEST_TABLE)[0] == 20.0
    assert scoring.t_score(SCALE, TEST_TABLE, 8) == 20.0
    assert scoring.t_score(SCALE, TEST_TABLE, 40) == pytest.approx(68.0)
    assert scoring.t_score(SCALE, [], 20) is None
    for bad in (TEST_TABLE[:-1], TEST_TABLE[:5] + TEST_TABLE[4:-1], [*TEST_TABLE[:-1], 95.0]):
        with pytest.raises(scoring.ScoringError):
            scoring.check_t_table(SCALE, bad)


def wording(**extra) -> dict:
    return {
        "key": "promis_sd",
        "items": [f"Licensed item {i}" for i in range(1, 9)],
        "options": ["Not at all", "A little bit", "Somewhat", "Quite a bit", "Very much"],
        "t_scores": TEST_TABLE,
        **extra,
    }


def test_it_ships_as_structure_and_asks_for_its_table(db) -> None:
    promis = assessments.ensure_instruments()["promis_sd"]
    assert not promis.wording_loaded and not promis.can_be_filled
    assert "electronic use" in promis.licence
    with pytest.raises(assessments.AssessmentError, match="T-scores"):
        assessments.load_wording(wording(t_scores=[]), source="test")
    loaded = assessments.load_wording(wording(), source="clinic licence 2026")
    assert loaded.can_be_filled and loaded.t_score(24) == pytest.approx(44.0)


def test_the_isi_stays_the_outcome_when_its_wording_is_loaded(db) -> None:
    assert assessments.outcome_key() == "isi"  # nothing loaded: clinicians enter ISI totals
    assessments.load_wording(wording(), source="test")
    assert assessments.outcome_key() == "promis_sd"
    assessments.load_wording(
        {"key": "isi", "items": [f"ISI item {i}" for i in range(1, 8)]}, source="test"
    )
    assert assessments.outcome_key() == "isi"


def test_a_patient_without_the_isi_fills_the_promis_and_sees_it(patient, therapist) -> None:
    assessments.load_wording(wording(), source="test")
    enrolment = patient.enrolments.get()
    keys = {
        (o.key, o.occasion)
        for o in assessments.occasions(enrolment, outcome=assessments.outcome_key())
    }
    assert {("promis_sd", "baseline"), ("promis_sd", "week-6"), ("promis_sd", "follow-up")} <= keys
    assert not any(key == "isi" for key, _ in keys)

    client = client_for(patient)
    enrolment.start_date = patient.local_today() - timedelta(days=1)
    enrolment.save()
    progress = client.get(reverse("program:progress")).content.decode()
    url = reverse("program:questionnaire", args=["promis_sd"])
    assert url in progress
    form = dict.fromkeys(SCALE.item_keys, "3") | {"promis_sd1": "5"}
    response = client.post(url, form)
    assert response.status_code == 302
    result = patient.assessments.get(instrument__key="promis_sd")
    assert (result.occasion, result.total) == ("baseline", 26)
    assert result.t_score == pytest.approx(47.0)
    progress = client.get(reverse("program:progress")).content.decode()
    assert "PROMIS Sleep Disturbance, short form 8b" in progress and "T-score 47.0" in progress
    staff = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert "T-score 47.0" in staff.content.decode()


def test_the_questionnaire_reminders_follow_the_outcome(patient) -> None:
    """The end of week 2 has no PHQ-9 or GAD-7: a reminder is due then only for the outcome."""
    from program.reminders.actions import next_questionnaire_dates

    enrolment = patient.enrolments.get()
    week2 = enrolment.start_date + timedelta(days=13)
    assert week2 not in next_questionnaire_dates(patient, enrolment.start_date)
    assessments.load_wording(wording(), source="test")
    assert week2 in next_questionnaire_dates(patient, enrolment.start_date)


def test_the_clinic_outcomes_report_the_promis_in_t_scores(patient, therapist) -> None:
    """With only the PROMIS loaded, the outcomes page reports its T-score change, n and
    missing patients, and no response or remission rate (no rule was read for it)."""
    from program.clinic import outcomes

    promis = assessments.load_wording(wording(), source="test")
    enrolment = patient.enrolments.get()
    for occasion, total in (("baseline", 30), ("week-6", 20)):  # T 53.0 -> 38.0
        assessments.record_result(
            patient=patient,
            instrument=promis,
            total=total,
            completed_on=enrolment.start_date,
            occasion=occasion,
            by=therapist,
        )
    figures = outcomes.build(
        patient.__class__.objects.filter(pk=patient.pk),
        patient.__class__.objects.filter(pk=therapist.pk),
        today=enrolment.start_date + timedelta(days=50),
        outcome=promis,
    )
    end = figures.outcomes[0]
    assert figures.measure == "PROMIS-SD" and figures.t_scores
    assert end.n == 1 and end.mean_change == pytest.approx(-15.0)
    assert end.responders is None and end.response_pct is None
    page = client_for(therapist).get(reverse("program:clinic_outcomes")).content.decode()
    assert "PROMIS-SD: T-score change from baseline" in page

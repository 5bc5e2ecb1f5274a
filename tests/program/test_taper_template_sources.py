"""A taper template drafts only what its source gives: Morin 2004 plans drug-free nights
at the lowest dose without a number a week, so the draft leaves that number to the
clinician, and the plan cannot be confirmed until they enter it."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from program import clinical_text
from program.medication import actions as medication_service
from program.models import TaperPlan
from program.rules.taper import TEMPLATES, Note, check_steps, mg, suggest_steps
from tests.taper_plans import diazepam_draft


def test_the_morin_template_gives_no_number_of_drug_free_nights() -> None:
    template = TEMPLATES["morin04"]
    assert template.drug_free_nights == ()
    assert "suggestion" not in template.source
    steps = suggest_steps(
        template=template, start_dose=mg(10), start_on=date(2026, 11, 1), strengths=[mg(2), mg(5)]
    )
    free = [s for s in steps if s.message and s.message.code is Note.DRUG_FREE_TO_SET]
    assert len(free) == 1
    assert free[0].drug_free_nights == 0
    assert free[0].dose_mg == mg(2)  # at the lowest dose, before the last step, 0 mg
    assert all(s.drug_free_nights == 0 for s in steps)
    errors, _ = check_steps(steps, strengths=[mg(2), mg(5)])
    assert [e.code for e in errors] == [Note.DRUG_FREE_NOT_SET]


def test_a_sourced_number_stays() -> None:
    """Alternate-day dosing for the final 2 weeks [CCJM24]."""
    assert TEMPLATES["smaller_final"].drug_free_nights == (3,)
    assert not TEMPLATES["smaller_final"].drug_free_to_set


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


@pytest.fixture
def draft(patient, therapist) -> TaperPlan:
    return diazepam_draft(patient, therapist, start_on=date(2026, 11, 26))


def test_the_draft_asks_the_clinician_for_the_nights(therapist_client, patient, draft) -> None:
    edit = reverse("program:taper_plan_edit", args=[patient.pk, draft.pk])
    page = therapist_client.get(edit).content.decode()
    assert "the template&#x27;s source gives no number" in page
    assert "our suggestion" not in page
    fields = dict(re.findall(r'<input[^>]*name="(step-[^"]+)"[^>]*value="([^"]*)"', page))
    row = next(i for i in range(7) if fields.get(f"step-{i}-note_code") == "drug_free_to_set")
    # The field is empty, not 0: nothing is filled in for the clinician.
    assert f"step-{row}-drug_free_nights" not in fields

    # Confirmed without it: refused, still a draft.
    data = {**fields, "prescriber": "", "reason": "", "confirm": "1"}
    refused = therapist_client.post(edit, data)
    assert refused.status_code == 200
    draft.refresh_from_db()
    assert draft.status == "draft"
    with pytest.raises(medication_service.PlanError, match="drug-free nights"):
        medication_service.confirm_plan(plan=draft, by=draft.set_by)

    # With the clinician's number, the plan is confirmed and the prompt is gone.
    confirmed = therapist_client.post(edit, {**data, f"step-{row}-drug_free_nights": "3"})
    assert confirmed.status_code == 302
    draft.refresh_from_db()
    assert draft.status == "active"
    step = draft.steps.all()[row]
    assert (step.drug_free_nights_per_week, step.note_code) == (3, "")


def test_the_prompt_and_the_refusal_have_words() -> None:
    for code in (Note.DRUG_FREE_TO_SET, Note.DRUG_FREE_NOT_SET):
        assert code in clinical_text.TAPER_WORDS

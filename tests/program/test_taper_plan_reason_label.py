"""The reason for changing a taper plan is labelled as the workflow treats it: optional
on a draft, required once the plan is confirmed (``update_steps`` refuses a change to
a confirmed plan without one)."""

from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from django.urls import reverse

from program.medication import actions as medication_service
from program.models import TaperPlan
from tests.taper_plans import diazepam_draft


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


@pytest.fixture
def plan(patient, therapist) -> TaperPlan:
    return diazepam_draft(patient, therapist, start_on=date(2026, 11, 10), template="asam_10_2w")


def reason_label(page: str) -> str:
    found = re.search(r'<label for="id_reason">(.*?)</label>', page, re.S)
    assert found, "no reason field"
    return found.group(1)


def test_the_reason_is_optional_on_a_draft(therapist_client, patient, plan) -> None:
    page = therapist_client.get(reverse("program:taper_plan_edit", args=[patient.pk, plan.pk]))
    assert "(optional)" in reason_label(page.content.decode())


def test_the_reason_is_required_once_the_plan_is_confirmed(
    therapist_client, therapist, patient, plan
) -> None:
    medication_service.confirm_plan(plan=plan, by=therapist)
    edit = reverse("program:taper_plan_edit", args=[patient.pk, plan.pk])
    page = therapist_client.get(edit).content.decode()
    assert "Why this change?" in reason_label(page)
    assert "(optional)" not in reason_label(page)
    assert "Needed once the plan is confirmed" not in page

    # Saved without one: refused at the field, and the steps are unchanged.
    fields = dict(re.findall(r'<input[^>]*name="(step-[^"]+)"[^>]*value="([^"]*)"', page))
    before = [s.dose_mg for s in plan.steps.all()]
    refused = therapist_client.post(
        edit, {**fields, "step-1-dose_mg": "8", "prescriber": "", "reason": ""}
    )
    assert refused.status_code == 200
    assert "Say why the confirmed plan changes" in refused.content.decode()
    assert [s.dose_mg for s in plan.steps.all()] == before

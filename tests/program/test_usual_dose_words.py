""" "Usual dose" has one meaning on every page: during a taper, the plan's current step
(what the diary's "My usual dose" records); the dose the patient listed for the planned
medicine is "the dose before the plan"."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from program.medication import actions as medication_service
from program.models import Medication
from tests.conftest import client_for
from tests.taper_plans import diazepam_draft, enter_drug_free_nights


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


@pytest.fixture
def diazepam(patient, therapist) -> Medication:
    """Listed at 10 mg; a plan from 10 November: 8 mg from the evening of 24 November."""
    medicine = Medication.objects.create(
        patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
    )
    Medication.objects.create(patient=patient, name="melatonin", usual_dose_mg=Decimal(2))
    plan = diazepam_draft(patient, therapist, start_on=date(2026, 11, 10), medicine=medicine)
    enter_drug_free_nights(plan, therapist)
    medication_service.confirm_plan(plan=plan, by=therapist)
    return medicine


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_medicines_table_means_by_usual_what_the_diary_does(patient, diazepam) -> None:
    client = client_for(patient)
    diary = text(client.get(reverse("program:diary_new")).content.decode())
    assert "“My usual dose” means: diazepam 8 mg" in diary
    page = client.get(reverse("program:medicines")).content.decode()
    row = text(re.search(r"<tr>\s*<th scope=\"row\">diazepam.*?</tr>", page, re.S).group(0))
    assert "8 mg (the current step of your plan)" in row
    assert "10 mg before the plan" in row
    other = text(re.search(r"<tr>\s*<th scope=\"row\">melatonin.*?</tr>", page, re.S).group(0))
    assert "2 mg" in other and "before the plan" not in other


def test_the_edit_form_asks_for_the_dose_before_the_plan(patient, diazepam) -> None:
    page = client_for(patient).get(reverse("program:medicine_edit", args=[diazepam.pk]))
    label = re.search(r'<label for="id_usual_dose_mg">(.*?)</label>', page.content.decode(), re.S)
    assert "Your dose each night before the plan (mg)" in label.group(1)
    assert "usual" not in label.group(1)


def test_the_therapist_reads_the_dose_before_the_plan(therapist_client, patient, diazepam) -> None:
    page = therapist_client.get(reverse("program:patient_medication", args=[patient.pk]))
    body = text(page.content.decode())
    assert "diazepam, 10 mg before the plan" in body
    assert "diazepam, usual 10 mg" not in body
    assert "melatonin, usual 2 mg" in body

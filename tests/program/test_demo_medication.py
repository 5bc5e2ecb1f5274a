"""The demo clinic's patient on a diazepam taper: a confirmed plan and recorded nights."""

from __future__ import annotations

from decimal import Decimal

from program.demo.clinic import load_demo
from program.models import DiaryEntry, MedicationDose, NightMedication, TaperPlan


def test_eva_has_a_confirmed_diazepam_plan_and_nights_against_it(db) -> None:
    load_demo()
    load_demo()  # idempotent
    plan = TaperPlan.objects.get(patient__email="taper@example.com")
    assert plan.status == "active"
    assert plan.confirmed_by.email == "therapist@example.com"
    assert plan.medication.strengths_mg == ["2", "5"]
    entries = DiaryEntry.objects.filter(patient__email="taper@example.com").count()
    assert NightMedication.objects.filter(entry__patient=plan.patient).count() == entries
    doses = MedicationDose.objects.filter(entry__patient=plan.patient)
    assert doses.count() == entries
    assert doses.filter(dose_mg__gt=Decimal(8)).exists()
    assert plan.changes.count() == 2  # drafted, confirmed

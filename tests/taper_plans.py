"""Taper plans as a clinician completes them before confirming."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from program.medication import actions as medication_service
from program.models import Medication, TaperPlan
from program.rules import taper


def diazepam_draft(
    patient, by, *, start_on: date, template: str = "morin04", medicine: Medication | None = None
) -> TaperPlan:
    """A draft plan from 10 mg of diazepam (tablets of 2 and 5 mg), from ``template``;
    the medicine listed first at 10 mg unless given."""
    if medicine is None:
        medicine = Medication.objects.create(
            patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
        )
    return medication_service.create_draft(
        patient=patient,
        medication=medicine,
        template_key=template,
        start_dose=Decimal(10),
        start_on=start_on,
        strengths=[Decimal(2), Decimal(5)],
        scored=[],
        by=by,
    )


def enter_drug_free_nights(plan: TaperPlan, by, nights: int = 2) -> TaperPlan:
    """Enter the drug-free nights a draft leaves to the clinician (the ``morin04``
    template's source gives no number), as the step editor asks before confirming."""
    steps = [
        replace(s, drug_free_nights=nights, message=None)
        if s.message and s.message.code is taper.Note.DRUG_FREE_TO_SET
        else s
        for s in plan.pure_steps()
    ]
    medication_service.update_steps(plan=plan, steps=steps, by=by, reason="")
    return plan

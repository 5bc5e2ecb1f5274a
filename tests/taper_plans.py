"""Taper plans as a clinician completes them before confirming."""

from __future__ import annotations

from dataclasses import replace

from program.medication import actions as medication_service
from program.models import TaperPlan
from program.rules import taper


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

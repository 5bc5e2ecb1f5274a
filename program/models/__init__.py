"""The therapy's models, one module per area."""

from .diary import DiaryEntry, DiaryEntryRevision, UnusualReason
from .medication import (
    Medication,
    MedicationAnswer,
    MedicationDose,
    NightMedication,
    TaperPlan,
    TaperPlanChange,
    TaperStep,
)
from .programme import (
    DEFAULT_PROGRAMME,
    Enrolment,
    Invitation,
    Programme,
    WorkerHeartbeat,
    hash_token,
)

__all__ = [
    "DEFAULT_PROGRAMME",
    "DiaryEntry",
    "DiaryEntryRevision",
    "Enrolment",
    "Invitation",
    "Medication",
    "MedicationAnswer",
    "MedicationDose",
    "NightMedication",
    "Programme",
    "TaperPlan",
    "TaperPlanChange",
    "TaperStep",
    "UnusualReason",
    "WorkerHeartbeat",
    "hash_token",
]

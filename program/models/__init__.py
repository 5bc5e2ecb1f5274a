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
from .reminders import Delivery, ReminderKind, ReminderPreference, ReminderSchedule
from .sleep_window import (
    Prescription,
    Recommendation,
    SafetyScreen,
    SleepCourse,
    SleepinessCheck,
    SleepProtocol,
)

__all__ = [
    "DEFAULT_PROGRAMME",
    "Delivery",
    "DiaryEntry",
    "DiaryEntryRevision",
    "Enrolment",
    "Invitation",
    "Medication",
    "MedicationAnswer",
    "MedicationDose",
    "NightMedication",
    "Prescription",
    "Programme",
    "Recommendation",
    "ReminderKind",
    "ReminderPreference",
    "ReminderSchedule",
    "SafetyScreen",
    "SleepCourse",
    "SleepProtocol",
    "SleepinessCheck",
    "TaperPlan",
    "TaperPlanChange",
    "TaperStep",
    "UnusualReason",
    "WorkerHeartbeat",
    "hash_token",
]

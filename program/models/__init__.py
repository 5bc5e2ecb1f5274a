"""The therapy's models, one module per area."""

from .assessments import Assessment, Instrument, NoteRevision, TherapistNote
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
from .messages import Message
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
    "Assessment",
    "Delivery",
    "DiaryEntry",
    "DiaryEntryRevision",
    "Enrolment",
    "Instrument",
    "Invitation",
    "Medication",
    "MedicationAnswer",
    "MedicationDose",
    "Message",
    "NightMedication",
    "NoteRevision",
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
    "TherapistNote",
    "UnusualReason",
    "WorkerHeartbeat",
    "hash_token",
]

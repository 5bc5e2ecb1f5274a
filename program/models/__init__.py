"""The therapy's models, one module per area."""

from .diary import DiaryEntry, DiaryEntryRevision, UnusualReason
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
    "UnusualReason",
    "WorkerHeartbeat",
    "hash_token",
]

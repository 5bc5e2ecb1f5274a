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
    "DiaryEntry",
    "DiaryEntryRevision",
    "Enrolment",
    "Invitation",
    "Prescription",
    "Programme",
    "Recommendation",
    "SafetyScreen",
    "SleepCourse",
    "SleepProtocol",
    "SleepinessCheck",
    "UnusualReason",
    "WorkerHeartbeat",
    "hash_token",
]

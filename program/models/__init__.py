"""The therapy's models, one module per area."""

from .adverse_events import AdverseEvent
from .assessments import Assessment, Instrument, NoteRevision, TherapistNote
from .crisis import CrisisContact
from .curriculum import (
    PART_TYPES,
    EnrolmentChange,
    Lesson,
    LessonAnswer,
    LessonImage,
    LessonProgress,
    LessonVersion,
    Week,
    validate_parts,
)
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
from .reminders import (
    Delivery,
    PushSubscription,
    ReminderKind,
    ReminderPreference,
    ReminderSchedule,
    Watermark,
)
from .sleep_window import (
    MoodCheck,
    Prescription,
    Recommendation,
    SafetyScreen,
    SleepCourse,
    SleepinessCheck,
    SleepProtocol,
)
from .waiting import RecommendationReminder

__all__ = [
    "DEFAULT_PROGRAMME",
    "PART_TYPES",
    "AdverseEvent",
    "Assessment",
    "CrisisContact",
    "Delivery",
    "DiaryEntry",
    "DiaryEntryRevision",
    "Enrolment",
    "EnrolmentChange",
    "Instrument",
    "Invitation",
    "Lesson",
    "LessonAnswer",
    "LessonImage",
    "LessonProgress",
    "LessonVersion",
    "Medication",
    "MedicationAnswer",
    "MedicationDose",
    "Message",
    "MoodCheck",
    "NightMedication",
    "NoteRevision",
    "Prescription",
    "Programme",
    "PushSubscription",
    "Recommendation",
    "RecommendationReminder",
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
    "Watermark",
    "Week",
    "WorkerHeartbeat",
    "hash_token",
    "validate_parts",
]

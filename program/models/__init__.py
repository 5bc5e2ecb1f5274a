"""The therapy's models, one module per area."""

from program.adverse_events.models import AdverseEvent
from program.assessments.models import Assessment, Instrument, NoteRevision, TherapistNote
from program.clinic.models import CaseloadSummary
from program.crisis.models import CrisisContact
from program.curriculum.models import (
    AudioRecording,
    EnrolmentChange,
    Lesson,
    LessonAnswer,
    LessonImage,
    LessonProgress,
    LessonVersion,
    PatientSituations,
    Week,
    validate_parts,
)
from program.curriculum.parts import PART_TYPES
from program.diary.models import DiaryEntry, DiaryEntryRevision, UnusualReason
from program.enrolment.models import (
    DEFAULT_PROGRAMME,
    Enrolment,
    Invitation,
    Programme,
    WorkerHeartbeat,
    hash_token,
)
from program.exercises.models import ExerciseKind, ExerciseSession
from program.medication.models import (
    Medication,
    MedicationAnswer,
    MedicationDose,
    NightMedication,
    TaperPlan,
    TaperPlanChange,
    TaperStep,
)
from program.messaging.models import Message
from program.reminders.models import (
    ComebackReminder,
    Delivery,
    PushSubscription,
    ReminderKind,
    ReminderPreference,
    ReminderSchedule,
    Watermark,
)
from program.risk.models import RiskRule, RotaLine
from program.sleep_window.models import (
    MoodCheck,
    Prescription,
    Recommendation,
    SafetyScreen,
    SleepCourse,
    SleepinessCheck,
    SleepProtocol,
)
from program.sleep_window.waiting_models import RecommendationReminder
from program.today.models import PatientPause
from program.wearables.models import DeviceSleepPeriod, DeviceSleepSetting

__all__ = [
    "DEFAULT_PROGRAMME",
    "PART_TYPES",
    "AdverseEvent",
    "Assessment",
    "AudioRecording",
    "CaseloadSummary",
    "ComebackReminder",
    "CrisisContact",
    "Delivery",
    "DeviceSleepPeriod",
    "DeviceSleepSetting",
    "DiaryEntry",
    "DiaryEntryRevision",
    "Enrolment",
    "EnrolmentChange",
    "ExerciseKind",
    "ExerciseSession",
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
    "PatientPause",
    "PatientSituations",
    "Prescription",
    "Programme",
    "PushSubscription",
    "Recommendation",
    "RecommendationReminder",
    "ReminderKind",
    "ReminderPreference",
    "ReminderSchedule",
    "RiskRule",
    "RotaLine",
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

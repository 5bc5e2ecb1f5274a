"""The therapy's models, one module per area."""

from .curriculum import (
    PART_TYPES,
    EnrolmentChange,
    Lesson,
    LessonAnswer,
    LessonProgress,
    LessonVersion,
    Week,
    validate_parts,
)
from .diary import DiaryEntry, DiaryEntryRevision, UnusualReason
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
    "PART_TYPES",
    "DiaryEntry",
    "DiaryEntryRevision",
    "Enrolment",
    "EnrolmentChange",
    "Invitation",
    "Lesson",
    "LessonAnswer",
    "LessonProgress",
    "LessonVersion",
    "Programme",
    "UnusualReason",
    "Week",
    "WorkerHeartbeat",
    "hash_token",
    "validate_parts",
]

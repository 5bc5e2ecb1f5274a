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

__all__ = [
    "DEFAULT_PROGRAMME",
    "DiaryEntry",
    "DiaryEntryRevision",
    "Enrolment",
    "Invitation",
    "Programme",
    "UnusualReason",
    "WorkerHeartbeat",
    "hash_token",
]

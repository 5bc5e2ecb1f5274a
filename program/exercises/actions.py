"""Recording guided exercises and counting them per week (program.exercises.models)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone

from accounts.models import User
from program.curriculum.models import AudioRecording
from program.exercises.models import ExerciseKind, ExerciseSession

# The longest session recorded: a timer left running is not practice.
MAX_SECONDS = 2 * 60 * 60


def record(
    *, patient: User, kind: str, seconds: int, completed: bool, now: datetime | None = None
) -> ExerciseSession:
    """Record one exercise, finished now and started ``seconds`` ago."""
    finished = now or timezone.now()
    seconds = max(1, min(seconds, MAX_SECONDS))
    return ExerciseSession.objects.create(
        patient=patient,
        kind=ExerciseKind(kind),
        started_at=finished - timedelta(seconds=seconds),
        finished_at=finished,
        completed=completed,
    )


@dataclass
class Week:
    starts: date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def by_kind(self) -> list[tuple[str, int]]:
        """(The kind's name in the reader's language, how many), in the kinds' order."""
        return [
            (str(kind.label), self.counts[kind.value])
            for kind in ExerciseKind
            if kind in self.counts
        ]


def weekly_counts(
    patient: User, weeks: int = 6, today: date | None = None, since: date | None = None
) -> list[Week]:
    """How many exercises of each kind the patient recorded in each of the last ``weeks``
    weeks (Monday to Sunday where they live), newest first, in one query; none that
    ended before ``since`` (the programme's start: no empty weeks from before it)."""
    today = today or patient.local_today()
    monday = today - timedelta(days=today.weekday())
    if since is not None:  # the weeks from the one holding ``since``, at least this one
        since_monday = since - timedelta(days=since.weekday())
        weeks = max(1, min(weeks, (monday - since_monday).days // 7 + 1))
    first = monday - timedelta(weeks=weeks - 1)
    zone = patient.zone
    from_start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
    rows = (
        ExerciseSession.objects.filter(patient=patient, started_at__gte=from_start)
        .annotate(week=TruncWeek("started_at", tzinfo=zone))
        .values("week", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    by_start = {
        monday - timedelta(weeks=i): Week(monday - timedelta(weeks=i)) for i in range(weeks)
    }
    for r in rows:
        starts = r["week"].date() if isinstance(r["week"], datetime) else r["week"]
        if starts in by_start:
            by_start[starts].counts[r["kind"]] = r["n"]
    return list(by_start.values())


def recent(patient: User, limit: int = 10) -> list[ExerciseSession]:
    return list(ExerciseSession.objects.filter(patient=patient).order_by("-started_at")[:limit])


def recordings_for(kind: str, language: str) -> list[AudioRecording]:
    """The clinic's recordings of an exercise in the reader's language, else in English
    (one query)."""
    found = list(
        AudioRecording.objects.filter(exercise=kind, language__in={language, "en"}).order_by("pk")
    )
    own = [r for r in found if r.language == language]
    return own or found

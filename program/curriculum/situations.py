"""A patient's special situations: the "About you" checklist's answers, what the app reads
from its other records, and which situations apply (the rules are
``program.rules.situations``; the words ``program.clinical_text.SITUATION_WORDS``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.db.models import F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import User
from program.assessments.models import Assessment
from program.curriculum.models import PatientSituations
from program.enrolment.models import Enrolment
from program.rules import age as age_rules
from program.rules import situations as rules
from program.sleep_window.models import SafetyScreen


@dataclass(frozen=True)
class Situated:
    """What the checklist and the overview need about one patient."""

    answers: dict[str, bool]
    answered_at: datetime | None
    seen_at: datetime | None
    facts: tuple[rules.Fact, ...]
    applies: frozenset[str]

    @property
    def chosen(self) -> frozenset[str]:
        """The situations the patient ticked themselves."""
        return frozenset(k for k, v in self.answers.items() if v is True)

    @property
    def read(self) -> frozenset[str]:
        """The situations that apply from what the app read, not from a tick."""
        return self.applies - self.chosen

    @property
    def asked(self) -> bool:
        """The patient saved or skipped the checklist: Today stops offering it."""
        return self.seen_at is not None


def _first(patient: str, instrument: str, field: str) -> Subquery:
    first = (
        Assessment.objects.filter(patient=OuterRef(patient), instrument__key=instrument)
        .order_by("completed_at", "pk")
        .values(field)[:1]
    )
    return Subquery(first)


def _fields(patient: str) -> dict[str, Any]:
    """What ``situated`` reads, as annotations of rows that are the patient (``"pk"``) or
    carry one (``"patient"``): the checklist's row (joined), the latest safety screen's
    answers and the first PHQ-9 and GAD-7 (subqueries)."""
    own = "" if patient == "pk" else f"{patient}__"
    screens = SafetyScreen.objects.filter(patient=OuterRef(patient)).order_by(
        "-completed_at", "-pk"
    )
    return {
        "situations_answers": F(f"{own}situations__answers"),
        "situations_answered_at": F(f"{own}situations__answered_at"),
        "situations_seen_at": F(f"{own}situations__seen_at"),
        "screen_answers": Subquery(screens.values("answers")[:1], output_field=models.JSONField()),
        "screen_at": Subquery(screens.values("completed_at")[:1]),
        "phq9": _first(patient, "phq9", "total"),
        "phq9_at": _first(patient, "phq9", "completed_at"),
        "gad7": _first(patient, "gad7", "total"),
        "gad7_at": _first(patient, "gad7", "completed_at"),
    }


def situations_of(patient: User) -> Situated:
    """The patient's answers and the facts the rules read, in one query (the date of
    birth is on the user already)."""
    fields = _fields("pk")
    row = User.objects.filter(pk=patient.pk).annotate(**fields).values(*fields).get()
    return situated(patient, row)


def with_situations(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    """The enrolments with their patient's situations in the same query: a page that
    shows the programme's overview reads them with the enrolment, not in a query of
    their own (``read_with``)."""
    return enrolments.annotate(**_fields("patient"))


def read_with(enrolment: Enrolment) -> Situated | None:
    """The situations ``with_situations`` read with the enrolment (None: it did not)."""
    if not hasattr(enrolment, "situations_answers"):
        return None
    return situated(enrolment.patient, vars(enrolment))


def situated(patient: User, row: dict[str, Any]) -> Situated:
    answers = row["situations_answers"] or {}
    if not isinstance(answers, dict):
        answers = {}
    answers = {k: v for k, v in answers.items() if k in rules.SITUATIONS and isinstance(v, bool)}
    screen = row["screen_answers"] if isinstance(row["screen_answers"], dict) else None
    facts = rules.read_from(
        age=age_rules.age(patient.date_of_birth, patient.local_today()),
        screen=screen,
        screen_at=row["screen_at"],
        phq9=row["phq9"],
        phq9_at=row["phq9_at"],
        gad7=row["gad7"],
        gad7_at=row["gad7_at"],
    )
    answered_at = row["situations_answered_at"]
    return Situated(
        answers=answers,
        answered_at=answered_at,
        seen_at=row["situations_seen_at"],
        facts=facts,
        applies=rules.applying(answers, answered_at, facts),
    )


@transaction.atomic
def save_answers(patient: User, ticked: Iterable[str]) -> PatientSituations:
    """Keep the checklist as saved: every situation answered, ticked or not."""
    chosen = set(ticked)
    now = timezone.now()
    row, _created = PatientSituations.objects.select_for_update().get_or_create(patient=patient)
    row.answers = {key: key in chosen for key in rules.SITUATIONS}
    row.answered_at = now
    row.seen_at = now
    row.save()
    return row


def skip(patient: User) -> None:
    """ "Not now": nothing is answered; Today stops asking (Settings still has it)."""
    row, _created = PatientSituations.objects.get_or_create(patient=patient)
    if row.seen_at is None:
        row.seen_at = timezone.now()
        row.save(update_fields=["seen_at"])

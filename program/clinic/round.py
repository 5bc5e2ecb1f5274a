"""The weekly round (issue 21): only what needs a clinician this week, patient by patient.

Built on the caseload's kept rows (``program.clinic.summary``: its figures, its flags and its
"needs attention" order, so the round never reads a patient differently from the
caseload). Which patients are on the round, in order, is one query over those rows (with
an ``Exists`` per kind of item); then the cards shown (every card on the list, one on a
patient's card page) take one query for each kind of item:

1. open risk alerts (``program.risk.actions.alerts_for``: the same rule as the alerts page);
2. sleep-window recommendations waiting for a decision (with their protocol);
3. positive safety screens waiting for a decision;
4. unread messages from the patient, counted per patient;
5. taper plans still in draft (a clinician must confirm them, on the round or on the
   plan's page; the app never does).

An elevated-mood answer nobody has looked at yet is the caseload's "mood" flag: it holds
shorter windows until a clinician looks (``program.rules.mood``), so it is an item too.

"At risk of dropping out" is the caseload's own flags for it (``caseload.DROPOUT_FLAGS``,
worked out by ``program.rules.engagement``): "no diary for 3+ nights" and a slow start
(few diary nights in week 1, a slow first module), each with its reason. The decisions
themselves go through the existing workflows
(``program.sleep_window.actions.approve/edit/reject/decide_screen``,
``program.risk.actions.acknowledge``, ``program.medication.actions.confirm_plan``), which
refuse a second decision; nothing here decides.

A fixed number of queries whatever the caseload's size (tests/test_query_counts.py); a
patient's card reads that one patient's items, whatever the round's length.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Lag, Lead, RowNumber

from accounts.access import is_clinician, visible_patients
from accounts.models import User
from program.adverse_events.models import AdverseEvent
from program.assessments.models import RiskAlert
from program.clinic import caseload, summary
from program.clinical_text import flag_words
from program.models import CaseloadSummary, Message, Recommendation, SafetyScreen, TaperPlan
from program.risk import actions as risk
from program.sleep_window import actions as sw
from program.sleep_window.words import Audience

DROPPING_OUT = caseload.DROPOUT_FLAGS  # the caseload flags that mark a risk of dropping out
# An elevated-mood answer not looked at yet: it holds shorter windows until a clinician
# has looked (program.rules.mood), so it is an item of the round, not context.
MOOD = "mood"
# Severe daytime sleepiness in the last week (the weekly check): a drowsy-driving risk
# while the window is short [KYLE11], so a person should look even when no decision waits.
SLEEPY = "sleepy"
# Flags the round shows as items of their own (the rest are shown as context).
# A reported problem nobody has reviewed is the caseload's "problem" flag; the round counts
# the same open reports (``AdverseEvent.objects.open()``) as an item of its own.
PROBLEM = "problem"
ITEMISED = {"risk", "screen", "message", *DROPPING_OUT, MOOD, SLEEPY, PROBLEM}


@dataclass
class PendingRecommendation:
    recommendation: Recommendation
    explained: str  # the rule in words, with the week's figures (sleep_window.explain)
    flag_text: list[str] = field(default_factory=list)


@dataclass
class Card:
    """One patient's items on the round."""

    row: caseload.Row
    alerts: list[RiskAlert] = field(default_factory=list)
    recommendations: list[PendingRecommendation] = field(default_factory=list)
    screens: list[SafetyScreen] = field(default_factory=list)
    unread: int = 0
    drafts: list[TaperPlan] = field(default_factory=list)
    # Problems the patient or the care team reported and nobody has reviewed yet (a
    # withdrawal symptom after a dose step, a fall): each needs a person to look.
    problems: int = 0

    @property
    def patient(self) -> User:
        return self.row.patient

    @property
    def dropping_out(self) -> bool:
        return bool(self.dropout_flags)

    @property
    def dropout_flags(self) -> list[caseload.Flag]:
        """Why the patient may be dropping out (each flag worded with its figures)."""
        return [f for f in self.row.flags if f.key in DROPPING_OUT]

    @property
    def mood_to_review(self) -> bool:
        return any(f.key == MOOD for f in self.row.flags)

    @property
    def sleepy(self) -> bool:
        return any(f.key == SLEEPY for f in self.row.flags)

    @property
    def other_flags(self) -> list[caseload.Flag]:
        return [f for f in self.row.flags if f.key not in ITEMISED]

    @property
    def decisions(self) -> int:
        """Items that wait for a decision in the round itself (a draft taper plan is
        confirmed in place too)."""
        return len(self.alerts) + len(self.recommendations) + len(self.screens) + len(self.drafts)

    @property
    def count(self) -> int:
        return (
            self.decisions
            + bool(self.unread)
            + self.dropping_out
            + self.mood_to_review
            + self.sleepy
            + bool(self.problems)
        )

    @property
    def urgent(self) -> bool:
        return bool(self.alerts)


def patients_for(user: User) -> QuerySet[User]:
    """A therapist's own patients; a clinic admin's: the clinic's (accounts.access)."""
    return visible_patients(user) if is_clinician(user) else User.objects.none()


def _on_the_round(user: User) -> QuerySet[CaseloadSummary]:
    """The kept rows of ``user``'s patients with at least one item, in the caseload's
    "needs attention" order (urgent first, then by number of flags and pending decisions).
    Items are looked up as they are now; the two flags the round itemises (no diary, mood
    to review) are the caseload's."""
    patients = patients_for(user)
    summary.refresh(patients)
    mine = OuterRef("patient_id")
    return (
        summary.summaries(patients)
        .filter(
            Exists(risk.alerts_for(user).filter(patient=mine, acknowledged_at__isnull=True))
            | Exists(Recommendation.objects.pending().filter(course__patient=mine))
            | Exists(SafetyScreen.objects.to_decide().filter(patient=mine))
            | Exists(Message.objects.filter(patient=mine, sender=mine, read_at__isnull=True))
            | Exists(TaperPlan.objects.filter(patient=mine, status=TaperPlan.Status.DRAFT))
            | Exists(AdverseEvent.objects.open().filter(patient=mine))
            | Q(flags__contains=f'["{DROPPING_OUT[0]}",')
            | Q(flags__contains=f'["{DROPPING_OUT[1]}",')
            | Q(flags__contains=f'["{MOOD}",')
            | Q(flags__contains=f'["{SLEEPY}",')
        )
        .order_by(*summary.ORDER["flags"], "pk")
    )


def build(user: User) -> list[Card]:
    """Every patient of ``user``'s with at least one item, in the caseload's "needs
    attention" order (urgent first, then by number of flags and pending decisions)."""
    return _cards(user, list(_on_the_round(user)))


def on_the_round(user: User) -> QuerySet[CaseloadSummary]:
    """The kept rows of the patients on ``user``'s round, in its order (to cut into pages
    in the database; ``cards`` then builds one page's cards)."""
    return _on_the_round(user)


def cards(user: User, summaries: list[CaseloadSummary]) -> list[Card]:
    return _cards(user, summaries)


@dataclass
class Totals:
    decisions: int
    urgent: int


def totals(user: User) -> Totals:
    """What waits on the whole round, counted in the database (whatever its length):
    decisions (unacknowledged alerts, pending windows, screens to decide, draft plans)
    and the patients with an urgent alert."""
    patients = patients_for(user)
    alerts = risk.alerts_for(user).filter(patient__in=patients, acknowledged_at__isnull=True)
    decisions = (
        alerts.count()
        + Recommendation.objects.pending().filter(course__patient__in=patients).count()
        + SafetyScreen.objects.to_decide().filter(patient__in=patients).count()
        + TaperPlan.objects.filter(patient__in=patients, status=TaperPlan.Status.DRAFT).count()
    )
    urgent = alerts.order_by().values("patient_id").distinct().count()
    return Totals(decisions=decisions, urgent=urgent)


def _count_by_patient(rows: QuerySet[Any]) -> QuerySet[Any]:
    """(patient, how many) for each patient with any of ``rows``, in one query."""
    return (
        rows.values("patient_id").annotate(n=Count("pk")).values_list("patient_id", "n").order_by()
    )


def _cards(user: User, summaries: list[CaseloadSummary]) -> list[Card]:
    """The cards of these patients, each with its items (one query per kind of item)."""
    cards = {s.patient_id: Card(row=summary.as_row(s)) for s in summaries}
    ids = list(cards)
    if not ids:
        return []
    for alert in (
        risk.alerts_for(user)
        .filter(patient_id__in=ids, acknowledged_at__isnull=True)
        .order_by("created_at")
    ):
        cards[alert.patient_id].alerts.append(alert)
    for recommendation in (
        Recommendation.objects.pending()
        .filter(course__patient_id__in=ids)
        .select_related("course__protocol")
        .order_by("review_date", "pk")
    ):
        cards[recommendation.course.patient_id].recommendations.append(
            PendingRecommendation(
                recommendation=recommendation,
                # The round is the clinician's: the rule in their words, not the patient's.
                explained=sw.explain(recommendation.rule, recommendation.figures, Audience.STAFF),
                flag_text=flag_words(recommendation.flags),
            )
        )
    for screen in (
        SafetyScreen.objects.to_decide().filter(patient_id__in=ids).order_by("completed_at")
    ):
        cards[screen.patient_id].screens.append(screen)
    unread = Message.objects.filter(
        patient_id__in=ids, sender_id=F("patient_id"), read_at__isnull=True
    )
    for patient_id, n in _count_by_patient(unread):
        cards[patient_id].unread = n
    for patient_id, n in _count_by_patient(AdverseEvent.objects.open().filter(patient_id__in=ids)):
        cards[patient_id].problems = n
    for plan in (
        TaperPlan.objects.filter(patient_id__in=ids, status=TaperPlan.Status.DRAFT)
        .select_related("medication", "set_by")
        .prefetch_related("steps")
        .order_by("created_at")
    ):
        cards[plan.patient_id].drafts.append(plan)
    return [card for card in cards.values() if card.count]


@dataclass
class Position:
    """Where a patient is in the round: the card, the previous and next patients."""

    card: Card | None
    index: int | None  # 0-based; None when the patient has nothing waiting
    total: int
    previous: User | None
    next: User | None


def is_on_the_round(user: User, patient_id: int) -> bool:
    return _on_the_round(user).filter(patient_id=patient_id).exists()


def position(user: User, patient_id: int) -> Position:
    """Where ``patient_id`` is on ``user``'s round: their card (its items only), and the
    patients before and after them. One query numbers the round in its order in the
    database (window functions: each row's number, neighbours and the total) and hands
    back only this patient's row, so nothing read grows with the round (issue #20;
    tests/program/test_round.py holds it to the list's order)."""
    rows = _on_the_round(user)
    place = _place(rows, patient_id)
    if place is None:
        first = rows.first()
        return Position(None, None, rows.count(), None, first.patient if first else None)
    previous_id, next_id, number, total = place
    people = User.objects.in_bulk([pk for pk in (previous_id, next_id) if pk is not None])
    card = _cards(user, list(summary.summaries(patients_for(user)).filter(patient_id=patient_id)))
    return Position(
        card[0] if card else None,
        number - 1,
        total,
        people.get(previous_id) if previous_id is not None else None,
        people.get(next_id) if next_id is not None else None,
    )


def _place(
    rows: QuerySet[CaseloadSummary], patient_id: int
) -> tuple[int | None, int | None, int, int] | None:
    """(previous patient, next patient, number from 1, total) of ``patient_id`` in
    ``rows``' order, or None when they are not in ``rows``: the rows are numbered in the
    database and only this patient's comes back."""
    order: list[Any] = list(rows.query.order_by)
    numbered = (
        rows.annotate(
            previous_id=Window(Lag("patient_id"), order_by=order),
            next_id=Window(Lead("patient_id"), order_by=order),
            number=Window(RowNumber(), order_by=order),
            total=Window(Count("pk")),
        )
        .order_by()
        .values_list("patient_id", "previous_id", "next_id", "number", "total")
    )
    sql, params = numbered.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            # The window functions see every row of the round; the outer WHERE keeps one.
            f"SELECT previous_id, next_id, number, total FROM ({sql}) round_order"  # nosec B608: the ORM's own SQL
            " WHERE patient_id = %s",
            [*params, patient_id],
        )
        found = cursor.fetchone()
    return None if found is None else (found[0], found[1], found[2], found[3])

"""The weekly round (issue 21): only what needs a clinician this week, patient by patient.

Built on the caseload (``program.clinic.caseload.build_rows``: its figures, its flags and its
"needs attention" order, so the round never reads a patient differently from the
caseload) plus one query for each kind of item:

1. open risk alerts (``program.risk.actions.alerts_for``: the same rule as the alerts page);
2. sleep-window recommendations waiting for a decision (with their protocol);
3. positive safety screens waiting for a decision;
4. unread messages from the patient, counted per patient;
5. taper plans still in draft (a clinician must confirm them, on the round or on the
   plan's page; the app never does).

An elevated-mood answer nobody has looked at yet is the caseload's "mood" flag: it holds
shorter windows until a clinician looks (``program.rules.mood``), so it is an item too.

"At risk of dropping out" is the caseload's own "no diary for 3+ nights" flag
(``caseload.NO_DIARY_NIGHTS``). The decisions themselves go through the existing
workflows (``program.sleep_window.actions.approve/edit/reject/decide_screen``,
``program.risk.actions.acknowledge``, ``program.medication.actions.confirm_plan``), which
refuse a second decision; nothing here decides.

A fixed number of queries whatever the caseload's size (tests/test_query_counts.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, QuerySet

from accounts.access import visible_patients
from accounts.models import Role, User
from program.assessments.models import RiskAlert
from program.clinic import caseload
from program.clinical_text import flag_words
from program.models import Message, Recommendation, SafetyScreen, TaperPlan
from program.risk import actions as risk
from program.sleep_window import actions as sw

DROPPING_OUT = "no_diary"  # the caseload flag that marks a patient at risk of dropping out
# An elevated-mood answer not looked at yet: it holds shorter windows until a clinician
# has looked (program.rules.mood), so it is an item of the round, not context.
MOOD = "mood"
# Flags the round shows as items of their own (the rest are shown as context).
ITEMISED = {"risk", "screen", "message", DROPPING_OUT, MOOD}


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

    @property
    def patient(self) -> User:
        return self.row.patient

    @property
    def dropping_out(self) -> bool:
        return any(f.key == DROPPING_OUT for f in self.row.flags)

    @property
    def mood_to_review(self) -> bool:
        return any(f.key == MOOD for f in self.row.flags)

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
        return self.decisions + bool(self.unread) + self.dropping_out + self.mood_to_review

    @property
    def urgent(self) -> bool:
        return bool(self.alerts)


def patients_for(user: User) -> QuerySet[User]:
    """A therapist's own patients; a clinic admin's: the clinic's (accounts.access)."""
    return (
        visible_patients(user) if user.role in (Role.THERAPIST, Role.ADMIN) else User.objects.none()
    )


def build(user: User) -> list[Card]:
    """Every patient of ``user``'s with at least one item, in the caseload's "needs
    attention" order (urgent first, then by number of flags and pending decisions)."""
    rows = caseload.sort_rows(caseload.build_rows(user, patients=patients_for(user)), "flags")
    cards = {row.patient.pk: Card(row=row) for row in rows}
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
                explained=sw.explain(recommendation.rule, recommendation.figures),
                flag_text=flag_words(recommendation.flags),
            )
        )
    for screen in SafetyScreen.objects.filter(
        patient_id__in=ids, positive=True, decision=SafetyScreen.Decision.PENDING
    ).order_by("completed_at"):
        cards[screen.patient_id].screens.append(screen)
    unread: dict[int, int] = defaultdict(int)
    for patient_id, n in (
        Message.objects.filter(patient_id__in=ids, sender_id=F("patient_id"), read_at__isnull=True)
        .values("patient_id")
        .annotate(n=Count("pk"))
        .values_list("patient_id", "n")
        .order_by()
    ):
        unread[patient_id] = n
    for patient_id, n in unread.items():
        cards[patient_id].unread = n
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


def position(cards: list[Card], patient_id: int) -> Position:
    ids = [c.patient.pk for c in cards]
    if patient_id not in ids:
        return Position(None, None, len(cards), None, cards[0].patient if cards else None)
    i = ids.index(patient_id)
    return Position(
        cards[i],
        i,
        len(cards),
        cards[i - 1].patient if i > 0 else None,
        cards[i + 1].patient if i + 1 < len(cards) else None,
    )

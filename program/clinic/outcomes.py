"""Clinic outcomes (issue 22, part 4): the funnel, completion and dropout by week, diary
adherence, the insomnia outcome's change with response and remission, sleep-window decisions
and safety events, for the whole clinic, one therapist's caseload, or the patients a
therapist sees — in a fixed number of queries whatever the clinic's size.

Queries (tests/test_query_counts.py, 5 and 2 000 patients):
1. the patients in scope (id, name, email);
2. their enrolments with the programme's length and follow-up;
3. the invitations sent in scope;
4. every diary night's date (values only);
5. each patient's first sleep-window evening;
6. their results on the insomnia outcome (values only; the instrument is read by the view);
7. sleep-window recommendations grouped by decision and direction;
8.-10. risk alerts by source, adverse events by kind, positive safety screens.

Definitions (shown on the page beside the figures):
- *Invited*: people sent an invitation by the therapists in scope, each once however many
  invitations their address was sent (one replaced by a newer one, one expired and sent
  again), plus patients who joined without one (counted as invited when they joined).
- *Accepted*: patients enrolled in a programme.
- *Baseline diary complete*: ``BASELINE_NIGHTS`` diary nights in the first
  ``BASELINE_DAYS`` days, the first window's own minimum (``titration`` protocol defaults,
  [CBTI-MOBILE]).
- *Window started*: a first sleep window prescribed.
- *Last week reached*: a diary night in the programme's last week.
- *Follow-up*: an outcome result at the follow-up occasion.
- A week's *active* patients wrote at least one diary night in it; *dropped out* by week w:
  the week has begun, and their last diary night fell before it (or they never wrote one).
- Outcome: the insomnia outcome the schedule asks (``assessments.outcome_key``): the ISI,
  filled in by the patient or entered by a clinician; change = the end (or follow-up) total
  minus the baseline total; response = a fall of more than 7 points, remission = a total below
  8 (Morin et al. 2009 [MORIN09]; ``scoring.isi_response``, ``scoring.isi_remission``). Or the
  PROMIS Sleep Disturbance when only its wording is loaded (docs/sources.md, OPEN-OUTCOME):
  change in T-score, with no response or remission rate (no published rule was read). A
  patient whose end or follow-up date has passed without both results is *missing*, named.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import mean
from typing import Any

from django.db.models import Count, F, Min, Q, QuerySet
from django.utils import timezone

from accounts.models import User
from program.assessments.models import RiskAlert
from program.models import (
    AdverseEvent,
    Assessment,
    DiaryEntry,
    Enrolment,
    Instrument,
    Invitation,
    Prescription,
    Recommendation,
    SafetyScreen,
)
from program.rules import scoring

BASELINE_NIGHTS = 7  # titration.Protocol.baseline_min_nights' default [CBTI-MOBILE]
BASELINE_DAYS = 14  # titration.Protocol.baseline_lookback_days' default


@dataclass(frozen=True)
class Stage:
    key: str
    count: int


@dataclass(frozen=True)
class WeekFigures:
    week: int
    eligible: int  # patients for whom this week has begun
    active: int  # of them, with a diary night in the week
    dropped: int  # of them, with no diary night in this week or later
    nights_mean: float | None  # diary nights in the week, over the eligible

    @property
    def active_pct(self) -> float | None:
        return 100 * self.active / self.eligible if self.eligible else None

    @property
    def dropped_pct(self) -> float | None:
        return 100 * self.dropped / self.eligible if self.eligible else None


@dataclass
class OutcomeFigures:
    occasion: str  # "end" or "follow-up"
    due: int = 0  # patients whose occasion has come
    changes: list[float] = field(default_factory=list)  # end − baseline, per patient with both
    responders: int | None = 0  # None: no rule for this measure
    remitters: int | None = 0
    missing: list[User] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.changes)

    @property
    def mean_change(self) -> float | None:
        return mean(self.changes) if self.changes else None

    @property
    def response_pct(self) -> float | None:
        return 100 * self.responders / self.n if self.n and self.responders is not None else None

    @property
    def remission_pct(self) -> float | None:
        return 100 * self.remitters / self.n if self.n and self.remitters is not None else None


@dataclass(frozen=True)
class Decision:
    status: str
    label: str
    longer: int
    same: int
    shorter: int
    first: int

    @property
    def total(self) -> int:
        return self.longer + self.same + self.shorter + self.first


@dataclass
class Outcomes:
    measure: str  # the outcome's short name: "ISI" or "PROMIS-SD"
    t_scores: bool  # the outcome's figures are T-scores (PROMIS), not totals
    patients: int
    enrolled: int
    funnel: list[Stage]
    weeks: list[WeekFigures]
    withdrawn: int
    outcomes: list[OutcomeFigures]
    decisions: list[Decision]
    risk_alerts: dict[str, int]
    adverse_events: dict[str, int]
    positive_screens: int


def _programme_length(rows: list[dict]) -> int:
    weeks = Counter(r["programme__weeks"] for r in rows)
    return weeks.most_common(1)[0][0] if weeks else 6


def build(
    patients: QuerySet[User],
    therapists: QuerySet[User],
    today: date | None = None,
    outcome: Instrument | None = None,
) -> Outcomes:
    """The clinic's figures for ``patients`` (already limited to what the reader may see)
    and the invitations of ``therapists``; ``outcome``: the insomnia outcome's instrument
    (``assessments.outcome_key``; none: the ISI)."""
    key = outcome.key if outcome is not None else "isi"
    by_t = key != "isi" and outcome is not None
    today = today or timezone.localdate()
    people = {u.pk: u for u in patients.only("pk", "name", "email").order_by("name", "email")}
    ids = patients.values("pk")

    # The latest enrolment of each patient (a patient is in one programme at a time).
    enrolments: dict[int, Any] = {}
    for row in (
        Enrolment.objects.filter(patient__in=ids)
        .order_by("patient_id", "start_date", "pk")
        .values(
            "patient_id",
            "start_date",
            "status",
            "programme__weeks",
            "programme__follow_up_weeks",
        )
    ):
        enrolments[row["patient_id"]] = row

    # Invited counts people, not invitations: an address invited again (the earlier
    # invitation replaced, or expired and sent anew, or by a second therapist) is one
    # person; a patient is known by the address their invitation went to, and one who
    # joined without an invitation by their own.
    invited_addresses: set[str] = set()
    accepted: set[int] = set()
    for email, accepted_by in Invitation.objects.filter(
        therapist__in=therapists.values("pk")
    ).values_list("email", "accepted_by_id"):
        invited_addresses.add(email.lower())
        if accepted_by is not None:
            accepted.add(accepted_by)
    uninvited = {people[pk].email.lower() for pk in enrolments if pk not in accepted}
    invited = len(invited_addresses | uninvited)

    nights: dict[int, list[date]] = defaultdict(list)
    for patient_id, night in DiaryEntry.objects.filter(patient__in=ids).values_list(
        "patient_id", "diary_date"
    ):
        nights[patient_id].append(night)

    first_windows = dict(
        Prescription.objects.filter(course__patient__in=ids)
        .values("course__patient_id")
        .annotate(first=Min("effective_from"))
        .values_list("course__patient_id", "first")
    )

    isi: dict[int, dict[str, float]] = defaultdict(dict)
    for patient_id, occasion, total in (
        Assessment.objects.filter(patient__in=ids, instrument__key=key)
        .order_by("completed_on", "completed_at")
        .values_list("patient_id", "occasion", "total")
    ):
        value = outcome.t_score(total) if by_t and outcome is not None else total
        if value is not None:
            isi[patient_id].setdefault(occasion, value)  # the first result of each occasion

    length = _programme_length(list(enrolments.values()))
    baseline_done = window_started = last_week = follow_up = 0
    week_rows: dict[int, list[tuple[int, bool, bool]]] = defaultdict(list)
    end = OutcomeFigures("end", responders=None if by_t else 0, remitters=None if by_t else 0)
    later = OutcomeFigures(
        "follow-up", responders=None if by_t else 0, remitters=None if by_t else 0
    )
    for pk, e in enrolments.items():
        start: date = e["start_date"]
        weeks: int = e["programme__weeks"]
        dates = nights.get(pk, [])
        in_baseline = sum(1 for d in dates if start <= d < start + timedelta(days=BASELINE_DAYS))
        baseline_done += in_baseline >= BASELINE_NIGHTS
        window_started += pk in first_windows
        last_start = start + timedelta(days=7 * (weeks - 1))
        last_week += any(last_start <= d < last_start + timedelta(days=7) for d in dates)
        results = isi.get(pk, {})
        follow_up += "follow-up" in results
        latest = max(dates) if dates else None
        for week in range(1, min(weeks, length) + 1):
            begins = start + timedelta(days=7 * (week - 1))
            if begins > today:
                break
            count = sum(1 for d in dates if begins <= d < begins + timedelta(days=7))
            dropped = latest is None or latest < begins
            week_rows[week].append((count, count > 0, dropped))
        _outcome(
            end, people.get(pk), results, f"week-{weeks}", last_start + timedelta(days=6), today
        )
        if e["programme__follow_up_weeks"]:
            due_on = start + timedelta(days=7 * e["programme__follow_up_weeks"])
            _outcome(later, people.get(pk), results, "follow-up", due_on, today)

    weeks_out = []
    for week in range(1, length + 1):
        rows = week_rows.get(week, [])
        weeks_out.append(
            WeekFigures(
                week=week,
                eligible=len(rows),
                active=sum(1 for _, active, _ in rows if active),
                dropped=sum(1 for _, _, dropped in rows if dropped),
                nights_mean=mean(c for c, _, _ in rows) if rows else None,
            )
        )

    statuses = Counter(e["status"] for e in enrolments.values())
    return Outcomes(
        measure=outcome.short_name if outcome is not None else "ISI",
        t_scores=by_t,
        patients=len(people),
        enrolled=len(enrolments),
        funnel=[
            Stage("invited", invited),
            Stage("accepted", len(enrolments)),
            Stage("baseline", baseline_done),
            Stage("window", window_started),
            Stage("last_week", last_week),
            Stage("follow_up", follow_up),
        ],
        weeks=weeks_out,
        withdrawn=statuses[Enrolment.Status.WITHDRAWN],
        outcomes=[end, later],
        decisions=_decisions(ids),
        risk_alerts=dict(
            RiskAlert.objects.filter(patient__in=ids)
            .values("source")
            .annotate(n=Count("pk"))
            .values_list("source", "n")
        ),
        adverse_events=dict(
            AdverseEvent.objects.filter(patient__in=ids)
            .values("kind")
            .annotate(n=Count("pk"))
            .values_list("kind", "n")
        ),
        positive_screens=SafetyScreen.objects.filter(patient__in=ids, positive=True).count(),
    )


def _outcome(
    figures: OutcomeFigures,
    patient: User | None,
    results: dict[str, float],
    occasion: str,
    due_on: date,
    today: date,
) -> None:
    if due_on > today:
        return
    figures.due += 1
    baseline, latest = results.get("baseline"), results.get(occasion)
    if baseline is None or latest is None:
        if patient is not None:
            figures.missing.append(patient)
        return
    figures.changes.append(latest - baseline)
    if figures.responders is not None and figures.remitters is not None:
        figures.responders += scoring.isi_response(int(baseline), int(latest))
        figures.remitters += scoring.isi_remission(int(latest))


def _decisions(ids: QuerySet) -> list[Decision]:
    """Recommendations by decision (approved, changed, rejected, automatic, waiting) and
    by what was proposed: a first window, longer, the same, shorter."""
    rows = (
        Recommendation.objects.filter(course__patient__in=ids)
        .values("status")
        .annotate(
            first=Count("pk", filter=Q(kind="initial")),
            longer=Count(
                "pk", filter=Q(kind="weekly", proposed_window_min__gt=F("current_window_min"))
            ),
            shorter=Count(
                "pk", filter=Q(kind="weekly", proposed_window_min__lt=F("current_window_min"))
            ),
            same=Count(
                "pk",
                filter=Q(kind="weekly")
                & (
                    Q(proposed_window_min=F("current_window_min"))
                    | Q(current_window_min__isnull=True)
                ),
            ),
        )
    )
    labels = dict(Recommendation.Status.choices)
    by_status = {r["status"]: r for r in rows}
    return [
        Decision(
            status=status,
            label=str(labels[status]),
            longer=by_status[status]["longer"],
            same=by_status[status]["same"],
            shorter=by_status[status]["shorter"],
            first=by_status[status]["first"],
        )
        for status in labels
        if status in by_status
    ]

"""The therapist's caseload: figures and flags for every patient in a fixed number of
queries, whatever the caseload's size, worked out from the raw rows.

The pages do not call this for every patient on every view: they read each patient's
kept row (program/clinic/summary.py), and ``build_rows`` works out only the rows a write or
the date has made untrusted. It stays the one definition of the figures; the kept rows
are tested equal to it.

Queries (see tests/test_query_counts.py):
1. the patients, annotated with pending recommendations, a positive screen waiting for a
   decision, reported problems nobody has reviewed, recent high sleepiness, their open
   risk alerts (how many, and what raised the latest: the urgent flag names it), their
   last diary date, and their sleep window's review day, start and lookback (for the
   week shown);
2. their current enrolments with programmes (one prefetch);
3. the diary nights of the last three weeks (values only);
4. their ISI results (values only);
5. the nights with sleep medication taken in the last 14 days (values only);
6.-10. the week each patient is in — the highest week the pace rules have opened, as
   on their own pages, not the calendar week since the start — and their lessons done
   and in all (``program.curriculum.actions.pace_summaries``: weeks, lessons with the languages
   each is published in, lesson progress, pace changes, the n-th valid diary night).
Everything else is arithmetic in Python. Sorting by computed figures needs every
row, so the page is cut after sorting (a caseload is hundreds, not millions).

Flag thresholds are design decisions [D], named as constants below.

"Last week" is the week of the patient's latest sleep-window review
(``titration.review_week``, the same span as the review itself, the sleep-window
pages and the API), so the figures here are those of the recommendation a therapist
is asked to approve; without a sleep window, the seven mornings up to today.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict, cast

from django.conf import settings
from django.db.models import Count, Exists, Max, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from program.adverse_events.models import AdverseEvent
from program.assessments.models import RiskAlert, urgent_label
from program.clinical_text import band_words
from program.curriculum.actions import PaceSummary, pace_summaries
from program.models import (
    Assessment,
    DiaryEntry,
    Enrolment,
    Message,
    MoodCheck,
    NightMedication,
    PatientPause,
    Prescription,
    Recommendation,
    SafetyScreen,
    SleepCourse,
    SleepinessCheck,
)
from program.rules import engagement, scoring, taper, titration
from program.sleep_window.waiting import remind_after

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise, WithAnnotations


class _Annotations(TypedDict):
    """What ``patients_with_annotations`` adds to each patient."""

    pending_recommendations: int
    # When the longest-waiting recommendation began to wait (program.sleep_window.waiting).
    waiting_since: datetime | None
    screen_to_review: bool
    problems_to_review: int | None
    very_sleepy: bool
    sleepy_at: datetime | None
    mood_to_review: bool
    titration_weekday: int | None
    lookback_days: int | None
    window_from: date | None
    risk: bool
    risk_source: str | None
    risk_open: int | None
    last_diary: date | None
    unread_message: bool
    pause_reason: str | None
    window_paused: bool
    pause_ends: date | None
    break_started: date | None
    break_last: date | None
    current_enrolments: list[Enrolment]


if TYPE_CHECKING:
    CaseloadPatient = WithAnnotations[User, _Annotations]

NO_DIARY_NIGHTS = settings.DROPOUT_GAP_NIGHTS  # no entry for the last 3 mornings (issue 7)
# "At risk of dropping out" (program.rules.engagement [SIMON25]): the no-diary flag above, and the
# first week's signals (few diary nights, a slow first module) as the "slow_start" flag.
DROPOUT_FLAGS = ("no_diary", "slow_start")


def dropout_thresholds() -> engagement.Thresholds:
    """The clinic's thresholds [D] (settings.DROPOUT_*)."""
    return engagement.Thresholds(
        min_week1_nights=settings.DROPOUT_MIN_WEEK1_NIGHTS,
        first_module_days=settings.DROPOUT_FIRST_MODULE_DAYS,
        gap_nights=settings.DROPOUT_GAP_NIGHTS,
        early_days=settings.DROPOUT_EARLY_DAYS,
    )


FALLING_SE_POINTS = 5.0  # last week's SE at least 5 points below the week before [D]
SLEEPINESS_DAYS = 7  # a "very sleepy" check in the last week [D]
# Diary nights read: the latest review's week may end up to 6 days ago, and the week
# before it 13 days before that (plus a day for time zones ahead of the server's).
LOOKBACK_DAYS = 20
WEEK = timedelta(days=7)


@dataclass(frozen=True)
class Flag:
    key: str
    label: StrOrPromise
    urgent: bool = False
    # What the label was worded from (flag_from(key, params) words it again).
    params: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


# Up for every open risk alert (program.risk.actions), worded by what raised the latest one
# (``RiskAlert.urgent_label``, as on the patient page and the round), and how many more.
URGENT_KEY = "risk"


@dataclass
class Row:
    patient: User
    enrolment: Enrolment | None
    week: int | None
    nights_last_7: int
    se_last: float | None
    se_change: float | None
    tst_last: float | None
    tst_change: float | None
    isi_latest: int | None
    isi_change: int | None
    isi_band: str
    pending_recommendations: int
    lessons_done: int = 0
    lessons_total: int = 0
    flags: list[Flag] = field(default_factory=list)
    # The mornings "last week" covers (nights_last_7, se_last, tst_last).
    review_week: titration.ReviewWeek | None = None
    programme_weeks: int | None = None
    paused: bool = False
    # Until when these figures hold with no write: the patient's next local midnight, or
    # sooner when a sleepy check ages out (program.clinic.summary).
    valid_until: datetime | None = None

    @property
    def urgent(self) -> bool:
        return any(f.urgent for f in self.flags)


def patients_with_annotations(
    therapist: User | None, patients: QuerySet[User] | None = None
) -> QuerySet[User]:
    """``patients`` (a clinic admin's: the clinic's) or else ``therapist``'s caseload."""
    now = timezone.now()
    active = SleepCourse.objects.filter(patient=OuterRef("pk"), status=SleepCourse.Status.ACTIVE)
    # The window in force: the latest start up to the widest "today" on the caseload
    # (starts are never in the future; a day's margin covers zones ahead of the server).
    window_from = Prescription.objects.filter(
        course__patient=OuterRef("pk"),
        course__status=SleepCourse.Status.ACTIVE,
        effective_from__lte=now.date() + timedelta(days=1),
    ).order_by("-effective_from", "-created_at")
    sleepy = SleepinessCheck.objects.filter(
        Q(very_sleepy=True) | Q(unsafe=True) | Q(dozing__gte=titration.FREQUENT_DOZING),
        patient=OuterRef("pk"),
        created_at__gte=now - timedelta(days=SLEEPINESS_DAYS),
    )
    open_alerts = RiskAlert.objects.open().filter(patient=OuterRef("pk"))
    open_pause = PatientPause.objects.filter(patient=OuterRef("pk"), ended_on__isnull=True)
    latest_pause = PatientPause.objects.filter(patient=OuterRef("pk")).order_by(
        "-started_on", "-pk"
    )
    if patients is None:
        if therapist is None:
            raise ValueError("build_rows needs a therapist or patients")
        patients = User.objects.caseload_of(therapist)
    base = patients
    waiting = Recommendation.objects.filter(
        course__patient=OuterRef("pk"), status=Recommendation.Status.PENDING
    ).annotate(since=Coalesce("waiting_since", "created_at"))
    return base.annotate(
        waiting_since=Subquery(waiting.order_by("since").values("since")[:1]),
        pending_recommendations=Count(
            "sleep_course__recommendations",
            filter=Q(sleep_course__recommendations__status="pending"),
            distinct=True,
        ),
        # A positive screen flags only while its decision waits (the round's rule): once
        # decided, the decision is on the patient's sleep-window page, not a flag.
        screen_to_review=Exists(SafetyScreen.objects.to_decide().filter(patient=OuterRef("pk"))),
        # Problem reports (adverse events) nobody has reviewed yet, as the round counts them.
        problems_to_review=Subquery(
            AdverseEvent.objects.open()
            .filter(patient=OuterRef("pk"))
            .order_by()
            .values("patient")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        # Very sleepy as titration reads it (older checks stored safety's narrower
        # reading: dozing several times a week counts too).
        very_sleepy=Exists(sleepy),
        # The latest such check: the flag goes down SLEEPINESS_DAYS after it.
        sleepy_at=Subquery(sleepy.order_by("-created_at").values("created_at")[:1]),
        # An elevated-mood "yes" not looked at yet (program.rules.mood): a clinician flag.
        mood_to_review=Exists(
            MoodCheck.objects.filter(
                patient=OuterRef("pk"), elevated=True, reviewed_at__isnull=True
            )
        ),
        titration_weekday=Subquery(active.values("titration_weekday")[:1]),
        lookback_days=Subquery(active.values("protocol__lookback_days")[:1]),
        window_from=Subquery(window_from.values("effective_from")[:1]),
        risk=Exists(open_alerts),
        risk_source=Subquery(open_alerts.order_by("-created_at", "-pk").values("source")[:1]),
        risk_open=Subquery(
            open_alerts.order_by().values("patient").annotate(n=Count("pk")).values("n")[:1]
        ),
        last_diary=Max("diary_entries__diary_date"),
        unread_message=Exists(
            Message.objects.filter(
                patient=OuterRef("pk"), sender=OuterRef("pk"), read_at__isnull=True
            )
        ),
        # A sleep window set aside by its "Pause" (illness, travel), not by a break.
        window_paused=Exists(
            SleepCourse.objects.filter(patient=OuterRef("pk"), status=SleepCourse.Status.PAUSED)
        ),
        # A break the patient took themselves (program.today.actions): its reason and end.
        pause_reason=Subquery(open_pause.values("reason")[:1]),
        pause_ends=Subquery(open_pause.values("ends_on")[:1]),
        # The latest break's first and last day, for the diary-gap flag.
        break_started=Subquery(latest_pause.values("started_on")[:1]),
        break_last=Subquery(
            latest_pause.annotate(last=Coalesce("ended_on", "ends_on")).values("last")[:1]
        ),
    ).prefetch_related(
        Prefetch(
            "enrolments",
            queryset=Enrolment.objects.current().select_related("programme"),
            to_attr="current_enrolments",
        )
    )


def _week_figures(
    nights: list[tuple[date, int, int]], first: date, last: date
) -> tuple[int, float | None, float | None]:
    """(nights, SE = 100 × ΣTST / ΣTIB, mean TST) over nights from ``first`` to ``last``."""
    chosen = [(tib, tst) for day, tib, tst in nights if first <= day <= last]
    if not chosen:
        return 0, None, None
    tib = sum(t for t, _ in chosen)
    tst = sum(s for _, s in chosen)
    return len(chosen), (100 * tst / tib if tib else None), tst / len(chosen)


def _difference(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def build_rows(
    therapist: User | None, *, now: Any = None, patients: QuerySet[User] | None = None
) -> list[Row]:
    annotated = cast("list[CaseloadPatient]", list(patients_with_annotations(therapist, patients)))
    ids = [p.pk for p in annotated]
    # The widest "today" on the caseload bounds the query; each patient's own local
    # today picks their nights below (zones differ by up to a day).
    server_today = timezone.now().date()
    since = server_today - timedelta(days=LOOKBACK_DAYS + 1)
    nights: dict[int, list[tuple[date, int, int]]] = defaultdict(list)
    # Every night recorded, unusual ones too, counts as engagement (week 1's nights).
    recorded: dict[int, set[date]] = defaultdict(set)
    for patient_id, day, tib, tst, unusual in (
        DiaryEntry.objects.filter(patient_id__in=ids, diary_date__gte=since)
        .values_list(
            "patient_id", "diary_date", "time_in_bed_min", "total_sleep_min", "unusual_night"
        )
        .order_by()
    ):
        recorded[patient_id].add(day)
        if not unusual:
            nights[patient_id].append((day, tib, tst))
    isi: dict[int, list[tuple[date, int, str]]] = defaultdict(list)
    for patient_id, day, total, band in (
        Assessment.objects.filter(patient_id__in=ids, instrument__key="isi")
        .order_by("completed_on", "completed_at")
        .values_list("patient_id", "completed_on", "total", "band_code")
    ):
        isi[patient_id].append((day, total, band))
    # Every night the diary's medication question was answered, with each dose taken (0 mg
    # for a night without): a night with no answer is not a night without medication.
    doses: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for patient_id, day, mg in (
        NightMedication.objects.filter(entry__patient_id__in=ids, entry__diary_date__gte=since)
        .values_list("entry__patient_id", "entry__diary_date", "entry__doses__dose_mg")
        .order_by()
    ):
        doses[patient_id].append((day, mg or Decimal(0)))
    enrolments = []
    for patient in annotated:
        for enrolment in patient.current_enrolments:
            enrolment.patient = patient  # already loaded: saves a query each
            enrolments.append(enrolment)
    pace = pace_summaries(enrolments)
    remind = remind_after()  # the clinic's: a decision waiting this long is flagged
    return [
        _row(p, nights[p.pk], recorded[p.pk], isi[p.pk], doses[p.pk], pace, remind)
        for p in annotated
    ]


def _row(
    patient: CaseloadPatient,
    nights: list[tuple[date, int, int]],
    recorded: set[date],
    isi: list[tuple[date, int, str]],
    doses: list[tuple[date, Decimal]],
    pace: dict[int, PaceSummary],
    remind: timedelta,
) -> Row:
    today = patient.local_today()
    # A decision waiting as long as the clinic's reminder delay: the therapist has been
    # (or is about to be) reminded by email; the caseload says so too.
    since = patient.waiting_since
    overdue = since is not None and timezone.now() - since >= remind
    enrolment = patient.current_enrolments[0] if patient.current_enrolments else None
    summary = pace.get(enrolment.pk) if enrolment else None
    shown = titration.review_week(
        today,
        titration_weekday=patient.titration_weekday,
        window_from=patient.window_from,
        lookback_days=patient.lookback_days or 7,
    )
    before = titration.review_span(
        shown.review_date - timedelta(days=7),
        lookback_days=patient.lookback_days or 7,
    )
    count, se, tst = _week_figures(nights, shown.first_morning, shown.last_morning)
    _nights_before, se_before, tst_before = _week_figures(nights, *before)
    row = Row(
        patient=patient,
        enrolment=enrolment,
        week=summary.week if summary else None,
        nights_last_7=count,
        se_last=se,
        se_change=_difference(se, se_before),
        tst_last=tst,
        tst_change=_difference(tst, tst_before),
        isi_latest=isi[-1][1] if isi else None,
        isi_change=(isi[-1][1] - isi[0][1]) if len(isi) > 1 else None,
        isi_band=band_words(isi[-1][2]) if isi else "",
        pending_recommendations=patient.pending_recommendations,
        lessons_done=summary.lessons_done if summary else 0,
        lessons_total=summary.lessons_total if summary else 0,
        review_week=shown,
        programme_weeks=enrolment.programme.weeks if enrolment else None,
        paused=enrolment is not None and enrolment.status == Enrolment.Status.PAUSED,
        valid_until=_valid_until(
            patient, today, None if overdue or since is None else since + remind
        ),
    )
    start = enrolment.start_date if enrolment else None
    row.flags = flags_for(
        patient,
        today=today,
        waiting_since=since if overdue else None,
        se=se,
        se_before=se_before,
        doses=doses,
        dropout=engagement.reasons(
            today=today,
            start=start,
            week1_nights=sum(1 for day in recorded if start and start <= day < start + WEEK),
            first_module_done=summary.first_module_done if summary else None,
            last_night=patient.last_diary,
            paused=row.paused,
            thresholds=dropout_thresholds(),
            finished=summary.finished if summary else False,
            latest_break=(
                (patient.break_started, patient.break_last)
                if patient.break_started and patient.break_last
                else None
            ),
        ),
    )
    return row


def _valid_until(
    patient: CaseloadPatient, today: date, overdue_at: datetime | None = None
) -> datetime:
    """The patient's next local midnight (every figure above reads their local today),
    or sooner when their latest sleepy check ages out of SLEEPINESS_DAYS, or when a
    waiting decision becomes overdue (``overdue_at``)."""
    until = datetime.combine(today + timedelta(days=1), time(), tzinfo=patient.zone)
    if patient.sleepy_at is not None:
        until = min(until, patient.sleepy_at + timedelta(days=SLEEPINESS_DAYS))
    if overdue_at is not None:
        until = min(until, overdue_at)
    return until


def flag_from(key: str, params: dict[str, Any]) -> Flag:
    """A flag worded in the active language from its key and figures."""
    label: StrOrPromise
    if key == URGENT_KEY:
        # Rows kept before the source was (params {}) read as the general words.
        label = urgent_label(params.get("source", ""))
        more = int(params.get("more", 0))
        if more:
            label = ngettext(
                "%(label)s (and %(n)s more open alert)",
                "%(label)s (and %(n)s more open alerts)",
                more,
            ) % {"label": label, "n": more}
        return Flag(key, label, urgent=True, params=params)
    if key == "no_diary":
        label = _("No diary for %(n)s+ nights") % params
    elif key == "slow_start":
        label = _slow_start_words(params)
    elif key == "patient_pause":
        label = _("Paused by the patient (%(reason)s) until %(until)s") % {
            "reason": PatientPause.words_for(params["reason"]),
            "until": date_format(date.fromisoformat(params["until"]), "DAY_MONTH_FORMAT"),
        }
    elif key == "decision_waiting":
        label = _("Sleep-window decision waiting since %(day)s") % {
            "day": date_format(date.fromisoformat(params["since"]), "WEEKDAY_DAY_MONTH_FORMAT")
        }
    elif key == "window_paused":
        label = _("Sleep window paused")
    elif key == "falling_se":
        label = _("Sleep efficiency falling (%(before)s%% → %(now)s%%)") % params
    elif key == "sleepy":
        label = _("Severe daytime sleepiness")
    elif key == "mood":
        label = _("Elevated mood reported (to review)")
    elif key == "screen":
        # Only a screen waiting for a decision flags now; a row kept before that (with
        # "to_review" false) keeps its words until it is worked out again.
        label = (
            _("Positive safety screen (to review)")
            if params.get("to_review")
            else _("Positive safety screen")
        )
    elif key == "problem":
        n = int(params.get("n", 1))
        label = ngettext("Reported problem to review", "%(n)s reported problems to review", n) % {
            "n": n
        }
    elif key == "medication":
        label = _("Sleep medication use rising")
    elif key == "message":
        label = _("Unread message")
    else:
        raise ValueError(key)
    return Flag(key, label, params=params)


def _slow_start_words(params: dict[str, Any]) -> str:
    parts = []
    if "nights" in params:
        parts.append(
            ngettext(
                "%(n)s diary night in week 1",
                "%(n)s diary nights in week 1",
                params["nights"],
            )
            % {"n": params["nights"]}
        )
    if "days" in params:
        parts.append(
            _("first week's lessons not done after %(n)s days") % {"n": params["days"]}
            if params.get("module_open")
            else _("first week's lessons took %(n)s days") % {"n": params["days"]}
        )
    return _("Slow start: %(reasons)s") % {"reasons": "; ".join(parts)}


def flags_for(
    patient: CaseloadPatient,
    *,
    today: date,
    se: float | None,
    se_before: float | None,
    doses: list[tuple[date, Decimal]],
    dropout: list[engagement.Reason],
    waiting_since: datetime | None = None,
) -> list[Flag]:
    """The caseload's flags, the urgent one first. ``dropout``: the reasons
    program.rules.engagement gives (the gap as "no_diary", the first week as "slow_start");
    ``waiting_since``: when a sleep-window decision that has waited too long began to wait."""
    out: list[tuple[str, dict[str, Any]]] = []
    if patient.risk:
        more = max((patient.risk_open or 1) - 1, 0)
        out.append((URGENT_KEY, {"source": patient.risk_source or "", "more": more}))
    if waiting_since is not None:
        day = waiting_since.astimezone(patient.zone).date()
        out.append(("decision_waiting", {"since": day.isoformat()}))
    if any(r.key == engagement.DIARY_GAP for r in dropout):
        out.append(("no_diary", {"n": NO_DIARY_NIGHTS}))
    slow: dict[str, Any] = {}
    for reason in dropout:
        if reason.key == engagement.FEW_NIGHTS:
            slow["nights"] = reason.figure
        elif reason.key == engagement.SLOW_FIRST_MODULE:
            slow["days"] = reason.figure
            slow["module_open"] = reason.still_open
    if slow:
        out.append(("slow_start", slow))
    if patient.pause_reason and patient.pause_ends:
        out.append(
            ("patient_pause", {"reason": patient.pause_reason, "until": str(patient.pause_ends)})
        )
    elif patient.window_paused:  # a break says so itself, and pauses the window too
        out.append(("window_paused", {}))
    if se is not None and se_before is not None and se_before - se >= FALLING_SE_POINTS:
        out.append(("falling_se", {"before": f"{se_before:.0f}", "now": f"{se:.0f}"}))
    if patient.very_sleepy:
        out.append(("sleepy", {}))
    if patient.mood_to_review:
        out.append(("mood", {}))
    if patient.screen_to_review:
        out.append(("screen", {"to_review": True}))
    if patient.problems_to_review:
        out.append(("problem", {"n": patient.problems_to_review}))
    if _medication_rising(doses, today):
        out.append(("medication", {}))
    if patient.unread_message:
        out.append(("message", {}))
    return [flag_from(key, params) for key, params in out]


def _medication_rising(doses: list[tuple[date, Decimal]], today: date) -> bool:
    """A larger share of the answered nights with medication, or more mg a night answered,
    in the last 7 days than in the 7 before (the caseload's quick version of taper.flags'
    "use rising", with its minimum of answered nights). ``doses``: each answered night's
    doses, 0 mg for a night without. Counted over the answered nights only, as
    taper.flags does: a morning the diary was not filled in is no night without
    medication, so a week with one missed morning before a full one is no rise."""

    def window(first: date, last: date) -> tuple[int, int, Decimal]:
        chosen = [(day, mg) for day, mg in doses if first <= day <= last]
        answered = len({day for day, _ in chosen})
        taken = len({day for day, mg in chosen if mg > 0})
        return answered, taken, sum((mg for _, mg in chosen), Decimal(0))

    answered, taken, mg = window(today - timedelta(days=6), today)
    answered_before, taken_before, mg_before = window(
        today - timedelta(days=13), today - timedelta(days=7)
    )
    if min(answered, answered_before) < taper.MIN_NIGHTS_TO_COMPARE:
        return False
    # Shares and means compared by cross-multiplying, as taper.flags does.
    return (
        taken * answered_before > taken_before * answered
        or mg * answered_before > mg_before * answered
    )


SORTS = {
    "flags": gettext_lazy("Needs attention first"),
    "name": gettext_lazy("Name"),
    "week": gettext_lazy("Programme week"),
    "se": gettext_lazy("Sleep efficiency (lowest first)"),
    "isi": gettext_lazy("ISI (highest first)"),
}


def sort_rows(rows: list[Row], how: str) -> list[Row]:
    def name(r: Row) -> str:
        return (r.patient.name or r.patient.email).lower()

    if how == "name":
        return sorted(rows, key=name)
    if how == "week":
        return sorted(rows, key=lambda r: (-(r.week or 0), name(r)))
    if how == "se":
        return sorted(rows, key=lambda r: (r.se_last is None, r.se_last or 0, name(r)))
    if how == "isi":
        return sorted(rows, key=lambda r: (r.isi_latest is None, -(r.isi_latest or 0), name(r)))
    return sorted(
        rows,
        key=lambda r: (not r.urgent, -len(r.flags), -r.pending_recommendations, name(r)),
    )


def filter_rows(rows: Iterable[Row], *, flagged: bool, week: int | None, query: str) -> list[Row]:
    query = query.lower()
    return [
        r
        for r in rows
        if (not flagged or r.flags or r.pending_recommendations)
        and (week is None or r.week == week)
        and (
            not query or query in r.patient.email.lower() or query in (r.patient.name or "").lower()
        )
    ]


def isi_response_label(row: Row) -> str:
    if row.isi_latest is None or row.isi_change is None:
        return ""
    baseline = row.isi_latest - row.isi_change
    change = scoring.isi_change(baseline, row.isi_latest)
    if change.remission:
        return "remission"
    if change.response:
        return "response"
    return ""

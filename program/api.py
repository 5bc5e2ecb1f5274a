"""The JSON API, version 1 (django-ninja): /api/v1/, schema at /api/v1/openapi.json.

Every endpoint authenticates (a personal bearer token for mobile clients, or the
browser session with its CSRF token) and starts from the permission-checked
fetch in accounts.access, so a therapist reaches only their own patients.
Validation is the diary form's: the same rules and messages, as 422 responses.
"""

from __future__ import annotations

import logging
import math
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Annotated, Any, Literal, cast

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Header, Query, Schema, Status
from ninja.errors import HttpError, Throttled
from ninja.security import django_auth
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema

from accounts.access import get_patient_for
from accounts.models import User
from accounts.text import MESSAGE as TEXT_MESSAGE
from accounts.text import has_control_characters
from accounts.tokens import TokenAuth
from program.api_schema import SleepBetterAPI, WallClock
from program.api_throttle import PersonRateThrottle
from program.clinical_text import CRISIS_MESSAGE
from program.diary import actions as diary_service
from program.medication import actions as medication_service
from program.models import DiaryEntry, Enrolment, Medication, TaperStep, UnusualReason
from program.risk import actions as risk
from program.rules import sleep
from program.sleep_window.words import Audience

logger = logging.getLogger(__name__)

api = SleepBetterAPI(
    title="Sleep Better API",
    version="1",
    description=(
        "Sleep diary entries and metrics, sleep windows, sleep medication and taper plans. "
        "Authenticate with `Authorization: Bearer <token>` "
        "(make a token under Settings) or with the browser session."
    ),
    auth=[TokenAuth(), django_auth],
    throttle=[PersonRateThrottle()],
    urls_namespace="api-v1",
    docs_url=None,  # the interactive docs load scripts from a CDN, which our CSP forbids
)


ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
CLOCK = r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?"
ISO_TIME = re.compile(rf"(\d{{4}}-\d{{2}}-\d{{2}}[Tt ]{CLOCK}([Zz]|[+-]\d{{2}}:\d{{2}})?|{CLOCK})")


def _iso_date(value: Any) -> Any:
    """A date as ISO text; a number is not a date (pydantic would read it as seconds
    since 1970)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError("Give a date like 2026-11-24.")
    return value


def _local_time(value: Any) -> Any:
    if isinstance(value, datetime | time):
        return value
    if not isinstance(value, str) or not ISO_TIME.fullmatch(value):
        raise ValueError(
            "Give a clock time like 23:15, or a local date and time like 2026-11-24T23:15."
        )
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date)]
LocalTime = Annotated[
    datetime | time,
    BeforeValidator(_local_time),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": f"^{CLOCK}$", "examples": ["23:15"]},
                {"type": "string", "format": "date-time", "examples": ["2026-11-24T23:15"]},
            ],
            "description": (
                "A local clock time (HH:MM, placed by the diary's evening/morning rule) or a "
                "local date and time; an explicit UTC offset is honoured."
            ),
        }
    ),
]
Minutes = Annotated[int, Field(ge=0, le=1440)]
Count = Annotated[int, Field(ge=0, le=99)]
Drinks = Annotated[int, Field(ge=0, le=50)]


class ErrorOut(Schema):
    detail: Any


class Me(Schema):
    id: int
    email: str
    name: str
    role: str
    time_zone: str


def _plain_text(text: str) -> str:
    """Free text without control characters (accounts.text): a 422 naming the field."""
    if has_control_characters(text):
        raise ValueError(str(TEXT_MESSAGE))
    return text


class DiaryEntryIn(Schema):
    """One night. Clock times are the patient's local times: ``HH:MM`` follows the
    diary's rule (at or after 16:00 = the evening before ``diary_date``, before
    16:00 = ``diary_date``); a full local ``YYYY-MM-DDTHH:MM`` is taken as given."""

    diary_date: IsoDate = Field(description="The date of the morning the entry is for.")
    into_bed: LocalTime
    lights_off: LocalTime
    sleep_latency_min: Minutes
    awakenings: Count
    awake_min: Minutes
    final_wake: LocalTime
    out_of_bed: LocalTime
    quality: Annotated[int, Field(ge=1, le=5, description="1 very poor … 5 very good")]
    nap_count: Annotated[int, Field(ge=0, le=20)] = 0
    nap_min: Minutes = 0
    early_wake_min: Minutes = 0
    alcohol_drinks: Drinks = 0
    caffeine_drinks: Drinks = 0
    unusual_night: bool = False
    unusual_reason: Literal["", "illness", "travel", "shift", "other"] = ""
    comments: Annotated[str, Field(max_length=2000), AfterValidator(_plain_text)] = ""


class DiaryEntryOut(Schema):
    diary_date: date
    time_zone: str
    into_bed: datetime
    lights_off: datetime
    sleep_latency_min: int
    awakenings: int
    awake_min: int
    final_wake: datetime
    out_of_bed: datetime
    quality: int
    nap_count: int
    nap_min: int
    early_wake_min: int
    alcohol_drinks: int
    caffeine_drinks: int
    unusual_night: bool
    unusual_reason: str
    comments: str
    time_in_bed_min: int
    total_sleep_min: int
    sleep_efficiency: float
    terminal_wake_min: int
    is_late: bool
    warnings: list[str] = []


class NightMetricsOut(Schema):
    diary_date: date
    unusual_night: bool
    time_in_bed_min: int
    time_in_bed_from_lights_out_min: int
    sleep_latency_min: int
    wake_after_sleep_onset_min: int
    awakenings: int
    terminal_wake_min: int
    total_sleep_min: int
    sleep_efficiency: float
    sleep_efficiency_from_lights_out: float
    nap_min: int


class WeekMetricsOut(Schema):
    week: int = Field(description="Programme week (0 or less: before the programme began).")
    first_date: date
    last_date: date
    nights: int
    mean_time_in_bed_min: float | None
    mean_total_sleep_min: float | None
    mean_sleep_latency_min: float | None
    mean_wake_after_sleep_onset_min: float | None
    mean_awakenings: float | None
    mean_terminal_wake_min: float | None
    mean_nap_min: float | None
    sleep_efficiency: float | None = Field(
        description="100 × ΣTST / ΣTIB over the week, to one decimal (half up)."
    )


class DateRange(Schema):
    date_from: IsoDate | None = Field(None, alias="from")
    date_to: IsoDate | None = Field(None, alias="to")


def _user(request: HttpRequest) -> User:
    auth = getattr(request, "auth", None)  # set by django-ninja's authentication
    return auth if isinstance(auth, User) else cast(User, request.user)


def _patient(request: HttpRequest, patient_id: int) -> User:
    return get_patient_for(request, patient_id, user=_user(request))


def _own_diary(request: HttpRequest, patient_id: int) -> User:
    """Only the patient writes their own diary (therapists import paper diaries as CSV)."""
    user = _user(request)
    patient = _patient(request, patient_id)
    if user.pk != patient.pk:
        raise HttpError(403, "Only the patient can write their own diary.")
    from program.enrolment.eligibility import not_eligible  # adults only (program.rules.age)

    if not_eligible(patient):
        raise HttpError(403, "This programme is for adults aged 18 and over.")
    return patient


def _range(patient: User, query: DateRange) -> tuple[date, date]:
    """Diary dates from ``from`` to ``to`` inclusive; by default the last four weeks
    up to the patient's today. A range whose start is after its end is empty."""
    last = query.date_to or patient.local_today()
    default_first = last - timedelta(days=27) if last > date.min + timedelta(days=27) else date.min
    first = query.date_from or default_first
    return first, last


def _out(entry: DiaryEntry, warnings: list[str] | None = None) -> dict[str, Any]:
    zone = entry.patient.zone
    data = {
        name: getattr(entry, name) for name in DiaryEntryOut.model_fields if hasattr(entry, name)
    }
    for name in diary_service.TIME_FIELDS:
        data[name] = getattr(entry, name).astimezone(zone)
    data["sleep_efficiency"] = _percent(entry.sleep_efficiency)
    data["warnings"] = warnings or []
    return data


def _flagged(entry: DiaryEntry, before: str) -> list[str]:
    """The clinic's risk phrases in a night's note start the risk workflow, as on the
    diary page; the app reading the answer is told what the patient would be told."""
    alert = risk.flag_words(
        entry.patient, entry.comments, before=before, where="a diary note", diary_entry=entry
    )
    if alert is None:
        return []
    return [f"{risk.FLAGGED_WORDS} {CRISIS_MESSAGE} {risk.patient_words(alert)}"]


def _percent(value: float | None) -> float | None:
    """Sleep efficiency as every page shows it: one decimal, half up (sleep.percent)."""
    return None if value is None else float(sleep.percent(value))


def _answers(payload: DiaryEntryIn) -> dict[str, Any]:
    answers = payload.dict()
    if answers["unusual_night"] and not answers["unusual_reason"]:
        answers["unusual_reason"] = UnusualReason.OTHER
    return answers


@api.exception_handler(diary_service.DiaryError)
def diary_error(request: HttpRequest, exc: diary_service.DiaryError):
    detail = [
        {"loc": ["body", "payload", name], "msg": message, "type": "value_error"}
        for name, message in exc.errors.items()
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled):
    """The API's rate limit (program/api_throttle.py); ninja adds Retry-After itself."""
    seconds = max(1, math.ceil(exc.wait or 60))
    detail = f"Too many requests: try again in {seconds} seconds."
    return api.create_response(request, {"detail": detail, "retry_after": seconds}, status=429)


@api.exception_handler(Exception)
def unexpected(request: HttpRequest, exc: Exception):
    """Anything not handled above: logged with its traceback, answered in JSON (an API
    client never gets the HTML error page)."""
    if isinstance(exc, HttpError):
        return api.create_response(request, {"detail": exc.message}, status=exc.status_code)
    logger.exception("API error on %s", request.path)
    return api.create_response(
        request, {"detail": "Something went wrong on our side; nothing was saved."}, status=500
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": "Not found."}, status=404)


@api.get("/me", response=Me, tags=["account"])
def me(request: HttpRequest) -> User:
    return _user(request)


@api.get(
    "/patients/{patient_id}/diary",
    response={200: list[DiaryEntryOut], 404: ErrorOut, 422: ErrorOut},
    tags=["diary"],
)
def list_entries(
    request: HttpRequest, patient_id: int, query: Query[DateRange]
) -> list[dict[str, Any]]:
    """Entries between ``from`` and ``to`` (diary dates; default: the last four weeks)."""
    patient = _patient(request, patient_id)
    first, last = _range(patient, query)
    entries = (
        DiaryEntry.objects.for_patient(patient)
        .between(first, last)
        .select_related("patient")
        .order_by("diary_date")
    )
    return [_out(e) for e in entries]


@api.post(
    "/patients/{patient_id}/diary",
    response={
        200: DiaryEntryOut,
        201: DiaryEntryOut,
        400: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
    },
    tags=["diary"],
)
def create_entry(
    request: HttpRequest,
    patient_id: int,
    payload: DiaryEntryIn,
    idempotency_key: str = Header(
        "",
        alias="Idempotency-Key",
        max_length=64,
        pattern=r"^[A-Za-z0-9._~+/=-]*$",
        description=(
            "Optional. The same key sent again (a retry) is answered 200 with the entry the "
            "first request made, and nothing is saved twice."
        ),
    ),
):
    """A new night: 201 with the entry; 200 with the earlier entry when this
    ``Idempotency-Key`` was used before (whatever the body says)."""
    patient = _own_diary(request, patient_id)
    try:
        saved = diary_service.save_entry(
            patient=patient,
            diary_date=payload.diary_date,
            answers=_answers(payload),
            changed_by=patient,
            submission_key=idempotency_key,
        )
    except diary_service.AlreadySaved as already:
        return Status(200, _out(already.entry, []))
    return Status(201, _out(saved.entry, saved.warnings + _flagged(saved.entry, "")))


@api.put(
    "/patients/{patient_id}/diary/{diary_date}",
    response={200: DiaryEntryOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut},
    tags=["diary"],
)
def update_entry(request: HttpRequest, patient_id: int, diary_date: IsoDate, payload: DiaryEntryIn):
    patient = _own_diary(request, patient_id)
    entry = get_object_or_404(DiaryEntry.objects.for_patient(patient), diary_date=diary_date)
    if payload.diary_date != diary_date:
        raise diary_service.DiaryError(
            {"diary_date": "An entry's date cannot change; delete it and make a new one."}
        )
    if not diary_service.can_edit(entry, patient.local_today()):
        raise HttpError(403, f"Entries can be changed for {diary_service.EDIT_DAYS} days.")
    before = entry.comments
    saved = diary_service.save_entry(
        patient=patient,
        diary_date=diary_date,
        answers=_answers(payload),
        changed_by=patient,
        entry=entry,
    )
    return Status(200, _out(saved.entry, saved.warnings + _flagged(saved.entry, before)))


@api.get(
    "/patients/{patient_id}/metrics/nightly",
    response={200: list[NightMetricsOut], 404: ErrorOut, 422: ErrorOut},
    tags=["metrics"],
)
def nightly_metrics(
    request: HttpRequest, patient_id: int, query: Query[DateRange]
) -> list[dict[str, Any]]:
    patient = _patient(request, patient_id)
    first, last = _range(patient, query)
    rows = []
    for entry in (
        DiaryEntry.objects.for_patient(patient).between(first, last).order_by("diary_date")
    ):
        m = diary_service.entry_metrics(entry)
        rows.append(
            {
                "diary_date": entry.diary_date,
                "unusual_night": entry.unusual_night,
                "time_in_bed_min": m.time_in_bed,
                "time_in_bed_from_lights_out_min": m.time_in_bed_from_lights_out,
                "sleep_latency_min": m.sleep_latency,
                "wake_after_sleep_onset_min": m.wake_after_sleep_onset,
                "awakenings": m.awakenings,
                "terminal_wake_min": m.terminal_wake,
                "total_sleep_min": m.total_sleep,
                "sleep_efficiency": _percent(m.sleep_efficiency),
                "sleep_efficiency_from_lights_out": _percent(m.sleep_efficiency_from_lights_out),
                "nap_min": m.nap,
            }
        )
    return rows


@api.get(
    "/patients/{patient_id}/metrics/weekly",
    response={200: list[WeekMetricsOut], 404: ErrorOut, 422: ErrorOut},
    tags=["metrics"],
)
def weekly_metrics(
    request: HttpRequest, patient_id: int, query: Query[DateRange]
) -> list[dict[str, Any]]:
    """Programme weeks overlapping the range; nights marked unusual are left out."""
    patient = _patient(request, patient_id)
    first, last = _range(patient, query)
    enrolment = Enrolment.objects.current().filter(patient=patient).first()
    entries = list(DiaryEntry.objects.for_patient(patient).between(first, last))
    start = enrolment.start_date if enrolment else first
    rows = diary_service.weekly_rows(entries, start)
    return [
        {
            "week": w.week,
            "first_date": w.first,
            "last_date": w.last,
            "nights": w.summary.nights,
            "mean_time_in_bed_min": w.summary.mean_time_in_bed,
            "mean_total_sleep_min": w.summary.mean_total_sleep,
            "mean_sleep_latency_min": w.summary.mean_sleep_latency,
            "mean_wake_after_sleep_onset_min": w.summary.mean_wake_after_sleep_onset,
            "mean_awakenings": w.summary.mean_awakenings,
            "mean_terminal_wake_min": w.summary.mean_terminal_wake,
            "mean_nap_min": w.summary.mean_nap,
            "sleep_efficiency": _percent(w.summary.sleep_efficiency),
        }
        for w in sorted(rows, key=lambda w: w.week)
    ]


class PrescriptionOut(Schema):
    window_min: int
    bedtime: WallClock
    rise_time: WallClock
    effective_from: date
    source: str
    rule: str
    explanation: str
    figures: dict[str, Any]
    reason: str


class RecommendationOut(Schema):
    id: int
    kind: str
    review_date: date
    current_window_min: int | None
    proposed_window_min: int
    proposed_bedtime: WallClock | None
    rule: str
    explanation: str
    figures: dict[str, Any]
    flags: list[str]


class ReviewWeekOut(Schema):
    review_date: date = Field(description="The titration day on or before today.")
    first_morning: date = Field(description="The first morning whose night the review reads.")
    last_morning: date = Field(description="The last morning whose night the review reads.")


class SleepWindowOut(Schema):
    status: str
    protocol: str
    rise_time: WallClock | None
    current: PrescriptionOut | None
    pending_recommendation: RecommendationOut | None
    history: list[PrescriptionOut]
    review_week: ReviewWeekOut | None = Field(
        description="The week whose figures the caseload and the sleep-window pages "
        "show: the mornings (both included) that the weekly review of the latest titration "
        "day reads; null without a window."
    )


def _prescription(p: Any, audience: str, *, therapist: bool = True) -> dict[str, Any]:
    from program.sleep_window import actions as sw

    return {
        "window_min": p.window_min,
        "bedtime": p.bedtime,
        "rise_time": p.rise_time,
        "effective_from": p.effective_from,
        "source": p.source,
        "rule": p.rule,
        "explanation": sw.explain(p.rule, p.figures, audience, therapist=therapist),
        "figures": p.figures,
        "reason": p.reason,
    }


@api.get(
    "/patients/{patient_id}/sleep-window",
    response={200: SleepWindowOut, 404: ErrorOut},
    tags=["sleep window"],
)
def sleep_window(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """The prescription in force, its history, and a recommendation awaiting a clinician
    (shown to the patient's care team only; a patient sees it once decided)."""
    from program.rules import titration
    from program.sleep_window import actions as sw
    from program.sleep_window import rescreen

    patient = _patient(request, patient_id)
    course = sw.course_for(patient)
    today = patient.local_today()
    prescriptions = list(course.prescriptions.all())
    current = next((p for p in prescriptions if p.effective_from <= today), None)
    pending = course.recommendations.pending().first()
    viewer = _user(request)
    show_pending = pending is not None and viewer.pk != patient.pk
    # Explanations speak to the patient, or about them to their care team.
    audience = Audience.PATIENT if viewer.pk == patient.pk else Audience.STAFF
    # Without a therapist the patient's words name the clinic's duty list instead.
    therapist = rescreen.active_therapist(patient) is not None
    week = sw.review_week(course, today) if current else None
    return {
        "status": course.status,
        "protocol": str(course.protocol),
        "rise_time": course.rise_time,
        "current": _prescription(current, audience, therapist=therapist) if current else None,
        "pending_recommendation": {
            "id": pending.pk,
            "kind": pending.kind,
            "review_date": pending.review_date,
            "current_window_min": pending.current_window_min,
            "proposed_window_min": pending.proposed_window_min,
            "proposed_bedtime": (
                titration.bedtime(course.rise_time, pending.proposed_window_min)
                if course.rise_time
                else None
            ),
            "rule": pending.rule,
            "explanation": sw.explain(pending.rule, pending.figures, audience),
            "figures": pending.figures,
            "flags": pending.flags,
        }
        if show_pending and pending
        else None,
        "history": [_prescription(p, audience, therapist=therapist) for p in prescriptions],
        "review_week": (
            {
                "review_date": week.review_date,
                "first_morning": week.first_morning,
                "last_morning": week.last_morning,
            }
            if week
            else None
        ),
    }


# --- Sleep medication -------------------------------------------------------------------


class MedicationOut(Schema):
    id: int
    name: str
    strengths_mg: list[Decimal]
    usual_dose_mg: Decimal
    active: bool


class TaperStepOut(Schema):
    starts_on: date = Field(description="The step applies from the evening of this date.")
    dose_mg: Decimal
    drug_free_nights_per_week: int
    note: str


class TaperPlanOut(Schema):
    id: int
    medication: MedicationOut
    status: str
    start_dose_mg: Decimal
    tablet_strengths_mg: list[Decimal]
    scored_strengths_mg: list[Decimal]
    template: str
    set_by: str
    prescriber: str
    confirmed_by: str | None
    confirmed_at: datetime | None
    paused_on: date | None
    notes: str
    conversion_note: str = Field(description="Entered by the clinician; the app has no table.")
    current_step: TaperStepOut | None
    next_step: TaperStepOut | None
    steps: list[TaperStepOut]


class MedicationWeekOut(Schema):
    week: int
    first_date: date
    last_date: date
    nights_answered: int
    nights_with_medication: int = Field(description="Out of 7.")
    mean_dose_mg: Decimal | None = Field(description="Over the nights it was taken.")
    percent_of_start: Decimal | None = Field(
        description="Mean over answered nights (none = 0 mg) against the plan's starting dose."
    )
    planned_drug_free_nights: int
    drug_free_nights_kept: bool | None
    nights_above_plan: int
    nights_at_previous_step: int
    sleep_efficiency: float | None


class MedicationFlagOut(Schema):
    kind: str
    message: str


class MedicationWeeksOut(Schema):
    medication: str | None = Field(description="The medicine the figures follow.")
    weeks: list[MedicationWeekOut]
    flags: list[MedicationFlagOut]


def _medication_out(m: Medication) -> dict[str, Any]:
    return {
        "id": m.pk,
        "name": m.name,
        "strengths_mg": m.strengths,
        "usual_dose_mg": m.usual_dose_mg,
        "active": m.active,
    }


def _step_out(step: TaperStep | None) -> dict[str, Any] | None:
    if step is None:
        return None
    return {
        "starts_on": step.starts_on,
        "dose_mg": step.dose_mg,
        "drug_free_nights_per_week": step.drug_free_nights_per_week,
        "note": step.note,
    }


@api.get(
    "/patients/{patient_id}/medications",
    response={200: list[MedicationOut], 404: ErrorOut, 422: ErrorOut},
    tags=["medication"],
)
def list_medications(request: HttpRequest, patient_id: int) -> list[dict[str, Any]]:
    """The patient's sleep medicines (stopped ones too, marked inactive)."""
    patient = _patient(request, patient_id)
    return [_medication_out(m) for m in Medication.objects.for_patient(patient)]


@api.get(
    "/patients/{patient_id}/taper-plan",
    response={200: TaperPlanOut, 404: ErrorOut, 422: ErrorOut},
    tags=["medication"],
)
def taper_plan(request: HttpRequest, patient_id: int) -> dict[str, Any]:
    """The confirmed plan in force (active or paused) with its steps; 404 when there is none.
    Drafts are never shown here: a plan counts only once a clinician confirms it."""
    patient = _patient(request, patient_id)
    plan = medication_service.current_plan(patient)
    if plan is None:
        raise Http404
    current, following = plan.current_and_next(patient.local_today())
    return {
        "id": plan.pk,
        "medication": _medication_out(plan.medication),
        "status": plan.status,
        "start_dose_mg": plan.start_dose_mg,
        "tablet_strengths_mg": plan.strengths,
        "scored_strengths_mg": plan.scored,
        "template": plan.template,
        "set_by": plan.set_by.display_name,
        "prescriber": plan.prescriber,
        "confirmed_by": plan.confirmed_by.display_name if plan.confirmed_by else None,
        "confirmed_at": plan.confirmed_at,
        "paused_on": plan.paused_on,
        "notes": plan.notes,
        "conversion_note": plan.conversion_note,
        "current_step": _step_out(current),
        "next_step": _step_out(following),
        "steps": [_step_out(s) for s in plan.steps.all()],
    }


@api.get(
    "/patients/{patient_id}/medication/weekly",
    response={200: MedicationWeeksOut, 404: ErrorOut, 422: ErrorOut},
    tags=["medication"],
)
def medication_weekly(
    request: HttpRequest, patient_id: int, query: Query[DateRange]
) -> dict[str, Any]:
    """Programme weeks overlapping the range: nights with medication of 7, mean dose,
    percent of the starting dose, planned drug-free nights kept, nights above the plan,
    and the diary's sleep efficiency alongside; with the therapist's flags."""
    patient = _patient(request, patient_id)
    first, last = _range(patient, query)
    entries = list(
        DiaryEntry.objects.for_patient(patient)
        .between(first, last)
        .select_related("medication")
        .prefetch_related("doses__medication")
        .order_by("-diary_date")
    )
    enrolment = Enrolment.objects.current().filter(patient=patient).first()
    fig = medication_service.figures(
        patient,
        patient.local_today(),
        entries=entries,
        start=enrolment.start_date if enrolment else first,
    )
    return {
        "medication": fig.focus.name if fig.focus else None,
        "weeks": [
            {
                "week": w.figures.week,
                "first_date": w.figures.first,
                "last_date": w.figures.last,
                "nights_answered": w.figures.nights_answered,
                "nights_with_medication": w.figures.nights_with_medication,
                "mean_dose_mg": w.figures.mean_dose_mg,
                "percent_of_start": w.figures.percent_of_start,
                "planned_drug_free_nights": w.figures.planned_drug_free,
                "drug_free_nights_kept": w.figures.drug_free_kept,
                "nights_above_plan": w.figures.above_plan,
                "nights_at_previous_step": w.figures.previous_step,
                "sleep_efficiency": _percent(w.sleep_efficiency),
            }
            for w in reversed(fig.weeks)
        ],
        "flags": [{"kind": f.kind, "message": f.message} for f in fig.flags],
    }


# --- Assessments ----------------------------------------------------------------------


class AssessmentOut(Schema):
    id: int
    instrument: str = Field(description="isi, phq9, gad7, ess or psqi")
    instrument_name: str
    occasion: str = Field(description="baseline, week-N, follow-up, or other")
    completed_on: date
    total: int
    max_total: int
    band: str
    risk: bool = Field(description="PHQ-9 item 9 answered above 0")
    source: str = Field(description="patient, or clinician (a paper form or earlier result)")
    answers: dict[str, int]


class IsiChangeOut(Schema):
    baseline: int
    latest: int
    change: int = Field(description="latest − baseline; negative is better")
    response: bool = Field(description="a fall of more than 7 points (Morin 2009)")
    remission: bool = Field(description="a total below 8")


class AssessmentsOut(Schema):
    results: list[AssessmentOut] = Field(description="Oldest first.")
    isi_change: IsiChangeOut | None


class AssessmentFilter(Schema):
    instrument: str | None = None


@api.get(
    "/patients/{patient_id}/assessments",
    response={200: AssessmentsOut, 404: ErrorOut, 422: ErrorOut},
    tags=["assessments"],
)
def list_assessments(
    request: HttpRequest, patient_id: int, filters: Query[AssessmentFilter]
) -> dict[str, Any]:
    """The patient's questionnaire results, and the ISI's change from the first result."""
    from program.assessments import actions as assessment_service
    from program.models import Assessment

    patient = _patient(request, patient_id)
    results = list(Assessment.objects.for_patient(patient).select_related("instrument"))
    trends = assessment_service.trends(results)
    isi = trends.get("isi")
    shown = [
        a
        for key, trend in trends.items()
        if filters.instrument in (None, key)
        for a in trend.results
    ]
    shown.sort(key=lambda a: (a.completed_on, a.completed_at))
    return {
        "results": [
            {
                "id": a.pk,
                "instrument": a.instrument.key,
                "instrument_name": a.instrument.name,
                "occasion": a.occasion,
                "completed_on": a.completed_on,
                "total": a.total,
                "max_total": a.instrument.scale.max_total,
                "band": a.band,
                "risk": a.risk,
                "source": a.source,
                "answers": a.answers,
            }
            for a in shown
        ],
        "isi_change": isi.change.__dict__ if isi and isi.change else None,
    }

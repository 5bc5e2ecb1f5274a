"""The diary: nights read, saved and corrected, and their nightly and weekly figures."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import AfterValidator

from accounts.models import User
from accounts.text import MESSAGE as TEXT_MESSAGE
from accounts.text import has_control_characters
from program.api.common import (
    Count,
    DateRange,
    Drinks,
    ErrorOut,
    IsoDate,
    LocalTime,
    Minutes,
    _patient,
    _percent,
    _range,
    _user,
)
from program.crisis import actions as crisis_contacts
from program.diary import actions as diary_service
from program.models import DiaryEntry, Enrolment, UnusualReason
from program.risk import actions as risk

router = Router()


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


class CrisisLineOut(Schema):
    name: str
    phone: str
    text_number: str
    hours: str
    url: str


class CrisisOut(Schema):
    lines: list[CrisisLineOut]
    emergency_numbers: list[str]
    text: str = Field(description="The crisis message and every line, in plain words.")


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
    crisis: CrisisOut | None = Field(
        None,
        description="Set when the note holds words the clinic flags: the crisis lines for "
        "the patient's country, to show with the warning.",
    )


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


def _out(
    entry: DiaryEntry, warnings: list[str] | None = None, crisis: dict[str, Any] | None = None
) -> dict[str, Any]:
    zone = entry.patient.zone
    data = {
        name: getattr(entry, name) for name in DiaryEntryOut.model_fields if hasattr(entry, name)
    }
    for name in diary_service.TIME_FIELDS:
        data[name] = getattr(entry, name).astimezone(zone)
    data["sleep_efficiency"] = _percent(entry.sleep_efficiency)
    data["warnings"] = warnings or []
    data["crisis"] = crisis
    return data


def _flagged(entry: DiaryEntry, before: str) -> tuple[list[str], dict[str, Any] | None]:
    """The clinic's risk phrases in a night's note start the risk workflow, as on the
    diary page; the app reading the answer is told what the patient would be told, in
    words that stand alone (no page shows the contacts above them): the warning ends
    with the crisis lines themselves, which also come as data (``crisis``)."""
    alert = risk.flag_words(
        entry.patient, entry.comments, before=before, where="a diary note", diary_entry=entry
    )
    if alert is None:
        return [], None
    crisis = crisis_contacts.for_user(entry.patient)
    text = crisis.text()
    warning = f"{risk.FLAGGED_WORDS} {risk.patient_words(alert, standalone=True)} {text}"
    lines = [
        {
            "name": line.name,
            "phone": line.phone,
            "text_number": line.text_number,
            "hours": line.hours,
            "url": line.url,
        }
        for line in crisis.lines
    ]
    data = {
        "lines": lines,
        "emergency_numbers": list(crisis.selection.emergency_numbers),
        "text": text,
    }
    return [warning], data


def _answers(payload: DiaryEntryIn) -> dict[str, Any]:
    answers = payload.dict()
    if answers["unusual_night"] and not answers["unusual_reason"]:
        answers["unusual_reason"] = UnusualReason.OTHER
    return answers


@router.get(
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


@router.post(
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
    flagged, crisis = _flagged(saved.entry, "")
    return Status(201, _out(saved.entry, saved.warnings + flagged, crisis))


@router.put(
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
    flagged, crisis = _flagged(saved.entry, before)
    return Status(200, _out(saved.entry, saved.warnings + flagged, crisis))


@router.get(
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


@router.get(
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

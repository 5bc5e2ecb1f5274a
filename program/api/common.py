"""What every area's router shares: date and time fields as the API reads them, the
error body, the signed-in user and the permission-checked patient, date ranges."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any, cast

from django.http import HttpRequest
from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema

from accounts.access import get_patient_for
from accounts.models import User
from program.rules import sleep

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


class DateRange(Schema):
    date_from: IsoDate | None = Field(None, alias="from")
    date_to: IsoDate | None = Field(None, alias="to")


def _user(request: HttpRequest) -> User:
    auth = getattr(request, "auth", None)  # set by django-ninja's authentication
    return auth if isinstance(auth, User) else cast(User, request.user)


def _patient(request: HttpRequest, patient_id: int) -> User:
    return get_patient_for(request, patient_id, user=_user(request))


def _range(patient: User, query: DateRange) -> tuple[date, date]:
    """Diary dates from ``from`` to ``to`` inclusive; by default the last four weeks
    up to the patient's today. A range whose start is after its end is empty."""
    last = query.date_to or patient.local_today()
    default_first = last - timedelta(days=27) if last > date.min + timedelta(days=27) else date.min
    first = query.date_from or default_first
    return first, last


def _percent(value: float | None) -> float | None:
    """Sleep efficiency as every page shows it: one decimal, half up (sleep.percent)."""
    return None if value is None else float(sleep.percent(value))

"""Diary workflow: turning answers into a stored entry, edits with history, and
the nightly and weekly figures the pages, the API and titration read.

The rules themselves (clock-time resolution, validation, metrics) live in the
pure module ``program.rules.sleep``; this module applies them to the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import wraps
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Field, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from program.clinical_text import night_issue
from program.models import DiaryEntry, DiaryEntryRevision
from program.rules import sleep

# Missed mornings can be filled in up to this many days later (marked late);
# recent entries can be corrected within the same window. [Design decision:
# recall of a night fades within days; the CSD asks for same-morning entries.]
BACKFILL_DAYS = 7
EDIT_DAYS = 7
# No diary is older than this; it also keeps date arithmetic far from year 1.
EARLIEST_DIARY_DATE = date(2000, 1, 1)

TIME_FIELDS = ("into_bed", "lights_off", "final_wake", "out_of_bed")
# The Consensus Sleep Diary's core questions, in the order people answer them (the
# form's first section, and the columns a CSV import requires after the date).
CORE_FIELDS = (
    "into_bed",
    "lights_off",
    "sleep_latency_min",
    "awakenings",
    "awake_min",
    "final_wake",
    "out_of_bed",
    "quality",
)
ANSWER_FIELDS = (
    *TIME_FIELDS,
    "sleep_latency_min",
    "awakenings",
    "awake_min",
    "quality",
    "comments",
    "nap_count",
    "nap_min",
    "early_wake_min",
    "alcohol_drinks",
    "alcohol_last_at",
    "caffeine_drinks",
    "caffeine_last_at",
    "unusual_night",
    "unusual_reason",
)


def se_denominator() -> sleep.SEDenominator:
    return sleep.SEDenominator(getattr(settings, "DIARY_SE_DENOMINATOR", "in_bed"))


class DiaryError(Exception):
    """Answers that cannot be saved, with a message per field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class AlreadySaved(Exception):
    """This form (or API call, by its Idempotency-Key) was saved before: the entry it made."""

    def __init__(self, entry: DiaryEntry) -> None:
        super().__init__(f"already saved as the entry for {entry.diary_date}")
        self.entry = entry


@dataclass
class SavedEntry:
    entry: DiaryEntry
    warnings: list[str] = field(default_factory=list)
    created: bool = True


def resolve_time(value: time | datetime, diary_date: date, zone: ZoneInfo) -> datetime:
    """A clock time by the diary's pivot rule, or an explicit local date-time as given."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=zone)
        return value
    return sleep.resolve_clock_time(diary_date, value, zone)


def night_from(answers: dict[str, Any], diary_date: date, zone: ZoneInfo) -> sleep.Night:
    return sleep.Night(
        into_bed=resolve_time(answers["into_bed"], diary_date, zone),
        lights_off=resolve_time(answers["lights_off"], diary_date, zone),
        sleep_latency_min=int(answers["sleep_latency_min"]),
        awakenings=int(answers["awakenings"]),
        awake_min=int(answers["awake_min"]),
        final_wake=resolve_time(answers["final_wake"], diary_date, zone),
        out_of_bed=resolve_time(answers["out_of_bed"], diary_date, zone),
        nap_min=int(answers.get("nap_min") or 0),
    )


def date_errors(patient: User, diary_date: date, *, today: date | None = None) -> dict[str, str]:
    """A diary date must be today or a recent morning, never the future."""
    today = today or patient.local_today()
    if diary_date < EARLIEST_DIARY_DATE:
        return {
            "diary_date": _("Diary dates start from %(day)s.")
            % {"day": date_format(EARLIEST_DIARY_DATE, "LONG_DATE_FORMAT")}
        }
    if diary_date > today:
        return {"diary_date": _("That morning hasn't come yet: choose today or an earlier date.")}
    if diary_date < today - timedelta(days=BACKFILL_DAYS):
        return {
            "diary_date": (
                _(
                    "Entries can be filled in up to %(days)s days late. For older nights, "
                    "leave the day blank — a missing night is fine."
                )
                % {"days": BACKFILL_DAYS}
            )
        }
    return {}


@dataclass
class AnswerCheck:
    """A night's problems in the reader's language: errors (by field) stop the save;
    warnings do not."""

    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


def check_answers(
    patient: User, diary_date: date, answers: dict[str, Any], *, for_staff: bool = False
) -> tuple[sleep.Night, AnswerCheck]:
    """The night's checks, in the patient's words, or ``for_staff`` in the care team's
    (the paper-diary import's report, read by the therapist)."""
    night = night_from(answers, diary_date, patient.zone)
    issues = sleep.check_night(night)
    # The pure module gives codes and figures; they are put into words here, once, for
    # every caller (the diary form, the save itself, the paper-diary import, the API).
    check = AnswerCheck(
        errors={issue.field: night_issue(issue, for_staff=for_staff) for issue in issues.errors},
        warnings=[night_issue(issue, for_staff=for_staff) for issue in issues.warnings],
    )
    if answers.get("unusual_night") and not answers.get("unusual_reason"):
        check.errors.setdefault("unusual_reason", _("Say what made the night unusual."))
    return night, check


def _snapshot(entry: DiaryEntry) -> dict[str, Any]:
    data: dict[str, Any] = {"diary_date": entry.diary_date.isoformat()}
    for name in ANSWER_FIELDS:
        value = getattr(entry, name)
        data[name] = value.isoformat() if isinstance(value, datetime | time) else value
    return data


def _apply(entry: DiaryEntry, night: sleep.Night, answers: dict[str, Any]) -> None:
    metrics = sleep.night_metrics(night)
    entry.into_bed = night.into_bed
    entry.lights_off = night.lights_off
    entry.final_wake = night.final_wake
    entry.out_of_bed = night.out_of_bed
    entry.sleep_latency_min = night.sleep_latency_min
    entry.awakenings = night.awakenings
    entry.awake_min = night.awake_min
    for name in (
        "quality",
        "nap_count",
        "nap_min",
        "early_wake_min",
        "alcohol_drinks",
        "caffeine_drinks",
    ):
        if name in answers and answers[name] is not None:
            setattr(entry, name, int(answers[name]))
    for name in ("alcohol_last_at", "caffeine_last_at"):
        if name in answers:
            setattr(entry, name, answers[name])
    entry.comments = answers.get("comments") or ""
    entry.unusual_night = bool(answers.get("unusual_night"))
    entry.unusual_reason = (answers.get("unusual_reason") or "") if entry.unusual_night else ""
    entry.time_in_bed_min = metrics.time_in_bed
    entry.total_sleep_min = metrics.total_sleep
    entry.sleep_efficiency = metrics.efficiency(se_denominator())
    entry.terminal_wake_min = metrics.terminal_wake
    entry.metrics_version = sleep.METRICS_VERSION


def _refusing_a_second_entry(save: Any) -> Any:
    """A morning that already has an entry, or a form already saved (its submission key),
    is refused by the database's unique constraints (no query first, and no race between
    two tabs or two taps): the INSERT's savepoint is rolled back. The same form sent
    again raises ``AlreadySaved`` with the entry it made; another night for a morning
    that has one, a DiaryError that says so in words."""

    @wraps(save)
    def wrapper(*, entry: DiaryEntry | None = None, **kwargs: Any) -> SavedEntry:
        try:
            return save(entry=entry, **kwargs)
        except IntegrityError as error:
            if entry is not None:
                raise
            key = kwargs.get("submission_key")
            earlier = (
                DiaryEntry.objects.filter(patient=kwargs["patient"], submission_key=key).first()
                if key
                else None
            )
            if earlier is not None:
                raise AlreadySaved(earlier) from error
            message = _("There is already an entry for this morning. Edit that one instead.")
            raise DiaryError({"diary_date": message}) from error

    return wrapper


@_refusing_a_second_entry
def save_entry(
    *,
    patient: User,
    diary_date: date,
    answers: dict[str, Any],
    changed_by: User,
    entry: DiaryEntry | None = None,
    today: date | None = None,
    enforce_backfill: bool = True,
    submission_key: str = "",
) -> SavedEntry:
    """Create or update one night's entry; raise DiaryError with messages per field,
    or AlreadySaved when ``submission_key`` (a form's, or an API call's Idempotency-Key)
    made an entry before.

    1. The date must be a recent morning (back-filled entries are marked late).
    2. The answers are resolved to instants in the patient's zone and checked
       (``program.rules.sleep.check_night``); errors stop here.
    3. Metrics are derived and stored with the formulas' version.
    ``enforce_backfill=False`` lets a therapist import older paper diaries (not
    marked late: they were written at the time, on paper).
    4. An edit keeps the previous answers as a revision (who, when, what), in one
       transaction with the change. A new night is saved in a transaction of its own,
       or a savepoint inside the caller's, so a refused second entry leaves the caller's
       transaction usable.
    """
    today = today or patient.local_today()
    errors: dict[str, str] = {}
    if entry is None:
        errors = date_errors(patient, diary_date, today=today)
        if not enforce_backfill and EARLIEST_DIARY_DATE <= diary_date <= today:
            errors = {}  # a paper diary imported by the therapist may be older
        if errors:
            raise DiaryError(errors)
    night, check = check_answers(patient, diary_date, answers)
    errors.update(check.errors)
    if errors:
        raise DiaryError(errors)

    if entry is None:
        entry = DiaryEntry(
            patient=patient,
            diary_date=diary_date,
            time_zone=patient.time_zone,
            submission_key=submission_key,
        )
        # Late: the patient filled in a morning after it (a back-fill). A night the
        # therapist imports from a paper diary (enforce_backfill=False) was written on
        # paper at the time; typing it in later does not make it late.
        entry.is_late = enforce_backfill and diary_date < today
        _apply(entry, night, answers)
        # Inside a caller's transaction, a savepoint: the unique constraint's refusal
        # (_refusing_a_second_entry) then leaves that transaction usable.
        with transaction.atomic():
            entry.save()
        # A new night may bring the next week's opening forward: the reminder tick reads
        # the nights entered since its last run (reminders.patients_with_new_nights).
        return SavedEntry(entry, check.warnings, created=True)

    # The row is locked while the previous answers are read and the change written, so
    # two edits at once are kept one after the other, each with the answers it replaced.
    with transaction.atomic():
        entry = DiaryEntry.objects.select_for_update().get(pk=entry.pk)
        before = _snapshot(entry)
        _apply(entry, night, answers)
        after = _snapshot(entry)
        changed = [name for name in ANSWER_FIELDS if before.get(name) != after.get(name)]
        if changed:
            entry.save()
            DiaryEntryRevision.objects.create(
                entry=entry, changed_by=changed_by, previous=before, changed_fields=changed
            )
    return SavedEntry(entry, check.warnings, created=False)


def can_edit(entry: DiaryEntry, today: date) -> bool:
    return entry.diary_date >= today - timedelta(days=EDIT_DAYS)


def missing_dates(
    patient: User, today: date, existing: Iterable[date], *, since: date | None = None
) -> list[date]:
    """Recent mornings (within the back-fill window) with no entry, newest first; with
    ``since`` (the programme's start), none before it: the programme's weeks count the
    nights from its start (``program.curriculum.actions``), so a morning before it,
    offered as "missed", would fill the diary without counting towards the next week."""
    have = set(existing)
    days = (today - timedelta(days=offset) for offset in range(BACKFILL_DAYS + 1))
    return [day for day in days if day not in have and (since is None or day >= since)]


def last_night_times(patient: User, last: DiaryEntry) -> dict[str, time]:
    """The clock times of the patient's latest night, in their zone: what "Start from my
    last night's times" fills in, when the patient asks for it. A new night's form is
    otherwise empty: a time nobody typed must never be saved as a night."""
    zone = patient.zone
    return {name: getattr(last, name).astimezone(zone).time() for name in TIME_FIELDS}


def same_times_as(
    patient: User, diary_date: date, answers: dict[str, Any]
) -> tuple[date, str] | None:
    """Another morning within a week of ``diary_date`` whose night has exactly these four
    clock times, if any, with the key of the form that saved it: most likely the same
    night entered twice (under another date), which the form asks about before saving,
    or the same form sent again, which it recognises."""
    zone = patient.zone

    def clock(value: Any) -> time:
        moment = value.astimezone(zone).time() if isinstance(value, datetime) else value
        return moment.replace(second=0, microsecond=0)

    wanted = tuple(clock(answers[name]) for name in TIME_FIELDS)
    nearby = (
        DiaryEntry.objects.for_patient(patient)
        .between(diary_date - timedelta(days=6), diary_date + timedelta(days=6))
        .exclude(diary_date=diary_date)
        .values_list("diary_date", "submission_key", *TIME_FIELDS)
    )
    for day, key, *times in nearby:
        if tuple(clock(t) for t in times) == wanted:
            return day, key
    return None


def entry_metrics(entry: DiaryEntry) -> sleep.NightMetrics:
    """Recompute an entry's full metrics from its stored instants."""
    return sleep.night_metrics(
        sleep.Night(
            into_bed=entry.into_bed,
            lights_off=entry.lights_off,
            sleep_latency_min=entry.sleep_latency_min,
            awakenings=entry.awakenings,
            awake_min=entry.awake_min,
            final_wake=entry.final_wake,
            out_of_bed=entry.out_of_bed,
            nap_min=entry.nap_min,
        )
    )


def stored_metrics(entry: DiaryEntry) -> sleep.NightMetrics:
    """An entry's metrics from the minutes stored when it was saved (no recomputing the
    night); an entry saved under an older metrics version is worked out afresh."""
    if entry.metrics_version != sleep.METRICS_VERSION:
        return entry_metrics(entry)
    tib = entry.time_in_bed_min
    tib_lights = sleep.minutes_between(entry.lights_off, entry.out_of_bed)
    tst = entry.total_sleep_min
    return sleep.NightMetrics(
        time_in_bed=tib,
        time_in_bed_from_lights_out=tib_lights,
        sleep_latency=entry.sleep_latency_min,
        wake_after_sleep_onset=entry.awake_min,
        awakenings=entry.awakenings,
        terminal_wake=entry.terminal_wake_min,
        total_sleep=tst,
        sleep_efficiency=100.0 * tst / tib if tib > 0 else 0.0,
        sleep_efficiency_from_lights_out=100.0 * tst / tib_lights if tib_lights > 0 else 0.0,
        nap=entry.nap_min,
    )


@dataclass(frozen=True)
class WeekRow:
    week: int
    first: date
    last: date
    summary: sleep.Summary


def weekly_rows(entries: Iterable[DiaryEntry], start: date) -> list[WeekRow]:
    """Weekly summaries (programme weeks counted from ``start``), newest first.

    Nights marked unusual stay in the diary but are left out of the weekly
    figures, as titration leaves them out.
    """
    dated = [(e.diary_date, stored_metrics(e)) for e in entries if not e.unusual_night]
    rows = [
        WeekRow(
            week=week,
            first=start + timedelta(days=7 * (week - 1)),
            last=start + timedelta(days=7 * week - 1),
            summary=sleep.summarise(nights, se_denominator()),
        )
        for week, nights in sleep.group_by_week(dated, start).items()
    ]
    return sorted(rows, key=lambda row: row.week, reverse=True)


# What Today shows of the latest night (its date also decides the welcome back).
_LAST_NIGHT_FIELDS = ("diary_date", "total_sleep_min", "time_in_bed_min", "sleep_efficiency")


def last_night_values() -> Subquery:
    """The latest night's stored figures as one JSON object, for a query whose rows have
    a ``patient`` (Today reads it with the enrolment, not in a query of its own)."""
    return Subquery(
        DiaryEntry.objects.filter(patient=OuterRef("patient"))
        .order_by("-diary_date")
        .values(row=JSONObject(**{name: name for name in _LAST_NIGHT_FIELDS}))[:1],
        output_field=JSONField(),
    )


def last_night_from(patient: User, values: dict[str, Any] | None) -> DiaryEntry | None:
    """The latest night read by ``last_night_values``, with those fields only (not for
    saving)."""
    if values is None:
        return None
    fields = {
        name: cast("Field[Any, Any]", DiaryEntry._meta.get_field(name)).to_python(value)
        for name, value in values.items()
    }
    return DiaryEntry(patient=patient, **fields)

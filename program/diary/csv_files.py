"""The diary as CSV: export for patients, import of paper diaries for therapists.

Columns are the API's field names. Clock times are local to the patient, as
``HH:MM`` or any way the diary's form reads them ("11pm", "23h15": rules.clock),
resolved by the diary's evening/morning rule, or as a full local ``YYYY-MM-DDTHH:MM``
for nights the rule does not fit.

The import's report is in the reader's language: its sentences go through gettext with
named placeholders, and a column's name, or a value from the file, is a placeholder (it
is what the file says, in any language).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db import transaction
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from accounts.models import User
from program import spreadsheet
from program.diary import actions as diary_service
from program.models import DiaryEntry, UnusualReason
from program.rules import sleep
from program.rules.clock import parse_clock

REQUIRED = ["diary_date", *diary_service.CORE_FIELDS]
COLUMNS = [
    *REQUIRED,
    "nap_count",
    "nap_min",
    "early_wake_min",
    "alcohol_drinks",
    "caffeine_drinks",
    "unusual_night",
    "unusual_reason",
    "comments",
]
COMPUTED = ["time_in_bed_min", "total_sleep_min", "sleep_efficiency", "terminal_wake_min"]
# Exported for the patient's record; an import leaves them aside (medication is
# recorded through the diary form, against the medicines the patient listed).
MEDICATION = ["sleep_medication", "sleep_medication_doses"]
MAX_ROWS = 1000
MAX_COMMENT_CHARS = 2000  # what the diary form keeps of a comment (forms.DiaryEntryForm.comments)


def export_rows(patient: User, entries: list[DiaryEntry]) -> str:
    zone = patient.zone
    out = io.StringIO()
    writer = spreadsheet.Writer(out)
    writer.writerow(COLUMNS + COMPUTED + MEDICATION)
    for e in sorted(entries, key=lambda e: e.diary_date):
        row: list[Any] = [e.diary_date.isoformat()]
        for name in ("into_bed", "lights_off"):
            row.append(getattr(e, name).astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
        row += [e.sleep_latency_min, e.awakenings, e.awake_min]
        for name in ("final_wake", "out_of_bed"):
            row.append(getattr(e, name).astimezone(zone).strftime("%Y-%m-%dT%H:%M"))
        row += [
            e.quality,
            e.nap_count,
            e.nap_min,
            e.early_wake_min,
            e.alcohol_drinks,
            e.caffeine_drinks,
            "yes" if e.unusual_night else "no",
            e.unusual_reason,
            e.comments,
            e.time_in_bed_min,
            e.total_sleep_min,
            str(sleep.percent(e.sleep_efficiency)),
            e.terminal_wake_min,
        ]
        answer = getattr(e, "medication", None) if hasattr(e, "medication") else None
        row += [
            answer.answer if answer else "",
            "; ".join(
                f"{d.medication.name} {d.dose_mg.normalize():f} mg"
                + (f" at {d.taken_at:%H:%M}" if d.taken_at else "")
                for d in e.doses.all()
            ),
        ]
        writer.writerow(row)
    return out.getvalue()


@dataclass
class RowResult:
    line: int
    diary_date: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    answers: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class ImportReport:
    rows: list[RowResult]
    file_errors: list[str] = field(default_factory=list)
    imported: int = 0

    @property
    def good(self) -> list[RowResult]:
        return [r for r in self.rows if r.ok]

    @property
    def bad(self) -> list[RowResult]:
        return [r for r in self.rows if not r.ok]


def _clock(value: str) -> time | datetime:
    """A clock time as the diary's form reads it ("23:15", "11pm", "23h15":
    program.rules.clock), or a full local date and time; ValueError if neither."""
    value = value.strip()
    clock = parse_clock(value)
    if clock is not None:
        return clock
    return datetime.fromisoformat(value.replace(" ", "T"))


def _int(value: str, name: str, errors: list[str], *, default: int | None = None) -> int | None:
    value = (value or "").strip()
    if not value:
        if default is None:
            # Translators: the paper-diary import's report; %(column)s is a CSV column's
            # name (sleep_latency_min), kept as the file writes it.
            errors.append(_("%(column)s is missing.") % {"column": name})
        return default
    try:
        number = int(value)
    except ValueError:
        errors.append(
            # Translators: the paper-diary import's report; %(column)s is a CSV column's
            # name, %(value)s what the file holds there.
            _("%(column)s should be a whole number, not “%(value)s”.")
            % {"column": name, "value": value}
        )
        return default
    if number < 0:
        # Translators: the paper-diary import's report; %(column)s is a CSV column's name.
        errors.append(_("%(column)s can't be negative.") % {"column": name})
    return number


def _delimiter(text: str) -> str:
    """What separates the header line's columns: a comma, or the semicolon a spreadsheet
    writes in French or German (where the comma is the decimal mark), or a tab; the one
    the header holds most of."""
    header = text.split("\n", 1)[0]
    return max((",", ";", "\t"), key=header.count)


def parse(patient: User, text: str) -> ImportReport:
    """Check every row, without saving anything. A file the csv module cannot read (a
    field over its 128 KiB limit, a stray quote) is reported with its line, and nothing
    from it is imported."""
    reader = csv.DictReader(io.StringIO(text), delimiter=_delimiter(text))
    try:
        return _parse(patient, reader)
    except csv.Error as error:
        return ImportReport(
            [],
            [
                # Translators: the paper-diary import's report; %(error)s is the CSV
                # reader's own (English) account of the fault.
                _(
                    "Line %(line)s could not be read (%(error)s). Check that line (a very "
                    "long cell, or a quote that is not closed); nothing was imported."
                )
                % {"line": reader.line_num, "error": error}
            ],
        )


def _parse(patient: User, reader: csv.DictReader[str]) -> ImportReport:
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        return ImportReport(
            [],
            [
                # Translators: the paper-diary import's report; both placeholders are
                # lists of CSV column names, kept as the file writes them.
                _(
                    "The file has no column named %(missing)s. The first line must name "
                    "the columns: %(columns)s."
                )
                % {"missing": ", ".join(missing), "columns": ", ".join(COLUMNS)}
            ],
        )
    today = patient.local_today()
    seen: set[date] = set()
    existing = set(DiaryEntry.objects.for_patient(patient).values_list("diary_date", flat=True))
    rows: list[RowResult] = []
    for number, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            return ImportReport(
                rows,
                [
                    _("Only the first %(count)s rows can be imported at once.")
                    % {"count": number_format(MAX_ROWS, force_grouping=True)}
                ],
            )
        row = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        result = RowResult(line=number, diary_date=row.get("diary_date", ""))
        errors = result.errors
        try:
            day = date.fromisoformat(row["diary_date"])
        except ValueError:
            errors.append(
                # Translators: the paper-diary import's report; %(column)s is the CSV
                # column diary_date, %(value)s what the file holds there. Keep the example
                # date as it is: the file must write dates so, in any language.
                _("%(column)s “%(value)s” is not a date like 2026-11-24.")
                % {"column": "diary_date", "value": row["diary_date"]}
            )
            rows.append(result)
            continue
        if day > today:
            errors.append(_("This morning hasn't come yet."))
        if day < diary_service.EARLIEST_DIARY_DATE:
            # The diary form's own sentence (diary_service.date_errors).
            errors.append(
                _("Diary dates start from %(day)s.")
                % {"day": date_format(diary_service.EARLIEST_DIARY_DATE, "LONG_DATE_FORMAT")}
            )
        if day in existing:
            errors.append(_("There is already an entry for this morning."))
        if day in seen:
            errors.append(_("This morning appears twice in the file."))
        seen.add(day)
        answers: dict[str, Any] = {}
        for name in ("into_bed", "lights_off", "final_wake", "out_of_bed"):
            if not (row.get(name) or "").strip():
                errors.append(_("%(column)s is missing.") % {"column": name})
                continue
            try:
                answers[name] = _clock(row.get(name, ""))
            except ValueError:
                errors.append(
                    # Translators: the paper-diary import's report; %(column)s is a CSV
                    # column's name, %(value)s what the file holds there. Keep 23:15 as it
                    # is: an example the import reads in any language.
                    _("%(column)s “%(value)s” is not a time like 23:15.")
                    % {"column": name, "value": row.get(name, "")}
                )
        for name in ("sleep_latency_min", "awakenings", "awake_min", "quality"):
            answers[name] = _int(row.get(name, ""), name, errors)
        for name in ("nap_count", "nap_min", "early_wake_min", "alcohol_drinks", "caffeine_drinks"):
            answers[name] = _int(row.get(name, ""), name, errors, default=0)
        if answers.get("quality") is not None and not 1 <= answers["quality"] <= 5:
            errors.append(
                # Translators: the paper-diary import's report; %(column)s is the CSV
                # column quality.
                _("%(column)s should be 1 (very poor) to 5 (very good).") % {"column": "quality"}
            )
        answers["unusual_night"] = row.get("unusual_night", "").lower() in {"yes", "true", "1", "y"}
        reason = row.get("unusual_reason", "")
        if reason and reason not in UnusualReason.values:
            errors.append(
                # Translators: the paper-diary import's report; %(column)s is the CSV
                # column unusual_reason, %(choices)s the values the file may hold there.
                _("%(column)s should be one of %(choices)s.")
                % {"column": "unusual_reason", "choices": ", ".join(UnusualReason.values)}
            )
        answers["unusual_reason"] = reason or ("other" if answers["unusual_night"] else "")
        comments = row.get("comments", "")
        answers["comments"] = comments[:MAX_COMMENT_CHARS]
        if not errors:
            # The same checks as the patient's diary, in words for the therapist who
            # reads the report (not the patient's "please don't drive").
            _night, check = diary_service.check_answers(patient, day, answers, for_staff=True)
            errors.extend(check.errors.values())
            result.warnings = list(check.warnings)
            # Cut to what the diary keeps, said in the report rather than silently.
            if len(comments) > MAX_COMMENT_CHARS:
                result.warnings.append(
                    # Translators: the paper-diary import's report; %(column)s is the
                    # CSV column comments.
                    _(
                        "%(column)s are %(length)s characters long: only the first "
                        "%(kept)s will be kept."
                    )
                    % {
                        "column": "comments",
                        "length": number_format(len(comments), force_grouping=True),
                        "kept": number_format(MAX_COMMENT_CHARS, force_grouping=True),
                    }
                )
        result.answers = answers
        rows.append(result)
    if not rows:
        return ImportReport([], [_("The file has no rows under its header line.")])
    return ImportReport(rows)


@transaction.atomic
def import_good_rows(patient: User, report: ImportReport, *, by: User) -> int:
    """Save every row that passed; all of them or none (one transaction)."""
    count = 0
    for row in report.good:
        diary_service.save_entry(
            patient=patient,
            diary_date=date.fromisoformat(row.diary_date),
            answers=row.answers,
            changed_by=by,
            enforce_backfill=False,
        )
        count += 1
    report.imported = count
    return count

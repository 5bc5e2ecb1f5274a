"""The research export (issue 23, part 4): a de-identified cohort as a ZIP of CSVs.

Only patients whose ``research_consent_at`` is set are in it. Each patient gets a
pseudonym drawn at random for this export (nothing stored links it back) and a date
offset: every date of theirs is moved back by a whole number of weeks, 1 to 52, drawn at
random for this export, so weekdays are kept and the gaps between one patient's dates
too. Names, email addresses, dates of birth, time zones and account numbers are never
written; free text (diary comments, decision reasons, medicine names, taper notes) only
when the admin asks for it. Item answers only for the questionnaires whose licence lets
them travel (PHQ-9, GAD-7: ``FREE_WORDING``); the others give their total and band.

The ZIP is written as it is read (``stream``): each file comes from one query iterated
in chunks, so the number of queries does not grow with the cohort, and the memory held is
per patient (their offsets and anchors) plus one patient's rows at a time.
See docs/research-export.md.
"""

from __future__ import annotations

import io
import secrets
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO, Any, cast
from zoneinfo import ZoneInfo

from django.db.models import Min
from django.utils import timezone

from accounts.birth_dates import age_on
from accounts.models import User
from program import models as m
from program import spreadsheet
from program.rules import instruments

# Ages above this are written as this (HIPAA Safe Harbor groups ages over 89).
AGE_TOP = 90
# Date offsets: back by 1 to 52 whole weeks (design decision, docs/research-export.md).
MAX_SHIFT_WEEKS = 52
CHUNK = 2000
# Questionnaires whose items may travel: the ones shipped with their published wording.
FREE_WORDING = {d["key"] for d in instruments.SHIPPED if d["wording_loaded"]}
ITEMS = [
    (d["key"], item["key"], item["text"], d["options"])
    for d in instruments.SHIPPED
    if d["key"] in FREE_WORDING
    for item in d["items"]
]


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str = "text"  # REDCap field type: text, notes, yesno, dropdown
    validation: str = ""  # REDCap text validation: integer, number, date_ymd, time
    choices: str = ""
    note: str = ""
    minimum: str = ""
    maximum: str = ""
    free_text: bool = False  # written only when the admin opts in


@dataclass(frozen=True)
class Form:
    name: str  # the file (name.csv) and the REDCap instrument
    title: str
    columns: list[Column]
    repeating: bool = True

    def header(self, free_text: bool) -> list[str]:
        base = ["record_id"]
        if self.repeating:
            base += ["redcap_repeat_instrument", "redcap_repeat_instance"]
        return base + [c.name for c in self.columns if free_text or not c.free_text]


def _int(name: str, label: str, note: str = "", minimum: str = "0") -> Column:
    return Column(name, label, validation="integer", note=note, minimum=minimum)


def _num(name: str, label: str, note: str = "") -> Column:
    return Column(name, label, validation="number", note=note)


def _date(name: str, label: str) -> Column:
    return Column(name, label, validation="date_ymd", note="Shifted: see README.txt.")


def _time(name: str, label: str) -> Column:
    return Column(name, label, validation="time", note="Local clock time (HH:MM).")


YESNO = "yesno"

PATIENTS = Form(
    "patients",
    "Patients",
    [
        _int(
            "age_years", "Age in whole years on day 0", f"Ages above {AGE_TOP - 1} are {AGE_TOP}."
        ),
        _date("day0_date", "Day 0: the first enrolment's start, else the first diary night"),
        _int("programme_weeks", "Weeks in the programme"),
        Column(
            "enrolment_status",
            "Enrolment status",
            kind="dropdown",
            choices="active, active | paused, paused | completed, completed | withdrawn, withdrawn",
        ),
        Column("protocol_key", "Sleep-window protocol"),
        _int("protocol_version", "Protocol version", minimum="1"),
    ],
    repeating=False,
)

NIGHTS = Form(
    "nights",
    "Diary nights",
    [
        _date("night_date", "The morning the night is written for"),
        _int("night_day", "Days since day 0", minimum=""),
        _int("night_week", "Programme week (day 0 to 6 is week 1)", minimum=""),
        _time("night_into_bed", "Got into bed"),
        _time("night_lights_off", "Tried to sleep"),
        _time("night_final_wake", "Final awakening"),
        _time("night_out_of_bed", "Got out of bed"),
        _int("night_tib_min", "Time in bed (min)"),
        _int("night_tst_min", "Total sleep time (min)"),
        _int("night_sol_min", "Sleep onset latency (min)"),
        _int("night_waso_min", "Wake after sleep onset (min)"),
        _int("night_awakenings", "Awakenings (not counting the final one)"),
        _int("night_early_wake_min", "Time awake in bed after the final awakening (min)"),
        _num("night_se", "Sleep efficiency (%)", "Total sleep over time in bed."),
        Column(
            "night_quality",
            "Sleep quality",
            kind="dropdown",
            choices="1, very poor | 2, poor | 3, fair | 4, good | 5, very good",
        ),
        _int("night_nap_min", "Naps or dozing the day before (min)"),
        _int("night_alcohol", "Alcoholic drinks"),
        _int("night_caffeine", "Caffeinated drinks"),
        Column("night_unusual", "An unusual night (illness, travel…)", kind=YESNO),
        Column("night_late", "Written more than a day late", kind=YESNO),
        Column("night_medication", "Sleep medicine that night (none, took, not asked)"),
        Column("night_comments", "The patient's comments", kind="notes", free_text=True),
    ],
)

WEEKS = Form(
    "weeks",
    "Programme weeks",
    [
        _int("week_number", "Programme week", minimum=""),
        _date("week_start", "The week's first day"),
        _int("week_nights", "Diary nights written"),
        _num("week_se", "Mean sleep efficiency (%)"),
        _num("week_tst_min", "Mean total sleep time (min)"),
        _num("week_tib_min", "Mean time in bed (min)"),
        _num("week_sol_min", "Mean sleep onset latency (min)"),
        _num("week_waso_min", "Mean wake after sleep onset (min)"),
        _int("week_window_min", "Sleep window in force on the week's first day (min)"),
        _time("week_rise_time", "Rise time in force on the week's first day"),
        Column("week_decision_rule", "The rule of the sleep-window review in the week"),
        Column("week_decision_status", "What the clinician decided at that review"),
        _int("week_decision_min", "The window that review proposed (min)"),
    ],
)

QUESTIONNAIRES = Form(
    "questionnaires",
    "Questionnaire results",
    [
        Column("q_instrument", "Questionnaire (isi, phq9, gad7, ess, psqi, promis_sd)"),
        _int("q_version", "Questionnaire version", minimum="1"),
        Column("q_occasion", "Occasion (baseline, week-N, end, follow-up)"),
        _date("q_date", "Completed on"),
        _int("q_day", "Days since day 0", minimum=""),
        _int("q_total", "Total score"),
        Column("q_band", "Severity band (a code)"),
        Column("q_source", "Filled in by the patient, or entered by a clinician"),
        *[
            Column(
                item_key,
                text,
                kind="dropdown",
                choices=" | ".join(f"{o['value']}, {o['label']}" for o in options),
                note=f"{key.upper()} item; empty for other questionnaires.",
            )
            for key, item_key, text, options in ITEMS
        ],
    ],
)

DECISIONS = Form(
    "window_decisions",
    "Sleep-window decisions",
    [
        _date("dec_review_date", "Review date"),
        _int("dec_day", "Days since day 0", minimum=""),
        Column("dec_kind", "initial (first window) or weekly (review)"),
        Column("dec_protocol_key", "Protocol"),
        _int("dec_protocol_version", "Protocol version", minimum="1"),
        Column("dec_rule", "The protocol's rule that applied (a code)"),
        _int("dec_nights", "Diary nights the review read"),
        _num("dec_se", "Sleep efficiency the review read (%)"),
        _int("dec_current_min", "Window in force before (min)"),
        _int("dec_proposed_min", "Window the protocol proposed (min)"),
        Column(
            "dec_status",
            "approved, edited, rejected, automatic, superseded, set_aside or pending",
        ),
        _int("dec_applied_min", "Window applied after the decision (min)"),
        _int("dec_decided_after_days", "Days from the review to the decision"),
        Column("dec_flags", "Flags raised (codes, separated by ;)"),
        Column("dec_reason", "The clinician's reason", kind="notes", free_text=True),
    ],
)

TAPER = Form(
    "taper_steps",
    "Medicine taper steps",
    [
        _int("taper_plan", "The patient's taper plan (1, 2 … in this export)", minimum="1"),
        Column("taper_medicine", "Medicine, as typed", free_text=True),
        Column("taper_status", "Plan status (draft, active, paused, finished, cancelled)"),
        Column("taper_template", "The plan's template (a code)"),
        _num("taper_start_dose_mg", "Dose at the plan's start (mg)"),
        _int("taper_step", "Step number", minimum="1"),
        _date("taper_step_date", "The step starts on the evening of"),
        _int("taper_step_day", "Days since day 0", minimum=""),
        _num("taper_dose_mg", "Dose (mg)"),
        _int("taper_free_nights", "Drug-free nights a week"),
        Column("taper_note_code", "The step's note (a code)"),
        Column("taper_note", "The step's note, as typed", kind="notes", free_text=True),
    ],
)

FORMS = [PATIENTS, NIGHTS, WEEKS, QUESTIONNAIRES, DECISIONS, TAPER]

DICTIONARY_HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]


def dictionary_rows(free_text: bool) -> list[list[str]]:
    """The REDCap data dictionary: record_id first (in the first form), then each form's
    fields in contiguous rows. Free text, when included, is marked as an identifier."""
    rows = [
        ["record_id", PATIENTS.name, "", "text", "Pseudonym (random for this export)"] + [""] * 13
    ]
    for form in FORMS:
        for i, c in enumerate(c for c in form.columns if free_text or not c.free_text):
            rows.append(
                [
                    c.name,
                    form.name,
                    form.title if i == 0 else "",
                    c.kind,
                    c.label,
                    c.choices,
                    c.note,
                    c.validation,
                    c.minimum if c.validation else "",
                    c.maximum,
                    "y" if c.free_text else "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            )
    return rows


@dataclass
class Subject:
    """One patient in this export: their pseudonym, date offset and day 0."""

    record_id: str
    shift: timedelta
    day0: date | None

    def day(self, value: date | None) -> str:
        return "" if value is None else (value - self.shift).isoformat()

    def since(self, value: date | None) -> int | str:
        if value is None or self.day0 is None:
            return ""
        return (value - self.day0).days

    def week(self, value: date) -> int | str:
        days = self.since(value)
        return "" if days == "" else int(days) // 7 + 1


def cohort() -> Any:
    """The patients who agreed to research use (and are not being deleted)."""
    return User.objects.patients().filter(
        research_consent_at__isnull=False, deletion_requested_at__isnull=True
    )


def subjects(patients: list[User]) -> dict[int, Subject]:
    """A pseudonym and an offset for each patient, drawn for this export (2 queries)."""
    ids = [p.pk for p in patients]
    starts: dict[int, date] = {}
    for e in (
        m.Enrolment.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "start_date", "pk")
        .values("patient_id", "start_date")
    ):
        starts.setdefault(e["patient_id"], e["start_date"])
    first_nights = dict(
        m.DiaryEntry.objects.filter(patient_id__in=ids)
        .values("patient_id")
        .annotate(first=Min("diary_date"))
        .values_list("patient_id", "first")
    )
    numbers = list(range(1, len(ids) + 1))
    secrets.SystemRandom().shuffle(numbers)
    width = max(4, len(str(len(ids))))
    return {
        pk: Subject(
            record_id=f"R{n:0{width}d}",
            shift=timedelta(weeks=secrets.randbelow(MAX_SHIFT_WEEKS) + 1),
            day0=starts.get(pk) or first_nights.get(pk),
        )
        for pk, n in zip(ids, numbers, strict=True)
    }


def _clock(value: datetime | None, zone: str) -> str:
    if value is None:
        return ""
    return f"{timezone.localtime(value, ZoneInfo(zone)):%H:%M}"


def _fmt(value: Any) -> Any:
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if value is None:
        return ""
    return value


def _mean(values: list[float]) -> str:
    return f"{sum(values) / len(values):.1f}" if values else ""


Rows = Iterator[tuple[int, dict[str, Any]]]  # (patient id, the row's cells)


def patient_rows(ids: list[int], people: dict[int, User], subs: dict[int, Subject]) -> Rows:
    enrolments: dict[int, tuple[int, str]] = {}
    for e in (
        m.Enrolment.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "start_date", "pk")
        .values("patient_id", "programme__weeks", "status")
    ):
        enrolments.setdefault(e["patient_id"], (e["programme__weeks"], e["status"]))
    protocols = {
        c["patient_id"]: (c["protocol__key"], c["protocol__version"])
        for c in m.SleepCourse.objects.filter(patient_id__in=ids).values(
            "patient_id", "protocol__key", "protocol__version"
        )
    }
    for pk in ids:
        sub, person = subs[pk], people[pk]
        age = age_on(person.date_of_birth, sub.day0) if person.date_of_birth and sub.day0 else None
        weeks, status = enrolments.get(pk, (None, ""))
        key, version = protocols.get(pk, ("", None))
        yield (
            pk,
            {
                "age_years": "" if age is None else min(age, AGE_TOP),
                "day0_date": sub.day(sub.day0),
                "programme_weeks": _fmt(weeks),
                "enrolment_status": status,
                "protocol_key": key,
                "protocol_version": _fmt(version),
            },
        )


def _entries(ids: list[int]) -> Any:
    return (
        m.DiaryEntry.objects.filter(patient_id__in=ids)
        .select_related("medication")
        .order_by("patient_id", "diary_date")
    )


def night_rows(ids: list[int], subs: dict[int, Subject]) -> Rows:
    for e in _entries(ids).iterator(chunk_size=CHUNK):
        sub, zone = subs[e.patient_id], e.time_zone
        medication = getattr(e, "medication", None)
        yield (
            e.patient_id,
            {
                "night_date": sub.day(e.diary_date),
                "night_day": sub.since(e.diary_date),
                "night_week": sub.week(e.diary_date),
                "night_into_bed": _clock(e.into_bed, zone),
                "night_lights_off": _clock(e.lights_off, zone),
                "night_final_wake": _clock(e.final_wake, zone),
                "night_out_of_bed": _clock(e.out_of_bed, zone),
                "night_tib_min": e.time_in_bed_min,
                "night_tst_min": e.total_sleep_min,
                "night_sol_min": e.sleep_latency_min,
                "night_waso_min": e.awake_min,
                "night_awakenings": e.awakenings,
                "night_early_wake_min": e.terminal_wake_min,
                "night_se": _fmt(e.sleep_efficiency),
                "night_quality": e.quality,
                "night_nap_min": e.nap_min,
                "night_alcohol": e.alcohol_drinks,
                "night_caffeine": e.caffeine_drinks,
                "night_unusual": _fmt(e.unusual_night),
                "night_late": _fmt(e.is_late),
                "night_medication": medication.answer if medication else "",
                "night_comments": e.comments,
            },
        )


def week_rows(ids: list[int], subs: dict[int, Subject]) -> Rows:
    """One row per programme week from the first to the last with a diary night (weeks
    without one in between are written with 0 nights), with the window in force and the
    review of that week. Prescriptions and reviews: one query each, held per cohort."""
    windows: dict[int, list[Any]] = defaultdict(list)
    for p in (
        m.Prescription.objects.filter(course__patient_id__in=ids)
        .order_by("effective_from", "created_at")
        .values("course__patient_id", "effective_from", "window_min", "rise_time")
    ):
        windows[p["course__patient_id"]].append(p)
    reviews: dict[tuple[int, int], dict[str, Any]] = {}
    for r in (
        m.Recommendation.objects.filter(course__patient_id__in=ids)
        .order_by("review_date", "created_at")
        .values("course__patient_id", "review_date", "rule", "status", "proposed_window_min")
    ):
        sub = subs[r["course__patient_id"]]
        week = sub.week(r["review_date"])
        if week != "":
            reviews[(r["course__patient_id"], int(week))] = dict(r)

    def emit(pk: int, nights: dict[int, list[Any]]) -> Iterator[tuple[int, dict[str, Any]]]:
        sub = subs[pk]
        if sub.day0 is None or not nights:
            return
        for week in range(min(nights), max(nights) + 1):
            start = sub.day0 + timedelta(days=7 * (week - 1))
            rows = nights.get(week, [])
            in_force = [w for w in windows.get(pk, []) if w["effective_from"] <= start]
            window = in_force[-1] if in_force else None
            review = reviews.get((pk, week))
            yield (
                pk,
                {
                    "week_number": week,
                    "week_start": sub.day(start),
                    "week_nights": len(rows),
                    "week_se": _mean([r[0] for r in rows]),
                    "week_tst_min": _mean([r[1] for r in rows]),
                    "week_tib_min": _mean([r[2] for r in rows]),
                    "week_sol_min": _mean([r[3] for r in rows]),
                    "week_waso_min": _mean([r[4] for r in rows]),
                    "week_window_min": window["window_min"] if window else "",
                    "week_rise_time": f"{window['rise_time']:%H:%M}" if window else "",
                    "week_decision_rule": review["rule"] if review else "",
                    "week_decision_status": review["status"] if review else "",
                    "week_decision_min": review["proposed_window_min"] if review else "",
                },
            )

    current: int | None = None
    nights: dict[int, list[Any]] = defaultdict(list)
    for e in (
        m.DiaryEntry.objects.filter(patient_id__in=ids)
        .order_by("patient_id", "diary_date")
        .values_list(
            "patient_id",
            "diary_date",
            "sleep_efficiency",
            "total_sleep_min",
            "time_in_bed_min",
            "sleep_latency_min",
            "awake_min",
        )
        .iterator(chunk_size=CHUNK)
    ):
        pk, day, *figures = e
        if pk != current:
            if current is not None:
                yield from emit(current, nights)
            current, nights = pk, defaultdict(list)
        week = subs[pk].week(day)
        if week != "":
            nights[int(week)].append(figures)
    if current is not None:
        yield from emit(current, nights)


def questionnaire_rows(ids: list[int], subs: dict[int, Subject]) -> Rows:
    for a in (
        m.Assessment.objects.filter(patient_id__in=ids)
        .select_related("instrument")
        .order_by("patient_id", "completed_on", "completed_at")
        .iterator(chunk_size=CHUNK)
    ):
        sub, key = subs[a.patient_id], a.instrument.key
        row = {
            "q_instrument": key,
            "q_version": a.instrument.version,
            "q_occasion": a.occasion,
            "q_date": sub.day(a.completed_on),
            "q_day": sub.since(a.completed_on),
            "q_total": a.total,
            "q_band": a.band_code,
            "q_source": a.source,
        }
        if key in FREE_WORDING:
            row.update({k: a.answers.get(k, "") for i, k, _t, _o in ITEMS if i == key})
        yield a.patient_id, row


def decision_rows(ids: list[int], subs: dict[int, Subject]) -> Rows:
    for r in (
        m.Recommendation.objects.filter(course__patient_id__in=ids)
        .select_related("course__protocol", "prescription")
        .order_by("course__patient_id", "review_date", "created_at")
        .iterator(chunk_size=CHUNK)
    ):
        pk = r.course.patient_id
        sub, figures = subs[pk], r.figures or {}
        decided = (timezone.localdate(r.decided_at) - r.review_date).days if r.decided_at else ""
        yield (
            pk,
            {
                "dec_review_date": sub.day(r.review_date),
                "dec_day": sub.since(r.review_date),
                "dec_kind": r.kind,
                "dec_protocol_key": r.course.protocol.key,
                "dec_protocol_version": r.course.protocol.version,
                "dec_rule": r.rule,
                "dec_nights": _fmt(figures.get("nights")),
                "dec_se": _fmt(figures.get("sleep_efficiency")),
                "dec_current_min": _fmt(r.current_window_min),
                "dec_proposed_min": r.proposed_window_min,
                "dec_status": r.status,
                "dec_applied_min": r.prescription.window_min if r.prescription else "",
                "dec_decided_after_days": decided,
                "dec_flags": ";".join(str(f) for f in (r.flags or [])),
                "dec_reason": r.decision_reason,
            },
        )


def taper_rows(ids: list[int], subs: dict[int, Subject]) -> Rows:
    plans: dict[int, int] = {}  # plan id -> its number within the patient, in this export
    numbered: dict[int, int] = defaultdict(int)
    steps: dict[int, int] = defaultdict(int)
    for s in (
        m.TaperStep.objects.filter(plan__patient_id__in=ids)
        .select_related("plan__medication")
        .order_by("plan__patient_id", "plan__created_at", "plan_id", "starts_on", "pk")
        .iterator(chunk_size=CHUNK)
    ):
        plan, pk = s.plan, s.plan.patient_id
        if plan.pk not in plans:
            numbered[pk] += 1
            plans[plan.pk] = numbered[pk]
        steps[plan.pk] += 1
        sub = subs[pk]
        yield (
            pk,
            {
                "taper_plan": plans[plan.pk],
                "taper_medicine": plan.medication.name,
                "taper_status": plan.status,
                "taper_template": plan.template,
                "taper_start_dose_mg": _fmt(plan.start_dose_mg),
                "taper_step": steps[plan.pk],
                "taper_step_date": sub.day(s.starts_on),
                "taper_step_day": sub.since(s.starts_on),
                "taper_dose_mg": _fmt(s.dose_mg),
                "taper_free_nights": s.drug_free_nights_per_week,
                "taper_note_code": s.note_code,
                "taper_note": s.note,
            },
        )


README = """Research export: {n} patients, made {made} (UTC).

Who is in it: only patients who agreed to research use on their "Your data" page, as
that choice stood when this file was made. A patient who withdrew is not in it.

Identifiers: record_id is a pseudonym drawn at random for this export only: the same
person has a different record_id in another export, and nothing kept by the clinic links
a record_id back to a person. Names, email addresses, dates of birth, time zones,
countries and account numbers are never in these files. Ages are whole years on day 0;
ages above {age_top_1} are written as {age_top}.
Free text (diary comments, the clinician's reasons, medicine names and taper notes):
{free_text}

Dates: every date of a patient is moved back by the same whole number of weeks, between
1 and {max_weeks}, drawn at random for each patient in this export and not kept. Weekdays
are kept (a Saturday stays a Saturday) and so are the gaps between one patient's dates;
calendar dates, seasons and the order of different patients in time are not real. "Days
since day 0" columns need no shift. Clock times (bedtime, rise time) are the patient's
own local times, unshifted.

Files (one row per):
  patients.csv          patient
  nights.csv            diary night
  weeks.csv             programme week (week 1 = days 0 to 6 after day 0)
  questionnaires.csv    completed questionnaire; item answers only for PHQ-9 and GAD-7,
                        whose licence lets their items travel; the others give the total
                        and band only
  window_decisions.csv  sleep-window review, with the protocol and its version
  taper_steps.csv       step of a medicine taper plan (the prescriber's plan)
  data_dictionary.csv   a REDCap data dictionary of every column above

For REDCap: upload data_dictionary.csv, make every form but "patients" a repeating
instrument, then import each CSV (record_id, redcap_repeat_instrument and
redcap_repeat_instance are REDCap's own import columns).
"""


class _Sink:
    """A write-only stream the ZIP writes into and the response drains (not seekable,
    so zipfile writes data descriptors and never goes back)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.offset = 0

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        self.offset += len(data)
        return len(data)

    def tell(self) -> int:
        return self.offset

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        out, self.parts = b"".join(self.parts), []
        return out


def _csv_line(cells: Iterable[Any]) -> bytes:
    text = io.StringIO()
    spreadsheet.Writer(text).writerow(cells)
    return text.getvalue().encode()


def patients_for_export() -> list[User]:
    """The cohort, as the export reads it (one query)."""
    return list(cohort().only("pk", "date_of_birth").order_by("pk"))


def stream(
    patients: list[User], *, free_text: bool, now: datetime | None = None
) -> Iterator[bytes]:
    """The ZIP, chunk by chunk: README, one CSV per form, and the data dictionary."""
    made = now or timezone.now()
    people = {p.pk: p for p in patients}
    ids = list(people)
    subs = subjects(list(people.values()))
    sink = _Sink()
    archive = zipfile.ZipFile(cast("IO[bytes]", sink), "w", compression=zipfile.ZIP_DEFLATED)
    free_words = (
        "INCLUDED at the administrator's request. It may name people, places and dates: "
        "treat these files as identifiable."
        if free_text
        else "left out."
    )
    archive.writestr(
        "README.txt",
        README.format(
            n=len(ids),
            made=f"{made:%Y-%m-%d %H:%M}",
            age_top=AGE_TOP,
            age_top_1=AGE_TOP - 1,
            free_text=free_words,
            max_weeks=MAX_SHIFT_WEEKS,
        ),
    )
    yield sink.drain()
    builders: list[tuple[Form, Callable[[], Rows]]] = [
        (PATIENTS, lambda: patient_rows(ids, people, subs)),
        (NIGHTS, lambda: night_rows(ids, subs)),
        (WEEKS, lambda: week_rows(ids, subs)),
        (QUESTIONNAIRES, lambda: questionnaire_rows(ids, subs)),
        (DECISIONS, lambda: decision_rows(ids, subs)),
        (TAPER, lambda: taper_rows(ids, subs)),
    ]
    for form, build in builders:
        header = form.header(free_text)
        with archive.open(f"{form.name}.csv", "w") as out:
            out.write(_csv_line(header))
            instance: dict[int, int] = defaultdict(int)
            for pk, row in build() if ids else iter(()):
                instance[pk] += 1
                row = {
                    **row,
                    "record_id": subs[pk].record_id,
                    "redcap_repeat_instrument": form.name,
                    "redcap_repeat_instance": instance[pk],
                }
                out.write(_csv_line(_fmt(row.get(c, "")) for c in header))
                if sink.offset and len(sink.parts) > 64:
                    yield sink.drain()
        yield sink.drain()
    with archive.open("data_dictionary.csv", "w") as out:
        out.write(_csv_line(DICTIONARY_HEADER))
        for line in dictionary_rows(free_text):
            out.write(_csv_line(line))
    archive.close()
    yield sink.drain()

"""Assessments: what is due when, submitting answers (a PHQ-9 item-9 answer above 0
starts the risk workflow of ``program.risk.actions``), clinician-entered results, licensed
wording, and therapist notes.

Schedule (issue 7; docs/clinical-rules.md, "Questionnaires"):
- the insomnia outcome (``outcome_key``: the ISI, or the PROMIS Sleep Disturbance when only
  its wording is loaded) at baseline (the enrolment's start), at the end of the
  programme's ``isi_weeks`` (default weeks 2, 4, 6) and at follow-up
  (``follow_up_weeks`` after the start);
- PHQ-9 and GAD-7 at baseline and at the end of the programme's last week;
- PHQ-9 also at the end of the programme's ``restriction_phq9_weeks`` of sleep
  restriction (default weeks 2 and 4), counted from the first night of the patient's
  first sleep window (``restriction_start``; program.rules.mood), so mood is read while
  restriction lasts; item 9 goes through the same risk workflow;
- at most weekly: an occasion is held back while the same instrument was completed in
  the last ``MIN_DAYS_BETWEEN`` days (CBT-i Coach's "taken too soon" rule [CBTIC-SRC]);
- only the newest occasion that has come due is offered; an older one not filled in
  is missed, not stacked up.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from program.assessments.models import RiskAlert
from program.clinical_text import occasion_label
from program.models import (
    Assessment,
    Enrolment,
    Instrument,
    NoteRevision,
    Prescription,
    TherapistNote,
)
from program.publish import run_after_commit
from program.risk import actions as risk
from program.rules import mood, scoring
from program.rules.instruments import SHIPPED
from program.submissions import create_once

log = logging.getLogger(__name__)

MIN_DAYS_BETWEEN = 7
MOOD_KEYS = ("phq9", "gad7")


class AssessmentError(ValueError):
    pass


# --- Instruments ---------------------------------------------------------------------


def ensure_instruments() -> dict[str, Instrument]:
    """The current instrument of each key, creating any shipped one that is missing
    (the data migration ships them; a flushed test database loses them)."""
    current = {i.key: i for i in Instrument.objects.current()}
    for data in SHIPPED:
        if data["key"] not in current:
            current[data["key"]], _created = Instrument.objects.get_or_create(
                key=data["key"], version=data["version"], defaults=data
            )
    order = [d["key"] for d in SHIPPED]  # the ISI first, as shipped
    return dict(
        sorted(
            current.items(),
            key=lambda kv: (kv[0] not in order, order.index(kv[0]) if kv[0] in order else 0),
        )
    )


def current_instruments() -> dict[str, Instrument]:
    """The current instrument of each key, read only (for pages: a GET creates nothing;
    the data migration ships the instruments), the ISI first, as shipped."""
    current = {i.key: i for i in Instrument.objects.current()}
    order = [d["key"] for d in SHIPPED]
    return dict(
        sorted(
            current.items(),
            key=lambda kv: (kv[0] not in order, order.index(kv[0]) if kv[0] in order else 0),
        )
    )


def load_wording(data: Mapping[str, Any], *, source: str) -> Instrument:
    """Load a clinic's licensed wording for one instrument (see README).

    ``data``: {"key": "isi", "preamble": "...", "recall_period": "...",
    "items": ["text of item 1", ...] (in the licensed order, one per scored item),
    "options": ["label for 0", "label for 1", ...] (optional)}.
    The scoring (item count, values, bands) is the app's and cannot be changed by a file.
    """
    key = data.get("key")
    if key not in scoring.SCALES:
        raise AssessmentError(f"Unknown instrument key {key!r}.")
    instrument = ensure_instruments()[key]
    scale = scoring.SCALES[key]
    items = data.get("items")
    if not isinstance(items, list) or len(items) != len(scale.item_keys):
        raise AssessmentError(f"{key}: expected {len(scale.item_keys)} item texts.")
    if not all(isinstance(t, str) and t.strip() for t in items):
        raise AssessmentError(f"{key}: every item needs its text.")
    options = data.get("options")
    values = range(scale.min_value, scale.max_value + 1)
    if options is not None:
        if not isinstance(options, list) or len(options) != len(values):
            raise AssessmentError(f"{key}: expected {len(values)} option labels.")
        instrument.options = [
            {"value": v, "label": str(t)} for v, t in zip(values, options, strict=True)
        ]
    if key == "promis_sd" or "t_scores" in data:
        # Scored by T-scores: the table comes from the clinic's licensed scoring manual.
        try:
            instrument.t_scores = list(scoring.check_t_table(scale, data.get("t_scores") or []))
        except scoring.ScoringError as error:
            raise AssessmentError(str(error)) from error
    instrument.items = [
        {"key": k, "text": t.strip()} for k, t in zip(scale.item_keys, items, strict=True)
    ]
    instrument.preamble = str(data.get("preamble", instrument.preamble))
    instrument.recall_period = str(data.get("recall_period", instrument.recall_period))
    instrument.wording_loaded = True
    instrument.wording_source = source[:300]
    instrument.save()
    return instrument


def read_wording_file(path: Path) -> list[dict[str, Any]]:
    """A JSON or YAML file holding one instrument's wording or a list of them."""
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() in (".yaml", ".yml"):
        import yaml  # PyYAML, only needed for YAML files

        data = yaml.safe_load(text)
    else:
        data = json.loads(text)
    return data if isinstance(data, list) else [data]


# --- Schedule ------------------------------------------------------------------------


@dataclass(frozen=True)
class Occasion:
    key: str  # instrument key
    occasion: str  # baseline, week-2, …, follow-up
    due_on: date

    @property
    def label(self) -> str:
        return occasion_label(self.occasion)


def restriction_starts(patient_ids: Iterable[int]) -> dict[int, mood.Restriction]:
    """Each patient's restriction: its first sleep-window evening (the earliest
    prescription's ``effective_from``) and the day a clinician ended it, if they did,
    for patients who have had one: one query."""
    from django.db.models import Min

    rows = (
        Prescription.objects.filter(course__patient_id__in=list(patient_ids))
        .values("course__patient_id", "course__status", "course__ended_on")
        .annotate(first=Min("effective_from"))
    )
    return {
        row["course__patient_id"]: mood.Restriction(
            start=row["first"],
            ended_on=row["course__ended_on"] if row["course__status"] == "ended" else None,
        )
        for row in rows
    }


def restriction_start(patient: User) -> mood.Restriction | None:
    return restriction_starts([patient.pk]).get(patient.pk)


def restriction_of(prescriptions: Iterable[Prescription]) -> mood.Restriction | None:
    """``restriction_start`` from one patient's prescriptions, read with their course
    by a page that needs them anyway."""
    prescriptions = list(prescriptions)
    if not prescriptions:
        return None
    course = prescriptions[0].course
    return mood.Restriction(
        start=min(p.effective_from for p in prescriptions),
        ended_on=course.ended_on if course.status == "ended" else None,
    )


OUTCOME_KEYS = ("isi", "promis_sd")  # the insomnia outcome, in order of preference


def outcome_key(instruments: Mapping[str, Instrument] | None = None) -> str:
    """The insomnia outcome the schedule asks for: the ISI when its licensed wording is
    loaded, else the PROMIS Sleep Disturbance when its wording and T-score table are, else
    the ISI (whose results a clinician can still enter from a licensed paper form)."""
    current = instruments if instruments is not None else current_instruments()
    for key in OUTCOME_KEYS:
        instrument = current.get(key)
        if instrument is not None and instrument.can_be_filled:
            return key
    return "isi"


def occasions(
    enrolment: Enrolment, restriction: mood.Restriction | None = None, outcome: str = "isi"
) -> list[Occasion]:
    """Every occasion of the enrolment's schedule, in date order. "End of week n" is
    the last day of week n in the patient's own calendar; with ``restriction`` (the
    first sleep window's first evening, in this enrolment, and the day it ended) the
    PHQ-9 of the programme's restriction weeks too, those due after an early end left
    out (``mood.restriction_occasions``). ``outcome``: the insomnia outcome's key
    (``outcome_key``), asked at baseline, the programme's ``isi_weeks`` and follow-up."""
    programme = enrolment.programme
    start = enrolment.start_date
    out = [Occasion(outcome, "baseline", start)]
    for week in sorted({int(w) for w in programme.isi_weeks or [] if int(w) >= 1}):
        out.append(Occasion(outcome, f"week-{week}", start + timedelta(days=7 * week - 1)))
    if programme.follow_up_weeks:
        out.append(
            Occasion(outcome, "follow-up", start + timedelta(days=7 * programme.follow_up_weeks))
        )
    last = start + timedelta(days=7 * programme.weeks - 1)
    for key in MOOD_KEYS:
        out += [Occasion(key, "baseline", start), Occasion(key, f"week-{programme.weeks}", last)]
    if restriction is not None and restriction.start >= start:
        weeks = programme.restriction_phq9_weeks or []
        for occasion, due_on in mood.restriction_occasions(
            restriction.start, weeks, restriction.ended_on
        ):
            out.append(Occasion("phq9", occasion, due_on))
    return sorted(out, key=lambda o: (o.due_on, o.key))


def due(
    enrolment: Enrolment | None,
    today: date,
    done: Iterable[Assessment],
    restriction: mood.Restriction | None = None,
    outcome: str = "isi",
) -> list[Occasion]:
    """The occasions to offer today: per instrument, the newest that has come due,
    unless it was filled in already or the instrument was completed in the last week.
    ``restriction``, ``outcome``: see ``occasions``."""
    if enrolment is None:
        return []
    done = list(done)
    filled = {(a.instrument.key, a.occasion) for a in done if a.enrolment_id == enrolment.pk}
    latest: dict[str, date] = {}
    for a in done:
        key = a.instrument.key
        latest[key] = max(latest.get(key, a.completed_on), a.completed_on)
    newest: dict[str, Occasion] = {}
    for occasion in occasions(enrolment, restriction, outcome):
        if occasion.due_on <= today:
            newest[occasion.key] = occasion
    return [
        o
        for o in newest.values()
        if (o.key, o.occasion) not in filled
        and (o.key not in latest or (today - latest[o.key]).days >= MIN_DAYS_BETWEEN)
    ]


# --- Submitting ----------------------------------------------------------------------


@transaction.atomic
def submit(
    *,
    patient: User,
    instrument: Instrument,
    answers: Mapping[str, int],
    occasion: Occasion,
    enrolment: Enrolment | None,
    today: date,
) -> Assessment:
    """Score and save a patient's answers; a PHQ-9 item-9 answer above 0 raises a risk
    alert in the same transaction (program.risk.actions: the urgent flag now, the emails to the
    therapist and the duty list, without the content, after the commit)."""
    if not instrument.can_be_filled:
        raise AssessmentError(_("This questionnaire's licensed wording is not loaded."))
    result = scoring.score(instrument.scale, answers)
    assessment = Assessment.objects.create(
        patient=patient,
        instrument=instrument,
        enrolment=enrolment,
        occasion=occasion.occasion,
        answers={k: int(answers[k]) for k in instrument.scale.item_keys},
        total=result.total,
        band_code=result.band.code,
        band_rank=result.band.rank,
        risk=result.risk,
        due_on=occasion.due_on,
        completed_on=today,
        source=Assessment.Source.PATIENT,
        entered_by=patient,
    )
    if result.risk:
        risk.raise_alert(patient, RiskAlert.Source.PHQ9_ITEM9, assessment=assessment)
    else:  # a clinic's own item rules (program.risk.models.RiskRule)
        risk.flag_answers(patient, assessment)
    run_after_commit("program.tasks.refresh_reminders_task", patient.pk, ["questionnaire"])
    return assessment


@transaction.atomic
def record_result(
    *,
    patient: User,
    instrument: Instrument,
    total: int,
    completed_on: date,
    occasion: str,
    by: User,
) -> Assessment:
    """A total entered by a clinician (a licensed paper form, or an earlier result)."""
    result = scoring.score_total(instrument.scale, total)
    enrolment = Enrolment.objects.current().filter(patient=patient).first()
    return Assessment.objects.create(
        patient=patient,
        instrument=instrument,
        enrolment=enrolment,
        occasion=occasion,
        total=result.total,
        band_code=result.band.code,
        band_rank=result.band.rank,
        completed_on=completed_on,
        source=Assessment.Source.CLINICIAN,
        entered_by=by,
    )


# --- Figures -------------------------------------------------------------------------


@dataclass(frozen=True)
class Trend:
    key: str
    results: list[Assessment]  # oldest first
    change: scoring.IsiChange | None  # ISI only, from the first result to the latest


def trends(assessments: Iterable[Assessment]) -> dict[str, Trend]:
    """Results by instrument, oldest first; for the ISI, change from baseline (the
    earliest result) to the latest, with response and remission (Morin 2009)."""
    by_key: dict[str, list[Assessment]] = {}
    for a in sorted(assessments, key=lambda a: (a.completed_on, a.completed_at)):
        by_key.setdefault(a.instrument.key, []).append(a)
    out = {}
    for key, results in by_key.items():
        change = None
        if key == "isi" and len(results) > 1:
            change = scoring.isi_change(results[0].total, results[-1].total)
        out[key] = Trend(key, results, change)
    return out


# --- Therapist notes -----------------------------------------------------------------


class NoteAlreadySaved(Exception):
    """This form added its note before, with the same words: the note it made."""

    def __init__(self, note: TherapistNote) -> None:
        super().__init__(f"already saved as note {note.pk}")
        self.note = note


def add_note(*, patient: User, author: User, text: str, submission_key: str = "") -> TherapistNote:
    """Add a care-team note. The same form sent again (its ``submission_key``, with the
    same words: Back then Save, a double tap) raises NoteAlreadySaved instead of adding it
    twice; the database's unique constraint decides, in a savepoint. Other words under a
    used key are a note of their own, saved without the key."""
    text = text.strip()
    if not text:
        raise AssessmentError("A note needs some text.")
    note, made = create_once(
        TherapistNote, submission_key=submission_key, patient=patient, author=author, text=text
    )
    if not made:
        raise NoteAlreadySaved(note)
    return note


@transaction.atomic
def edit_note(*, note: TherapistNote, by: User, text: str) -> TherapistNote:
    """Keep the old text as a revision, then save the new."""
    text = text.strip()
    if not text:
        raise AssessmentError("A note needs some text.")
    if text == note.text:
        return note
    NoteRevision.objects.create(note=note, text=note.text, edited_by=by)
    note.text = text
    note.save(update_fields=["text", "updated_at"])
    return note

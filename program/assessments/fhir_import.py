"""Questionnaire results and sleep from another system, read from a FHIR R4 file (docs/fhir.md,
"Import").

A therapist uploads, for one of their patients, a FHIR JSON file: a ``Bundle`` (any type)
or a single resource. Each resource is validated with ``fhir.resources``' R4B models and
read into a row of a report:

- a ``QuestionnaireResponse`` of a questionnaire the app knows (its canonical URL ends in
  ``/fhir/Questionnaire/{key}``, as this app's export writes it), every item answered with
  an integer in the scale's range: scored as the patient's own answers would be;
- an ``Observation`` of a questionnaire total (LOINC PHQ-9 ``44261-6``, GAD-7 ``70274-6``,
  or the app's own ``{key}-total`` codes) that is not derived from a response in the file:
  a total, as a clinician enters one from a paper form;
- an ``Observation`` of sleep (LOINC ``93832-4`` sleep duration, or the app's own
  ``total-sleep-time`` and ``time-in-bed`` codes) over an ``effectivePeriod``, its value in a
  UCUM unit of time: kept as sleep from another source beside the diary, never in it (the
  wearables area's periods, program/wearables/actions.py).

Everything else is listed as not imported, with the reason. The file is all or nothing:
one row in error and nothing is saved, so a corrected file can be uploaded again without
doubles; a result already in the record (same questionnaire, day, total and answers) is
not saved twice. Results are kept as entered by the clinician who imported them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from accounts.models import User
from program.assessments import actions
from program.assessments.models import Assessment, Instrument, RiskAlert
from program.enrolment.models import Enrolment
from program.risk import actions as risk
from program.rules import device_sleep, scoring
from program.rules.device_sleep import Period, Stage
from program.wearables import actions as wearables
from program.wearables.models import DeviceSleepPeriod

MAX_BYTES = 2 * 1024 * 1024
MAX_RESOURCES = 2000
LOINC = "http://loinc.org"
LOINC_TOTALS = {"44261-6": "phq9", "70274-6": "gad7"}
LOCAL_SYSTEM_END = "/fhir/CodeSystem/cbti"
QUESTIONNAIRE_PATH = "/fhir/Questionnaire/"
UCUM = "http://unitsofmeasure.org"
# Sleep read beside the diary: the code's stage (a total sleep, or a time in bed).
LOINC_SLEEP = {"93832-4": Stage.ASLEEP}
LOCAL_SLEEP = {"total-sleep-time": Stage.ASLEEP, "time-in-bed": Stage.IN_BED}
# The diary's own measures, which the app works out from a night and never takes from elsewhere.
LOCAL_DIARY_ONLY = {"sleep-onset-latency", "wake-after-sleep-onset", "sleep-efficiency"}
# UCUM units of time, in minutes.
MINUTES_PER_UNIT = {"min": 1.0, "h": 60.0, "s": 1 / 60}
SLEEP_SOURCE = "FHIR import"
SOURCE_MAX = DeviceSleepPeriod._meta.get_field("source").max_length or 100


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not JSON, not FHIR, too large)."""


@dataclass
class Row:
    number: int
    resource: str  # "QuestionnaireResponse/abc"
    what: str = ""  # "PHQ-9 on 3 Dec 2026: total 7"
    problem: str = ""  # a reason the file cannot be imported
    skipped: str = ""  # a reason this resource is not imported (the rest may be)
    saved: bool = False
    duplicate: bool = False
    risk: bool = False
    # What to save: (instrument, completed_on, answers or None, total).
    result: tuple[Instrument, date, dict[str, int] | None, int] | None = field(
        default=None, repr=False
    )
    # Or sleep to keep beside the diary: the periods, and the morning they belong to.
    sleep: list[Period] = field(default_factory=list, repr=False)
    morning: date | None = None


@dataclass
class Report:
    rows: list[Row]

    @property
    def problems(self) -> list[Row]:
        return [r for r in self.rows if r.problem]

    @property
    def saved(self) -> list[Row]:
        return [r for r in self.rows if r.saved]

    @property
    def saved_results(self) -> list[Row]:
        return [r for r in self.rows if r.saved and r.result]

    @property
    def saved_sleep(self) -> list[Row]:
        return [r for r in self.rows if r.saved and r.sleep]

    @property
    def has_sleep(self) -> bool:
        return any(r.sleep for r in self.rows)


def read_entries(raw: bytes) -> list[Any]:
    """The entries of the file, in order: a Bundle's (each checked later: an entry may be
    anything), or the one resource as an entry of its own."""
    if len(raw) > MAX_BYTES:
        raise ImportFileError(
            _("The file is larger than %(mb)s MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(_("This is not a JSON file (%(why)s).") % {"why": exc}) from exc
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
        raise ImportFileError(_("This is not a FHIR resource: it has no resourceType."))
    if data["resourceType"] != "Bundle":
        return [{"resource": data}]
    entries = data.get("entry") or []
    if not isinstance(entries, list):
        raise ImportFileError(_("The bundle's entries are not a list."))
    if len(entries) > MAX_RESOURCES:
        raise ImportFileError(
            _("The bundle holds more than %(n)s resources: split it.") % {"n": MAX_RESOURCES}
        )
    return entries


def _response_refs(entries: list[Any]) -> set[str]:
    """How the file's responses may be referred to: ``QuestionnaireResponse/{id}``, or the
    entry's ``fullUrl`` (``urn:uuid:…``, as this app's export links them)."""
    refs = set()
    for entry in entries:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and resource.get("resourceType") == "QuestionnaireResponse":
            refs.add(f"QuestionnaireResponse/{resource.get('id')}")
            if isinstance(entry.get("fullUrl"), str):
                refs.add(entry["fullUrl"])
    return refs


def _validation_words(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "__root__")
        parts.append(f"{where}: {error.get('msg', '')}" if where else str(error.get("msg", "")))
    return "; ".join(parts)


def _validate(resource: Any) -> tuple[str, str]:
    """(resource type, a problem or '') after validating against FHIR R4B."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        return "?", _("Not a FHIR resource (no resourceType).")
    kind = resource["resourceType"]
    try:
        model = get_fhir_model_class(kind)
    except KeyError:
        return kind, _("%(kind)s is not a FHIR R4 resource type.") % {"kind": kind}
    try:
        model.model_validate(resource)
    except ValidationError as exc:
        return kind, _("Not valid FHIR R4: %(why)s") % {"why": _validation_words(exc)}
    return kind, ""


def _day(value: Any, zone_of: User) -> date | None:
    """The patient's date of a FHIR date or dateTime (an instant is read in their zone)."""
    if not isinstance(value, str) or len(value) < 10:
        return None
    if len(value) == 10:
        return date.fromisoformat(value)
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(zone_of.zone).date()


def _instrument_of_url(url: Any, instruments: dict[str, Instrument]) -> Instrument | None:
    if not isinstance(url, str) or QUESTIONNAIRE_PATH not in url:
        return None
    key = url.split(QUESTIONNAIRE_PATH, 1)[1].split("|", 1)[0].strip("/")
    return instruments.get(key)


def _instrument_of_code(code: Any, instruments: dict[str, Instrument]) -> Instrument | None:
    for coding in (code or {}).get("coding") or []:
        system, value = coding.get("system") or "", coding.get("code") or ""
        if system == LOINC and value in LOINC_TOTALS:
            return instruments.get(LOINC_TOTALS[value])
        if system.endswith(LOCAL_SYSTEM_END) and value.endswith("-total"):
            return instruments.get(value.removesuffix("-total"))
    return None


def _answers(resource: dict[str, Any], instrument: Instrument) -> tuple[dict[str, int], str]:
    scale = instrument.scale
    given: dict[str, int] = {}
    for item in resource.get("item") or []:
        values = [a.get("valueInteger") for a in item.get("answer") or []]
        if len(values) != 1 or not isinstance(values[0], int):
            return {}, _("Item %(key)s has no single whole-number answer.") % {
                "key": item.get("linkId")
            }
        given[str(item.get("linkId"))] = values[0]
    missing = [k for k in scale.item_keys if k not in given]
    if missing:
        return {}, _("Items not answered: %(keys)s.") % {"keys": ", ".join(missing)}
    unknown = sorted(set(given) - set(scale.item_keys))
    if unknown:
        return {}, _("Items this questionnaire does not have: %(keys)s.") % {
            "keys": ", ".join(unknown)
        }
    for key in scale.item_keys:
        if not scale.min_value <= given[key] <= scale.max_value:
            return {}, _("Item %(key)s must be between %(low)s and %(high)s.") % {
                "key": key,
                "low": scale.min_value,
                "high": scale.max_value,
            }
    return given, ""


def _when(value: Any, patient: User, today: date) -> tuple[date | None, str]:
    try:
        day = _day(value, patient)
    except ValueError:
        day = None
    if day is None:
        return None, _("It has no date the app can read.")
    if day > today:
        return None, _("Its date, %(day)s, is in the future.") % {"day": day.isoformat()}
    return day, ""


def _read_response(row: Row, resource: dict[str, Any], patient: User, ctx: dict[str, Any]) -> None:
    instrument = _instrument_of_url(resource.get("questionnaire"), ctx["instruments"])
    if instrument is None:
        row.skipped = _("Not imported: a questionnaire the app does not know (%(url)s).") % {
            "url": resource.get("questionnaire") or "?"
        }
        return
    if resource.get("status") not in ("completed", "amended"):
        row.problem = _("Not completed (status %(status)s).") % {"status": resource.get("status")}
        return
    day, row.problem = _when(resource.get("authored"), patient, ctx["today"])
    answers, why = _answers(resource, instrument)
    row.problem = row.problem or why
    if row.problem or day is None:
        return
    result = scoring.score(instrument.scale, answers)
    row.result = (instrument, day, answers, result.total)
    row.risk = result.risk


def _read_total(row: Row, resource: dict[str, Any], patient: User, ctx: dict[str, Any]) -> None:
    instrument = _instrument_of_code(resource.get("code"), ctx["instruments"])
    if instrument is None:
        row.skipped = _(
            "Not imported: only questionnaire results and sleep are (this is %(what)s)."
        ) % {"what": (resource.get("code") or {}).get("text") or _("another observation")}
        return
    derived = {str(ref.get("reference")) for ref in resource.get("derivedFrom") or []}
    if derived & ctx["responses"]:
        row.skipped = _("Not imported separately: the total of a response in this file.")
        return
    if resource.get("status") not in ("final", "amended", "corrected"):
        row.problem = _("Not final (status %(status)s).") % {"status": resource.get("status")}
        return
    day, row.problem = _when(resource.get("effectiveDateTime"), patient, ctx["today"])
    total = resource.get("valueInteger")
    if total is None:
        total = (resource.get("valueQuantity") or {}).get("value")
    scale = instrument.scale
    if not isinstance(total, int) or isinstance(total, bool):
        row.problem = row.problem or _("The total is not a whole number.")
    elif not scale.min_total <= total <= scale.max_total:
        row.problem = row.problem or _("A %(name)s total must be between %(low)s and %(high)s.") % {
            "name": instrument.short_name,
            "low": scale.min_total,
            "high": scale.max_total,
        }
    if row.problem or day is None or not isinstance(total, int):
        return
    row.result = (instrument, day, None, total)


def _sleep_stage(code: Any) -> Stage | str | None:
    """The stage a sleep observation's code stands for, "diary" for one of the diary's own
    measures, or None for a code that is not about sleep."""
    for coding in (code or {}).get("coding") or []:
        system, value = coding.get("system") or "", coding.get("code") or ""
        if system == LOINC and value in LOINC_SLEEP:
            return LOINC_SLEEP[value]
        if system.endswith(LOCAL_SYSTEM_END) and value in LOCAL_SLEEP:
            return LOCAL_SLEEP[value]
        if system.endswith(LOCAL_SYSTEM_END) and value in LOCAL_DIARY_ONLY:
            return "diary"
    return None


def _instant(value: Any) -> datetime | None:
    """An instant with its offset, or None (a date alone, or a time without a zone)."""
    if not isinstance(value, str) or len(value) <= 10:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _source_name(resource: dict[str, Any]) -> str:
    """Who recorded it: the device's name, else a performer's, else "FHIR import"."""
    names = [(resource.get("device") or {}).get("display")]
    names += [p.get("display") for p in resource.get("performer") or [] if isinstance(p, dict)]
    for name in names:
        if isinstance(name, str) and name.strip():
            return name.strip()[:SOURCE_MAX]
    return SLEEP_SOURCE


def _minutes(quantity: Any) -> tuple[int | None, str]:
    """A valueQuantity of time in whole minutes, or the reason it cannot be read."""
    quantity = quantity if isinstance(quantity, dict) else {}
    value = quantity.get("value")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return None, _("It has no number of minutes (a valueQuantity).")
    unit = quantity.get("code") if quantity.get("system") == UCUM else None
    unit = unit or quantity.get("unit") or quantity.get("code")
    if unit not in MINUTES_PER_UNIT:
        return None, _(
            "Its unit, %(unit)s, is not a time the app can convert (UCUM min, h or s)."
        ) % {"unit": unit or _("none")}
    if value < 0:
        return None, _("Its value is below zero.")
    return round(value * MINUTES_PER_UNIT[str(unit)]), ""


def _read_sleep(
    row: Row, resource: dict[str, Any], stage: Stage, patient: User, ctx: dict[str, Any]
) -> None:
    """A sleep observation: periods beside the diary, assigned to a morning by the rule
    devices follow (program/rules/device_sleep.py).

    The ``effectivePeriod`` is read as the night's time in bed; a total sleep is kept as
    that many minutes asleep from its start (the file says how long, not when).
    """
    if resource.get("status") not in ("final", "amended", "corrected"):
        row.problem = _("Not final (status %(status)s).") % {"status": resource.get("status")}
        return
    period = resource.get("effectivePeriod")
    period = period if isinstance(period, dict) else {}
    start, end = _instant(period.get("start")), _instant(period.get("end"))
    if start is None or end is None:
        row.problem = _(
            "A sleep observation needs an effectivePeriod with a start and an end, each a "
            "date and time with its time zone."
        )
        return
    if end <= start:
        row.problem = _("Its period ends before it starts.")
        return
    minutes, row.problem = _minutes(resource.get("valueQuantity"))
    if minutes is None:
        return
    length = device_sleep.union_minutes([(start, end)])
    if minutes > length + 1:
        row.problem = _("%(minutes)s min is longer than its period (%(length)s min).") % {
            "minutes": minutes,
            "length": length,
        }
        return
    morning = device_sleep.morning_of(start, patient.zone)
    if morning > ctx["today"]:
        row.problem = _("Its date, %(day)s, is in the future.") % {"day": morning.isoformat()}
        return
    if morning < ctx["today"] - timedelta(days=wearables.IMPORT_DAYS):
        row.skipped = _("Not imported: more than %(days)s days before today.") % {
            "days": wearables.IMPORT_DAYS
        }
        return
    source = _source_name(resource)
    kept = min(end, start + timedelta(minutes=minutes))
    row.sleep = [Period(source, Stage.IN_BED, start, end if stage == Stage.ASLEEP else kept)]
    if stage == Stage.ASLEEP:
        row.sleep.append(Period(source, Stage.ASLEEP, start, kept))
    row.morning = morning
    what = (
        _("%(source)s, night to %(day)s: asleep %(minutes)s min of %(length)s in bed")
        if stage == Stage.ASLEEP
        else _("%(source)s, night to %(day)s: %(minutes)s min in bed")
    )
    row.what = what % {
        "source": source,
        "day": morning.isoformat(),
        "minutes": minutes,
        "length": length,
    }


def _read_observation(
    row: Row, resource: dict[str, Any], patient: User, ctx: dict[str, Any]
) -> None:
    stage = _sleep_stage(resource.get("code"))
    if stage == "diary":
        row.skipped = _(
            "Not imported: the diary works this out from a night; only the time in bed and "
            "the total sleep are read, beside the diary."
        )
    elif isinstance(stage, Stage):
        _read_sleep(row, resource, stage, patient, ctx)
    else:
        _read_total(row, resource, patient, ctx)


def check(raw: bytes, patient: User) -> Report:
    """Read and validate the whole file; nothing is saved."""
    entries = read_entries(raw)
    resources: list[Any] = [e.get("resource") if isinstance(e, dict) else None for e in entries]
    ctx = {
        "instruments": actions.current_instruments(),
        "today": patient.local_today(),
        "responses": _response_refs(entries),
    }
    readers = {"QuestionnaireResponse": _read_response, "Observation": _read_observation}
    rows = []
    for number, resource in enumerate(resources, start=1):
        kind, problem = _validate(resource)
        row = Row(number, f"{kind}/{resource.get('id', '') if isinstance(resource, dict) else ''}")
        row.problem = problem
        if not problem and kind in readers:
            readers[kind](row, resource, patient, ctx)
        elif not problem:
            row.skipped = _("Not imported: only questionnaire results and sleep are.")
        if row.result:
            instrument, day, _answers_given, total = row.result
            row.what = _("%(name)s on %(day)s: total %(total)s") % {
                "name": instrument.short_name,
                "day": day.isoformat(),
                "total": total,
            }
        rows.append(row)
    return Report(rows)


@transaction.atomic
def save(report: Report, *, patient: User, by: User, occasion: str) -> Report:
    """Save every row of a report without problems (the caller checked there are none)."""
    if report.problems:
        raise ImportFileError(_("The file has problems: nothing was saved."))
    existing = {
        (a.instrument_id, a.completed_on, a.total, tuple(sorted(a.answers.items())))
        for a in Assessment.objects.filter(patient=patient)
    }
    enrolment = Enrolment.objects.current().filter(patient=patient).first()
    _save_sleep(report, patient=patient, by=by)
    for row in report.rows:
        if row.result is None:
            continue
        instrument, day, answers, total = row.result
        key = (instrument.pk, day, total, tuple(sorted((answers or {}).items())))
        if key in existing:
            row.duplicate = True
            continue
        existing.add(key)
        result = (
            scoring.score(instrument.scale, answers)
            if answers
            else scoring.score_total(instrument.scale, total)
        )
        assessment = Assessment.objects.create(
            patient=patient,
            instrument=instrument,
            enrolment=enrolment,
            occasion=occasion,
            answers=answers or {},
            total=result.total,
            band_code=result.band.code,
            band_rank=result.band.rank,
            risk=result.risk,
            completed_on=day,
            source=Assessment.Source.CLINICIAN,
            entered_by=by,
        )
        row.saved = True
        # An answer from elsewhere is a risk answer like any other: the same workflow.
        if result.risk:
            risk.raise_alert(patient, RiskAlert.Source.PHQ9_ITEM9, assessment=assessment)
        elif answers:
            row.risk = risk.flag_answers(patient, assessment) is not None
    return report


def _save_sleep(report: Report, *, patient: User, by: User) -> None:
    """Keep the sleep rows beside the diary, as a device's export is kept: a period already
    held (same source, stage, start and end) is not stored again (two queries and the
    inserts, whatever the file's length)."""
    rows = [r for r in report.rows if r.sleep and r.morning]
    if not rows:
        return
    mornings = [cast(date, r.morning) for r in rows]
    held = {
        (source, stage, start, end)
        for source, stage, start, end in DeviceSleepPeriod.objects.filter(
            patient=patient, diary_date__range=(min(mornings), max(mornings))
        ).values_list("source", "stage", "start", "end")
    }
    seen: set[frozenset[tuple[str, str, datetime, datetime]]] = set()
    for row in rows:
        keys = frozenset((p.source, p.stage.value, p.start, p.end) for p in row.sleep)
        # Held before this file, or the same observation twice in it.
        row.duplicate = keys <= held or keys in seen
        row.saved = not row.duplicate
        seen.add(keys)
    wearables.import_periods(patient, [p for r in rows for p in r.sleep], by=by)

"""A patient's record as one FHIR R4 ``Bundle`` (the profile: docs/fhir.md).

Built as plain FHIR JSON and validated, resource by resource, by ``fhir.resources``'
R4B models (FHIR 4.3.0: the release the library's pydantic-2 line implements for
R4; R4B changed none of the elements used here, see docs/fhir.md), so an invalid
bundle is an error here rather than a file another system refuses.

What is in it is a fixed profile, not "every field": the patient's name, birth date
and language; each diary night's five metrics; each questionnaire (wording only
where its licence lets it travel) with its answers and total; the sleep-window
history; the medicines and the confirmed taper plans as the prescriber set them.
Left out on purpose: contact details, free text (diary comments, messages, notes of
the care team), safety-screen and risk answers, the app's own suggestions.

A fixed number of queries whatever the size of the record (tests/program/test_fhir.py).
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from accounts.models import User
from program import models as m
from program.rules import instruments, sleep, taper, titration

UCUM = "http://unitsofmeasure.org"
LOINC = "http://loinc.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
TZ_CODE = "http://hl7.org/fhir/StructureDefinition/tz-code"
FHIR_MIME = "application/fhir+json"

# LOINC codes used where one exists ([LOINC-SCORES], [LOINC-SLEEP] in docs/sources.md);
# everything else is coded in the app's own code system, ``local_system()``.
LOINC_TOTALS = {
    "phq9": ("44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]"),
    "gad7": ("70274-6", "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]"),
}
LOINC_SLEEP_DURATION = ("93832-4", "Sleep duration")

# The five measures of a diary night: (local code, display, unit).
NIGHT_METRICS = [
    ("time-in-bed", "Time in bed (into bed to out of bed)", "min"),
    ("total-sleep-time", "Total sleep time", "min"),
    ("sleep-onset-latency", "Sleep onset latency", "min"),
    ("wake-after-sleep-onset", "Wake after sleep onset", "min"),
    ("sleep-efficiency", "Sleep efficiency", "%"),
]

# Questionnaires whose wording the app may hand on (the ones it ships with their wording:
# program/rules/instruments.py); the others travel with the shipped placeholder items,
# never a clinic's licensed copy.
FREE_WORDING = {d["key"] for d in instruments.SHIPPED if d["wording_loaded"]}
SHIPPED_ITEMS = {d["key"]: d["items"] for d in instruments.SHIPPED}

PLAN_STATUS: dict[str, str] = {
    m.TaperPlan.Status.ACTIVE: "active",
    m.TaperPlan.Status.PAUSED: "on-hold",
    m.TaperPlan.Status.FINISHED: "completed",
    m.TaperPlan.Status.CANCELLED: "stopped",
}
COURSE_STATUS: dict[str, str] = {
    m.SleepCourse.Status.SETTING_UP: "draft",
    m.SleepCourse.Status.ACTIVE: "active",
    m.SleepCourse.Status.PAUSED: "on-hold",
    m.SleepCourse.Status.ENDED: "completed",
}


def base_url() -> str:
    return f"{settings.SITE_URL.rstrip('/')}/fhir"


def local_system() -> str:
    """The app's code system for what LOINC has no code for (defined in docs/fhir.md)."""
    return f"{base_url()}/CodeSystem/cbti"


def questionnaire_url(key: str) -> str:
    return f"{base_url()}/Questionnaire/{key}"


def _id(kind: str, pk: object) -> str:
    """A stable id: the same record gets the same id in every export."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{base_url()}/{kind}/{pk}"))


def _ref(kind: str, pk: object) -> dict[str, str]:
    return {"reference": f"urn:uuid:{_id(kind, pk)}"}


def _instant(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _coding(code: str, display: str, system: str | None = None) -> dict[str, str]:
    return {"system": system or local_system(), "code": code, "display": display}


def _category(code: str) -> list[dict[str, Any]]:
    return [{"coding": [{"system": OBSERVATION_CATEGORY, "code": code}]}]


def _mg(value: Decimal) -> dict[str, Any]:
    return {"value": float(value), "unit": "mg", "system": UCUM, "code": "mg"}


def _patient(patient: User) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": _id("Patient", patient.pk),
        "identifier": [{"system": f"{base_url()}/patient-id", "value": str(patient.pk)}],
        "active": patient.is_active,
        "communication": [
            {"language": {"coding": [{"system": "urn:ietf:bcp:47", "code": patient.language}]}}
        ],
    }
    if patient.name:
        resource["name"] = [{"text": patient.name}]
    if patient.date_of_birth:
        resource["birthDate"] = patient.date_of_birth.isoformat()
    return resource


def _night(entry: m.DiaryEntry, subject: dict[str, str]) -> list[dict[str, Any]]:
    zone = [{"url": TZ_CODE, "valueCode": entry.time_zone}]
    values = [
        entry.time_in_bed_min,
        entry.total_sleep_min,
        entry.sleep_latency_min,
        entry.awake_min,
        float(sleep.percent(entry.sleep_efficiency)),
    ]
    resources = []
    for (code, display, unit), value in zip(NIGHT_METRICS, values, strict=True):
        codings = [_coding(code, display)]
        if code == "total-sleep-time":
            codings.insert(0, _coding(*LOINC_SLEEP_DURATION, system=LOINC))
        resources.append(
            {
                "resourceType": "Observation",
                "id": _id(f"Observation/{code}", entry.pk),
                "status": "final",
                "category": _category("survey"),
                "code": {"coding": codings, "text": display},
                "subject": subject,
                "performer": [subject],
                "effectivePeriod": {
                    "start": _instant(entry.into_bed),
                    "_start": {"extension": zone},
                    "end": _instant(entry.out_of_bed),
                    "_end": {"extension": zone},
                },
                "issued": _instant(entry.updated_at),
                "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
                "method": {"text": "Consensus Sleep Diary (Carney et al. 2012), self-report"},
            }
        )
    return resources


def _questionnaire(instrument: m.Instrument) -> dict[str, Any]:
    free = instrument.key in FREE_WORDING
    items = instrument.items if free else SHIPPED_ITEMS.get(instrument.key, [])
    options = [{"valueInteger": o["value"]} for o in instrument.options]
    resource: dict[str, Any] = {
        "resourceType": "Questionnaire",
        "id": _id("Questionnaire", instrument.pk),
        "url": questionnaire_url(instrument.key),
        "version": str(instrument.version),
        "name": instrument.short_name.replace("-", "").replace(" ", ""),
        "title": instrument.name,
        # A placeholder is not the instrument: it is not put forward as usable.
        "status": "active" if free else "draft",
        "subjectType": ["Patient"],
        "copyright": instrument.licence,
        "item": [
            {
                "linkId": item["key"],
                "text": item["text"],
                "type": "choice",
                "answerOption": options,
            }
            for item in items
        ],
    }
    if not free:
        resource["description"] = (
            "Structure and scoring only: the item text is a placeholder, not the "
            "instrument's licensed wording."
        )
    return resource


def _response(assessment: m.Assessment, subject: dict[str, str]) -> dict[str, Any]:
    instrument = assessment.instrument
    order = [item["key"] for item in instrument.items]
    answered = [key for key in order if key in assessment.answers]
    resource: dict[str, Any] = {
        "resourceType": "QuestionnaireResponse",
        "id": _id("QuestionnaireResponse", assessment.pk),
        "questionnaire": f"{questionnaire_url(instrument.key)}|{instrument.version}",
        "status": "completed",
        "subject": subject,
        # When it was filled in: the moment for the patient's own, the day of the paper
        # form (or earlier result) for one a clinician entered later.
        "authored": (
            _instant(assessment.completed_at)
            if assessment.source == m.Assessment.Source.PATIENT
            else assessment.completed_on.isoformat()
        ),
        "item": [
            {"linkId": key, "answer": [{"valueInteger": int(assessment.answers[key])}]}
            for key in answered
        ],
    }
    if assessment.source == m.Assessment.Source.PATIENT:
        resource["source"] = subject
    if not resource["item"]:
        del resource["item"]  # a total entered from a paper form, without its answers
    return resource


def _score(assessment: m.Assessment, subject: dict[str, str]) -> dict[str, Any]:
    instrument = assessment.instrument
    display = f"{instrument.short_name} total score"
    codings = [_coding(f"{instrument.key}-total", display)]
    if instrument.key in LOINC_TOTALS:
        codings.insert(0, _coding(*LOINC_TOTALS[instrument.key], system=LOINC))
    return {
        "resourceType": "Observation",
        "id": _id("Observation/score", assessment.pk),
        "status": "final",
        "category": _category("survey"),
        "code": {"coding": codings, "text": display},
        "subject": subject,
        "effectiveDateTime": assessment.completed_on.isoformat(),
        "issued": _instant(assessment.completed_at),
        "valueInteger": assessment.total,
        "derivedFrom": [_ref("QuestionnaireResponse", assessment.pk)],
    }


def _clock(value: time) -> str:
    return f"{value:%H:%M}"


def _window_status(start: date, end: date | None, today: date) -> str:
    if start > today:
        return "scheduled"
    return "completed" if end is not None and end <= today else "in-progress"


def _care_plan(course: m.SleepCourse, subject: dict[str, str], today: date) -> dict[str, Any]:
    """The sleep-window history: one activity per window, in force from its date until the
    next one's (prescriptions oldest first)."""
    windows = sorted(course.prescriptions.all(), key=lambda p: (p.effective_from, p.created_at))
    activities = []
    for index, p in enumerate(windows):
        following = windows[index + 1] if index + 1 < len(windows) else None
        period: dict[str, str] = {"start": p.effective_from.isoformat()}
        if following is not None and following.effective_from > p.effective_from:
            period["end"] = following.effective_from.isoformat()
        bedtime = titration.bedtime(p.rise_time, p.window_min)
        activities.append(
            {
                "detail": {
                    "code": {
                        "coding": [_coding("sleep-window", "Sleep window (time allowed in bed)")],
                    },
                    "status": _window_status(
                        p.effective_from, following.effective_from if following else None, today
                    ),
                    "scheduledPeriod": period,
                    "description": (
                        f"In bed from {_clock(bedtime)} to {_clock(p.rise_time)} "
                        f"({p.window_min} min); set by: {p.source}."
                    ),
                }
            }
        )
    resource: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": _id("CarePlan", course.pk),
        "status": COURSE_STATUS.get(course.status, "unknown"),
        "intent": "plan",
        "title": f"Sleep restriction: {course.protocol.name} (version {course.protocol.version})",
        "subject": subject,
        "created": _instant(course.created_at),
    }
    if activities:
        resource["activity"] = activities
        resource["period"] = {"start": windows[0].effective_from.isoformat()}
    return resource


def _medicine(medication: m.Medication, subject: dict[str, str]) -> dict[str, Any]:
    return {
        "resourceType": "MedicationStatement",
        "id": _id("MedicationStatement", medication.pk),
        "status": "active" if medication.active else "completed",
        "medicationCodeableConcept": {"text": medication.name},
        "subject": subject,
        "dateAsserted": _instant(medication.created_at),
        "informationSource": subject,
        "dosage": [
            {
                "text": f"Usual dose {taper.format_mg(medication.usual_dose_mg)}",
                "doseAndRate": [{"doseQuantity": _mg(medication.usual_dose_mg)}],
            }
        ],
    }


def _step_text(step: m.TaperStep, until: date | None) -> str:
    text = f"{taper.format_mg(step.dose_mg)} a night from {step.starts_on:%Y-%m-%d}"
    if until is not None:
        text += f" until {until:%Y-%m-%d}"
    if step.drug_free_nights_per_week:
        text += f", with {step.drug_free_nights_per_week} drug-free nights a week"
    return text


def _taper_plan(plan: m.TaperPlan, subject: dict[str, str]) -> dict[str, Any]:
    """A confirmed taper plan as the prescriber set it: a dosage per step, and nothing of
    the app's own suggestions (their notes stay out)."""
    steps = list(plan.steps.all())
    dosages = []
    for index, step in enumerate(steps):
        following = steps[index + 1] if index + 1 < len(steps) else None
        bounds: dict[str, str] = {"start": step.starts_on.isoformat()}
        until = following.starts_on if following is not None else None
        if until is not None:
            bounds["end"] = until.isoformat()
        dosages.append(
            {
                "sequence": index + 1,
                "text": _step_text(step, until),
                "timing": {"repeat": {"boundsPeriod": bounds}},
                "doseAndRate": [{"doseQuantity": _mg(step.dose_mg)}],
            }
        )
    requester = plan.prescriber or (plan.confirmed_by.display_name if plan.confirmed_by else "")
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": _id("MedicationRequest", plan.pk),
        "status": PLAN_STATUS.get(plan.status, "unknown"),
        "intent": "plan",
        "medicationCodeableConcept": {"text": plan.medication.name},
        "subject": subject,
        "dosageInstruction": dosages,
    }
    if plan.confirmed_at:
        resource["authoredOn"] = _instant(plan.confirmed_at)
    if requester:
        resource["requester"] = {"display": requester}
    return resource


def resources(patient: User) -> list[dict[str, Any]]:
    """The bundle's resources, the patient first."""
    subject = _ref("Patient", patient.pk)
    out = [_patient(patient)]
    for entry in m.DiaryEntry.objects.filter(patient=patient).order_by("diary_date"):
        out.extend(_night(entry, subject))
    assessments = list(
        m.Assessment.objects.filter(patient=patient)
        .select_related("instrument")
        .order_by("completed_on", "completed_at")
    )
    used = {a.instrument_id: a.instrument for a in assessments}
    out.extend(_questionnaire(i) for i in sorted(used.values(), key=lambda i: (i.key, i.version)))
    for assessment in assessments:
        out.append(_response(assessment, subject))
        out.append(_score(assessment, subject))
    course = (
        m.SleepCourse.objects.filter(patient=patient)
        .select_related("protocol")
        .prefetch_related("prescriptions")
        .first()
    )
    if course is not None:
        out.append(_care_plan(course, subject, patient.local_today()))
    out.extend(_medicine(med, subject) for med in m.Medication.objects.filter(patient=patient))
    plans = (
        m.TaperPlan.objects.filter(patient=patient, status__in=list(PLAN_STATUS))
        .select_related("medication", "confirmed_by")
        .prefetch_related("steps")
        .order_by("created_at")
    )
    out.extend(_taper_plan(plan, subject) for plan in plans)
    return out


def bundle(patient: User) -> dict[str, Any]:
    """The whole record as a validated FHIR Bundle of type ``collection``."""
    now = timezone.now()
    document = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "meta": {"lastUpdated": _instant(now)},
        "identifier": {"system": f"{base_url()}/export", "value": str(uuid.uuid4())},
        "type": "collection",
        "timestamp": _instant(now),
        "entry": [{"fullUrl": f"urn:uuid:{r['id']}", "resource": r} for r in resources(patient)],
    }
    Bundle.model_validate(document)  # raises on anything R4B does not allow
    return document


def bundle_json(patient: User) -> bytes:
    return json.dumps(bundle(patient), indent=2, ensure_ascii=False).encode()

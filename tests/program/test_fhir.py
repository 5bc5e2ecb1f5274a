"""The FHIR R4 export (program/my_data/fhir.py, docs/fhir.md): the demo patients' whole
bundles validate, the profile holds nothing else, the queries do not grow with the
record, and the three ways to download it follow the access rules."""

from __future__ import annotations

import json
from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from fhir.resources.R4B.bundle import Bundle

from accounts.models import AuditEvent, User
from program.demo.clinic import load_demo
from program.my_data import fhir
from tests.taper_plans import enter_drug_free_nights

PROFILE_TYPES = {
    "Patient",
    "Observation",
    "Questionnaire",
    "QuestionnaireResponse",
    "CarePlan",
    "MedicationStatement",
    "MedicationRequest",
}


def _types(document: dict) -> list[str]:
    return [e["resource"]["resourceType"] for e in document["entry"]]


def test_every_demo_patients_bundle_validates_as_fhir(db) -> None:
    load_demo()
    patients = list(User.objects.patients())
    assert patients
    seen: set[str] = set()
    for patient in patients:
        document = fhir.bundle(patient)
        parsed = Bundle.model_validate_json(json.dumps(document))
        assert parsed.type == "collection"
        assert _types(document)[0] == "Patient"
        assert set(_types(document)) <= PROFILE_TYPES
        seen |= set(_types(document))
    # Between them the demo patients use every kind of resource of the profile.
    assert seen == PROFILE_TYPES


# What docs/fhir.md says each resource may carry, and nothing else.
PROFILE_ELEMENTS = {
    "Patient": {"resourceType", "id", "identifier", "active", "communication", "name",
                "birthDate"},
    "Observation": {"resourceType", "id", "status", "category", "code", "subject", "performer",
                    "effectivePeriod", "effectiveDateTime", "issued", "valueQuantity",
                    "valueInteger", "method", "derivedFrom"},
    "Questionnaire": {"resourceType", "id", "url", "version", "name", "title", "status",
                      "subjectType", "copyright", "item", "description"},
    "QuestionnaireResponse": {"resourceType", "id", "questionnaire", "status", "subject",
                              "authored", "item", "source"},
    "CarePlan": {"resourceType", "id", "status", "intent", "title", "subject", "created",
                 "activity", "period"},
    "MedicationStatement": {"resourceType", "id", "status", "medicationCodeableConcept",
                            "subject", "dateAsserted", "informationSource", "dosage"},
    "MedicationRequest": {"resourceType", "id", "status", "intent", "medicationCodeableConcept",
                          "subject", "dosageInstruction", "authoredOn", "requester"},
}  # fmt: skip


def _by_type(document: dict, kind: str) -> list[dict]:
    return [e["resource"] for e in document["entry"] if e["resource"]["resourceType"] == kind]


def _save_night(patient, day: date, **changes) -> None:
    from program.diary.actions import save_entry
    from tests.nights import night_answers

    save_entry(
        patient=patient,
        diary_date=day,
        changed_by=patient,
        enforce_backfill=False,
        answers=night_answers(**changes),
    )


def _taper(patient, therapist, *, confirm: bool = True):
    from decimal import Decimal

    from program.medication.actions import confirm_plan, create_draft
    from program.models import Medication

    medicine = Medication.objects.create(
        patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
    )
    plan = create_draft(
        patient=patient,
        medication=medicine,
        template_key="morin04",
        start_dose=Decimal(10),
        start_on=date(2026, 11, 10),
        strengths=[Decimal(2), Decimal(5)],
        scored=[],
        by=therapist,
    )
    if confirm:
        enter_drug_free_nights(plan, therapist)
        confirm_plan(plan=plan, by=therapist)
    return plan


def test_nothing_beyond_the_profile_travels(patient, therapist) -> None:
    """The app records one consent (data use and the therapist's access: consent_given_at),
    none to hand on contact details or free text; so the bundle holds the documented
    elements only, and no words anyone typed."""
    from program.assessments import actions as assessments
    from program.models import Message, TaperPlan

    patient.name = "Ada"
    patient.date_of_birth = date(1970, 5, 1)
    patient.save()
    _save_night(patient, date(2026, 11, 20), comments="SECRET diary words")
    Message.objects.create(patient=patient, sender=patient, text="SECRET message words")
    assessments.add_note(patient=patient, author=therapist, text="SECRET note words")
    plan = _taper(patient, therapist)
    TaperPlan.objects.filter(pk=plan.pk).update(
        notes="SECRET plan notes", conversion_note="SECRET conversion"
    )
    plan.steps.update(note="SECRET step note")
    body = fhir.bundle_json(patient).decode()
    assert "SECRET" not in body
    assert patient.email not in body
    assert therapist.email not in body
    document = json.loads(body)
    for entry in document["entry"]:
        resource = entry["resource"]
        assert set(resource) <= PROFILE_ELEMENTS[resource["resourceType"]], resource
    (person,) = _by_type(document, "Patient")
    assert person["name"] == [{"text": "Ada"}]
    assert person["birthDate"] == "1970-05-01"


def test_a_draft_taper_plan_is_not_the_prescribers_plan(patient, therapist) -> None:
    _taper(patient, therapist, confirm=False)
    document = fhir.bundle(patient)
    assert _by_type(document, "MedicationRequest") == []
    assert len(_by_type(document, "MedicationStatement")) == 1


def test_a_confirmed_plan_has_a_dosage_per_step(patient, therapist) -> None:
    plan = _taper(patient, therapist)
    steps = list(plan.steps.all())
    (request,) = _by_type(fhir.bundle(patient), "MedicationRequest")
    assert request["status"] == "active" and request["intent"] == "plan"
    dosages = request["dosageInstruction"]
    assert len(dosages) == len(steps)
    for dosage, step in zip(dosages, steps, strict=True):
        assert dosage["doseAndRate"][0]["doseQuantity"]["value"] == float(step.dose_mg)
        assert dosage["doseAndRate"][0]["doseQuantity"]["code"] == "mg"
        assert dosage["timing"]["repeat"]["boundsPeriod"]["start"] == step.starts_on.isoformat()


def test_a_night_is_five_observations_in_ucum_and_utc(patient) -> None:
    patient.time_zone = "Europe/Berlin"
    patient.save()
    _save_night(patient, date(2026, 11, 20))  # in bed 23:00 to 06:30 Berlin time
    observations = _by_type(fhir.bundle(patient), "Observation")
    by_code = {o["code"]["coding"][-1]["code"]: o for o in observations}
    assert set(by_code) == {code for code, _, _ in fhir.NIGHT_METRICS}
    values = {code: o["valueQuantity"]["value"] for code, o in by_code.items()}
    # 450 min in bed; asleep from 23:10 to 06:00 less 10 awake: 400 (88.9 %).
    assert values == {
        "time-in-bed": 450,
        "total-sleep-time": 400,
        "sleep-onset-latency": 10,
        "wake-after-sleep-onset": 10,
        "sleep-efficiency": 88.9,
    }
    tst = by_code["total-sleep-time"]
    assert tst["code"]["coding"][0] == {
        "system": "http://loinc.org",
        "code": "93832-4",
        "display": "Sleep duration",
    }
    assert tst["valueQuantity"]["system"] == "http://unitsofmeasure.org"
    assert by_code["sleep-efficiency"]["valueQuantity"]["code"] == "%"
    period = tst["effectivePeriod"]
    assert period["start"] == "2026-11-19T22:00:00Z"
    assert period["end"] == "2026-11-20T05:30:00Z"
    assert period["_start"]["extension"][0]["valueCode"] == "Europe/Berlin"


def test_questionnaires_keep_licensed_wording_at_home(patient, therapist) -> None:
    """PHQ-9 travels with its published wording and LOINC code; the ISI with its placeholder
    even where the clinic has loaded its licensed copy, and a local code (no LOINC code for
    the ISI total could be verified: docs/fhir.md)."""
    from program.assessments import actions as assessments

    instruments = assessments.ensure_instruments()
    isi = instruments["isi"]
    isi.items = [{"key": i["key"], "text": "LICENSED wording"} for i in isi.items]
    isi.wording_loaded = True
    isi.save()
    answers = {item["key"]: 1 for item in instruments["phq9"].items}
    assessments.submit(
        patient=patient,
        instrument=instruments["phq9"],
        answers={**answers, "phq9": 0},
        occasion=assessments.Occasion("phq9", "baseline", date(2026, 11, 20)),
        enrolment=None,
        today=date(2026, 11, 20),
    )
    assessments.record_result(
        patient=patient,
        instrument=isi,
        total=18,
        completed_on=date(2026, 11, 20),
        occasion="baseline",
        by=therapist,
    )
    document = fhir.bundle(patient)
    body = json.dumps(document)
    assert "LICENSED" not in body
    questionnaires = {q["url"].rsplit("/", 1)[-1]: q for q in _by_type(document, "Questionnaire")}
    assert questionnaires["isi"]["status"] == "draft"
    assert "placeholder" in questionnaires["isi"]["description"]
    assert questionnaires["phq9"]["status"] == "active"
    assert (
        questionnaires["phq9"]["item"][0]["text"] == "Little interest or pleasure in doing things"
    )
    scores = {
        o["code"]["coding"][-1]["code"]: o
        for o in _by_type(document, "Observation")
        if "valueInteger" in o
    }
    assert scores["phq9-total"]["code"]["coding"][0]["code"] == "44261-6"
    assert scores["phq9-total"]["valueInteger"] == 8
    assert scores["isi-total"]["valueInteger"] == 18
    assert all(c["system"] != "http://loinc.org" for c in scores["isi-total"]["code"]["coding"])
    responses = _by_type(document, "QuestionnaireResponse")
    phq = next(r for r in responses if "phq9" in r["questionnaire"])
    assert phq["questionnaire"] == f"{questionnaires['phq9']['url']}|1"
    assert len(phq["item"]) == 9


def test_the_therapists_download_is_audited(patient, therapist, other_therapist) -> None:
    from django.urls import reverse

    from tests.conftest import client_for

    _save_night(patient, date(2026, 11, 20))
    url = reverse("program:patient_fhir", args=[patient.pk])
    response = client_for(therapist).get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/fhir+json"
    Bundle.model_validate_json(response.content)
    assert AuditEvent.objects.filter(actor=therapist, patient=patient, path=url).exists()
    assert client_for(other_therapist).get(url).status_code == 404


def test_the_patients_own_download(patient) -> None:
    from django.urls import reverse

    from tests.conftest import reauthenticated_client_for

    _save_night(patient, date(2026, 11, 20))
    response = reauthenticated_client_for(patient).get(reverse("program:my_data_fhir"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.fhir.json"')
    Bundle.model_validate_json(response.content)
    assert not AuditEvent.objects.filter(patient=patient).exists()


def test_the_bundle_costs_the_same_queries_for_7_and_60_nights(patient, therapist) -> None:
    from program.assessments import actions as assessments

    _taper(patient, therapist)
    isi = assessments.ensure_instruments()["isi"]
    first = date(2026, 9, 1)

    def nights(start: int, end: int) -> None:
        for n in range(start, end):
            _save_night(patient, first + timedelta(days=n))
            if n % 7 == 0:
                assessments.record_result(
                    patient=patient,
                    instrument=isi,
                    total=15,
                    completed_on=first + timedelta(days=n),
                    occasion=f"week-{n // 7}",
                    by=therapist,
                )

    def count() -> int:
        patient.refresh_from_db()
        with CaptureQueriesContext(connection) as ctx:
            document = fhir.bundle(patient)
        return len(ctx.captured_queries), len(document["entry"])

    nights(0, 7)
    week, week_entries = count()
    nights(7, 60)
    months, months_entries = count()
    assert months_entries > week_entries
    assert week == months, f"{week} queries with 7 nights, {months} with 60"
    assert week <= 8


def test_the_same_record_gets_the_same_ids_in_every_export(patient) -> None:
    _save_night(patient, date(2026, 11, 20))
    a, b = fhir.bundle(patient), fhir.bundle(patient)
    assert [e["fullUrl"] for e in a["entry"]] == [e["fullUrl"] for e in b["entry"]]
    assert a["identifier"] != b["identifier"]

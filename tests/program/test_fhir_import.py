"""Questionnaire results imported from another system's FHIR file (issue 23, part 1;
program/assessments/fhir_import.py): all or nothing, a report row by row, no doubles, a
risk answer starts the risk workflow, and every sentence the page says is what it did."""

from __future__ import annotations

import json
from datetime import date, timedelta

import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from program.assessments import actions as assessments
from program.assessments.models import Assessment, RiskAlert
from program.my_data import fhir

TODAY = date(2026, 11, 20)


def _submit(patient: User, key: str, value: int, *, item9: int = 0) -> Assessment:
    instrument = assessments.ensure_instruments()[key]
    answers = {item["key"]: value for item in instrument.items}
    if key == "phq9":
        answers["phq9"] = item9
    return assessments.submit(
        patient=patient,
        instrument=instrument,
        answers=answers,
        occasion=assessments.Occasion(key, "baseline", TODAY),
        enrolment=None,
        today=TODAY,
    )


def _upload(client, patient: User, document: object, occasion: str = "baseline"):  # type: ignore[no-untyped-def]
    body = document if isinstance(document, bytes) else json.dumps(document).encode()
    return client.post(
        reverse("program:import_fhir", args=[patient.pk]),
        {
            "file": SimpleUploadedFile("record.json", body, "application/fhir+json"),
            "occasion": occasion,
        },
    )


def _response(
    items: dict[str, int], *, authored: str = "2026-11-18", status: str = "completed"
) -> dict:
    return {
        "resourceType": "QuestionnaireResponse",
        "id": "r1",
        "questionnaire": "https://other.example/fhir/Questionnaire/phq9|1",
        "status": status,
        "authored": authored,
        "item": [{"linkId": k, "answer": [{"valueInteger": v}]} for k, v in items.items()],
    }


def _phq9_items(value: int, item9: int = 0) -> dict[str, int]:
    instrument = assessments.ensure_instruments()["phq9"]
    return {**{item["key"]: value for item in instrument.items}, "phq9": item9}


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_another_installations_export_imports_into_a_patients_record(
    therapist_client, patient: User, other_patient: User
) -> None:
    _submit(patient, "phq9", 1)
    _submit(patient, "gad7", 2)
    document = fhir.bundle(patient)  # as another installation of the app writes it

    response = _upload(therapist_client, other_patient, document)

    imported = Assessment.objects.filter(patient=other_patient).order_by("instrument__key")
    assert [(a.instrument.key, a.total, a.occasion) for a in imported] == [
        ("gad7", 14, "baseline"),
        ("phq9", 8, "baseline"),
    ]
    assert imported[1].answers == _phq9_items(1)
    assert all(a.source == Assessment.Source.CLINICIAN for a in imported)
    page = response.content.decode()
    assert "Saved 2 results to the record of" in page
    # The totals derived from the two responses, the patient and the questionnaires are
    # listed, not imported a second time.
    assert "the total of a response in this file" in page
    assert "Not imported: only questionnaire results are." in page

    # The same file again: nothing is doubled, and the page says why.
    again = _upload(therapist_client, other_patient, document).content.decode()
    assert Assessment.objects.filter(patient=other_patient).count() == 2
    assert "Saved 0 results" in again
    assert again.count("Already in the record:") == 2


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_one_bad_resource_and_nothing_is_saved(therapist_client, patient: User) -> None:
    good = _response(_phq9_items(1))
    incomplete = {**_response({"phq1": 1}), "id": "r2"}
    not_fhir = {"resourceType": "Observation", "id": "o1", "status": "not-a-status"}
    document = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": good}, {"resource": incomplete}, {"resource": not_fhir}],
    }

    page = _upload(therapist_client, patient, document, occasion="week-2").content.decode()

    assert not Assessment.objects.filter(patient=patient).exists()
    assert "Nothing was saved: 2 resources in the file have a problem." in page
    assert "Items not answered:" in page
    assert "Not valid FHIR R4:" in page
    # What was chosen on the form is still chosen.
    assert '<option value="week-2" selected>' in page


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_a_risk_answer_from_elsewhere_starts_the_risk_workflow(
    therapist_client, patient: User
) -> None:
    page = _upload(therapist_client, patient, _response(_phq9_items(0, item9=2))).content.decode()

    assessment = Assessment.objects.get(patient=patient)
    assert assessment.risk
    alert = RiskAlert.objects.get(patient=patient)
    assert alert.assessment == assessment
    assert "a risk alert was raised" in page


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_a_total_on_its_own_is_kept_as_a_clinicians_total(therapist_client, patient: User) -> None:
    observation = {
        "resourceType": "Observation",
        "id": "t1",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "70274-6"}]},
        "effectiveDateTime": "2026-11-02",
        "valueInteger": 11,
    }
    page = _upload(therapist_client, patient, observation).content.decode()

    assessment = Assessment.objects.get(patient=patient)
    assert (assessment.instrument.key, assessment.total, assessment.completed_on) == (
        "gad7",
        11,
        date(2026, 11, 2),
    )
    assert assessment.answers == {}
    assert "Saved 1 result to the record of" in page


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_dates_in_the_future_and_files_that_are_not_fhir_are_refused(
    therapist_client, patient: User
) -> None:
    future = (TODAY + timedelta(days=3)).isoformat()
    page = _upload(therapist_client, patient, _response(_phq9_items(1), authored=future))
    assert f"Its date, {future}, is in the future." in page.content.decode()
    assert (
        "This is not a JSON file" in _upload(therapist_client, patient, b"<xml/>").content.decode()
    )
    assert "it has no resourceType" in _upload(therapist_client, patient, [1, 2]).content.decode()
    too_big = b" " * (2 * 1024 * 1024 + 1)
    assert "larger than 2 MB" in _upload(therapist_client, patient, too_big).content.decode()
    assert not Assessment.objects.filter(patient=patient).exists()


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_an_instant_is_read_on_the_patients_own_calendar(therapist_client, patient: User) -> None:
    patient.time_zone = "Pacific/Auckland"
    patient.save(update_fields=["time_zone"])
    # 23:30 UTC on 17 November is already the 18th in Auckland.
    _upload(therapist_client, patient, _response(_phq9_items(1), authored="2026-11-17T23:30:00Z"))
    assert Assessment.objects.get(patient=patient).completed_on == date(2026, 11, 18)


def test_the_page_costs_the_same_queries_for_a_long_file(therapist_client, patient: User) -> None:
    def queries(count: int) -> int:
        document = {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"resource": {**_response({"phq1": 1}), "id": f"r{i}"}} for i in range(count)
            ],
        }
        with CaptureQueriesContext(connection) as ctx:
            _upload(therapist_client, patient, document)
        return len(ctx.captured_queries)

    queries(1)  # the questionnaires are set up on the first use
    assert queries(2) == queries(40)

"""Questionnaire results and sleep imported from another system's FHIR file (issue 23,
part 1; program/assessments/fhir_import.py): all or nothing, a report row by row, no
doubles, a risk answer starts the risk workflow, sleep kept beside the diary (never in it),
and every sentence the page says is what it did."""

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
from program.diary.actions import save_entry
from program.models import DeviceSleepPeriod, DiaryEntry
from program.my_data import fhir
from program.wearables import actions as wearables
from tests.conftest import client_for
from tests.nights import night_answers

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


def _upload(client, patient: User, document: object, occasion: str = "baseline"):
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
    assert "Not imported: only questionnaire results and sleep are." in page

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


# Sleep observations: beside the diary, never in it (docs/fhir.md, "Import"; docs/wearables.md).


def _sleep(
    *,
    code: tuple[str, str] = ("http://loinc.org", "93832-4"),
    start: str | None = "2026-11-17T23:00:00+00:00",
    end: str | None = "2026-11-18T07:00:00+00:00",
    value: float = 7,
    unit: str = "h",
    number: int = 1,
    **extra: object,
) -> dict:
    resource: dict = {
        "resourceType": "Observation",
        "id": f"s{number}",
        "status": "final",
        "code": {"coding": [{"system": code[0], "code": code[1]}], "text": "Sleep duration"},
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
        **extra,
    }
    if start is not None and end is not None:
        resource["effectivePeriod"] = {"start": start, "end": end}
    return resource


def _bundle(*resources: dict) -> dict:
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": r} for r in resources],
    }


def _periods(patient: User) -> list[tuple[str, str, int, date]]:
    return sorted(
        (p.source, p.stage, int((p.end - p.start).total_seconds() // 60), p.diary_date)
        for p in DeviceSleepPeriod.objects.filter(patient=patient)
    )


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_this_apps_own_nights_go_beside_another_patients_diary(
    therapist, therapist_client, patient: User, other_patient: User
) -> None:
    for day in (date(2026, 11, 17), date(2026, 11, 18)):
        save_entry(
            patient=patient,
            diary_date=day,
            answers=night_answers(),
            changed_by=patient,
            today=TODAY,
            enforce_backfill=False,
        )
    entry = DiaryEntry.objects.filter(patient=patient).first()
    assert entry is not None
    in_bed, asleep = entry.time_in_bed_min, entry.total_sleep_min
    assert (in_bed, asleep) == (450, 400)
    document = fhir.bundle(patient)  # as another installation of the app writes it

    page = _upload(therapist_client, other_patient, document).content.decode()

    # Time in bed and total sleep of each night; in bed is one period for both codes.
    assert _periods(other_patient) == [
        ("FHIR import", "asleep", 400, date(2026, 11, 17)),
        ("FHIR import", "asleep", 400, date(2026, 11, 18)),
        ("FHIR import", "in_bed", 450, date(2026, 11, 17)),
        ("FHIR import", "in_bed", 450, date(2026, 11, 18)),
    ]
    assert "Added 4 sleep observations beside the diary of" in page
    assert "FHIR import, night to 2026-11-18: asleep 400 min of 450 in bed" in page
    assert "the diary works this out from a night" in page  # latency, WASO, efficiency
    # Never into the diary.
    assert not DiaryEntry.objects.filter(patient=other_patient).exists()
    diary = therapist_client.get(reverse("program:patient_diary", args=[other_patient.pk]))
    text = diary.content.decode()
    assert "FHIR import" in text
    assert reverse("program:import_fhir", args=[other_patient.pk]) in text  # found from here
    assert "7h 30m" in text and "6h 40m" in text

    # The same file again (a re-exported record): nothing doubles, the page says why.
    again = _upload(therapist_client, other_patient, document).content.decode()
    assert DeviceSleepPeriod.objects.filter(patient=other_patient).count() == 4
    assert "Added 0 sleep observations" in again
    assert again.count("Already in the record: FHIR import, night to") == 4


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_a_loinc_sleep_duration_in_hours_from_another_device(
    therapist_client, patient: User
) -> None:
    observation = _sleep(value=7.5, unit="h", device={"display": "Oura Ring"})
    observation["effectivePeriod"]["end"] = "2026-11-18T07:30:00+00:00"
    twice = {**observation, "id": "copy"}  # the same night sent twice in one file

    page = _upload(therapist_client, patient, _bundle(observation, twice)).content.decode()

    assert _periods(patient) == [
        ("Oura Ring", "asleep", 450, date(2026, 11, 18)),
        ("Oura Ring", "in_bed", 510, date(2026, 11, 18)),
    ]
    assert "Added 1 sleep observation beside the diary of" in page
    assert "Saved: Oura Ring, night to 2026-11-18: asleep 450 min of 510 in bed" in page
    assert "Already in the record: Oura Ring, night to 2026-11-18" in page
    night = wearables.nights_for(patient, date(2026, 11, 18), date(2026, 11, 18))
    assert (night[date(2026, 11, 18)].in_bed_min, night[date(2026, 11, 18)].asleep_min) == (
        510,
        450,
    )


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_a_unit_that_is_not_a_time_or_no_period_and_nothing_is_saved(
    therapist_client, patient: User
) -> None:
    document = _bundle(
        _response(_phq9_items(1)),
        _sleep(number=1),  # good
        _sleep(number=2, unit="kg"),
        _sleep(number=3, start=None, end=None, effectiveDateTime="2026-11-18T07:00:00Z"),
        _sleep(number=4, start="2026-11-17", end="2026-11-18"),
        _sleep(number=5, value=9),  # 9 hours in an 8-hour period
    )

    page = _upload(therapist_client, patient, document).content.decode()

    assert "Nothing was saved: 4 resources in the file have a problem." in page
    assert "Its unit, kg, is not a time the app can convert (UCUM min, h or s)." in page
    assert page.count("needs an effectivePeriod with a start and an end") == 2
    assert "540 min is longer than its period (480 min)." in page
    assert not DeviceSleepPeriod.objects.filter(patient=patient).exists()
    assert not Assessment.objects.filter(patient=patient).exists()


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_the_night_the_clocks_go_back_belongs_to_its_morning(
    therapist_client, patient: User
) -> None:
    patient.time_zone = "Europe/London"
    patient.save(update_fields=["time_zone"])
    # 23:10 BST on 24 October to 07:05 GMT on the 25th: 535 minutes elapsed.
    autumn = _sleep(
        code=("https://cbti.example/fhir/CodeSystem/cbti", "time-in-bed"),
        start="2026-10-24T23:10:00+01:00",
        end="2026-10-25T07:05:00Z",
        value=535,
        unit="min",
    )
    # 15:30 in London is before the 16:00 pivot: that day's morning, not the next.
    nap = _sleep(
        number=2,
        code=("https://cbti.example/fhir/CodeSystem/cbti", "time-in-bed"),
        start="2026-11-18T15:30:00Z",
        end="2026-11-18T16:30:00Z",
        value=60,
        unit="min",
    )

    _upload(therapist_client, patient, _bundle(autumn, nap))

    assert _periods(patient) == [
        ("FHIR import", "in_bed", 60, date(2026, 11, 18)),
        ("FHIR import", "in_bed", 535, date(2026, 10, 25)),
    ]


@time_machine.travel("2026-11-20 12:00Z", tick=False)
def test_hidden_from_the_patient_still_imports_and_the_page_says_so(
    therapist, therapist_client, patient: User
) -> None:
    wearables.set_hidden_from_patient(patient, True, by=therapist)

    page = _upload(therapist_client, patient, _sleep()).content.decode()

    assert len(_periods(patient)) == 2
    assert "you see these figures, the patient does not" in page
    own = client_for(patient).get(reverse("program:diary")).content.decode()
    assert "Your therapist has chosen to keep your device" in own
    assert "FHIR import" not in own
    wearables.set_hidden_from_patient(patient, False, by=therapist)
    shown = client_for(patient).get(reverse("program:diary")).content.decode()
    assert "FHIR import" in shown


def test_checking_sleep_costs_the_same_queries_for_a_long_file(
    therapist_client, patient: User
) -> None:
    def queries(count: int, unit: str) -> int:
        document = _bundle(
            *(
                _sleep(
                    number=i,
                    unit=unit,
                    start=f"2026-10-{i + 1:02d}T23:00:00Z",
                    end=f"2026-10-{i + 2:02d}T06:00:00Z",
                )
                for i in range(count)
            )
        )
        with CaptureQueriesContext(connection) as ctx:
            _upload(therapist_client, patient, document)
        return len(ctx.captured_queries)

    with time_machine.travel("2026-11-20 12:00Z", tick=False):
        queries(1, "kg")  # the questionnaires are set up on the first use
        # A file with problems: only checked.
        assert queries(2, "kg") == queries(28, "kg")
        # A good file: checked and saved.
        assert queries(2, "h") == queries(28, "h")

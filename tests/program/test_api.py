"""The JSON API: tokens, the diary's rules and messages, and who may see what."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from accounts.tokens import issue_token, revoke_token
from program.api import api
from program.medication.actions import DoseIn, confirm_plan, create_draft, record_night
from program.models import DiaryEntry, Medication
from tests.conftest import client_for
from tests.taper_plans import enter_drug_free_nights

NIGHT = {
    "diary_date": "2026-11-25",
    "into_bed": "22:45",
    "lights_off": "23:00",
    "sleep_latency_min": 30,
    "awakenings": 2,
    "awake_min": 40,
    "final_wake": "06:20",
    "out_of_bed": "06:30",
    "quality": 3,
}


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def bearer(user) -> dict[str, str]:
    _, token = issue_token(user, "test")
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def post(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_the_schema_is_published(db) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/patients/{patient_id}/diary" in schema["paths"]


def test_a_patient_with_a_token_creates_and_reads_an_entry(patient) -> None:
    client, auth = Client(), bearer(patient)
    response = post(client, f"/api/v1/patients/{patient.pk}/diary", NIGHT, **auth)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["time_in_bed_min"] == 465
    assert body["total_sleep_min"] == 370
    assert round(body["sleep_efficiency"], 1) == 79.6
    assert body["terminal_wake_min"] == 10
    assert body["into_bed"] == "2026-11-24T22:45:00Z"  # London is on UTC in November
    listed = client.get(f"/api/v1/patients/{patient.pk}/diary", **auth).json()
    assert [e["diary_date"] for e in listed] == ["2026-11-25"]


def test_explicit_local_datetimes_are_taken_as_given(patient) -> None:
    night = {
        **NIGHT,
        "into_bed": "2026-11-25T09:00",
        "lights_off": "2026-11-25T09:00",
        "final_wake": "2026-11-25T15:30",
        "out_of_bed": "2026-11-25T15:45",
    }
    response = post(Client(), f"/api/v1/patients/{patient.pk}/diary", night, **bearer(patient))
    assert response.status_code == 201, response.content
    assert response.json()["time_in_bed_min"] == 405


def test_updating_an_entry_keeps_a_revision(patient) -> None:
    client, auth = Client(), bearer(patient)
    post(client, f"/api/v1/patients/{patient.pk}/diary", NIGHT, **auth)
    response = client.put(
        f"/api/v1/patients/{patient.pk}/diary/2026-11-25",
        json.dumps({**NIGHT, "awake_min": 10}),
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.content
    assert response.json()["total_sleep_min"] == 400
    assert DiaryEntry.objects.get().revisions.count() == 1


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"out_of_bed": "06:00"}, "out_of_bed", "before your final awakening"),
        ({"sleep_latency_min": 300, "awake_min": 200}, "awake_min", "more than the 440 minutes"),
        ({"diary_date": "2026-11-26"}, "diary_date", "hasn't come yet"),
        ({"sleep_latency_min": -1}, "sleep_latency_min", "greater than or equal to 0"),
        ({"into_bed": "late"}, "into_bed", ""),
        ({"quality": 7}, "quality", "less than or equal to 5"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(patient, change, field, words) -> None:
    response = post(
        Client(), f"/api/v1/patients/{patient.pk}/diary", {**NIGHT, **change}, **bearer(patient)
    )
    assert response.status_code == 422, response.content
    detail = response.json()["detail"]
    assert any(field in map(str, d["loc"]) and words in d["msg"] for d in detail), detail
    assert not DiaryEntry.objects.exists()


def test_a_second_entry_for_the_same_morning_is_a_422(patient) -> None:
    client, auth = Client(), bearer(patient)
    post(client, f"/api/v1/patients/{patient.pk}/diary", NIGHT, **auth)
    again = post(client, f"/api/v1/patients/{patient.pk}/diary", NIGHT, **auth)
    assert again.status_code == 422
    assert "already an entry" in again.content.decode()


def test_weekly_metrics_use_the_ratio_of_sums(patient) -> None:
    client, auth = Client(), bearer(patient)
    post(
        client,
        f"/api/v1/patients/{patient.pk}/diary",
        {
            **NIGHT,
            "diary_date": "2026-11-24",
            "into_bed": "22:00",
            "lights_off": "22:00",
            "sleep_latency_min": 0,
            "awakenings": 1,
            "awake_min": 240,
            "final_wake": "06:00",
            "out_of_bed": "06:00",
        },
        **auth,
    )
    post(
        client,
        f"/api/v1/patients/{patient.pk}/diary",
        {
            **NIGHT,
            "into_bed": "23:00",
            "lights_off": "23:00",
            "sleep_latency_min": 0,
            "awakenings": 0,
            "awake_min": 0,
            "final_wake": "06:00",
            "out_of_bed": "06:00",
        },
        **auth,
    )
    weeks = client.get(
        f"/api/v1/patients/{patient.pk}/metrics/weekly?from=2026-11-20", **auth
    ).json()
    assert len(weeks) == 1
    assert weeks[0]["nights"] == 2
    # 100 × 660 / 900 = 73.33…, to one decimal as every page shows it.
    assert weeks[0]["sleep_efficiency"] == 73.3
    nightly = client.get(f"/api/v1/patients/{patient.pk}/metrics/nightly", **auth).json()
    assert [round(n["sleep_efficiency"]) for n in nightly] == [50, 100]


def test_a_range_the_wrong_way_round_is_empty(patient) -> None:
    client, auth = Client(), bearer(patient)
    post(client, f"/api/v1/patients/{patient.pk}/diary", NIGHT, **auth)
    response = client.get(
        f"/api/v1/patients/{patient.pk}/diary?from=2026-11-26&to=2026-11-01", **auth
    )
    assert response.status_code == 200
    assert response.json() == []


def test_a_number_is_not_a_date(patient) -> None:
    response = Client().get(f"/api/v1/patients/{patient.pk}/diary?to=0", **bearer(patient))
    assert response.status_code == 422


def test_bad_and_revoked_tokens_are_refused(patient) -> None:
    client = Client()
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer nonsense").status_code == 401
    record, token = issue_token(patient, "phone")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    revoke_token(patient, record.pk)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    patient.is_active = False
    patient.save()
    _, fresh = issue_token(patient, "again")
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {fresh}").status_code == 401


def test_the_browser_session_works_too_with_csrf(patient) -> None:
    client = client_for(patient)
    assert client.get("/api/v1/me").json()["email"] == patient.email
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(patient, backend="allauth.account.auth_backends.AuthenticationBackend")
    refused = post(strict, f"/api/v1/patients/{patient.pk}/diary", NIGHT)
    assert refused.status_code in (401, 403)
    assert not DiaryEntry.objects.exists()


def _taper(patient, therapist):
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
    enter_drug_free_nights(plan, therapist)
    confirm_plan(plan=plan, by=therapist)
    return medicine, plan


def test_medication_list_plan_and_weekly_figures(patient, therapist) -> None:
    medicine, _plan = _taper(patient, therapist)
    client, auth = Client(), bearer(patient)
    assert client.get(f"/api/v1/patients/{patient.pk}/taper-plan", **auth).status_code == 200
    saved = post(client, f"/api/v1/patients/{patient.pk}/diary", NIGHT, **auth).json()
    assert saved["diary_date"] == "2026-11-25"
    entry = DiaryEntry.objects.get()
    record_night(
        entry=entry, answer="other", doses=[DoseIn(medicine, Decimal(10))], changed_by=patient
    )
    listed = client.get(f"/api/v1/patients/{patient.pk}/medications", **auth).json()
    assert listed == [
        {
            "id": medicine.pk,
            "name": "diazepam",
            "strengths_mg": ["2", "5"],
            "usual_dose_mg": "10.000",
            "active": True,
        }
    ]
    body = client.get(f"/api/v1/patients/{patient.pk}/taper-plan", **bearer(therapist)).json()
    assert body["status"] == "active"
    assert body["current_step"]["dose_mg"] == "8.000"  # from 24 Nov, 2 weeks after 10 Nov
    assert body["next_step"]["starts_on"] == "2026-12-08"
    assert body["confirmed_by"] == "Dr Tess Ward"
    weekly = client.get(f"/api/v1/patients/{patient.pk}/medication/weekly", **auth).json()
    assert weekly["medication"] == "diazepam"
    [week] = weekly["weeks"]
    assert week["nights_with_medication"] == 1
    assert week["nights_above_plan"] + week["nights_at_previous_step"] == 1
    assert week["percent_of_start"] == "100.0"
    assert week["sleep_efficiency"] == 79.6  # 79.57…, to one decimal as the pages show it


def test_no_plan_in_force_is_a_404(patient) -> None:
    response = Client().get(f"/api/v1/patients/{patient.pk}/taper-plan", **bearer(patient))
    assert response.status_code == 404


# Who may call what: every operation in the schema, as each persona.
PERSONAS = ["anonymous", "patient", "other_patient", "therapist", "other_therapist", "admin"]
# fmt: off
API_ROWS = {
    #  (method, path)                                        anon patient other_p ther other_t admin
    ("GET", "/api/v1/me"):                                     (401, 200, 200, 200, 200, 200),
    ("GET", "/api/v1/patients/{patient_id}/diary"):            (401, 200, 404, 200, 404, 200),
    ("POST", "/api/v1/patients/{patient_id}/diary"):           (401, 201, 404, 403, 404, 403),
    ("PUT", "/api/v1/patients/{patient_id}/diary/{diary_date}"): (401, 200, 404, 403, 404, 403),
    ("GET", "/api/v1/patients/{patient_id}/metrics/nightly"):  (401, 200, 404, 200, 404, 200),
    ("GET", "/api/v1/patients/{patient_id}/metrics/weekly"):   (401, 200, 404, 200, 404, 200),
    ("GET", "/api/v1/patients/{patient_id}/sleep-window"):     (401, 200, 404, 200, 404, 200),
    ("GET", "/api/v1/patients/{patient_id}/medications"):      (401, 200, 404, 200, 404, 200),
    ("GET", "/api/v1/patients/{patient_id}/taper-plan"):       (401, 200, 404, 200, 404, 200),
    ("GET", "/api/v1/patients/{patient_id}/medication/weekly"): (401, 200, 404, 200, 404, 200),
    ("GET", "/api/v1/patients/{patient_id}/assessments"):      (401, 200, 404, 200, 404, 200),
    ("GET", "/api/v1/patients/{patient_id}/fhir"):             (401, 200, 404, 200, 404, 200),
}
# fmt: on


def test_every_api_operation_is_in_the_access_table() -> None:
    schema = api.get_openapi_schema()
    operations = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    assert operations == set(API_ROWS)


@pytest.mark.parametrize("operation", sorted(API_ROWS), ids=lambda o: f"{o[0]} {o[1]}")
@pytest.mark.parametrize("persona", PERSONAS)
def test_api_access(
    operation,
    persona,
    patient,
    other_patient,
    outsider_patient,
    therapist,
    other_therapist,
    clinic_admin,
) -> None:
    users = {
        "anonymous": None,
        "patient": patient,
        "other_patient": other_patient,
        "therapist": therapist,
        "other_therapist": other_therapist,
        "admin": clinic_admin,
    }
    # The patient's entry for the PUT exists, and a confirmed taper plan.
    post(Client(), f"/api/v1/patients/{patient.pk}/diary", NIGHT, **bearer(patient))
    _taper(patient, therapist)
    method, path = operation
    url = path.format(patient_id=patient.pk, diary_date="2026-11-25")
    headers = bearer(users[persona]) if users[persona] else {}
    body = {**NIGHT, "awake_min": 35} if method == "PUT" else {**NIGHT, "diary_date": "2026-11-24"}
    client = Client()
    if method == "GET":
        response = client.get(url, **headers)
    else:
        response = getattr(client, method.lower())(
            url, json.dumps(body), content_type="application/json", **headers
        )
    expected = API_ROWS[operation][PERSONAS.index(persona)]
    assert response.status_code == expected, (persona, method, url, response.content[:300])


def test_the_api_lists_assessments_with_the_isi_change(patient, therapist) -> None:
    from datetime import date

    from program.assessments import actions as assessments

    isi = assessments.ensure_instruments()["isi"]
    for day, total in ((date(2026, 11, 2), 19), (date(2026, 11, 16), 11)):
        assessments.record_result(
            patient=patient,
            instrument=isi,
            total=total,
            completed_on=day,
            occasion="x",
            by=therapist,
        )
    body = Client().get(f"/api/v1/patients/{patient.pk}/assessments", **bearer(therapist)).json()
    assert [r["total"] for r in body["results"]] == [19, 11]
    assert body["results"][0]["band"] == "Clinical insomnia (moderate)"
    assert body["isi_change"] == {
        "baseline": 19,
        "latest": 11,
        "change": -8,
        "response": True,
        "remission": False,
    }
    none = (
        Client()
        .get(f"/api/v1/patients/{patient.pk}/assessments?instrument=phq9", **bearer(patient))
        .json()
    )
    assert none["results"] == []

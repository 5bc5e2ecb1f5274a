"""The OpenAPI schema says what the API really answers: times as the API writes them (no
``format: time``, which needs a UTC offset), and every status a call can get, including
the ones given before the app (414 and 431 from gunicorn or the proxy), the rate limit's
429 and the body limit's 413 (program/api/schema.py)."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest
import requests
import schemathesis
import time_machine

from cbti.wsgi import application
from program.api import api
from program.models import Prescription
from tests.conftest import client_for
from tests.program.test_api_fuzz import keep_the_test_connection  # noqa: F401
from tests.program.test_sleep_window import started


def validator_for(component: str):
    openapi = json.loads(json.dumps(api.get_openapi_schema()))
    return jsonschema_rs.validator_for(
        {"$ref": f"#/components/schemas/{component}", "components": openapi["components"]},
        validate_formats=True,
    )


def walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from walk(value, f"{path}/{i}")


def test_no_field_is_declared_as_an_rfc_3339_time() -> None:
    openapi = json.loads(json.dumps(api.get_openapi_schema()))
    assert [path for path, node in walk(openapi) if node.get("format") == "time"] == []


def test_the_sleep_windows_times_match_their_schema_with_formats_checked(
    patient, therapist
) -> None:
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        started(patient, therapist)
        Prescription.objects.update(rise_time="07:00", window_min=375)  # in bed from 00:45
        body = client_for(patient).get(f"/api/v1/patients/{patient.pk}/sleep-window").json()
    assert body["current"]["bedtime"] == "00:45:00"
    assert body["rise_time"] == "06:30:00" and body["current"]["rise_time"] == "07:00:00"
    errors = [error.message for error in validator_for("SleepWindowOut").iter_errors(body)]
    assert errors == []


def gunicorn_answer(status: int, reason: str, text: str) -> requests.Response:
    """What gunicorn sends for a request line or headers it will not read."""
    response = requests.Response()
    response.status_code, response.reason = status, reason
    response.headers["Content-Type"] = "text/plain"
    response._content = text.encode()
    response.request = requests.Request("GET", "http://testserver/api/v1/me").prepare()
    return response


@pytest.mark.parametrize(
    ("status", "reason", "text"),
    [
        (414, "URI Too Long", "Request Line is too large (8190 > 4094)"),
        (
            431,
            "Request Header Fields Too Large",
            "Error parsing headers: 'limit request headers fields'",
        ),
    ],
)
def test_answers_given_before_the_app_are_declared(status, reason, text) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    for operation in schema.get_all_operations():
        case = operation.ok().Case()
        case.validate_response(gunicorn_answer(status, reason, text))


def test_the_rate_limits_429_conforms_to_the_schema(settings, patient) -> None:
    from accounts.tokens import issue_token

    settings.API_RATE_LIMIT = "1/m"
    _, token = issue_token(patient, "phone")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    case = schema["/api/v1/me"]["GET"].Case(headers={"Authorization": f"Bearer {token}"})
    assert case.call().status_code == 200
    response = case.call()
    assert response.status_code == 429
    case.validate_response(response)

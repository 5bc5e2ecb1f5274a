"""Schemathesis fuzzes every API operation from the OpenAPI schema: whatever it
sends, the answer is never a 500, its status is one the schema lists, and its body
matches the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from accounts.tokens import issue_token
from cbti.wsgi import application
from tests.conftest import make_user

# About 30 s a pass: on PostgreSQL it runs in bin/test's journeys pass, which ends first.
pytestmark = pytest.mark.long

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Calling the WSGI app directly fires request_started/finished, whose
    close_old_connections closes a connection that is inside the test's transaction
    (on PostgreSQL: "the connection is closed"). Django's test client disconnects
    it the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def patient_token(db, settings):
    from accounts.models import Role

    # Hundreds of calls a minute from one person: the rate limit is tested on its own
    # (tests/test_hardening_too_many_requests.py).
    settings.API_RATE_LIMIT = "100000/m"
    patient = make_user("fuzz@example.test", Role.PATIENT, time_zone="America/New_York")
    _, token = issue_token(patient, "fuzz")
    return patient, token


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_never_errors_whatever_it_is_sent(case, patient_token) -> None:
    patient, token = patient_token
    if "patient_id" in (case.path_parameters or {}):
        # Mostly the patient's own id, so the fuzzing reaches the diary's rules.
        case.path_parameters["patient_id"] = patient.pk
    # The diary's own rules (order of times, dates) rightly refuse many bodies the
    # schema allows, and unknown headers are harmless: those two checks do not apply.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        excluded_checks=[negative_data_rejection, positive_data_acceptance],
    )


def test_the_api_holds_up_when_calls_follow_its_links(patient_token) -> None:
    """The stateful phase: scenarios chained by the schema's OpenAPI links (GET /me gives
    the patient id to the diary, a saved night's date goes to its PUT), each answer checked
    like the ones above. Bounded: a few short scenarios, so the suite stays quick."""
    _, token = patient_token
    machine = schema.as_state_machine()
    linked = {
        (transition.source.label, name)
        for transitions in machine._transitions.operations.values()
        for transition in transitions.incoming
        for name in [transition.name]
    }
    assert ("GET /api/v1/me", "MyDiary") in linked
    assert ("POST /api/v1/patients/{patient_id}/diary", "EditTheNight") in linked

    headers = {"Authorization": f"Bearer {token}"}

    class Scenario(machine):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            assert response.status_code < 500, response.text
            case.validate_response(
                response,
                headers=headers,
                excluded_checks=[negative_data_rejection, positive_data_acceptance],
            )

    Scenario.run(
        settings=settings(
            max_examples=10,
            stateful_step_count=4,
            deadline=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
    )

"""Hardening (issue 18): /healthz says up or down to anyone, the details only to a clinic
admin or a monitor with the token, and always in JSON, whatever fails."""

from __future__ import annotations

import logging
from unittest import mock

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import OperationalError
from django.test import Client
from django.utils import timezone

from cbti.celery import app
from program.models import WorkerHeartbeat
from tests.conftest import client_for

DETAILS = {"database", "broker", "broker_transport", "worker_last_seen_seconds_ago"}


@pytest.fixture
def broker_down():
    original = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    app.conf.broker_transport_options = {"socket_connect_timeout": 0.5}
    yield
    app.conf.broker_url, app.conf.broker_transport_options = original


@pytest.fixture
def token(settings) -> str:
    settings.HEALTHZ_TOKEN = "monitor-secret-0123456789"
    return settings.HEALTHZ_TOKEN


def test_anyone_learns_only_up_or_down(db: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_anyone_learns_down_as_503(db: None, broker_down: None) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_a_monitor_with_the_token_gets_each_parts_state(db: None, token: str) -> None:
    WorkerHeartbeat.objects.create(name="worker", seen_at=timezone.now())
    body = Client().get("/healthz", headers={"X-Healthz-Token": token}).json()
    assert body["status"] == "ok"
    assert body["database"] == "ok" and body["broker"] == "ok"
    assert body["worker_last_seen_seconds_ago"] is not None
    assert body.keys() >= DETAILS


def test_the_token_says_which_part_is_down(db: None, token: str, broker_down: None) -> None:
    response = Client().get("/healthz", headers={"X-Healthz-Token": token})
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "ok"


@pytest.mark.parametrize("sent", ["wrong", "", "monitor-secret-012345678"])
def test_a_wrong_or_missing_token_gets_no_details(db: None, token: str, sent: str) -> None:
    body = Client().get("/healthz", headers={"X-Healthz-Token": sent}).json()
    assert body == {"status": "ok"}


def test_no_token_is_set_by_default_so_an_empty_header_opens_nothing(db: None, settings) -> None:
    assert settings.HEALTHZ_TOKEN == ""
    assert Client().get("/healthz", headers={"X-Healthz-Token": ""}).json() == {"status": "ok"}


def test_a_clinic_admin_signed_in_sees_the_details(clinic_admin) -> None:
    assert client_for(clinic_admin).get("/healthz").json().keys() >= DETAILS


def test_therapists_and_patients_see_only_up_or_down(therapist, patient) -> None:
    for user in (therapist, patient):
        assert client_for(user).get("/healthz").json() == {"status": "ok"}


def test_a_failing_heartbeat_read_is_json_not_the_html_error_page(
    db: None, token: str, caplog
) -> None:
    caplog.set_level(logging.WARNING)
    with mock.patch.object(
        WorkerHeartbeat.objects, "filter", side_effect=OperationalError("database or disk is full")
    ):
        response = Client().get("/healthz", headers={"X-Healthz-Token": token})
    assert response["Content-Type"] == "application/json"
    assert response.json()["worker_last_seen_seconds_ago"] is None


def test_a_session_that_cannot_be_read_still_gets_json(db: None) -> None:
    """A disk-full SQLite: the caller's session cannot be loaded, so a middleware fails
    before the view; the answer is still JSON, not the HTML 503 page."""
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "a" * 32
    with mock.patch.object(
        SessionStore, "_get_session_from_db", side_effect=OperationalError("disk is full")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "unavailable"}


def test_any_failure_inside_the_check_is_json(db: None) -> None:
    with mock.patch("program.health._broker_ok", side_effect=RuntimeError("boom")):
        response = Client(raise_request_exception=False).get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}


def test_other_methods_are_refused_in_json(db: None) -> None:
    response = Client().post("/healthz")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert Client().head("/healthz").status_code == 200

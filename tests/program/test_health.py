from __future__ import annotations

import time

import pytest
from django.test import Client

from cbti.celery import app

MONITOR = "monitor-token-for-tests"


@pytest.fixture(autouse=True)
def monitor_token(settings) -> None:
    """Anyone gets up or down; a monitor sending HEALTHZ_TOKEN gets each part's state."""
    settings.HEALTHZ_TOKEN = MONITOR


def monitor_get():
    return Client().get("/healthz", HTTP_X_HEALTHZ_TOKEN=MONITOR)


def test_healthz_reports_database_and_broker(db: None) -> None:
    response = monitor_get()
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"] == "ok"


@pytest.fixture
def broker_down():
    original = app.conf.broker_url, app.conf.broker_transport_options
    # Nothing listens on port 1: the broker is unreachable.
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    app.conf.broker_transport_options = {"socket_connect_timeout": 0.5}
    yield
    app.conf.broker_url, app.conf.broker_transport_options = original


def test_healthz_says_503_when_the_broker_is_down(db: None, broker_down: None) -> None:
    started = time.monotonic()
    assert Client().get("/healthz").json() == {"status": "unavailable"}
    # At once: no pause before the one retry (kombu's default waits 2 s).
    assert time.monotonic() - started < 1.9
    response = monitor_get()
    assert response.status_code == 503
    assert response.json()["broker"] == "down"
    assert response.json()["database"] == "ok"

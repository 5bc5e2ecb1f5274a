"""Web push: a browser subscribes; reminders reach it encrypted, with VAPID, through a
push service (here a fake one on loopback that records what it receives)."""

from __future__ import annotations

import base64
import json
import os
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, HTTPServer

import http_ece
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.urls import reverse

from program.models import PushSubscription, ReminderPreference
from program.reminders import actions as reminders
from tests.conftest import client_for


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class FakePushService(BaseHTTPRequestHandler):
    received: list[tuple[dict, bytes]] = []
    status = 201

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakePushService.received.append((dict(self.headers), body))
        self.send_response(FakePushService.status)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def push_service():
    FakePushService.received = []
    FakePushService.status = 201
    server = HTTPServer(("127.0.0.1", 0), FakePushService)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture
def browser_keys():
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return private, b64(public), b64(os.urandom(16))


def subscribe(client, endpoint: str, p256dh: str, auth: str):
    return client.post(
        reverse("program:push_subscribe"),
        json.dumps({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}}),
        content_type="application/json",
    )


def test_a_reminder_reaches_a_subscribed_browser_encrypted(
    patient, push_service, browser_keys
) -> None:
    private, p256dh, auth = browser_keys
    response = subscribe(client_for(patient), f"{push_service}/push/device-1", p256dh, auth)
    assert response.status_code == 200
    assert ReminderPreference.objects.get(user=patient).push
    with time_machine.travel(datetime(2026, 11, 25, 6, tzinfo=UTC), tick=False) as clock:
        reminders.refresh_schedules(patient)
        clock.move_to(datetime(2026, 11, 25, 7, 31, tzinfo=UTC))
        counts = reminders.deliver(reminders.tick()[0])
    assert counts["sent"] == 1
    [(raw_headers, body)] = FakePushService.received
    headers = {k.lower(): v for k, v in raw_headers.items()}
    assert headers["content-encoding"] == "aes128gcm"
    assert headers["authorization"].startswith("vapid t=")
    payload = json.loads(
        http_ece.decrypt(
            body, private_key=private, auth_secret=base64.urlsafe_b64decode(auth + "==")
        )
    )
    assert payload["body"].startswith("How did you sleep?")
    assert payload["url"].endswith("/diary/new/")
    assert "%" not in json.dumps(payload)  # no sleep figures in a notification


def test_a_subscription_the_service_says_is_gone_is_removed(
    patient, push_service, browser_keys
) -> None:
    from program.reminders import push

    _, p256dh, auth = browser_keys
    subscribe(client_for(patient), f"{push_service}/push/gone", p256dh, auth)
    FakePushService.status = 410
    assert push.send_to_user(patient, title="t", body="b", url="/") == 0
    assert not PushSubscription.objects.exists()


def test_a_bad_subscription_is_refused(patient) -> None:
    response = client_for(patient).post(
        reverse("program:push_subscribe"), "{}", content_type="application/json"
    )
    assert response.status_code == 400


def test_the_service_worker_is_served_from_the_root(db) -> None:
    from django.test import Client

    response = Client().get("/sw.js")
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert b"showNotification" in response.content

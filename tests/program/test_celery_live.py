"""Tasks really flow through a broker to a worker: Redis, never eager mode.

A Celery worker consumes from the machine's Redis (a dedicated database
number) while the test publishes through the normal code path.
"""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail

from cbti.celery import app
from program.enrolment.actions import invite_patient
from program.models import Invitation, WorkerHeartbeat
from program.tasks import heartbeat_task
from tests.services import require_redis

pytestmark = pytest.mark.celery_live


def reset_pool() -> None:
    """Drop pooled connections made under another broker URL."""
    from kombu import pools

    pools.reset()  # kombu's process-wide producer pools, keyed by broker URL
    app._after_fork()  # what Celery itself does to drop the app's pools


@pytest.fixture
def redis_worker(transactional_db):
    url = require_redis()
    import redis

    redis.Redis.from_url(url).flushdb()
    saved = {
        key: app.conf[key]
        for key in ("broker_url", "task_always_eager", "broker_transport_options")
    }
    app.conf.update(
        broker_url=url,
        task_always_eager=False,
        # The worker waits on Redis for a task 0.1 s at a time (kombu's default is 1 s),
        # so stopping it at the test's end takes that long, not a second.
        broker_transport_options={
            "socket_connect_timeout": 2,
            "visibility_timeout": 3600,
            "polling_interval": 0.1,
        },
    )
    reset_pool()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            yield url
    finally:
        app.conf.update(saved)
        reset_pool()


def wait_for(condition, timeout: float = 15.0) -> bool:
    from django.db import OperationalError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return True
        except OperationalError as error:
            # SQLite's shared test database: the worker's thread may hold the table while
            # it writes ("database table is locked"); look again, as for a row not there yet.
            if "locked" not in str(error):
                raise
        time.sleep(0.05)
    return False


def test_an_invitation_email_is_sent_by_a_worker_via_redis(redis_worker, therapist, programme):
    issued = invite_patient(therapist=therapist, email="live@example.test", programme=programme)
    # Committed (transactional test), so on_commit published to Redis; the worker sends it.
    assert wait_for(
        lambda: Invitation.objects.filter(pk=issued.invitation.pk, sent_at__isnull=False).exists()
    )
    assert [m.to for m in mail.outbox] == [["live@example.test"]]


def test_the_heartbeat_task_runs_on_a_worker(redis_worker):
    heartbeat_task.delay()
    assert wait_for(lambda: WorkerHeartbeat.objects.filter(name="worker").exists())


def test_a_due_reminder_flows_through_beats_tick_and_a_worker(redis_worker, patient):
    from datetime import timedelta

    from django.utils import timezone

    from program.models import Delivery, ReminderSchedule
    from program.reminders import actions as reminders
    from program.tasks import reminder_tick_task

    reminders.refresh_schedules(patient)
    ReminderSchedule.objects.filter(user=patient, kind="diary").update(
        next_due_at=timezone.now() - timedelta(seconds=5)
    )
    reminder_tick_task.delay()
    assert wait_for(lambda: Delivery.objects.filter(status="sent").exists())
    assert [m.to for m in mail.outbox] == [[patient.email]]
    reminder_tick_task.delay()  # a second tick sends nothing more
    time.sleep(1)
    assert Delivery.objects.count() == 1
    assert len(mail.outbox) == 1


def test_with_the_broker_down_requests_still_work(transactional_db, therapist, patient, programme):
    """Redis down: the diary saves, an invitation is saved with a clear message, no 500,
    and no request hangs (the broker's socket timeouts are short)."""
    import time as clock

    from django.urls import reverse

    from program.models import DiaryEntry
    from tests.conftest import client_for

    saved = {
        key: app.conf[key]
        for key in ("broker_url", "task_always_eager", "broker_transport_options")
    }
    app.conf.update(
        broker_url="redis://127.0.0.1:1/0",
        task_always_eager=False,
        broker_transport_options={
            "socket_connect_timeout": 1,
            "socket_timeout": 1,
            "max_retries": 0,
        },
    )
    reset_pool()
    try:
        started = clock.monotonic()
        response = client_for(therapist).post(
            reverse("program:invite"),
            {"email": "offline@example.test", "programme": programme.pk},
            follow=True,
        )
        assert response.status_code == 200
        assert b"could not be queued" in response.content
        assert clock.monotonic() - started < 5
        diary = client_for(patient).post(
            reverse("program:diary_new"),
            {
                "diary_date": patient.local_today().isoformat(),
                "into_bed": "23:00",
                "lights_off": "23:00",
                "sleep_latency_min": "20",
                "awakenings": "1",
                "awake_min": "10",
                "final_wake": "06:00",
                "out_of_bed": "06:30",
                "quality": "3",
            },
        )
        assert diary.status_code == 302
        assert DiaryEntry.objects.filter(patient=patient).exists()
        assert client_for(None).get("/healthz").status_code == 503
    finally:
        app.conf.update(saved)
        reset_pool()

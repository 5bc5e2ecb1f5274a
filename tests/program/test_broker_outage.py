"""Redis goes down just before a reminder is due, and comes back empty.

End to end, on a private Redis started by the test (never the machine's shared one),
used as production uses it: cache and Celery broker (REDIS_URL). The
app is served by gunicorn with production settings; a real Celery worker sends the
email (EMAIL_URL=file://); the test plays beat, publishing the every-minute tick each
second, as beat would — and failing to while Redis is down, as beat would.

1. Redis stops a few seconds before a patient's diary reminder is due.
2. While it is down: pages and the diary keep working for a signed-in patient,
   /healthz says 503 (broker down), beat's ticks cannot be published, and a tick that
   runs anyway (one a worker had already taken) writes the reminder to the outbox but
   cannot enqueue it: it stays pending, ready for the next tick.
3. Redis comes back with nothing in it (no persistence: every queued message is gone).
   The next tick enqueues the reminder, the worker sends it: exactly one email, late
   by the outage, within REMINDER_GRACE_MINUTES; later ticks send nothing more.
4. A message the patient sent their therapist during the outage (its "new message"
   email could not be published) is announced by the tick once Redis is back
   (program.notifications): exactly one email to the therapist.

Needs a database the worker and gunicorn processes can open: the PostgreSQL pass.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import time
from datetime import timedelta

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.utils import timezone

from cbti.celery import app
from program.models import Delivery, DiaryEntry, Message, ReminderSchedule, WorkerHeartbeat
from program.reminders import actions as reminders
from program.tasks import heartbeat_task, reminder_tick_task
from tests.conftest import client_for
from tests.live_app import (
    ROOT,
    celery_worker,
    collectstatic,
    csrf_token,
    database_url,
    diary_night,
    gunicorn,
    production_env,
)
from tests.program.test_celery_live import reset_pool
from tests.services import private_redis

pytestmark = [pytest.mark.fault, pytest.mark.celery_live]

DUE_IN = timedelta(seconds=4)
OUTAGE_SECONDS = 6.0


def mails_to(folder, address: str) -> int:
    return sum(f.read_text().count(f"\nTo: {address}\n") for f in folder.iterdir())


def test_reminders_due_while_redis_is_down_go_out_late_once_and_the_app_keeps_serving(
    transactional_db, patient, therapist, messages_on, tmp_path
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker and web processes need a database they can open (PostgreSQL)")
    with private_redis() as redis:
        env = production_env(
            tmp_path,
            DATABASE_URL=database_url(connection.settings_dict),
            REDIS_URL=redis.url,
            SECRET_KEY=settings.SECRET_KEY,  # the session cookie below is signed with it
            NOTIFY_RETRY_AFTER_SECONDS="2",  # 2 minutes in production
            HEALTHZ_TOKEN="fault-test-monitor",  # the details, as a monitor sees them
        )
        collectstatic(env)
        mail_dir = tmp_path / "mail"
        saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager")}
        saved["broker_transport_options"] = app.conf.broker_transport_options
        app.conf.update(
            broker_url=redis.url,
            task_always_eager=False,
            broker_transport_options={
                "socket_connect_timeout": 1,
                "socket_timeout": 1,
                "max_retries": 1,
            },
        )
        reset_pool()
        worker = subprocess.Popen(
            celery_worker("outage"),
            cwd=ROOT,
            env=env,
            stdout=(tmp_path / "worker.log").open("wb"),
            stderr=subprocess.STDOUT,
        )
        ticks = {"published": 0, "refused": 0}
        last_tick = [0.0]

        def beat() -> None:
            """Beat's every-minute tick, once a second; beat logs and goes on when it
            cannot publish, and so do we."""
            if time.monotonic() - last_tick[0] < 1:
                return
            last_tick[0] = time.monotonic()
            try:
                reminder_tick_task.apply_async(retry=False)
                ticks["published"] += 1
            except Exception:
                ticks["refused"] += 1

        def wait_for(condition, message: str, timeout: float = 30) -> None:
            deadline = time.monotonic() + timeout
            while not condition():
                assert worker.poll() is None, (tmp_path / "worker.log").read_text()[-3000:]
                assert time.monotonic() < deadline, message
                beat()
                time.sleep(0.1)

        try:
            with gunicorn(env, tmp_path, workers=1) as (base, _):
                web = requests.Session()
                web.cookies.set("sessionid", client_for(patient).cookies["sessionid"].value)
                assert (
                    web.get(base + "/today/", timeout=5, allow_redirects=False).status_code == 200
                )
                heartbeat_task.delay()
                wait_for(lambda: WorkerHeartbeat.objects.exists(), "the worker never started")
                assert web.get(base + "/healthz", timeout=5).status_code == 200
                token = csrf_token(web.get(base + "/diary/new/", timeout=5).text)

                # 1. The diary reminder falls due a few seconds from now; Redis stops first.
                reminders.refresh_schedules(patient)
                due_at = timezone.now() + DUE_IN
                ReminderSchedule.objects.filter(user=patient, kind="diary").update(
                    next_due_at=due_at
                )
                redis.stop()
                down_at = time.monotonic()

                # 2. The app keeps serving; beat's ticks are refused meanwhile.
                timings = {}
                for name, request in {
                    "today": lambda: web.get(base + "/today/", timeout=10, allow_redirects=False),
                    "diary": lambda: web.post(
                        base + "/diary/new/",
                        {
                            # Yesterday's: today's would cancel the diary reminder.
                            **diary_night(str(patient.local_today() - timedelta(days=1))),
                            "csrfmiddlewaretoken": token,
                        },
                        allow_redirects=False,
                        timeout=10,
                    ),
                    "healthz": lambda: web.get(base + "/healthz", timeout=10),
                    "message": lambda: web.post(
                        base + "/messages/",
                        {"text": "Awake at four again.", "csrfmiddlewaretoken": token},
                        allow_redirects=False,
                        timeout=10,
                    ),
                }.items():
                    started = time.monotonic()
                    response = request()
                    timings[name] = (response.status_code, time.monotonic() - started)
                assert timings["today"][0] == 200
                assert timings["diary"][0] == 302, "the diary was not saved"
                assert DiaryEntry.objects.filter(patient=patient).count() == 1
                assert timings["healthz"][0] == 503
                assert timings["message"][0] == 302, "the message was not sent"
                assert Message.objects.filter(patient=patient, email_sent_at=None).count() == 1
                assert all(seconds < 5 for _, seconds in timings.values()), timings
                details = web.get(
                    base + "/healthz", timeout=10, headers={"X-Healthz-Token": "fault-test-monitor"}
                )
                assert details.json()["broker"] == "down"
                while timezone.now() < due_at + timedelta(seconds=1):
                    beat()
                    time.sleep(0.1)
                # A tick that runs while Redis is down (the worker had taken it already):
                # the reminder is written to the outbox, and cannot be enqueued.
                with contextlib.suppress(Exception):  # a worker would log it and go on
                    reminder_tick_task()
                delivery = Delivery.objects.get(user=patient, kind="diary")
                assert delivery.status == Delivery.Status.PENDING
                assert delivery.claimed_at is None  # not marked enqueued: the next tick will
                while time.monotonic() - down_at < OUTAGE_SECONDS or ticks["refused"] < 2:
                    beat()
                    time.sleep(0.1)
                assert mails_to(mail_dir, patient.email) == 0

                # 3. Redis is back, empty. The next ticks enqueue the reminder; it is sent once.
                redis.start()
                up_at = time.monotonic()
                reset_pool()
                wait_for(
                    lambda: Delivery.objects.filter(pk=delivery.pk, status="sent").exists(),
                    "the reminder was not sent after Redis came back",
                )
                sent_after = time.monotonic() - up_at
                wait_for(
                    lambda: mails_to(mail_dir, therapist.email) == 1,
                    "the message was not announced after Redis came back",
                )
                settle = time.monotonic()
                while time.monotonic() - settle < 3:  # more ticks send nothing more
                    beat()
                    time.sleep(0.1)
        finally:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
            app.conf.update(saved)
            reset_pool()

    delivery.refresh_from_db()
    assert Delivery.objects.filter(user=patient).count() == 1
    assert mails_to(mail_dir, patient.email) == 1
    assert mails_to(mail_dir, therapist.email) == 1  # the message, announced once
    assert Message.objects.get(patient=patient).email_sent_at is not None
    late = delivery.sent_at - delivery.due_at
    assert timedelta(0) < late < reminders.grace()
    during = ", ".join(f"{name} {code} in {sec:.2f} s" for name, (code, sec) in timings.items())
    print(
        f"\nRedis down {up_at - down_at:.1f} s; during it: {during}; beat ticks refused "
        f"{ticks['refused']}, published {ticks['published']}; the reminder went out "
        f"{late.total_seconds():.1f} s late, {sent_after:.1f} s after Redis returned, once"
    )

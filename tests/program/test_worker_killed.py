"""A real Celery worker process is killed in the middle of a batch of reminders.

Needs a database another process can open (PostgreSQL: the suite's second run)
and Redis. The pool process is SIGKILLed while sending; the worker hands the task
back (acks_late + task_reject_on_worker_lost) and runs it again. Nothing is sent
twice, and nothing is lost silently: every reminder ends sent, or recorded as
interrupted by the sweep (the ones sent since the last mark of sent rows among them).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from accounts.models import Role
from program.models import Delivery
from program.reminders import actions as reminders
from program.tasks import send_deliveries_task
from tests.conftest import make_user
from tests.live_app import celery_worker
from tests.services import require_redis

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.celery_live, pytest.mark.fault]


def children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def test_a_worker_killed_mid_batch_sends_nothing_twice(transactional_db, tmp_path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs a database it can open (PostgreSQL)")
    redis_url = require_redis()  # TEST_REDIS_URL: each person's own database number
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    db = connection.settings_dict
    patients = [make_user(f"k{i}@example.test", Role.PATIENT) for i in range(3)]
    now = timezone.now()
    Delivery.objects.bulk_create(
        [
            Delivery(user=p, kind="digest", local_date=(now - timedelta(days=d)).date(), due_at=now)
            for p in patients
            for d in range(700)
        ]
    )
    # Digests go to therapists only; make these people therapists so every row is sent.
    from accounts.models import User

    User.objects.filter(pk__in=[p.pk for p in patients]).update(role=Role.THERAPIST)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cbti.settings",
        "DEBUG": "1",
        "TESTING": "0",
        "CELERY_BROKER_URL": redis_url,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "EMAIL_URL": f"file://{mail_dir}",
        "LOG_LEVEL": "WARNING",
    }
    worker = subprocess.Popen(
        celery_worker("killme"),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        from cbti.celery import app

        app.conf.update(broker_url=redis_url, task_always_eager=False)
        from tests.program.test_celery_live import reset_pool

        reset_pool()
        ids = list(Delivery.objects.values_list("pk", flat=True))
        send_deliveries_task.delay(ids)
        deadline = time.monotonic() + 60
        while not Delivery.objects.filter(status="sent").exists():
            assert time.monotonic() < deadline, "the worker never started sending"
            time.sleep(0.02)
        for child in children(worker.pid):  # kill the pool process mid-send
            os.kill(child, signal.SIGKILL)
        sent_at_kill = Delivery.objects.filter(status="sent").count()
        assert 0 < sent_at_kill < len(ids), "the batch finished before the kill"
        # The worker hands the task back and runs it again on a new pool process:
        # every row is claimed already, so nothing more is sent.
        time.sleep(8)
        assert worker.poll() is None, "the worker itself should survive its pool process"
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
        app.conf.update(task_always_eager=True)
        reset_pool()
    sent = Delivery.objects.filter(status="sent").count()
    # Sent rows are marked reminders.BATCH at a time: a mark in flight at the kill may land.
    assert sent in (sent_at_kill, sent_at_kill + reminders.BATCH)
    mails = sum(
        f.read_text().count("\nSubject: ") + f.read_text().startswith("Subject: ")
        for f in mail_dir.iterdir()
    )
    # Nothing silently lost: the sweep records what the dead process was holding.
    reminders.sweep_interrupted(now=timezone.now() + timedelta(minutes=11))
    statuses = dict(Delivery.objects.values_list("status").annotate(n=Count("id")))
    assert set(statuses) <= {"sent", "interrupted"}
    assert sum(statuses.values()) == len(ids)
    # Nothing sent twice: each email went to a row marked sent, or to one the dead process
    # had sent but not yet marked (recorded as interrupted, and not sent again).
    assert sent <= mails <= sent + statuses.get("interrupted", 0)

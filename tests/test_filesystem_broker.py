"""The broker of `make run` without a Redis server (kombu's filesystem transport, set up in
cbti/settings.py) keeps every file it writes under VAR_DIR/broker: a worker's control
queue, bound to the broadcast exchange when it starts, once left a `control/` folder in
whatever folder the process started in, the checkout's root."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# What a starting worker does for its control queue (celery's pidbox).
BIND_CONTROL_QUEUE = """
import django
django.setup()
from kombu import Exchange, Queue
from cbti.celery import app
with app.connection_for_write() as connection:
    queue = Queue("probe.celery.pidbox", Exchange("celery.pidbox", "fanout"))
    queue(connection.default_channel).declare()
"""


def test_a_workers_control_queue_is_kept_under_the_var_folder(tmp_path: Path) -> None:
    started_in, var = tmp_path / "cwd", tmp_path / "var"
    started_in.mkdir()
    (var / "broker" / "queue").mkdir(parents=True)
    env = {
        **os.environ,
        "CELERY_BROKER_URL": "filesystem://",
        "REDIS_URL": "",
        "VAR_DIR": str(var),
        "DJANGO_SETTINGS_MODULE": "cbti.settings",
        "PYTHONPATH": str(ROOT),
    }
    subprocess.run(
        [sys.executable, "-c", BIND_CONTROL_QUEUE], cwd=started_in, env=env, check=True, timeout=60
    )
    assert list(started_in.iterdir()) == []
    assert (var / "broker" / "control" / "celery.pidbox.exchange").exists()

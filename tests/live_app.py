"""The app served for real, as in production, for the fault tests.

gunicorn (sync workers) with production settings — DEBUG off, persistent database
connections with health checks, whitenoise's manifest storage — in a subprocess
whose environment names the private servers a test started (tests/services.py).

``python -m tests.live_app setup OUT N`` prepares a fresh database the same way a
deployment does (migrate, createcachetable, collectstatic) and signs in N patients,
writing their session cookies and free diary mornings to OUT as JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests.services import free_port

ROOT = Path(__file__).resolve().parents[1]
# Inherited variables that would point the app at the suite's own services.
NOT_INHERITED = {
    "DJANGO_SETTINGS_MODULE",  # tests.settings, the suite's: the app's own processes use theirs
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "TESTING",
    "DEBUG",
    "VAR_DIR",
    "STATIC_ROOT",
}


def diary_night(morning: str) -> dict[str, str]:
    """DIARY_NIGHT for ``morning`` (YYYY-MM-DD), with a bedtime of its own: the diary
    asks before saving a night with exactly another night's times (the same night
    entered twice), which a patient filling several mornings would not do."""
    return {
        **DIARY_NIGHT,
        "diary_date": morning,
        "into_bed": f"22:{int(morning[-2:]) * 7 % 60:02d}",
    }


DIARY_NIGHT = {
    "into_bed": "23:00",
    "lights_off": "23:10",
    "sleep_latency_min": "20",
    "awakenings": "1",
    "awake_min": "15",
    "final_wake": "06:20",
    "out_of_bed": "06:30",
    "quality": "3",
}


def celery_worker(name: str) -> list[str]:
    """The command of one real Celery worker process (prefork, one child, quiet)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "cbti",
        "worker",
        "--pool",
        "prefork",
        "--concurrency",
        "1",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "-n",
        f"{name}@%h",
        "--loglevel",
        "WARNING",
    ]


def production_env(work: Path, **overrides: str) -> dict[str, str]:
    """Production settings (README: Production) with files kept under ``work``."""
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    (work / "mail").mkdir(exist_ok=True)
    env.update(
        DEBUG="0",
        TESTING="0",
        SECRET_KEY="fault-test-only-" + "k" * 50,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SECURE_COOKIES="0",
        SECURE_HSTS_SECONDS="0",
        EMAIL_URL=f"file://{work / 'mail'}",
        STATIC_ROOT=str(work / "static"),
        VAR_DIR=str(work / "var"),
        LOG_LEVEL="WARNING",
        CONN_MAX_AGE="60",
    )
    env.update(overrides)
    return env


def database_url(db: dict) -> str:
    """The URL of the database this test process uses (the suite's test database)."""
    from urllib.parse import quote

    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def setup_clinic(env: dict[str, str], work: Path, patients: int) -> dict:
    out = work / "clinic.json"
    subprocess.run(
        [sys.executable, "-m", "tests.live_app", "setup", str(out), str(patients)],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    return json.loads(out.read_text())


def collectstatic(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )


@contextlib.contextmanager
def gunicorn(env: dict[str, str], work: Path, workers: int = 2) -> Iterator[tuple[str, int]]:
    """Serve the app; yields its base URL and gunicorn's master pid."""
    import requests

    port = free_port()
    log = work / "gunicorn.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "cbti.wsgi",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "30",
                "--graceful-timeout",
                "5",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert server.poll() is None, "gunicorn stopped:\n" + log.read_text()[-3000:]
            assert time.monotonic() < deadline, "gunicorn did not answer in 30 s"
            try:
                requests.get(base + "/healthz", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.1)
        yield base, server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def worker_pids(master: int) -> set[int]:
    out = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout
    return {int(p) for p in out.split()}


def csrf_token(html: str) -> str:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert found, "no CSRF token in the form"
    return found.group(1)


def _setup(out: str, patients: int) -> None:
    """Runs inside Django, against the private database named by DATABASE_URL."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbti.settings")
    import django

    django.setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.test import Client

    from accounts.models import Role
    from accounts.services import create_user
    from program.enrolment.actions import enrol
    from program.models import Programme

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    programme = Programme.objects.default()
    people = []
    for i in range(patients):
        patient = create_user(
            email=f"p{i}@faults.test", password=None, role=Role.PATIENT, time_zone="UTC"
        )
        today = patient.local_today()
        enrol(patient=patient, programme=programme, start_date=today - timedelta(days=14))
        client = Client()
        client.force_login(patient, backend="allauth.account.auth_backends.AuthenticationBackend")
        people.append(
            {
                "email": patient.email,
                "session": client.cookies["sessionid"].value,
                # Mornings a diary can still be filled in for (today and 6 back), so a
                # test crossing midnight still has them all.
                "mornings": [(today - timedelta(days=d)).isoformat() for d in range(7)],
            }
        )
    Path(out).write_text(json.dumps({"patients": people}))


if __name__ == "__main__":
    if sys.argv[1:2] == ["setup"]:
        _setup(sys.argv[2], int(sys.argv[3]))

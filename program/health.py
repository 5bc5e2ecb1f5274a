"""/healthz: up or down for anyone (a load balancer, an uptime monitor); the details for
a clinic admin signed in, or for a monitor that sends ``HEALTHZ_TOKEN``.

It always answers JSON, whatever fails: a check that raises counts as down, and
``accounts.middleware.HealthAnswerMiddleware`` turns an error outside this view (a
session that cannot be read while the database is full) into the same JSON 503.
"""

from __future__ import annotations

import hmac
import logging
import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts.access import is_staff_member
from program.models import WorkerHeartbeat

log = logging.getLogger(__name__)

TOKEN_HEADER = "X-Healthz-Token"


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        log.warning("Health check: the database did not answer", exc_info=True)
        return False


def _broker_ok() -> bool:
    from cbti.celery import app

    try:
        with app.connection_for_write() as conn:
            # One retry, at once: kombu would otherwise wait 2 s before it, and a
            # monitor should hear "down" in milliseconds when the broker refuses.
            conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        return True
    except Exception:
        log.warning("Health check: the broker did not answer", exc_info=True)
        return False


def _heartbeat_seconds_ago() -> int | None:
    try:
        beat = WorkerHeartbeat.objects.filter(name="worker").first()
    except Exception:
        log.warning("Health check: the worker heartbeat could not be read", exc_info=True)
        return None
    return round((timezone.now() - beat.seen_at).total_seconds()) if beat else None


def may_see_details(request: HttpRequest) -> bool:
    """A clinic admin signed in, or the configured token in the ``X-Healthz-Token`` header."""
    expected = settings.HEALTHZ_TOKEN
    sent = request.headers.get(TOKEN_HEADER, "")
    if expected and sent and hmac.compare_digest(sent.encode(), expected.encode()):
        return True
    try:
        return is_staff_member(request.user)
    except Exception:  # the session could not be read: answer as to anyone
        return False


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database and the broker answer, else 503.

    The worker heartbeat is reported for information only: a web node is
    healthy even while workers restart.
    """
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse({"detail": "Use GET."}, status=405)
        response["Allow"] = "GET, HEAD"
        return response
    try:
        return _check(request)
    except Exception:
        log.exception("Health check failed")
        return JsonResponse({"status": "unavailable"}, status=503)


def _check(request: HttpRequest) -> JsonResponse:
    started = time.monotonic()
    database = _database_ok()
    broker = _broker_ok()
    ok = database and broker
    body: dict[str, object] = {"status": "ok" if ok else "unavailable"}
    if may_see_details(request):
        body |= {
            "database": "ok" if database else "down",
            "broker": "ok" if broker else "down",
            "broker_transport": settings.CELERY_BROKER_URL.split("://", 1)[0],
            "worker_last_seen_seconds_ago": _heartbeat_seconds_ago() if database else None,
            "checked_in_ms": round((time.monotonic() - started) * 1000),
        }
    return JsonResponse(body, status=200 if ok else 503)

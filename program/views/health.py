from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ..models import WorkerHeartbeat


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def _broker_ok() -> bool:
    from cbti.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: 200 when the database and the broker answer, else 503.

    The worker heartbeat is reported for information only: a web node is
    healthy even while workers restart.
    """
    started = time.monotonic()
    database = _database_ok()
    broker = _broker_ok()
    heartbeat = None
    if database:
        beat = WorkerHeartbeat.objects.filter(name="worker").first()
        if beat:
            heartbeat = round((timezone.now() - beat.seen_at).total_seconds())
    ok = database and broker
    body = {
        "status": "ok" if ok else "unavailable",
        "database": "ok" if database else "down",
        "broker": "ok" if broker else "down",
        "broker_transport": settings.CELERY_BROKER_URL.split("://", 1)[0],
        "worker_last_seen_seconds_ago": heartbeat,
        "checked_in_ms": round((time.monotonic() - started) * 1000),
    }
    return JsonResponse(body, status=200 if ok else 503)

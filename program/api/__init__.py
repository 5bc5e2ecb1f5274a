"""The JSON API, version 1 (django-ninja): /api/v1/, schema at /api/v1/openapi.json.

Every endpoint authenticates (a personal bearer token for mobile clients, or the
browser session with its CSRF token) and starts from the permission-checked
fetch in accounts.access, so a therapist reaches only their own patients.
Validation is the diary form's: the same rules and messages, as 422 responses.

One router per area (``account``, ``diary``, ``sleep_window``, ``medication``,
``assessments``, ``my_data``) holds its operations and schemas; ``common`` what they share. The API
object, its authentication, rate limit and error answers are here, in one place.
"""

from __future__ import annotations

import logging
import math

from django.http import Http404, HttpRequest
from ninja.errors import HttpError, Throttled
from ninja.security import django_auth

from accounts.tokens import TokenAuth
from program.api import account, assessments, diary, medication, my_data, sleep_window
from program.api.schema import SleepBetterAPI
from program.api.throttle import PersonRateThrottle
from program.diary import actions as diary_service

logger = logging.getLogger(__name__)

api = SleepBetterAPI(
    title="Sleep Better API",
    version="1",
    description=(
        "Sleep diary entries and metrics, sleep windows, sleep medication and taper plans. "
        "Authenticate with `Authorization: Bearer <token>` "
        "(make a token under Settings) or with the browser session."
    ),
    auth=[TokenAuth(), django_auth],
    throttle=[PersonRateThrottle()],
    urls_namespace="api-v1",
    docs_url=None,  # the interactive docs load scripts from a CDN, which our CSP forbids
)


@api.exception_handler(diary_service.DiaryError)
def diary_error(request: HttpRequest, exc: diary_service.DiaryError):
    detail = [
        {"loc": ["body", "payload", name], "msg": message, "type": "value_error"}
        for name, message in exc.errors.items()
    ]
    return api.create_response(request, {"detail": detail}, status=422)


@api.exception_handler(Throttled)
def throttled(request: HttpRequest, exc: Throttled):
    """The API's rate limit (program/api/throttle.py); ninja adds Retry-After itself."""
    seconds = max(1, math.ceil(exc.wait or 60))
    detail = f"Too many requests: try again in {seconds} seconds."
    return api.create_response(request, {"detail": detail, "retry_after": seconds}, status=429)


@api.exception_handler(Exception)
def unexpected(request: HttpRequest, exc: Exception):
    """Anything not handled above: logged with its traceback, answered in JSON (an API
    client never gets the HTML error page)."""
    if isinstance(exc, HttpError):
        return api.create_response(request, {"detail": exc.message}, status=exc.status_code)
    logger.exception("API error on %s", request.path)
    return api.create_response(
        request, {"detail": "Something went wrong on our side; nothing was saved."}, status=500
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404):
    return api.create_response(request, {"detail": "Not found."}, status=404)


# One router per area, in the order of the document's paths.
api.add_router("", account.router)
api.add_router("", diary.router)
api.add_router("", sleep_window.router)
api.add_router("", medication.router)
api.add_router("", assessments.router)
api.add_router("", my_data.router)

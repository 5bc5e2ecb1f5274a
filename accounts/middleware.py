"""Per-request policies: bodies are bounded, idle sessions end, times show in the
user's zone, and staff must enrol a second factor before they see anything else."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.defaultfilters import filesizeformat
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.errors import method_not_allowed
from accounts.http import is_api, to_sign_in

Handler = Callable[[HttpRequest], HttpResponse]


class RequestSizeLimitMiddleware:
    """Refuse a request whose declared body is larger than ``MAX_REQUEST_BYTES`` (413),
    before anything reads it: a sign-in form must not accept 100 MB to a temporary file.

    First in ``MIDDLEWARE`` after Django's SecurityMiddleware, so nothing (sessions, CSRF,
    the form) has read the body yet. The bound is above the largest upload the app takes
    (a 2 MB lesson image, ``program.curriculum.models.MAX_IMAGE_BYTES``). A body without a
    ``Content-Length`` (chunked) is never read by Django's WSGI handler, so it needs no
    check here; the reverse proxy's own limit (``client_max_body_size``) goes in front.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # Django reads no body it cannot measure
        limit = upload_limit(request.path)
        if length > limit:
            return request_too_large(request, limit)
        return self.get_response(request)


def upload_limit(path: str) -> int:
    """The largest body a path takes: ``MAX_REQUEST_BYTES``, or ``DEVICE_EXPORT_MAX_BYTES``
    on the pages that take a device's export (``DEVICE_EXPORT_PATHS``; an Apple Health
    export.zip is often tens of megabytes). Django streams an upload above
    ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary file, never into memory."""
    if any(pattern.fullmatch(path) for pattern in settings.DEVICE_EXPORT_PATHS):
        return max(settings.MAX_REQUEST_BYTES, settings.DEVICE_EXPORT_MAX_BYTES)
    return settings.MAX_REQUEST_BYTES


def request_too_large(request: HttpRequest, limit: int | None = None) -> HttpResponse:
    """413 in words, in the browser's language (no session is read for it), or JSON for
    the API. The connection is closed rather than the rest of the body read."""
    limit = settings.MAX_REQUEST_BYTES if limit is None else limit
    with translation.override(translation.get_language_from_request(request)):
        if is_api(request):
            response: HttpResponse = JsonResponse(
                {
                    "detail": _("The request is larger than the %(limit)s this service accepts.")
                    % {"limit": filesizeformat(limit)}
                },
                status=413,
            )
        else:
            page = get_template("accounts/request_too_large.html").render(
                {"limit": limit, "LANGUAGE_CODE": translation.get_language()}
            )
            response = HttpResponse(page, status=413)
    response["Connection"] = "close"
    response["Cache-Control"] = "no-store"
    return response


HEALTH_PATH = "/healthz"


class HealthAnswerMiddleware:
    """``/healthz`` answers JSON whatever fails, so a monitor can always read it.

    The view catches its own failures; this catches the rest. A later middleware that
    fails (the session cannot be read while the database is full or down) becomes
    Django's HTML error page, and for ``/healthz`` that page is replaced by the view's
    own answer for that case: ``{"status": "unavailable"}`` with 503.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path == HEALTH_PATH and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            response = JsonResponse({"status": "unavailable"}, status=503)
            response["Cache-Control"] = "no-store"
        return response


LAST_SEEN_KEY = "last_seen"
# Refresh the session at most this often (seconds): saving it on every request
# would write to the session store on every page view.
TOUCH_INTERVAL = 60


class IdleTimeoutMiddleware:
    """Sign a user out after ``SESSION_IDLE_TIMEOUT`` seconds without a request.

    The session cookie's age equals the timeout and is pushed forward when the
    session is saved; this middleware saves it at most once a minute and ends
    sessions whose last request is older than the timeout (a belt to the
    cookie's braces, as a stolen cookie could be replayed past its age).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                messages.info(request, _("You were signed out after a period of inactivity."))
                return to_sign_in(request)
            if last_seen is None or now - last_seen >= TOUCH_INTERVAL:
                request.session[LAST_SEEN_KEY] = now
        return self.get_response(request)


class UserTimezoneMiddleware:
    """Render dates and times in the signed-in user's own IANA zone."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        return self.get_response(request)


class UserLanguageMiddleware:
    """Use the signed-in user's chosen language for the app's own text (before sign-in,
    Django's LocaleMiddleware has chosen from the browser's Accept-Language)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)


# Paths a therapist or admin without a second factor may still open: setting
# one up, signing out, confirming an email, static files, the health check.
MFA_EXEMPT_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/logout/",
    "/accounts/reauthenticate/",
    "/accounts/confirm-email/",
    "/static/",
    "/healthz",
)


class RequireStaffMFAMiddleware:
    """Send a therapist or admin who has no TOTP authenticator to set one up.

    allauth's MFA is opt-in per user; it has no per-role enforcement. Health
    data must not reach a clinician who signs in with a password alone, so
    every other page redirects to TOTP set-up until it is done.
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "needs_mfa", False)
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not has_totp(user)
        ):
            messages.warning(
                request,
                _(
                    "Your role gives access to patients' health data, so your account needs "
                    "two-factor authentication. Set up an authenticator app to continue."
                ),
            )
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def has_totp(user: object) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


class MethodNotAllowedPageMiddleware:
    """A page in the site's layout, not an empty answer, when an address that only takes a
    form (``require_POST``: a note, an alert acknowledged…) is opened: from a bookmark, the
    browser's history, or after signing in with no page to return to. The status (405) and
    its ``Allow`` header stay; the API answers its own way."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code == 405
            and request.method in ("GET", "HEAD")
            and not response.content
            and not is_api(request)
        ):
            return method_not_allowed(request, response.get("Allow", ""))
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every page and API answer that does not say
    otherwise: they hold health data (or a form token), so neither the browser's disk
    cache nor a proxy may keep them, and Back asks the server again. Static files are
    served before this (whitenoise) with their own long-lived headers; the few views
    that may be kept (lesson images, the calendar feed) set their own header."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            response["Cache-Control"] = "no-store"
        return response

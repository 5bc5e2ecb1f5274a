"""Per-request policies: idle sessions end, times show in the user's zone, and
staff must enrol a second factor before they see anything else."""

from __future__ import annotations

import time
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

Handler = Callable[[HttpRequest], HttpResponse]

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
                return redirect(f"{reverse('account_login')}?next={request.path}")
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
                timezone.activate(zoneinfo.ZoneInfo(user.time_zone))  # type: ignore[union-attr]
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
        if user.is_authenticated and user.language:  # type: ignore[union-attr]
            translation.activate(user.language)  # type: ignore[union-attr]
            request.LANGUAGE_CODE = translation.get_language()  # type: ignore[attr-defined]
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

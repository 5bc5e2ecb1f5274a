"""Friendly error pages that keep the site's layout and say what to do next."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template

from accounts.http import is_api

# How long a client is asked to wait while the database is unreachable (seconds).
RETRY_AFTER = 30
# Form fields never written back into a page, even the sender's own.
NOT_KEPT = ("password", "secret", "token", "code")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form sent with an out-of-date security token (``CSRF_FAILURE_VIEW``): the person
    signed in again elsewhere, or the browser dropped its cookies. The page says nothing
    was saved and how to send it again. It never sends the form on by itself: a forged
    form from another site lands here too, and must go no further."""
    return render(request, "403_csrf.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def method_not_allowed(request: HttpRequest, allow: str) -> HttpResponse:
    """An address that only takes a form, opened: the page, with its ``Allow``."""
    response = render(request, "405.html", status=405)
    response["Allow"] = allow
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database here: whatever failed may fail again.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    return HttpResponse(get_template("500.html").render({}), status=500)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 while the database cannot be reached (restarting, failing over): a temporary
    state, not a bug, so the page says so and keeps what the person sent.

    A form posted at that moment is written back as hidden fields with a "Send again"
    button, so a diary typed at 7 a.m. is not lost to a database restart. The posted
    CSRF token goes with it (it stays valid for this browser); passwords, codes and
    files are never written back.
    """
    fields: list[tuple[str, str]] = []
    if request.method == "POST":
        try:
            posted = request.POST
        except Exception:  # an unreadable body: nothing to keep
            posted = None
        if posted is not None:
            fields = [
                (name, value)
                for name, values in posted.lists()
                if name == "csrfmiddlewaretoken"
                or not any(word in name.lower() for word in NOT_KEPT)
                for value in values
            ]
    page = get_template("503.html").render({"fields": fields, "action": request.get_full_path()})
    response = HttpResponse(page, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


# The allauth action each rate-limited page counts against (allauth's own views and
# decorators): its longest window is how long a refused person may have to wait.
RATE_LIMITED_ACTIONS = {
    "account_login": "login",
    "account_signup": "signup",
    "account_change_password": "change_password",
    "account_set_password": "change_password",
    "account_reset_password": "reset_password",
    "account_reset_password_from_key": "reset_password_from_key",
    "account_reauthenticate": "reauthenticate",
    "account_email": "manage_email",
    "account_confirm_email": "confirm_email",
}
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate_window_seconds(rates: str) -> int:
    """The longest window in an allauth rate string such as ``"10/m/ip,5/5m/key"`` (300)."""
    longest = 0
    for rate in filter(None, (part.strip() for part in rates.split(","))):
        duration = rate.split("/")[1]
        count, unit = duration[:-1], duration[-1]
        longest = max(longest, int(count or 1) * _UNIT_SECONDS[unit])
    return longest


def retry_after_seconds(request: HttpRequest) -> int:
    """How long to wait before the refused action can succeed again, at the most: the
    longest window of the page's own limits, or of all of them on any other page."""
    from allauth.account import app_settings

    limits = app_settings.RATE_LIMITS
    match = getattr(request, "resolver_match", None)
    action = RATE_LIMITED_ACTIONS.get(match.url_name if match else "")
    if action in limits:
        return rate_window_seconds(limits[action]) or 60
    return max((rate_window_seconds(rates) for rates in limits.values() if rates), default=60)


def too_many_requests(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """429, with when to try again, as a page in the site's layout or as JSON for the API.

    allauth calls this for every rate limit it answers with a 429: its ``respond_429``
    looks for ``handler429`` in the root URLconf (``cbti/urls.py``) before its own
    bare page. The API's own limit (``program.api``) answers in JSON by itself.
    """
    from django.http import JsonResponse
    from django.utils.translation import gettext, ngettext

    seconds = retry_after_seconds(request)
    minutes = max(1, -(-seconds // 60))
    wait = ngettext(
        "Please wait %(minutes)d minute, then try again.",
        "Please wait %(minutes)d minutes, then try again.",
        minutes,
    ) % {"minutes": minutes}
    if is_api(request):
        response: HttpResponse = JsonResponse(
            {"detail": f"{gettext('Too many requests.')} {wait}", "retry_after": seconds},
            status=429,
        )
    else:
        response = render(request, "429.html", {"wait": wait, "minutes": minutes}, status=429)
    response["Retry-After"] = str(seconds)
    return response

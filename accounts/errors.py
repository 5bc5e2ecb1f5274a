"""Friendly error pages that keep the site's layout and say what to do next."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template

# How long a client is asked to wait while the database is unreachable (seconds).
RETRY_AFTER = 30
# Form fields never written back into a page, even the sender's own.
NOT_KEPT = ("password", "secret", "token", "code")


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


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

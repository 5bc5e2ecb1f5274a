"""The request a signed-in view gets, typed (healthchecks' ``AuthenticatedHttpRequest``).

The role decorators of ``accounts.access`` let a view run only for a signed-in user, so
inside it ``request.user`` is a ``User``, never an ``AnonymousUser``. Views under those
decorators annotate their request with this class instead of silencing the type checker.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User


def is_api(request: HttpRequest) -> bool:
    """The request is the API's (JSON answers, never a page)."""
    return request.path.startswith("/api/")


def page_to_return_to(request: HttpRequest) -> str:
    """Where signing in should bring someone back to: the page they asked for, or, for a
    form sent after their session ended, the page the form was on (its action may answer
    POST only, and the form's page is where what they typed comes back: static/js/app.js,
    "drafts"). The referrer policy is same-origin, so a form of the app sends its page."""
    if request.method == "POST":
        referer = request.headers.get("Referer", "")
        if referer and url_has_allowed_host_and_scheme(
            referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            page = urlsplit(referer)
            if page.path.startswith("/") and not page.path.startswith("//"):
                return page.path + (f"?{page.query}" if page.query else "")
    return request.get_full_path()


def to_sign_in(request: HttpRequest) -> HttpResponseRedirect:
    """The sign-in page, then back (``page_to_return_to``)."""
    return redirect_to_login(page_to_return_to(request))

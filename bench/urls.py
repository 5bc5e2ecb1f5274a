"""The app's URLconf plus two floors, for the benchmarks only (bench/settings.py).

- bare: a view doing nothing, with no cookie read (the middleware still runs);
- authenticated: a trivial view behind login, with the full session, user, MFA and
  time-zone middleware: the cheapest page a signed-in person can get;
- layout: the same with an empty page in the site's layout (templates/base.html: the menu,
  the messages, the footer with the person's crisis lines): the cheapest page a signed-in
  person can be shown.

Production never routes these: cbti/urls.py knows nothing of them.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import include, path

EMPTY_PAGE = engines["django"].from_string(
    '{% extends "base.html" %}{% block title %}Bench{% endblock title %}'
)


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_required
def authenticated(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")


@login_required
def layout(request: HttpRequest) -> HttpResponse:
    return HttpResponse(EMPTY_PAGE.render({}, request))


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/authenticated/", authenticated),
    path("bench/layout/", layout),
    path("", include("cbti.urls")),
]

handler403 = "accounts.errors.permission_denied"
handler404 = "accounts.errors.page_not_found"
handler500 = "accounts.errors.server_error"

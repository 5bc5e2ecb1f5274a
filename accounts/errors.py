"""Friendly error pages that keep the site's layout and say what to do next."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import get_template


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors or database here: whatever failed may fail again.
    return HttpResponse(get_template("500.html").render({}), status=500)

"""The installable, offline diary (issue 23, part 3): the web app manifest, and the mark
that lets the service worker (static/js/sw.js) keep a patient's page on the device.

Only pages marked with ``kept_offline`` are kept, in a cache named after the user who
opened them: a page for another user empties it first, and signing out empties it (and
the nights waiting to be sent). See docs/offline.md.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

# The response header naming the user a page was made for (read by static/js/sw.js).
OWNER_HEADER = "X-Offline-Cache"
# The request header of the service worker fetching a page to keep, in the background.
KEEP_HEADER = "X-Offline-Keep"
NO_MESSAGE = messages.constants.ERROR + 100  # a message level above every real one
THEME_COLOUR = "#2f4b8a"  # moon.svg's blue
BACKGROUND_COLOUR = "#ffffff"


def kept_offline(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Mark a patient page the service worker may keep on this device for its user."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.headers.get(KEEP_HEADER) == "1":
            # The service worker fetching the page in the background to keep it: nobody
            # reads what it says, so the view leaves no message for the next page ("Your
            # diary is complete…" on every page after it).
            messages.set_level(request, NO_MESSAGE)
        response = view(request, *args, **kwargs)
        # A page that showed a message ("Saved…") is not kept: offline, it would say it again.
        shown_messages = getattr(getattr(request, "_messages", None), "used", False)
        if response.status_code == 200 and request.user.is_authenticated and not shown_messages:
            response[OWNER_HEADER] = str(request.user.pk)
        return response

    return wrapper


def manifest(request: HttpRequest) -> JsonResponse:
    """The web app manifest: what a phone needs to install the patient's side."""
    data = {
        "id": "/",
        "name": settings.SITE_NAME,
        "short_name": settings.SITE_NAME,
        "description": _("Your sleep diary and programme, also without a connection."),
        "lang": request.LANGUAGE_CODE,
        "start_url": reverse("program:patient_home"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOUR,
        "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("img/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("img/moon.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    response = JsonResponse(data, content_type="application/manifest+json")
    response["Cache-Control"] = "no-cache"
    return response

"""A patient's own pages, kept in the web process's memory under their data revision.

A patient opens Today, the diary, the programme, a lesson or the sleep window many
times between two changes to what those pages show. ``cached_page`` keeps the page a
view rendered under everything it depends on:

- the person and their data revision (``User.data_revision``, renewed by every change
  to their data, to the shared content their pages show, and to their user row or
  their therapist's: ``program.revisions``);
- their local date (pages change with the day: the diary's missing nights, the
  programme's opening weeks, the sleep window in force);
- the language and the full path with its query string.

The user row is read by every signed-in request anyway, so a page served from memory
costs no query beyond the session's and the user's.

What is never kept:

- anything but a 200 response to a GET;
- a page rendered while flash messages were waiting or shown (they are one-off);
- a page whose rendering changed the person's data (its revision moved on), or rendered
  inside a transaction that has already renewed everyone (see
  ``revisions.everyone_renewed_in_this_transaction``);
- other people's pages (only the patient's own views are decorated; a therapist's or
  an admin's views of a patient are read fresh, and audited).

The form token in a kept page is replaced, on every serving, by one for the current
request (``get_token``), so forms keep working after the token rotates at sign-in.
(These pages have no inline script, so no CSP nonce to renew; a page that gets one
must not be decorated.)

The pages are kept in this process's memory only (the ``pages`` cache, a bounded
``LocMemCache``), not in Redis: they hold health data, and each worker keeps its own
copies for ``PAGE_CACHE_SECONDS`` at most (pages are 3–25 KB: 2 000 of them, the
default bound, take about 20 MB). ``PAGE_CACHE_SECONDS=0`` turns it off.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

from . import revisions

View = Callable[..., HttpResponse]

_FORM_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")[A-Za-z0-9]{64}(")')
_TOKEN_SLOT = b"\x00form-token\x00"


def page_key(request: HttpRequest) -> str:
    user: Any = request.user
    # The whole address: a page may show links built from the host (the calendar feed).
    path = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()[:32]
    return ":".join(
        [
            "page",
            str(user.pk),
            user.data_revision.hex,
            get_language() or "",
            user.local_today().isoformat(),
            request.resolver_match.view_name if request.resolver_match else "",
            path,
        ]
    )


def cached_page(view: View) -> View:
    """Serve the patient's own page from memory while nothing it shows has changed."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or request.method != "GET" or len(messages.get_messages(request)):
            return view(request, *args, **kwargs)
        store = caches["pages"]
        key = page_key(request)
        kept = store.get(key)
        if kept is not None:
            page = kept.replace(_TOKEN_SLOT, get_token(request).encode())
            return _told(HttpResponse(page), "hit")
        writes = revisions.writes_in_this_thread()
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and revisions.writes_in_this_thread() == writes
            and not len(messages.get_messages(request))
            and not revisions.everyone_renewed_in_this_transaction()
        ):
            page = _FORM_TOKEN.sub(rb"\1" + _TOKEN_SLOT + rb"\2", response.content)
            store.set(key, page, seconds)
        return _told(response, "miss")

    return wrapper


def _told(response: HttpResponse, outcome: str) -> HttpResponse:
    """The load benchmark counts hits in its journey (a header only while it runs)."""
    if settings.BENCH_FLOORS:
        response["X-Page-Cache"] = outcome
    return response

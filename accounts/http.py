"""The request a signed-in view gets, typed (healthchecks' ``AuthenticatedHttpRequest``).

The role decorators of ``accounts.access`` let a view run only for a signed-in user, so
inside it ``request.user`` is a ``User``, never an ``AnonymousUser``. Views under those
decorators annotate their request with this class instead of silencing the type checker.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User

"""The API's rate limit: ``API_RATE_LIMIT`` calls per person (by user id, whether the call
came with a token or the browser session), counted in the shared cache like allauth's
limits. Past it the API answers 429 in JSON with ``Retry-After`` (``program.api``)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja.throttling import UserRateThrottle


class PersonRateThrottle(UserRateThrottle):
    """ninja's per-user throttle, with its rate read from the settings on each call (so a
    deployment, or a test, can change it without re-importing the API)."""

    scope = "api"

    def __init__(self) -> None:
        super().__init__(rate=settings.API_RATE_LIMIT)

    def allow_request(self, request: HttpRequest) -> bool:
        if self.rate != settings.API_RATE_LIMIT:
            self.rate = settings.API_RATE_LIMIT
            self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

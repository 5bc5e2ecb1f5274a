"""Two floors for the load benchmark (bench/load.py), routed only when BENCH_FLOORS is on.

- bare: a Django view doing nothing, with no cookie sent (the middleware still
  runs, but touches neither the session nor the database);
- authenticated: a trivial view behind login, with the full session, user,
  MFA and time-zone middleware — the cheapest page a signed-in person can get.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


@login_required
def authenticated(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f"ok {request.user.pk}", content_type="text/plain")

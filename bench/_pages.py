"""What bench/caseload.py and bench/diary_page.py share: a throw-away test database
and the timing of one page through Django's test client (import after django.setup())."""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection
from django.template.base import PartialTemplate, Template
from django.test.utils import CaptureQueriesContext, setup_test_environment


@contextmanager
def throwaway_database() -> Iterator[None]:
    """A fresh test database for the run, dropped afterwards.

    The test environment's template rendering is put back as production has it: the
    test runner's version sends a signal on which the test client copies every
    template's context, work no server does (about a tenth of a form page's CPU)."""
    renders = Template._render, PartialTemplate._render
    setup_test_environment()
    Template._render, PartialTemplate._render = renders
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        yield
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def time_page(client: Any, url: str, runs: int, **headers: str) -> tuple[float, float, int]:
    """Median and 95th percentile server time (ms) of ``runs`` views of ``url`` after a
    warm-up view (session stamps, template caches), and the queries of one view."""
    client.get(url, **headers)
    timings = []
    for _ in range(runs):
        t0 = time.perf_counter()
        response = client.get(url, **headers)
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url, **headers)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) >= 2 else timings[0]
    return statistics.median(timings), p95, len(queries.captured_queries)

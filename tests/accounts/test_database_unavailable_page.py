"""While the database cannot be reached, pages say so with a 503 and keep what was sent."""

from __future__ import annotations

from django.db import OperationalError
from django.test import RequestFactory

from accounts.errors import server_error


def fail(request, error: Exception):
    try:
        raise error
    except Exception:  # Django calls handler500 inside its own except block
        return server_error(request)


def test_a_post_refused_for_want_of_a_database_keeps_the_answers_for_sending_again() -> None:
    request = RequestFactory().post(
        "/diary/new/?from=today",
        {
            "comments": 'woke at 3 <script>alert("x")</script>',
            "awake_min": "15",
            "csrfmiddlewaretoken": "abc123",
            "password": "never echoed",
            "code": "123456",
        },
    )
    response = fail(request, OperationalError("connection refused"))
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert '<form method="post" action="/diary/new/?from=today">' in page
    assert 'name="awake_min" value="15"' in page
    assert 'name="csrfmiddlewaretoken" value="abc123"' in page
    assert "woke at 3 &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "never echoed" not in page and "123456" not in page


def test_a_page_refused_for_want_of_a_database_is_a_503_without_a_form() -> None:
    response = fail(RequestFactory().get("/today/"), OperationalError("the database is down"))
    assert response.status_code == 503
    assert b"<form" not in response.content


def test_any_other_error_is_still_the_500_page() -> None:
    response = fail(RequestFactory().post("/diary/new/", {"a": "b"}), ValueError("a bug"))
    assert response.status_code == 500
    assert b"<form" not in response.content

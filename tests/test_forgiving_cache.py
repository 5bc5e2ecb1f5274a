"""With Redis unreachable the cache misses instead of failing the request
(cbti/cache.py); the end-to-end outage is tests/program/test_broker_outage.py."""

from __future__ import annotations

import logging

from cbti.cache import ForgivingRedisCache


def test_redis_down_is_a_miss_writes_are_dropped_and_add_fails_closed(caplog) -> None:
    # A Celery test worker may have set the root logger to ERROR earlier in the run.
    caplog.set_level(logging.WARNING, logger="cbti.cache")
    # Nothing listens on port 1.
    cache = ForgivingRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}})
    assert cache.get("session", "missing") == "missing"
    assert cache.get_many(["a", "b"]) == {}
    assert "a" not in cache
    cache.set("session", {"user": 1})
    assert cache.set_many({"a": 1}) == ["a"]
    assert cache.delete("session") is False
    cache.delete_many(["a"])
    assert cache.touch("a") is False
    # allauth's rate-limit lock and its "TOTP code already used" check rely on add():
    # refusing is the safe answer while it cannot be known.
    assert cache.add("lock", True) is False
    assert "Cache get failed" in caplog.text


def test_while_redis_is_down_sign_in_is_refused_not_a_500(patient) -> None:
    """allauth's rate-limit lock cannot be taken without the cache: the sign-in is
    refused as rate-limited (429) rather than let through unlimited, or failing."""
    from django.test import Client, override_settings
    from django.urls import reverse

    from tests.conftest import PASSWORD

    down = {
        "default": {
            "BACKEND": "cbti.cache.ForgivingRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }
    with override_settings(CACHES=down):
        response = Client().post(
            reverse("account_login"), {"login": patient.email, "password": PASSWORD}
        )
    assert response.status_code == 429


def test_sessions_never_come_from_redis() -> None:
    """A sign-out while Redis is unreachable could not delete a cached copy of the
    session, and a Redis cut off (not restarted) would serve it again: sessions are
    read from the database only, whatever REDIS_URL says."""
    from django.conf import settings

    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"

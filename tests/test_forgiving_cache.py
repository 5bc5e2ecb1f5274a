"""With Redis unreachable the cache misses instead of failing the request
(cbti/cache.py); the end-to-end outage is tests/program/test_broker_outage.py."""

from __future__ import annotations

from cbti.cache import ForgivingRedisCache


def test_redis_down_is_a_miss_writes_are_dropped_and_add_fails_closed(caplog) -> None:
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

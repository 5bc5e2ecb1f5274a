"""Access to the machine's real services for the tests that need them.

A fresh laptop may have no Redis and no Chromium: those tests skip there. CI
sets REQUIRE_SERVICES=1, and then a missing service fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname, parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def require(available: bool, what: str) -> None:
    if available:
        return
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{what} is required (REQUIRE_SERVICES=1) but is not available")
    pytest.skip(f"{what} is not available on this machine")


def require_redis() -> str:
    require(_reachable(REDIS_URL), f"Redis at {REDIS_URL}")
    return REDIS_URL


def require_chromium() -> str:
    require(os.path.exists(CHROMIUM), f"Chromium at {CHROMIUM}")
    return CHROMIUM

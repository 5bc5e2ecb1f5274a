"""The test suite's settings: the app's own, with TESTING on (fast password hashing,
tasks run in-process, no HTTPS redirect). Named in pyproject.toml, so a test run never
depends on the app guessing it is under test."""

import os

os.environ["TESTING"] = "1"

from cbti.settings import *  # noqa: F403

# Tests move the app's clock (time_machine) while the database's runs on: the clock
# guard's own tests switch it on (tests/test_hardening.py).
CLOCK_GUARD = False

# A test database need not survive a crash, so PostgreSQL does not wait for each commit to
# reach the disk: the browser journeys' flushes commit a TRUNCATE of every table, and the
# fault and migration tests commit often. Production keeps the server's own setting.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c synchronous_commit=off"  # noqa: F405

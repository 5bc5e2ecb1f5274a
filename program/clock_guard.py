"""The app's clock against the database's: a periodic job never acts on a moment ahead of
the database's own clock.

A web or worker host whose clock jumps forward (a bad NTP answer, a VM restored with
the wrong time) would otherwise make next week's sleep-window reviews now, from nights
not yet slept, and push every reminder schedule ahead (issue 18, item 3). The
database is the one clock every process shares, so the reminder and titration ticks
compare the two first and, when the app's is ahead by more than
``CLOCK_TOLERANCE_MINUTES``, do nothing and log an error saying so (the next tick tries
again). A clock behind the database's is logged, and the ticks go on: acting late is
what they already do after an outage.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)


def database_now() -> datetime:
    """The database server's clock (UTC)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT CURRENT_TIMESTAMP")
        value = cursor.fetchone()[0]
    if isinstance(value, str):  # SQLite: "YYYY-MM-DD HH:MM:SS", in UTC
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def may_act_at(now: datetime, what: str) -> bool:
    """Whether ``what`` may run at ``now`` (the app's clock): not when it is ahead of the
    database's by more than the tolerance. Off with ``CLOCK_GUARD = False`` (the test
    suite moves the app's clock on its own; the guard's tests switch it on)."""
    if not settings.CLOCK_GUARD:
        return True
    tolerance = timedelta(minutes=settings.CLOCK_TOLERANCE_MINUTES)
    database = database_now()
    if now - database > tolerance:
        log.error(
            "Not running %s: this host's clock (%s) is %s ahead of the database's (%s). "
            "Fix the host's time; nothing was done.",
            what,
            now.isoformat(),
            now - database,
            database.isoformat(),
        )
        return False
    if database - now > tolerance:
        log.warning(
            "%s: this host's clock (%s) is %s behind the database's (%s).",
            what,
            now.isoformat(),
            database - now,
            database.isoformat(),
        )
    return True

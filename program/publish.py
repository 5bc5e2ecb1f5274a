"""Publishing Celery tasks from web requests without ever hanging or failing them.

A request writes to the database only; the task is published after the commit,
once, with retries off and the broker's short socket timeouts (settings), so a
broker that is down costs a request about two seconds at worst, never a 500.
Whatever was not published is picked up later from the database (the reminder
outbox) or offered to the user again (an invitation's "Send again").
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)


@dataclass
class Published:
    ok: bool | None = None  # None until the transaction commits


def publish_on_commit(task: Any, *args: Any) -> Published:
    result = Published()

    def publish() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except Exception as error:  # broker down or unreachable: never fail the request
            log.warning("Could not publish %s: %s", task.name, error)
            result.ok = False
        else:
            result.ok = True

    transaction.on_commit(publish)
    return result

"""Publishing Celery tasks from web requests without ever hanging or failing them.

A request writes to the database only; the task is published after the commit,
once, with retries off and the broker's short socket timeouts (settings), so a
broker that is down costs a request about two seconds at worst, never a 500.
Whatever was not published is picked up later from the database (the reminder
outbox) or offered to the user again (an invitation's "Send again").

Workflows name the task (``"program.tasks.message_email_task"``) instead of importing
``program.tasks``: the tasks call the workflows, so an import the other way round is
the cycle the layering contracts in pyproject.toml forbid. The name is looked up in
the Celery app's registry, which ``ProgramConfig.ready`` fills by importing the tasks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.db import transaction

log = logging.getLogger(__name__)


@dataclass
class Published:
    ok: bool | None = None  # None until the transaction commits


def publish_on_commit(task_name: str, *args: Any) -> Published:
    """Publish the task named ``task_name`` with ``args`` once the transaction commits."""
    task = current_app.tasks[task_name]  # a wrong name fails at once, in the caller's tests
    result = Published()

    def publish() -> None:
        try:
            task.apply_async(args=args, retry=False)
        except Exception as error:  # broker down or unreachable: never fail the request
            log.warning("Could not publish %s: %s", task_name, error)
            result.ok = False
        else:
            result.ok = True

    transaction.on_commit(publish)
    return result


def run_after_commit(task_name: str, *args: Any) -> None:
    """Run the task named ``task_name`` in this process once the transaction commits.

    For work the request's own answer relies on and that must not wait for, or be lost
    with, the broker: the reminders follow a new sleep window at once. Named, not
    imported, for the same reason as ``publish_on_commit``."""
    task = current_app.tasks[task_name]
    transaction.on_commit(lambda: task(*args))

"""A form sent twice (Back then Send, a double tap, a second tab) makes its row once.

Each such form carries a random ``submission_key``, and the model a unique constraint on
(patient, submission_key) where the key is given (messages, care-team notes; the diary
has its own, ``program.diary.actions``). The database decides, not a query first, so
two requests at the same instant cannot both make the row.
"""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, models, transaction


def create_once[M: models.Model](
    model: type[M], *, submission_key: str, **fields: Any
) -> tuple[M, bool]:
    """The row made from ``fields``, and whether this request made it. The same form
    sent again (its key, with the same fields) gives the row it made the first time,
    and False. Other words under a used key (an old page, Back, then a new message
    typed in it) are a row of their own, saved without the key. The INSERT runs in a
    savepoint, so the caller's transaction goes on after a refused one."""
    manager = model._default_manager
    if not submission_key:
        return manager.create(**fields), True
    try:
        with transaction.atomic():
            return manager.create(**fields, submission_key=submission_key), True
    except IntegrityError:
        earlier = manager.get(patient=fields["patient"], submission_key=submission_key)
        if all(_same(earlier, name, value) for name, value in fields.items()):
            return earlier, False
        return manager.create(**fields), True


def _same(row: models.Model, name: str, value: Any) -> bool:
    if isinstance(value, models.Model):  # a related row: its key, without fetching it
        return bool(getattr(row, f"{name}_id") == value.pk)
    return bool(getattr(row, name) == value)

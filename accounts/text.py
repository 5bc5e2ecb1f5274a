"""Free text people type: what every form and the API refuse in it.

PostgreSQL cannot store a NUL character (a 500 before this), and other control
characters are never typed by a person: they come from a broken client or an attack.
Tab, newline and carriage return are kept (a comment may have lines).
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MESSAGE = _("This text contains a control character (such as NUL) that can't be saved.")


def has_control_characters(text: str) -> bool:
    return bool(_CONTROL.search(text))


def refuse_control_characters(text: object) -> None:
    """A validator for forms and models (the API's schemas use ``has_control_characters``)."""
    if isinstance(text, str) and has_control_characters(text):
        raise ValidationError(MESSAGE, code="control_character")

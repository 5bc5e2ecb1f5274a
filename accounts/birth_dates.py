"""Ages from dates of birth (no Django): the arithmetic and the limits of a plausible date.

Who may use the programme, and what an age changes in it, are clinical rules and live in
``program.rules.age``.
"""

from __future__ import annotations

from datetime import date

# No one is older: a date of birth further back is a typing mistake.
MAX_AGE = 120


def age_on(born: date, today: date) -> int:
    """Whole years completed on ``today`` (a birthday on 29 February is reached on
    1 March in other years)."""
    years = today.year - born.year
    if (today.month, today.day) < (born.month, born.day):
        years -= 1
    return years


def problem(born: date, today: date) -> str | None:
    """Why ``born`` cannot be a date of birth: "future", "too_old", or None when it can."""
    if born > today:
        return "future"
    if age_on(born, today) > MAX_AGE:
        return "too_old"
    return None

"""Which crisis lines a person is shown (no Django): the selection rule behind
``program.crisis.actions``, on plain rows so that it can be tested on its own.

Design decision [D] (docs/sources.md, "Crisis contacts"): a person is shown the active
lines of the country they live in; of those, the lines for their language and the
lines for every language, in the clinic's order. A country whose lines are all for
other languages still shows them all: a number in another language is better than
none. A person who has not said where they live sees the clinic's default country's
lines and is told that elsewhere they should call their local emergency number; so
is a person whose country has no lines (then with no lines at all): never another
country's numbers as if they were theirs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Line:
    country: str
    language: str  # "" for every language
    name: str
    phone: str
    text_number: str = ""
    hours: str = ""
    emergency_number: str = ""
    url: str = ""
    order: int = 0
    active: bool = True


@dataclass(frozen=True)
class Selection:
    country: str  # whose lines these are
    lines: tuple[Line, ...]
    emergency_numbers: tuple[str, ...]
    # Add "elsewhere, call your local emergency number": the person has not said where
    # they live, or their country has no lines.
    local_emergency: bool
    country_given: bool


def select(rows: Iterable[Line], *, country: str, language: str, default_country: str) -> Selection:
    """The lines for a person living in ``country`` ("" if not said) who reads
    ``language``; ``default_country`` is the clinic's."""
    given = bool(country)
    country = country or default_country
    ours = sorted(
        (r for r in rows if r.active and r.country == country),
        key=lambda r: (r.order, r.name),
    )
    theirs = [r for r in ours if not r.language or r.language == language]
    lines = tuple(theirs or ours)
    emergency = tuple(dict.fromkeys(n for r in lines for n in alternatives(r.emergency_number)))
    return Selection(
        country=country,
        lines=lines,
        emergency_numbers=emergency,
        local_emergency=not given or not lines,
        country_given=given,
    )


def alternatives(numbers: str) -> list[str]:
    """ "15 / 112" → ["15", "112"]: a country's emergency numbers, "/" between them."""
    return [n.strip() for n in numbers.split("/") if n.strip()]


def dial(number: str) -> str:
    """The number for a tel: link: its digits, and a leading +."""
    number = number.strip()
    return ("+" if number.startswith("+") else "") + "".join(c for c in number if c.isdigit())

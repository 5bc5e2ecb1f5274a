"""Clock times as people write them (no Django imports).

A diary asks for clock times, and people write them in many ways: "23:15", "2315",
"23.15" (Dutch, German, Danish), "23h15" or "23 h 15" (French), "23 Uhr", "11:15 pm",
"11.15pm", "11pm", "6.30 a.m.", "7am", "12 noon". ``parse_clock`` reads every one of
these and refuses anything ambiguous or impossible ("25:00", "13 pm", "7:75"), so a
form can say what it expects instead of guessing.

Design decision: a bare number of one or two digits is an hour on the 24-hour clock
("7" is 07:00, "23" is 23:00), as the diary's own times are; with three or four digits
the last two are the minutes ("615" is 06:15, "2315" is 23:15).
"""

from __future__ import annotations

import re
from datetime import time

# After lower-casing and dropping spaces: the hour, then optional minutes after an
# optional separator (and seconds, which a machine may send: "23:15:00"), then an optional
# "h" or "uhr" (French, German), then an optional am or pm.
_CLOCK = re.compile(r"(\d{1,2})(?:[:.h,]?(\d{2})(?::(\d{2}))?)?(h|uhr)?(am|pm)?")
# "a.m.", "a. m.", "A.M", "p m" at the end become "am" / "pm" before the spaces go.
_MERIDIEM = re.compile(r"([ap])\.?\s*m\.?$")
_WORDS = {"noon": time(12, 0), "midday": time(12, 0), "midnight": time(0, 0)}


def parse_clock(text: str) -> time | None:
    """The clock time ``text`` means, or None if it is not one (see the module)."""
    value = _MERIDIEM.sub(r"\1m", text.strip().lower())
    value = re.sub(r"\s+", "", value)
    if value in ("12noon", "12midnight"):
        value = value[2:]
    if value in _WORDS:
        return _WORDS[value]
    match = _CLOCK.fullmatch(value)
    if match is None:
        return None
    hour, minute, second = (int(match.group(n) or 0) for n in (1, 2, 3))
    suffix, meridiem = match.group(4), match.group(5)
    if minute > 59 or second > 59:
        return None
    if meridiem:
        if not 1 <= hour <= 12 or suffix:
            return None
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    elif hour > 23:
        return None
    return time(hour, minute)  # seconds are read, then dropped: the diary counts minutes

"""Pages as their tests read them.

Figures that must not break across two lines of a phone's screen are kept on one line:
a duration in a ``nowrap`` span (``program.templatetags.diary_tags``). A test that reads
a sentence or a row of cells across such a figure reads the page through ``as_read``:
without those spans, and with ordinary spaces for no-break ones."""

from __future__ import annotations

import re

NBSP = "\u00a0"
_ONE_LINE = re.compile(r'<span class="nowrap">([^<]*)</span>')


def as_read(html: str) -> str:
    """``html`` without the spans that keep a figure on one line, and with spaces for
    no-break spaces."""
    return _ONE_LINE.sub(r"\1", html).replace(NBSP, " ")

"""CSV files people open in a spreadsheet: every export writes through this.

A cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read
by Excel, LibreOffice and Google Sheets as a formula, so a name such as
``=HYPERLINK("http://…/?"&A1,"name")`` typed by one person would run in another's
spreadsheet. Such text cells are written with a leading apostrophe, which spreadsheets
show as text (OWASP, "CSV Injection"). Numbers, dates and booleans are left as they are:
only text a person typed can carry a formula. So is text that is only a decimal number
("-28", "-12.0", as the exports format their figures): a spreadsheet reads it as the
number, and the apostrophe made a negative figure text that sums and charts skip.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def safe_cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


class Writer:
    """``csv.writer``, with every text cell made safe (``safe_cell``)."""

    def __init__(self, out: Any) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class DictWriter:
    """``csv.DictWriter``, with every text cell made safe (``safe_cell``)."""

    def __init__(self, out: Any, fieldnames: list[str]) -> None:
        self._writer = csv.DictWriter(out, fieldnames=fieldnames)

    def writeheader(self) -> Any:
        return self._writer.writeheader()

    def writerow(self, row: Mapping[str, Any]) -> Any:
        return self._writer.writerow({k: safe_cell(v) for k, v in row.items()})

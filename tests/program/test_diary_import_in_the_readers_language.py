"""The paper-diary import's report is in the therapist's language.

Its row and file errors were English f-strings, never given to gettext: a French or
German therapist read "diary_date “yesterday” is not a date like 2026-11-24" and
"Diary dates start from 2000-01-01." among French words. Every sentence now goes
through gettext with named placeholders (a column's name and the file's value are
placeholders), and its figures and dates are written in the reader's language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from django.utils import translation
from django.utils.formats import date_format, number_format
from django.utils.translation import trans_real

from program.diary import csv_files
from tests.conftest import client_for
from tests.program.test_diary_import import BAD, GOOD1, GOOD2, HEADER, check, upload

SHORT = "2026-10-08,23:30,23:45,90,3,120,04:30,05:00,2,0,0,0,0,1,no,,\n"
# One row for each thing a row can get wrong (GOOD1's morning is in the diary already).
ROWS = [
    "yesterday,23:00,23:00,10,0,0,06:00,06:30,3,0,0,0,0,0,no,,\n",
    "2099-01-01,23:00,23:00,10,0,0,06:00,06:30,3,0,0,0,0,0,no,,\n",
    "1999-12-31,23:00,23:00,10,0,0,06:00,06:30,3,0,0,0,0,0,no,,\n",
    GOOD1,
    GOOD2,
    GOOD2,
    "2026-10-09,25:99,23:00,,0,0,06:00,06:30,9,0,0,0,0,0,yes,bogus,\n",
    "2026-10-10,23:00,23:00,ten,-1,0,06:00,06:30,3,0,0,0,0,0,no,,\n",
    BAD,
    SHORT,
    GOOD1.replace("2026-10-05", "2026-10-11").replace(",no,,\n", ",no,," + "z" * 2500 + "\n"),
]
FILES = [
    HEADER + "".join(ROWS),
    "date,bed\n2026-10-05,23:00\n",  # no column named diary_date…
    HEADER,  # no rows
    ",".join(csv_files.COLUMNS) + "\n2026-11-20," + "x" * (200 * 1024) + "\n",  # unreadable
    HEADER + "yesterday,,,,,,,,,,,,,,,,\n" * (csv_files.MAX_ROWS + 1),  # too many rows
]


@pytest.fixture
def marked(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A French catalogue that brackets every message it is asked for: a sentence the
    report shows unbracketed never went through gettext."""
    monkeypatch.setattr(trans_real.DjangoTranslation, "gettext", lambda self, m: f"⟦{m}⟧")
    with translation.override("fr"):
        yield


def test_every_sentence_of_the_report_goes_through_gettext(therapist, patient, marked) -> None:
    with translation.override("en"):
        upload(client_for(therapist), patient, HEADER + GOOD1)
    said = []
    for text in FILES:
        report = csv_files.parse(patient, text)
        said += report.file_errors
        said += [s for row in report.rows for s in (*row.errors, *row.warnings)]
    english = [s for s in said if not (s.startswith("⟦") and s.endswith("⟧"))]
    assert not english, english
    # Every kind of sentence was reached: 5 about the file, 12 about a row, and the
    # night's checks (an error and two notes).
    assert len(set(said)) >= 19, sorted(set(said))


def test_a_french_therapist_reads_the_report_in_french(therapist, patient) -> None:
    """The row errors in French, and a figure written as French writes it (2 500, not
    2,500)."""
    therapist.language = "fr"
    therapist.save(update_fields=["language"])
    html = check(client_for(therapist), patient, HEADER + ROWS[2] + ROWS[-1]).content.decode()
    with translation.override("fr"):
        first, length = (
            date_format(date(2000, 1, 1), "LONG_DATE_FORMAT"),
            number_format(2500, force_grouping=True),
        )
    assert f"Les dates de l’agenda commencent le {first}." in html  # 1 janvier 2000
    assert "Diary dates start from" not in html
    assert f"comments font {length} caractères" in html  # 2 500
    assert "characters long" not in html
    assert "2,500" not in html

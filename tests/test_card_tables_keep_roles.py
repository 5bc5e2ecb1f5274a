"""A table that becomes cards on a phone (app.css, "Window history cards": .row-cards,
.window-history, .diary-table) keeps its table semantics with explicit ARIA roles: the
cards' CSS gives its rows and cells display: block and grid, and WebKit (VoiceOver on an
iPhone, the very reader of a 360 px page) then drops the table's roles, so the figures
are read with no row or column to say what they are. Read from the templates' source:
every such table, its row groups, rows, headers and cells name their role."""

from __future__ import annotations

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
CARD_CLASSES = {"row-cards", "window-history", "diary-table"}
TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.DOTALL | re.IGNORECASE)
CLASSES = re.compile(r"""^<table\b[^>]*\bclass="([^"]*)\"""", re.IGNORECASE)
# Each element of a table and the role it must name.
ROLES = {
    "table": "table",
    "thead": "rowgroup",
    "tbody": "rowgroup",
    "tr": "row",
    "td": "cell",
}
TAG = re.compile(r"<(table|thead|tbody|tr|td|th)\b([^>]*)>", re.IGNORECASE)


def _card_tables() -> list[tuple[str, str]]:
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for table in TABLE.findall(path.read_text()):
            classes = CLASSES.match(table)
            if classes and CARD_CLASSES & set(classes.group(1).split()):
                found.append((str(path.relative_to(TEMPLATES)), table))
    return found


def test_the_card_tables_are_found() -> None:
    names = {name for name, _ in _card_tables()}
    assert "program/programme_summary.html" in names
    assert "program/_window_history.html" in names


def test_every_table_shown_as_cards_names_its_roles() -> None:
    missing = []
    for name, table in _card_tables():
        for tag, attrs in TAG.findall(table):
            tag = tag.lower()
            if tag == "th":
                scope = re.search(r'scope="(\w+)"', attrs)
                want = "rowheader" if scope and scope.group(1) == "row" else "columnheader"
            else:
                want = ROLES[tag]
            if f'role="{want}"' not in attrs:
                missing.append(f"{name}: <{tag}{attrs}> has no role={want}")
    assert not missing, "\n".join(missing)

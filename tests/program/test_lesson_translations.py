"""The shipped French and German lessons against the English ones (issue 22).

A translated lesson file carries words only, so its structure must be the English file's:
the same interactive parts (type, key, and as many options, items and fields), the same
headings, links and placeholders, and every figure kept (a thousands separator may be a
comma, a space or a point)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from program.curriculum.files import DEFAULT_PROGRAMME_DIR, parse
from program.curriculum.lesson_text import names_used

ROOT = Path(DEFAULT_PROGRAMME_DIR)
ENGLISH = sorted(ROOT.glob("en/week-*/[0-9][0-9]-*.md"))
FIGURE = re.compile(r"\d+(?:[,.\u00a0 ]\d{3})*")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def shape(parts: list[dict]) -> list[tuple]:
    return [
        (
            p["type"],
            p["key"],
            len(p.get("options", [])),
            [o.get("correct", False) for o in p.get("options", [])],
            len(p.get("items", [])),
            [f["key"] for f in p.get("fields", [])],
        )
        for p in parts
    ]


def figures(text: str) -> list[str]:
    return sorted(re.sub(r"\D", "", f) for f in FIGURE.findall(text))


def test_every_english_lesson_has_a_french_and_a_german_file() -> None:
    for path in ENGLISH:
        for language in ("fr", "de"):
            assert (ROOT / language / path.relative_to(ROOT / "en")).exists(), (language, path)


@pytest.mark.parametrize("language", ["fr", "de"])
@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.stem)
def test_a_translation_keeps_the_english_structure(path: Path, language: str) -> None:
    english_meta, english = parse(path.read_text("utf-8"), path)
    other = ROOT / language / path.relative_to(ROOT / "en")
    meta, body = parse(other.read_text("utf-8"), other)
    assert "order" not in meta and "required" not in meta  # the exporter's format
    assert meta["slug"] == english_meta["slug"] and meta["minutes"] == english_meta["minutes"]
    assert shape(meta.get("parts", [])) == shape(english_meta.get("parts", []))
    assert body.count("\n## ") == english.count("\n## ")
    assert LINK.findall(body) == LINK.findall(english)
    assert names_used(body) == names_used(english)
    assert body.count("::: if") == english.count("::: if")
    assert figures(body) == figures(english)

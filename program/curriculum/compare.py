"""Two versions of a lesson side by side: their words as lines, and a unified diff of them.

Used by the clinic's curriculum pages and the Django admin. The lines are plain text:
templates print them with autoescaping on, so a version's Markdown or HTML never runs.
"""

from __future__ import annotations

import difflib
from typing import Any

import yaml

from program.curriculum.files import canonical


def version_text(version: Any) -> list[str]:
    """A version as lines of text, for comparing two versions."""
    parts = yaml.safe_dump(
        canonical(version.parts or []), sort_keys=False, allow_unicode=True, width=10_000
    )
    return [
        f"title: {version.title}",
        f"summary: {version.summary}",
        f"minutes: {version.minutes}",
        "",
        *version.body.splitlines(),
        "",
        "parts:",
        *parts.splitlines(),
    ]


def diff_lines(old: Any, new: Any) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) pairs: kind is add, del, hunk or same."""
    lines = []
    for line in difflib.unified_diff(
        version_text(old), version_text(new), str(old), str(new), lineterm="", n=3
    ):
        if line.startswith(("+++", "---")):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        elif line.startswith("@@"):
            kind = "hunk"
        else:
            kind = "same"
        lines.append((kind, line))
    return lines

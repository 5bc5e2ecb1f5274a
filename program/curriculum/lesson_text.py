"""Lesson Markdown that follows the programme's settings: placeholders and conditional
blocks, parsed here (no Django, and never Django's template engine: lessons are
written by clinic admins, who are trusted to write words, not to run code).

Two constructs, nothing else::

    Your window is never shorter than {{ floor }}.

    ::: if approval_required
    Your therapist checks each change before it starts.
    ::: else
    Each change starts at your weekly review.
    :::

- ``{{ name }}`` is replaced by a value's words (``TEXT_VARIABLES``).
- A line ``::: if name`` (or ``::: if not name``) starts a block kept only when the
  condition (``CONDITIONS``) holds; ``::: else`` and a closing ``:::`` are optional
  and required respectively. Blocks may nest.

``problems`` lists every mistake with its line (an unknown name, a condition used
as text or text as a condition, a block left open, stray braces); the admin form,
the file import and publishing refuse text with any. ``expand`` never fails: a
patient never sees raw braces or a 500 (an unknown name becomes nothing, a stray
marker is dropped).

The values come from the patient's programme and sleep-window protocol
(``program.curriculum.lesson_values``); the nap rule is ``program.clinical_text.NAP_RULE``, the one
wording used everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

# name -> what it means, for the docs and the admin's error messages.
CONDITIONS: dict[str, str] = {
    "approval_required": "a clinician approves each sleep-window change before it starts",
    "self_guided": "sleep-window changes start without a clinician unless something is flagged",
}
TEXT_VARIABLES: dict[str, str] = {
    "floor": "the shortest window the patient's protocol allows, in words (5 hours)",
    "step": "how much longer the window grows in one step, in words (15 minutes)",
    "extend_at": "the sleep efficiency (%) at which the window grows, e.g. 90",
    "min_nights": "the diary nights a weekly review needs, e.g. 5",
    "nap_rule": "the one nap rule, a whole sentence or two",
}

PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
DIRECTIVE = re.compile(r"^\s*:::(.*)$")
STRAY_BRACES = re.compile(r"[{}]{2,}")
IF = re.compile(r"^if\s+(not\s+)?([A-Za-z_][A-Za-z0-9_]*)$")


@dataclass(frozen=True)
class Values:
    """Everything a lesson may name: the conditions' truth and the texts' words."""

    conditions: Mapping[str, bool]
    texts: Mapping[str, str]


def _known_list(names: Mapping[str, str]) -> str:
    return ", ".join(sorted(names))


def problems(text: str) -> list[str]:
    """Every mistake in a lesson's placeholders and blocks, with its line number, in
    words a clinic admin can act on; an empty list when there is none."""
    found: list[str] = []
    open_blocks: list[tuple[int, bool]] = []  # (line, seen else)
    for number, line in enumerate(text.splitlines(), 1):
        directive = DIRECTIVE.match(line)
        if directive:
            words = directive.group(1).strip()
            condition = IF.match(words)
            if condition:
                name = condition.group(2)
                if name in TEXT_VARIABLES:
                    found.append(
                        f"Line {number}: “{name}” is a text, not a condition; "
                        f"“::: if” takes one of: {_known_list(CONDITIONS)}."
                    )
                elif name not in CONDITIONS:
                    found.append(
                        f"Line {number}: unknown condition “{name}”; "
                        f"use one of: {_known_list(CONDITIONS)}."
                    )
                open_blocks.append((number, False))
            elif words == "else":
                if not open_blocks:
                    found.append(f"Line {number}: “::: else” without a “::: if” before it.")
                elif open_blocks[-1][1]:
                    found.append(f"Line {number}: a second “::: else” in the same block.")
                else:
                    open_blocks[-1] = (open_blocks[-1][0], True)
            elif words == "":
                if not open_blocks:
                    found.append(f"Line {number}: “:::” closes no “::: if” block.")
                else:
                    open_blocks.pop()
            else:
                found.append(
                    f"Line {number}: “:::{directive.group(1)}” is not understood; write "
                    "“::: if NAME”, “::: if not NAME”, “::: else” or “:::”."
                )
            continue
        for match in PLACEHOLDER.finditer(line):
            name = match.group(1)
            if name in CONDITIONS:
                found.append(
                    f"Line {number}: “{name}” is a condition, not a text; use it as "
                    f"“::: if {name}” … “:::”."
                )
            elif name not in TEXT_VARIABLES:
                found.append(
                    f"Line {number}: unknown placeholder “{{{{ {name} }}}}”; "
                    f"use one of: {_known_list(TEXT_VARIABLES)}."
                )
        rest = PLACEHOLDER.sub("", line)
        if "{{" in rest or "}}" in rest:
            found.append(
                f"Line {number}: braces that are not a placeholder; write "
                "“{{ name }}” with a known name, or leave the braces out."
            )
    for number, _else in open_blocks:
        found.append(f"Line {number}: this “::: if” block is never closed with “:::”.")
    return found


def expand(text: str, values: Values) -> str:
    """``text`` with its blocks chosen and its placeholders filled. Total: text with
    mistakes (``problems``) still expands, without raw markers or unknown names."""
    out: list[str] = []
    # Each open block: (kept before this block, this branch's condition).
    stack: list[tuple[bool, bool]] = []
    keeping = True
    for line in text.splitlines():
        directive = DIRECTIVE.match(line)
        if directive:
            words = directive.group(1).strip()
            condition = IF.match(words)
            if condition:
                holds = bool(values.conditions.get(condition.group(2), False))
                if condition.group(1):
                    holds = not holds
                stack.append((keeping, holds))
                keeping = keeping and holds
            elif words == "else" and stack:
                outer, holds = stack[-1]
                stack[-1] = (outer, not holds)
                keeping = outer and not holds
            elif words == "" and stack:
                keeping = stack.pop()[0]
            continue
        if not keeping:
            continue
        line = PLACEHOLDER.sub(lambda m: values.texts.get(m.group(1), ""), line)
        line = STRAY_BRACES.sub("", line)
        if DIRECTIVE.match(line):  # a marker only once stray braces went
            line = line.lstrip().lstrip(":")
        out.append(line)
    return "\n".join(out)


def names_used(text: str) -> set[str]:
    """The conditions and placeholders a text names (known or not)."""
    used = {m.group(1) for m in PLACEHOLDER.finditer(text)}
    for line in text.splitlines():
        directive = DIRECTIVE.match(line)
        condition = IF.match(directive.group(1).strip()) if directive else None
        if condition:
            used.add(condition.group(2))
    return used

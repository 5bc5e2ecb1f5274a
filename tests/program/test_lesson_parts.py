"""The shape of a lesson's interactive parts (program/curriculum/parts.py, pydantic): every
problem an admin can make in the YAML gets one plain sentence, and the shipped curriculum
has none. (The admin page showing them: tests/program/test_lesson_versions.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from program.curriculum.files import parse
from program.curriculum.models import validate_parts
from program.curriculum.parts import problems

CONTENT = Path(__file__).resolve().parents[2] / "program" / "curriculum" / "content"
QUIZ = {"type": "quiz", "key": "q", "question": "Why?"}
A, B = {"text": "a", "correct": True}, {"text": "b"}


@pytest.mark.parametrize(
    ("parts", "message"),
    [
        ("not a list", "Interactive parts must be a list."),
        ([1], "Part 1: must be a mapping."),
        ([{"key": "a"}], "Part 1: type must be one of quiz, reflection, checklist, worksheet."),
        ([{"type": "poem", "key": "a"}], "Part 1: type must be one of quiz, reflection, "
         "checklist, worksheet."),
        ([{"type": "reflection", "prompt": "p"}], "Part 1: key must be letters, digits and "
         "hyphens."),
        ([{"type": "reflection", "key": "a b", "prompt": "p"}], "Part 1: key must be letters, "
         "digits and hyphens."),
        ([{"type": "quiz", "key": "q"}], "Part 1: a quiz needs a question and two options or "
         "more."),
        ([{**QUIZ, "options": [A]}], "Part 1: a quiz needs a question and two options or more."),
        ([{**QUIZ, "options": [B, B]}], "Part 1: mark at least one option correct."),
        ([{**QUIZ, "options": [A, {"text": ""}]}], "Part 1: every option needs text."),
        ([{**QUIZ, "options": [A, {"text": "b", "correct": "yes"}]}], "Part 1: an option's "
         "“correct” is true or false."),
        ([{"type": "reflection", "key": "r"}], "Part 1: a reflection needs a prompt."),
        ([{"type": "checklist", "key": "c", "items": ["x"]}], "Part 1: a checklist needs a "
         "title and items."),
        ([{"type": "checklist", "key": "c", "title": "t", "items": []}], "Part 1: a checklist "
         "needs a title and items (each a line of text)."),
        ([{"type": "worksheet", "key": "w", "title": "t"}], "Part 1: a worksheet needs a title "
         "and fields."),
        ([{"type": "worksheet", "key": "w", "title": "t", "fields": [{"key": "k"}]}], "Part 1: "
         "every worksheet field needs a key and a label."),
        ([{"type": "reflection", "key": "r", "prompt": "p"}] * 2, "Part 2: the key “r” is used "
         "twice."),
    ],
)  # fmt: skip
def test_each_mistake_has_its_sentence(parts: object, message: str) -> None:
    assert problems(parts) == [message]
    with pytest.raises(ValidationError) as error:
        validate_parts(parts)
    assert error.value.messages == [message]


def test_every_mistake_is_listed_not_only_the_first() -> None:
    parts = [
        {"type": "reflection", "key": "r"},
        {"type": "worksheet", "key": "w", "title": "t", "fields": [{"label": "l"}]},
    ]
    assert problems(parts) == [
        "Part 1: a reflection needs a prompt.",
        "Part 2: every worksheet field needs a key and a label.",
    ]


def test_good_parts_pass_with_their_extra_keys_kept() -> None:
    parts = [
        {**QUIZ, "options": [{**A, "feedback": "Yes."}, {**B, "feedback": None}]},
        {"type": "reflection", "key": "r-1", "prompt": "p", "rows": 4},
        {"type": "checklist", "key": "c", "title": "t", "items": ["one", "two"]},
        {"type": "worksheet", "key": "w", "title": "t", "fields": [{"key": "k", "label": "l"}]},
    ]
    assert problems(parts) == []
    validate_parts(parts)


def test_the_shipped_curriculum_has_no_problem() -> None:
    lessons = [p for p in CONTENT.rglob("*.md") if p.name != "week.md"]
    assert lessons
    checked = 0
    for path in lessons:
        meta, _body = parse(path.read_text("utf-8"), path)
        parts = meta.get("parts") or []
        assert problems(parts) == [], path
        checked += len(parts)
    assert checked > 10

"""The shape of a lesson's interactive parts, as pydantic models, and the admin's words for
what is wrong with them.

A lesson version's ``parts`` is a list of mappings, each with a unique ``key`` and a
``type``:

- quiz: ``question``, ``options`` [{``text``, ``correct`` (bool), ``feedback``}], two or
  more, at least one correct;
- reflection: ``prompt``;
- checklist: ``title``, ``items`` [text];
- worksheet: ``title``, ``fields`` [{``key``, ``label``, ``help`` (optional)}].

Other keys are kept as written (the lesson page ignores them). ``problems`` gives every
problem, one sentence each, in the words an admin editing the YAML needs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, model_validator
from pydantic import ValidationError as PydanticError

PART_TYPES = ("quiz", "reflection", "checklist", "worksheet")

Text = Annotated[str, Field(min_length=1)]
# Letters, digits and hyphens, at least one letter or digit.
Key = Annotated[str, Field(pattern=r"^-*[^\W_](?:[^\W_]|-)*$")]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class QuizOption(_Shape):
    text: Text
    correct: bool = False
    feedback: str | None = None


class Quiz(_Shape):
    type: Literal["quiz"]
    key: Key
    question: Text
    options: Annotated[list[QuizOption], Field(min_length=2)]

    @model_validator(mode="after")
    def one_is_correct(self) -> Quiz:
        if not any(option.correct for option in self.options):
            raise ValueError("no option is correct")
        return self


class Reflection(_Shape):
    type: Literal["reflection"]
    key: Key
    prompt: Text


class Checklist(_Shape):
    type: Literal["checklist"]
    key: Key
    title: Text
    items: Annotated[list[Text], Field(min_length=1)]


class WorksheetField(_Shape):
    key: Text
    label: Text
    help: str | None = None


class Worksheet(_Shape):
    type: Literal["worksheet"]
    key: Key
    title: Text
    fields: Annotated[list[WorksheetField], Field(min_length=1)]


Part = Annotated[Quiz | Reflection | Checklist | Worksheet, Field(discriminator="type")]
PARTS = TypeAdapter(list[Part])

# What an admin is told, by the part's type and the first field the problem is in
# ("" for the part itself).
_WORDS = {
    ("quiz", ""): "mark at least one option correct.",
    ("quiz", "question"): "a quiz needs a question and two options or more.",
    ("quiz", "options"): "a quiz needs a question and two options or more.",
    ("quiz", "options.text"): "every option needs text.",
    ("quiz", "options.correct"): "an option's “correct” is true or false.",
    ("reflection", "prompt"): "a reflection needs a prompt.",
    ("checklist", "title"): "a checklist needs a title and items.",
    ("checklist", "items"): "a checklist needs a title and items (each a line of text).",
    ("worksheet", "title"): "a worksheet needs a title and fields.",
    ("worksheet", "fields"): "a worksheet needs a title and fields.",
    ("worksheet", "fields.key"): "every worksheet field needs a key and a label.",
    ("worksheet", "fields.label"): "every worksheet field needs a key and a label.",
}


def _sentence(error: Any) -> tuple[int | None, str]:
    """(the part's index, what is wrong with it) for one of pydantic's errors."""
    loc = list(error["loc"])
    if not loc:
        return None, "Interactive parts must be a list."
    index = loc.pop(0)
    if not loc:
        if error["type"] == "union_tag_invalid" or error["type"] == "union_tag_not_found":
            return index, f"type must be one of {', '.join(PART_TYPES)}."
        return index, "must be a mapping."
    kind = str(loc.pop(0))
    names = [str(name) for name in loc if isinstance(name, str)]
    if names[:1] == ["key"]:
        return index, "key must be letters, digits and hyphens."
    words = _WORDS.get((kind, ".".join(names[:2]))) or _WORDS.get((kind, ".".join(names[:1])))
    if words is None:  # a check this table does not word: pydantic's own
        words = f"{'.'.join(names) or kind}: {error['msg']}."
    return index, words


def problems(parts: object) -> list[str]:
    """Every problem with ``parts``, one sentence each ("Part 2: …"); empty if none."""
    found: list[str] = []
    try:
        PARTS.validate_python(parts)
    except PydanticError as error:
        for each in error.errors():
            index, words = _sentence(each)
            sentence = words if index is None else f"Part {int(index) + 1}: {words}"
            if sentence not in found:
                found.append(sentence)
    seen: set[str] = set()
    for number, part in enumerate(parts if isinstance(parts, list) else [], 1):
        key = part.get("key") if isinstance(part, dict) else None
        if isinstance(key, str) and key in seen:
            found.append(f"Part {number}: the key “{key}” is used twice.")
        seen.add(str(key))
    return found

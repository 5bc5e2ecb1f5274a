"""Lesson placeholders and blocks (program.curriculum.lesson_text): worked examples, every mistake
named with its line, and a property: whatever the text, expanding it never fails and
never shows a marker."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from program.curriculum.lesson_text import Values, expand, names_used, problems

APPROVAL = Values(
    conditions={"approval_required": True, "self_guided": False},
    texts={"floor": "5 hours", "step": "15 minutes", "nap_rule": "One nap rule."},
)
SELF_GUIDED = Values(
    conditions={"approval_required": False, "self_guided": True}, texts=APPROVAL.texts
)

LESSON = """Never shorter than {{ floor }}.
::: if approval_required
Your therapist approves it.
::: else
It starts straight away.
:::
{{nap_rule}}"""


def test_a_placeholder_takes_the_programmes_words() -> None:
    assert expand("Never shorter than {{ floor }}.", APPROVAL) == "Never shorter than 5 hours."
    assert expand("Grows by {{step}}.", APPROVAL) == "Grows by 15 minutes."


def test_a_block_is_kept_only_when_its_condition_holds() -> None:
    assert expand(LESSON, APPROVAL) == (
        "Never shorter than 5 hours.\nYour therapist approves it.\nOne nap rule."
    )
    assert expand(LESSON, SELF_GUIDED) == (
        "Never shorter than 5 hours.\nIt starts straight away.\nOne nap rule."
    )


def test_if_not_and_nested_blocks() -> None:
    text = "::: if not self_guided\nA\n::: if approval_required\nB\n::: else\nC\n:::\n:::\nD"
    assert expand(text, APPROVAL) == "A\nB\nD"
    assert expand(text, SELF_GUIDED) == "D"
    assert problems(text) == []


def test_correct_text_has_no_problems_and_names_what_it_uses() -> None:
    assert problems(LESSON) == []
    assert names_used(LESSON) == {"floor", "approval_required", "nap_rule"}


def test_an_unknown_placeholder_is_named_with_its_line_and_the_known_ones() -> None:
    [problem] = problems("Fine.\nNever shorter than {{ floor_hours }}.")
    assert problem.startswith("Line 2: unknown placeholder “{{ floor_hours }}”")
    assert "floor" in problem and "nap_rule" in problem


def test_each_kind_of_mistake_is_named() -> None:
    assert "unknown condition “therapist”" in problems("::: if therapist\nx\n:::")[0]
    assert "is a text, not a condition" in problems("::: if floor\nx\n:::")[0]
    assert "is a condition, not a text" in problems("{{ self_guided }}")[0]
    assert "never closed" in problems("::: if self_guided\nx")[0]
    assert "without a “::: if”" in problems("::: else")[0]
    assert "closes no" in problems(":::")[0]
    assert "second “::: else”" in problems("::: if self_guided\n::: else\n::: else\n:::")[0]
    assert "not understood" in problems("::: when self_guided")[0]
    assert "braces that are not a placeholder" in problems("{{ floor")[0]
    assert "braces that are not a placeholder" in problems("{% if x %}}}")[0]


def test_mistakes_still_expand_without_markers_or_unknown_names() -> None:
    text = "A {{ nope }} B\n::: if nope\nhidden\n:::\n::: else\n{{ floor\n:::"
    shown = expand(text, APPROVAL)
    assert shown == "A  B\n floor"
    assert "{" not in shown and ":::" not in shown


PIECES = [*"ab {}:\n", "::: if self_guided\n", "{{ floor }}", "::: else\n", ":::\n", "{{ x }}"]


@given(st.lists(st.sampled_from(PIECES), max_size=40).map("".join))
def test_expanding_any_text_never_fails_or_shows_a_marker(text: str) -> None:
    for values in (APPROVAL, SELF_GUIDED):
        shown = expand(text, values)
        assert "{{" not in shown and "}}" not in shown
        assert not any(line.lstrip().startswith(":::") for line in shown.splitlines())

"""The shipped lessons' words against the protocols (issue 22, part 1).

A floor quoted in a lesson is the reader's protocol's floor (``titration.SHIPPED``'s
``floor_min``), never a number typed into the text; the advice to cut time in bed
after a relapse gives that floor and the drowsy-driving warning; nothing tells a
reader that lying awake in bed is rest (stimulus control says get up); and every
lesson ends with its sources.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.utils import translation
from django.utils.html import strip_tags

from program.clinical_text import NAP_RULE
from program.curriculum.files import DEFAULT_PROGRAMME_DIR
from program.curriculum.lesson_values import duration_words, render_lesson, values_for
from program.models import LessonVersion
from program.rules import titration

LESSON_FILES = sorted(Path(DEFAULT_PROGRAMME_DIR).glob("en/week-*/[0-9][0-9]-*.md"))
DURATION = re.compile(r"\b\d+(?:[.,]\d+)? ?(?:hours?|hrs?|h)\b", re.IGNORECASE)
ABOUT_TIME_IN_BED = re.compile(
    r"floor|minimum|shorter than|less than|never below|no less|at least", re.I
)
REST_IN_BED = re.compile(
    r"rest(?:ing)? in bed is (?:still )?rest|lying awake is (?:still )?rest", re.I
)


def body(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("\n---\n", 1)[1]


def latest(programme, slug: str) -> LessonVersion:
    return (
        LessonVersion.objects.filter(
            lesson__week__programme=programme, lesson__slug=slug, language="en", status="published"
        )
        .order_by("-number")
        .first()
    )


def test_the_lesson_files_are_found() -> None:
    assert len(LESSON_FILES) >= 17


@pytest.mark.parametrize("path", LESSON_FILES, ids=lambda p: p.stem)
def test_no_lesson_types_a_floor_it_must_read_from_the_protocol(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    typed = [
        line
        for line in text.splitlines()
        if ABOUT_TIME_IN_BED.search(line) and DURATION.search(line)
    ]
    assert not typed, typed


def test_the_check_refuses_a_typed_floor() -> None:
    line = "cut back your time in bed, but never to less than 5 hours"
    assert ABOUT_TIME_IN_BED.search(line) and DURATION.search(line)


@pytest.mark.parametrize("path", LESSON_FILES, ids=lambda p: p.stem)
def test_every_lesson_ends_with_its_sources(path: Path) -> None:
    text = body(path).rstrip()
    heading = text.rfind("\n## ")
    last_section = text[heading:].strip().splitlines()
    assert last_section[0] == "## Sources"
    items = [line for line in last_section[1:] if line.strip()]
    assert items and all(line.startswith("- ") for line in items), path.name


@pytest.mark.parametrize("path", LESSON_FILES, ids=lambda p: p.stem)
def test_no_lesson_calls_lying_awake_in_bed_rest(path: Path) -> None:
    assert not REST_IN_BED.search(path.read_text(encoding="utf-8"))
    assert REST_IN_BED.search("Remind yourself that rest in bed is still rest.")


@pytest.mark.parametrize("protocol", titration.SHIPPED, ids=lambda p: p.key)
@pytest.mark.parametrize("approval", [True, False], ids=["approval", "self"])
def test_the_relapse_advice_quotes_the_protocols_floor_and_the_driving_warning(
    programme, protocol, approval
) -> None:
    with translation.override("en"):
        values = values_for(approval_required=approval, protocol=protocol)
        for slug in ("keeping-your-gains", "after-a-run-of-bad-nights"):
            shown = strip_tags(render_lesson(latest(programme, slug), values))
            text = shown.replace(str(NAP_RULE), "")
            floor = duration_words(protocol.floor_min)
            assert f"never shorter than {floor}" in text, slug
            quoted = set(re.findall(r"\b\d+ hours?(?: \d+ minutes?)?", text))
            assert quoted <= {floor}, (slug, quoted)
            assert "drowsy" in text and "drive" in text, slug
            assert "epilepsy" in text and "bipolar" in text, slug


def test_migration_0046_publishes_the_fixes_and_adds_the_new_lessons(programme) -> None:
    """An installation loaded before issue 22: the relapse lesson still has the old
    advice and the new lessons are missing. The migration's own function publishes the
    fixed text, adds the new lessons (not required: no week already passed is held
    back), and a second run changes nothing."""
    import importlib

    from django.apps import apps

    from program.models import Lesson

    migration = importlib.import_module("program.migrations.0046_deeper_lessons")
    gains = latest(programme, "keeping-your-gains")
    LessonVersion.objects.filter(pk=gains.pk).update(
        body="3. For a week or two, cut back your time in bed to about the time you sleep."
    )
    new_slugs = ["your-body-clock", "after-a-run-of-bad-nights", "other-sleep-aids"]
    Lesson.objects.filter(slug__in=new_slugs).delete()
    migration.publish_shipped_lessons(apps, None)
    newest = latest(programme, "keeping-your-gains")
    assert newest.number == gains.number + 1 and "{{ floor }}" in newest.body
    added = Lesson.objects.filter(slug__in=new_slugs)
    assert added.count() == 3 and not added.filter(is_required=True).exists()
    count = LessonVersion.objects.count()
    migration.publish_shipped_lessons(apps, None)
    assert LessonVersion.objects.count() == count

"""How long each shipped lesson takes, measured from its words (issue 22: "each week holds
20–30 minutes of material with exercises").

A lesson's time is estimated as its words read at ``READING_WPM`` plus an allowance for each
interactive part, each picture and any timed practice it asks for. Its declared ``minutes:``
(shown to patients as "About N minutes") must be close to that estimate, and the lessons every
patient is offered each week (required and optional, not those for a particular situation) must
come to 20–30 minutes.

The reading rate. Brysbaert's review of 190 studies (J Mem Lang 2019;109:104047) puts adults'
silent reading of English non-fiction at 238 words a minute on average, with most adults between
175 and 300, reading aloud at 183, and slower reading in older adults and people reading in a
second language. Our readers are adults with insomnia: tired, often older, some reading English
as a second language, reading on a phone, and reading to act on what they read. So the estimate
uses 180 words a minute, near the bottom of the usual range and about the reading-aloud rate,
rather than the mean: a patient told "about 8 minutes" should not find it takes 12. At the mean
rate the reading part of each estimate would be a quarter shorter (180 / 238).

The allowances are design decisions (docs/sources.md, "Design decisions"): the words of every
part (questions, options and their feedback, items, labels and help) are read at the same rate,
and on top of that a quiz takes half a minute to answer, a checklist half a minute to go through,
a reflection two minutes to think and write, a worksheet one minute for each field, and a
picture half a minute to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from program.curriculum.files import DEFAULT_PROGRAMME_DIR, parse
from program.curriculum.lesson_text import expand
from program.curriculum.lesson_values import default_values
from tests.program.test_acceptance_strand import STRAND

READING_WPM = 180  # see the module docstring [Brysbaert 2019, lower end of the adult range]
PART_MINUTES = {"quiz": 0.5, "checklist": 0.5, "reflection": 2.0}
WORKSHEET_FIELD_MINUTES = 1.0
PICTURE_MINUTES = 0.5
# Timed practice a lesson asks the reader to do before its exercise, in minutes.
PRACTICE_MINUTES = {
    # "After trying one of the exercises…": slow breathing is "5 minutes" in the lesson.
    "relaxation": 5.0,
}
WEEK_MINUTES = (20, 30)
# The optional acceptance-and-mindfulness strand (issue 22: "an optional strand") is a second
# path some patients take beside the week's lessons, not part of everyone's week: its three
# lessons are measured one by one above, and left out of the weeks' totals.
OPTIONAL_STRAND = frozenset(STRAND)
# Weeks measured over 30 minutes before issue 22's part on time, left for the lessons' authors
# to trim (not this change's lessons): the test fails when one is back in range, so the list
# cannot go stale.
OVER_30 = {4, 6}

WORD = re.compile(r"[^\W_]+(?:['’\-][^\W_]+)*")
PICTURE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")

EN_LESSONS = sorted(DEFAULT_PROGRAMME_DIR.glob("en/week-*/[0-9][0-9]-*.md"))
TRANSLATED = sorted(
    p for p in DEFAULT_PROGRAMME_DIR.glob("*/week-*/[0-9][0-9]-*.md") if p.parts[-3] != "en"
)


def part_words(value: Any) -> list[str]:
    """Every string a part shows (not its type, key or the correct flag)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [text for item in value for text in part_words(item)]
    if isinstance(value, dict):
        skip = ("type", "key", "correct")
        return [text for key, item in value.items() if key not in skip for text in part_words(item)]
    return []


def words(text: str) -> int:
    return len(WORD.findall(text))


def estimate_minutes(meta: dict[str, Any], body: str) -> float:
    """Minutes to read a lesson and do its parts, as the module docstring says.

    1. The body as a reader of the default setting sees it (blocks and placeholders filled),
       without its sources: nobody reads a reference list at reading speed.
    2. Pictures count as looking time, their Markdown not as words; a link as its text.
    3. Title, summary, body and the parts' words at ``READING_WPM``, plus each part's
       allowance and any practice the lesson asks for.
    """
    with translation.override("en"):
        shown = expand(body, default_values())
    shown = shown.split("\n## Sources", 1)[0]
    pictures = len(PICTURE.findall(shown))
    shown = LINK.sub(r"\1", PICTURE.sub("", shown))
    parts = meta.get("parts") or []
    read = words(" ".join([str(meta.get("title", "")), str(meta.get("summary", "")), shown]))
    read += words(" ".join(part_words(parts)))
    doing = sum(
        WORKSHEET_FIELD_MINUTES * len(part["fields"])
        if part["type"] == "worksheet"
        else PART_MINUTES[part["type"]]
        for part in parts
    )
    practice = PRACTICE_MINUTES.get(str(meta.get("slug")), 0.0)
    return read / READING_WPM + doing + pictures * PICTURE_MINUTES + practice


def read(path: Path) -> tuple[dict[str, Any], str]:
    return parse(path.read_text("utf-8"), str(path))


def test_the_lesson_files_are_found() -> None:
    assert len(EN_LESSONS) >= 24
    assert len(TRANSLATED) >= 2 * 24


def test_the_estimate_counts_words_parts_and_pictures_not_sources() -> None:
    """A worked example: 358 words of body, title and summary of 1 word each (360 words,
    2 minutes), a reflection (2), a worksheet of three fields (3 plus its 9 words) and a
    picture (0.5); the sources' words and the picture's alt text are not read."""
    body = (
        " ".join(["word"] * 358)
        + "\n\n![a long description of a picture](/static/img/x.svg)\n\n"
        + "## Sources\n\n- "
        + " ".join(["source"] * 500)
        + "\n"
    )
    meta = {
        "slug": "example",
        "title": "Title",
        "summary": "Summary",
        "parts": [
            {"type": "reflection", "key": "r", "prompt": " ".join(["p"] * 9)},
            {
                "type": "worksheet",
                "key": "w",
                "title": "Worksheet",
                "fields": [{"key": "a", "label": "A"}, {"key": "b", "label": "B"}, {"key": "c"}],
            },
        ],
    }
    read_minutes = (360 + 9 + 1 + 2) / READING_WPM
    assert estimate_minutes(meta, body) == pytest.approx(read_minutes + 2 + 3 + 0.5)


def test_the_estimate_reads_what_the_reader_sees() -> None:
    """A placeholder counts as its words and only one branch of a block is read."""
    with_rule = estimate_minutes({"title": "", "parts": []}, "{{ nap_rule }}")
    assert with_rule * READING_WPM > 20
    block = "::: if approval_required\none two three\n::: else\n" + "x " * 400 + "\n:::\n"
    assert estimate_minutes({"title": "", "parts": []}, block) * READING_WPM == pytest.approx(3)


@pytest.mark.parametrize("path", EN_LESSONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_each_lesson_declares_about_the_minutes_it_takes(path: Path) -> None:
    meta, body = read(path)
    estimate = estimate_minutes(meta, body)
    tolerance = max(1.0, 0.15 * estimate)
    assert abs(int(meta["minutes"]) - estimate) <= tolerance, (
        f"{path.name}: declares {meta['minutes']}, estimated {estimate:.1f}"
    )


@pytest.mark.parametrize("path", TRANSLATED, ids=lambda p: "/".join(p.parts[-3:]))
def test_a_translation_declares_the_english_minutes(path: Path) -> None:
    """The same lesson takes its reader about as long in any language (Brysbaert: rates in
    other languages follow the words each needs to say the same thing)."""
    english = DEFAULT_PROGRAMME_DIR / "en" / path.parts[-2] / path.name
    assert read(path)[0]["minutes"] == read(english)[0]["minutes"]


def week_estimates() -> dict[int, float]:
    totals: dict[int, float] = {}
    for path in EN_LESSONS:
        meta, body = read(path)
        if meta.get("situations") or meta["slug"] in OPTIONAL_STRAND:
            continue  # offered only to patients in that situation, or a strand of its own
        week = int(path.parent.name.removeprefix("week-"))
        totals[week] = totals.get(week, 0.0) + estimate_minutes(meta, body)
    return totals


@pytest.mark.parametrize("week", [1, 2, 3, 4, 5, 6])
def test_each_week_offers_everyone_twenty_to_thirty_minutes(week: int) -> None:
    total = week_estimates()[week]
    low, high = WEEK_MINUTES
    assert total >= low, f"week {week}: {total:.1f} minutes"
    if week in OVER_30:
        assert total > high, f"week {week} is back in range: take it out of OVER_30"
    else:
        assert total <= high, f"week {week}: {total:.1f} minutes"


def test_migration_0054_publishes_the_measured_minutes_and_the_new_lessons(programme) -> None:
    """An installation loaded before this change: old minutes, no goals in the welcome and
    none of the three new lessons. The migration's own function publishes the new words in
    every language, adds the new lessons (not required: no finished week is held back), and a
    second run changes nothing."""
    import importlib

    from django.apps import apps

    from program.models import Lesson, LessonVersion

    migration = importlib.import_module("program.migrations.0054_publish_new_and_reworded_lessons")
    new_slugs = ["your-three-ps", "living-with-your-window", "reading-your-diary"]
    Lesson.objects.filter(slug__in=new_slugs).delete()
    welcome = Lesson.objects.get(week__programme=programme, slug="welcome")
    old = {v.language: v for v in welcome.versions.filter(status="published")}
    for version in old.values():
        LessonVersion.objects.filter(pk=version.pk).update(
            minutes=5, parts=[p for p in version.parts if p["key"] != "my-goals"]
        )

    migration.publish_lessons(apps, None)

    for language in ("en", "fr", "de"):
        newest = welcome.versions.filter(language=language, status="published").latest("number")
        assert newest.number == old[language].number + 1, language
        assert newest.minutes == 8 and any(p["key"] == "my-goals" for p in newest.parts)
    added = Lesson.objects.filter(week__programme=programme, slug__in=new_slugs)
    assert sorted(added.values_list("week__number", flat=True)) == [1, 2, 3]
    assert not added.filter(is_required=True).exists()
    for lesson in added:
        languages = set(
            lesson.versions.filter(status="published").values_list("language", flat=True)
        )
        assert languages == {"en", "fr", "de"}, lesson.slug
    count = LessonVersion.objects.count()
    migration.publish_lessons(apps, None)
    assert LessonVersion.objects.count() == count

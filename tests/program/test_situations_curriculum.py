"""Whom a lesson is for (program.rules.situations): the curriculum files' ``situations``
key, and the clinic's lesson editor."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from program.curriculum.files import (
    DEFAULT_PROGRAMME_DIR,
    CurriculumFileError,
    export_programme,
    file_problems,
    import_directory,
    parse,
)
from program.models import Lesson
from tests.conftest import client_for


def _first_lesson_file(folder: Path) -> Path:
    return sorted((folder / "en" / "week-1").glob("0*.md"))[0]


def _rewrite(path: Path, **changes: object) -> None:
    from program.curriculum.files import render

    meta, body = parse(path.read_text("utf-8"), path)
    meta.update(changes)
    path.write_text(render(meta, body), "utf-8")


def test_situations_are_exported_and_imported_with_the_english_file(
    programme, tmp_path: Path
) -> None:
    out = tmp_path / "cur"
    export_programme(programme, out)
    path = _first_lesson_file(out)
    slug = parse(path.read_text("utf-8"), path)[0]["slug"]
    _rewrite(path, required=False, situations=["carer", "shift_work"])
    import_directory(out, publish=True)
    lesson = Lesson.objects.get(week__programme=programme, week__number=1, slug=slug)
    assert lesson.situations == ["shift_work", "carer"]  # in the fixed order
    assert lesson.is_required is False
    again = tmp_path / "again"
    export_programme(programme, again)
    meta, _body = parse(_first_lesson_file(again).read_text("utf-8"))
    assert meta["situations"] == ["shift_work", "carer"]
    # Structure only: the other languages' files do not carry it.
    french = sorted((again / "fr" / "week-1").glob("0*.md"))[0]
    assert "situations" not in parse(french.read_text("utf-8"))[0]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"situations": ["astronaut"]}, "`situations` must be a list of these keys"),
        (
            {"situations": ["shift_work"], "required": True},
            "a lesson for some situations cannot be required",
        ),
    ],
)
def test_a_wrong_situations_key_is_named_with_its_file(
    programme, tmp_path: Path, changes, words
) -> None:
    out = tmp_path / "cur"
    export_programme(programme, out)
    path = _first_lesson_file(out)
    _rewrite(path, **changes)
    found = file_problems(out)
    where = str(path.relative_to(out))
    assert words in found[where]
    with pytest.raises(CurriculumFileError, match=words.replace("`", ".")):
        import_directory(out, publish=True)


def test_the_clinic_admin_chooses_whom_a_lesson_is_for(programme, clinic_admin) -> None:
    lesson = Lesson.objects.filter(week__programme=programme, is_required=True).first()
    client = client_for(clinic_admin)
    editor = reverse("program:curriculum_lesson", args=[lesson.pk, "en"])
    assert "Who this lesson is for" in client.get(editor).content.decode()
    url = reverse("program:curriculum_situations", args=[lesson.pk, "en"])
    page = client.post(url, {"situations": ["menopause"]}, follow=True).content.decode()
    lesson.refresh_from_db()
    assert lesson.situations == ["menopause"] and lesson.is_required is False
    assert "only patients in one of these situations see this lesson" in page
    assert "Menopause" in page
    page = client.post(url, {}, follow=True).content.decode()
    lesson.refresh_from_db()
    assert lesson.situations == [] and "every patient sees this lesson" in page
    # A key that is not a situation is refused, and nothing changes.
    client.post(url, {"situations": ["astronaut"]})
    lesson.refresh_from_db()
    assert lesson.situations == []


SITUATIONAL_FILES = sorted(
    path
    for path in DEFAULT_PROGRAMME_DIR.glob("en/week-*/[0-9][0-9]-*.md")
    if "situations" in parse(path.read_text("utf-8"), path)[0]
)


def _kept(text: str) -> tuple[list[str], list[str], list[str], list[str]]:
    """What a translation must keep: placeholders, block lines, figures, source lines."""
    body = text.split("\n---\n", 1)[1]
    placeholders = re.findall(r"\{\{ *\w+ *\}\}", body)
    blocks = [line for line in body.splitlines() if line.startswith(":::")]
    heading = body.rfind("\n## ")
    sources = [line for line in body[heading:].splitlines() if line.startswith("- ")]
    words = body[:heading]
    figures = sorted(re.findall(r"\d+", words))
    return placeholders, blocks, figures, sources


def test_eight_situational_lessons_ship() -> None:
    assert len(SITUATIONAL_FILES) == 8


@pytest.mark.parametrize("language", ["fr", "de"])
@pytest.mark.parametrize("path", SITUATIONAL_FILES, ids=lambda p: p.stem)
def test_each_translation_keeps_every_figure_placeholder_and_source(path, language) -> None:
    translated = DEFAULT_PROGRAMME_DIR / language / path.relative_to(DEFAULT_PROGRAMME_DIR / "en")
    assert translated.is_file(), translated
    meta, _body = parse(translated.read_text("utf-8"), translated)
    assert set(meta) == {"slug", "title", "summary", "minutes"}  # words only
    english = parse(path.read_text("utf-8"), path)[0]
    assert (meta["slug"], meta["minutes"]) == (english["slug"], english["minutes"])
    assert _kept(translated.read_text("utf-8")) == _kept(path.read_text("utf-8"))

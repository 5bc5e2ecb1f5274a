"""Every group of answers on a lesson page is named: each fieldset starts with its
legend (WCAG 1.3.1), the part's heading for the part, the question for a quiz's
choices. Checked on every lesson of the default programme, as an admin's preview
shows it (every part, no unlocking) and as a patient opens one."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from django.urls import reverse

from program.models import Lesson, LessonVersion
from tests.conftest import client_for


class FieldsetLegends(HTMLParser):
    """Each fieldset, and whether its first element is a legend (with its text)."""

    def __init__(self) -> None:
        super().__init__()
        self.fieldsets: list[tuple[bool, str]] = []
        self._opened = False
        self._legend: list[str] | None = None
        self._depth = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if self._opened:
            self._opened = False
            if tag == "legend":
                self._legend, self._depth = [], 0
            else:
                self.fieldsets.append((False, ""))
        if self._legend is not None:
            self._depth += tag == "legend"
        if tag == "fieldset":
            self._opened = True

    def handle_endtag(self, tag: str) -> None:
        if self._legend is not None and tag == "legend":
            if self._depth <= 1:
                self.fieldsets.append((True, " ".join("".join(self._legend).split())))
                self._legend = None
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._legend is not None:
            self._legend.append(data)


def fieldsets(html: str) -> list[tuple[bool, str]]:
    parser = FieldsetLegends()
    parser.feed(html)
    return parser.fieldsets


def test_the_parser_finds_a_fieldset_without_a_legend() -> None:
    assert fieldsets("<fieldset><h2>Quick check</h2></fieldset>") == [(False, "")]
    assert fieldsets("<fieldset>\n <legend><h2>Quick check</h2></legend></fieldset>") == [
        (True, "Quick check")
    ]


def test_every_fieldset_of_every_lesson_has_a_legend(programme, admin_client) -> None:
    versions = LessonVersion.objects.filter(
        lesson__week__programme=programme, language="en", status="published"
    )
    kinds = set()
    for version in versions:
        for part in version.parts:
            kinds.add(part["type"])
        url = reverse("admin:program_lessonversion_preview", args=[version.pk])
        found = fieldsets(admin_client.get(url).content.decode())
        assert len(found) >= len(version.parts), version
        assert all(has and text for has, text in found), (version.lesson.slug, found)
    assert kinds == {"quiz", "reflection", "checklist", "worksheet"}


def test_a_patients_quiz_names_the_part_and_the_question(patient) -> None:
    lesson = Lesson.objects.get(slug="how-sleep-works")
    page = client_for(patient).get(reverse("program:lesson", args=[lesson.pk]))
    legends = [text for _has, text in fieldsets(page.content.decode())]
    assert "Quick check" in legends
    assert any(text.endswith("?") for text in legends)  # the question


def section_names(html: str) -> list[str]:
    """The accessible name of each labelled section: its labels' texts, in order."""
    names = []
    for ids in re.findall(r'<section\b[^>]*aria-labelledby="([^"]+)"', html):
        parts = []
        for target in ids.split():
            element = re.search(
                rf'<([a-z0-9]+)\b[^>]*\bid="{re.escape(target)}"[^>]*>(.*?)</\1>', html, re.S
            )
            assert element, target
            parts.append(" ".join(re.sub(r"<[^>]+>", " ", element[2]).split()))
        names.append(" ".join(parts))
    return names


def test_two_quick_checks_in_one_lesson_are_told_apart(programme, admin_client) -> None:
    """A section is a landmark: two named "Quick check" are one name twice (axe's
    landmark-unique). A quiz's section is named by its heading and its question."""
    version = LessonVersion.objects.get(
        lesson__slug="how-sleep-works", language="en", status="published"
    )
    assert [p["type"] for p in version.parts].count("quiz") == 2
    url = reverse("admin:program_lessonversion_preview", args=[version.pk])
    names = section_names(admin_client.get(url).content.decode())
    quick = [name for name in names if name.startswith("Quick check")]
    assert len(quick) == 2 and len(set(names)) == len(names), names

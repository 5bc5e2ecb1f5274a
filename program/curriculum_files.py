"""The curriculum as a folder of Markdown files with YAML front matter.

A clinic keeps its curriculum in version control and translates it by copying a
language folder. The layout (``program/content/cbti-6-weeks`` is the default
programme, loaded by migration 0005 through this module)::

    programme.md                 slug, name, pace_days, require_previous_lessons; body: description
    <lang>/week-<n>/week.md      number, title, min_diary_nights; body: the week's summary
    <lang>/week-<n>/<nn>-<slug>.md
                                 slug, order, required, title, summary, minutes, parts;
                                 body: the lesson in Markdown

``<lang>`` is a language code from settings.LANGUAGES (``en``, ``fr``…). The
structure (weeks, order, required, diary nights) comes from the English files;
other languages supply words only. ``parts`` is a YAML list of interactive parts
(see ``validate_parts``). Importing never changes a published version: new text
becomes a new version (published with ``publish=True``, else a draft); text
identical to the latest published version is skipped, so importing twice is a
no-op.

The functions take an ``apps`` registry so that a data migration can run them
with its historical models; they therefore call no custom model methods.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.apps import apps as global_apps
from django.db import transaction
from django.utils import timezone

from .markup import render_markdown

BASE_LANGUAGE = "en"
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.DOTALL)
CONTENT_DIR = Path(__file__).resolve().parent / "content"
DEFAULT_PROGRAMME_DIR = CONTENT_DIR / "cbti-6-weeks"
LESSON_FIELDS = ("title", "summary", "body", "minutes", "parts")


# The order keys are written in. PostgreSQL's jsonb does not keep the order they were
# saved in, so exports (and the admin's YAML) put them back in this one.
KEY_ORDER = ("type", "key", "question", "prompt", "title", "text", "correct", "label", "help")
KEY_ORDER += ("feedback", "options", "items", "fields")


def canonical(value: Any) -> Any:
    """``value`` with every mapping's keys in ``KEY_ORDER`` (others after, alphabetically)."""
    if isinstance(value, list):
        return [canonical(item) for item in value]
    if isinstance(value, dict):
        rank = {k: i for i, k in enumerate(KEY_ORDER)}
        ordered = sorted(value, key=lambda k: (rank.get(k, len(rank)), k))
        return {k: canonical(value[k]) for k in ordered}
    return value


class CurriculumFileError(ValueError):
    """A file that cannot be imported, with its path in the message."""


def parse(text: str, path: Path | str = "") -> tuple[dict[str, Any], str]:
    """Split a file into its front matter (a mapping) and its Markdown body."""
    match = FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise CurriculumFileError(f"{path}: no front matter (the file must start with ---).")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as error:
        raise CurriculumFileError(f"{path}: the front matter is not valid YAML: {error}") from error
    if not isinstance(meta, dict):
        raise CurriculumFileError(f"{path}: the front matter must be `key: value` lines.")
    return meta, match.group(2).strip()


def render(meta: dict[str, Any], body: str) -> str:
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=10_000).strip()
    return f"---\n{front}\n---\n\n{body.strip()}\n"


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{len(self.created)} new versions, {len(self.unchanged)} unchanged"


def _models(apps: Any) -> dict[str, Any]:
    return {
        name: apps.get_model("program", name)
        for name in ("Programme", "Week", "Lesson", "LessonVersion")
    }


def _language_dirs(directory: Path) -> list[Path]:
    dirs = sorted(p for p in directory.iterdir() if p.is_dir() and not p.name.startswith("."))
    # English first: it carries the structure.
    return sorted(dirs, key=lambda p: p.name != BASE_LANGUAGE)


def _week_number(path: Path) -> int:
    match = re.fullmatch(r"week-(\d+)", path.name)
    if not match:
        raise CurriculumFileError(f"{path}: week folders are named week-1, week-2, …")
    return int(match.group(1))


@transaction.atomic
def import_directory(
    directory: Path, *, publish: bool = False, apps: Any = None, user: Any = None
) -> ImportReport:
    """Load a programme folder (see the module docstring) into the database."""
    from .models.curriculum import validate_parts

    models = _models(apps or global_apps)
    Programme, Week, Lesson, LessonVersion = (
        models["Programme"],
        models["Week"],
        models["Lesson"],
        models["LessonVersion"],
    )
    directory = Path(directory)
    report = ImportReport()
    meta, description = parse((directory / "programme.md").read_text("utf-8"), "programme.md")
    if not meta.get("slug"):
        raise CurriculumFileError("programme.md: `slug` is required.")
    programme, _ = Programme.objects.get_or_create(
        slug=meta["slug"], defaults={"name": meta.get("name") or meta["slug"]}
    )
    for attr in ("name", "pace_days", "require_previous_lessons"):
        if attr in meta:
            setattr(programme, attr, meta[attr])
    if description:
        programme.description = description
    now = timezone.now()
    for language_dir in _language_dirs(directory):
        language = language_dir.name
        is_base = language == BASE_LANGUAGE
        for week_dir in sorted(language_dir.iterdir(), key=lambda p: p.name):
            if not week_dir.is_dir():
                continue
            number = _week_number(week_dir)
            week_meta, week_summary = parse((week_dir / "week.md").read_text("utf-8"), week_dir)
            week, _ = Week.objects.get_or_create(
                programme=programme,
                number=number,
                defaults={"title": week_meta.get("title") or f"Week {number}"},
            )
            if is_base:
                week.title = week_meta.get("title") or week.title
                week.summary = week_summary
                week.min_diary_nights = int(week_meta.get("min_diary_nights") or 0)
            else:
                week.translations = {
                    **week.translations,
                    language: {"title": week_meta.get("title", ""), "summary": week_summary},
                }
            week.save()
            for path in sorted(week_dir.glob("*.md")):
                if path.name == "week.md":
                    continue
                where = path.relative_to(directory)
                lesson_meta, body = parse(path.read_text("utf-8"), where)
                slug = lesson_meta.get("slug")
                if not slug:
                    raise CurriculumFileError(f"{where}: `slug` is required.")
                parts = lesson_meta.get("parts") or []
                try:
                    validate_parts(parts)
                except Exception as error:
                    raise CurriculumFileError(f"{where}: {error}") from error
                lesson, _ = Lesson.objects.get_or_create(week=week, slug=slug)
                if is_base:
                    lesson.order = int(lesson_meta.get("order") or 0)
                    lesson.is_required = bool(lesson_meta.get("required", True))
                    lesson.save()
                content = {
                    "title": str(lesson_meta.get("title") or slug),
                    "summary": str(lesson_meta.get("summary") or ""),
                    "body": body,
                    "minutes": int(lesson_meta.get("minutes") or 5),
                    "parts": parts,
                }
                versions = LessonVersion.objects.filter(lesson=lesson, language=language)
                latest = versions.filter(status="published").order_by("-number").first()
                if latest and all(getattr(latest, k) == v for k, v in content.items()):
                    report.unchanged.append(str(where))
                    continue
                fields = {**content, "body_html": render_markdown(body)}
                if publish:
                    number = (latest.number if latest else 0) + 1
                    LessonVersion.objects.create(
                        lesson=lesson,
                        language=language,
                        number=number,
                        status="published",
                        published_at=now,
                        published_by=user,
                        created_by=user,
                        based_on=latest,
                        change_note=f"Imported from {where}",
                        **fields,
                    )
                else:
                    draft = versions.filter(status="draft").first()
                    if draft:
                        versions.filter(pk=draft.pk).update(**fields)
                    else:
                        LessonVersion.objects.create(
                            lesson=lesson,
                            language=language,
                            created_by=user,
                            based_on=latest,
                            change_note=f"Imported from {where}",
                            **fields,
                        )
                report.created.append(str(where))
    programme.weeks = max(Week.objects.filter(programme=programme).count(), 1)
    programme.save()
    return report


def export_programme(programme: Any, directory: Path, *, drafts: bool = False) -> list[Path]:
    """Write ``programme`` as a folder of files; returns the files written.

    Each lesson is written as its latest published version in each language
    (or its draft, with ``drafts=True`` or when nothing is published yet).
    """
    from .models import Lesson, LessonVersion, Week

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
        written.append(path)

    write(
        directory / "programme.md",
        render(
            {
                "slug": programme.slug,
                "name": programme.name,
                "pace_days": programme.pace_days,
                "require_previous_lessons": programme.require_previous_lessons,
            },
            programme.description,
        ),
    )
    weeks = list(Week.objects.filter(programme=programme).order_by("number"))
    lessons = list(Lesson.objects.filter(week__programme=programme).order_by("order", "pk"))
    grouped: dict[tuple[int, str], list[Any]] = {}
    for version in LessonVersion.objects.filter(lesson__in=lessons):
        grouped.setdefault((version.lesson_id, version.language), []).append(version)
    chosen: dict[tuple[int, str], Any] = {}
    for key, series in grouped.items():
        draft = next((v for v in series if v.status == "draft"), None)
        published = max(
            (v for v in series if v.status == "published"), key=lambda v: v.number, default=None
        )
        chosen[key] = draft if (drafts and draft) else (published or draft)
    languages = sorted({lang for _, lang in chosen} | {BASE_LANGUAGE})
    for week in weeks:
        for language in languages:
            week_lessons = [
                (lesson, chosen[(lesson.pk, language)])
                for lesson in lessons
                if lesson.week_id == week.pk and (lesson.pk, language) in chosen
            ]
            if language != BASE_LANGUAGE and not week_lessons and language not in week.translations:
                continue
            folder = directory / language / f"week-{week.number}"
            if language == BASE_LANGUAGE:
                week_meta = {
                    "number": week.number,
                    "title": week.title,
                    "min_diary_nights": week.min_diary_nights,
                }
                summary = week.summary
            else:
                translated = week.translations.get(language, {})
                week_meta = {"number": week.number, "title": translated.get("title", "")}
                summary = translated.get("summary", "")
            write(folder / "week.md", render(week_meta, summary))
            for lesson, version in week_lessons:
                meta: dict[str, Any] = {"slug": lesson.slug}
                if language == BASE_LANGUAGE:
                    meta |= {"order": lesson.order, "required": lesson.is_required}
                meta |= {
                    "title": version.title,
                    "summary": version.summary,
                    "minutes": version.minutes,
                }
                if version.parts:
                    meta["parts"] = canonical(version.parts)
                write(folder / f"{lesson.order:02d}-{lesson.slug}.md", render(meta, version.body))
    return written

"""The curriculum as a folder of Markdown files with YAML front matter.

A clinic keeps its curriculum in version control and translates it by copying a
language folder. The layout (``program/curriculum/content/cbti-6-weeks`` is the default
programme, loaded by migration 0005 through this module)::

    programme.md                 slug, name, pace_days, require_previous_lessons; body: description
    <lang>/week-<n>/week.md      number, title, min_diary_nights; body: the week's summary
    <lang>/week-<n>/<nn>-<slug>.md
                                 slug, order, required, situations, title, summary,
                                 minutes, parts; body: the lesson in Markdown

``Uploaded lesson images are written beside the lesson's file, in
``<lang>/week-<n>/images/<slug>-<hash>.<ext>``, and listed in its front matter
(``images: [{file, alt}]``); the body refers to them by that relative path, so
the file previews with its pictures in any Markdown viewer. Importing stores
each file once per lesson (matched by content) and turns the paths back into
``image:ID``.

Recordings of a lesson go the same way into ``<lang>/week-<n>/audio/`` and its
front matter (``audio: [{file, title, transcript}]``); a guided exercise's
recordings into ``exercises/audio/``, listed in ``exercises/recordings.md``
(``recordings: [{exercise, language, file, title, transcript}]``).

``<lang>`` is a language code from settings.LANGUAGES (``en``, ``fr``…). The
structure (weeks, order, required, diary nights) comes from the English files;
other languages supply words only (``situations``, the special situations a lesson is
written for, is structure: read from the English file). ``parts`` is a YAML list of
interactive parts (see ``validate_parts``). A body may use the placeholders and blocks of
``program.curriculum.lesson_text``; one it does not understand stops the import with
the file and line. Importing never changes a published version: new text
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

from program.curriculum.lesson_text import expand
from program.curriculum.lesson_text import problems as lesson_problems
from program.curriculum.lesson_values import default_values
from program.curriculum.markup import (
    AUDIO_REFERENCE,
    IMAGE_REFERENCE,
    AudioRef,
    ImageRef,
    render_markdown,
)

BASE_LANGUAGE = "en"
FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n?(.*)\Z", re.DOTALL)
CONTENT_DIR = Path(__file__).resolve().parent / "content"
DEFAULT_PROGRAMME_DIR = CONTENT_DIR / "cbti-6-weeks"
LESSON_FIELDS = ("title", "summary", "body", "minutes", "parts")


# The order keys are written in. PostgreSQL's jsonb does not keep the order they were
# saved in, so exports (and the admin's YAML) put them back in this one.
KEY_ORDER: tuple[str, ...] = (
    *("type", "key", "question", "prompt", "title", "text", "correct", "label", "help"),
    *("feedback", "options", "items", "fields"),
)


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


# libyaml's safe loader where PyYAML was built with it (its wheels are): the same
# documents as yaml.safe_load, read about ten times faster. Every import of the
# curriculum reads 133 files' front matter: 0.33 s of CPU with the pure-Python loader.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load``, with libyaml when it is there."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # nosec B506: CSafeLoader or SafeLoader


def parse(text: str, path: Path | str = "") -> tuple[dict[str, Any], str]:
    """Split a file into its front matter (a mapping) and its Markdown body."""
    match = FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise CurriculumFileError(f"{path}: no front matter (the file must start with ---).")
    try:
        meta = load_yaml(match.group(1)) or {}
    except yaml.YAMLError as error:
        # The line in the file (the parser counts from the front matter's first line, after
        # the opening ---), and the parser's problem without its quoted excerpt.
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        where = f"{path}, line {mark.line + 2}" if mark is not None else f"{path}"
        hint = (
            " A value with a colon and a space in it needs quotes around it."
            if "mapping values are not allowed" in problem
            else ""
        )
        raise CurriculumFileError(
            f"{where}: the front matter is not valid YAML ({problem}).{hint}"
        ) from error
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
    # week.md files whose new title or summary were not applied: a week has no drafts,
    # so an import that publishes nothing leaves the words patients read as they are.
    held: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        held = f", {len(self.held)} weeks' new titles held until an import publishes"
        return f"{len(self.created)} new versions, {len(self.unchanged)} unchanged" + (
            held if self.held else ""
        )


def _models(apps: Any) -> dict[str, Any]:
    models = {
        name: apps.get_model("program", name)
        for name in ("Programme", "Week", "Lesson", "LessonVersion")
    }
    for name in ("LessonImage", "AudioRecording"):
        try:
            models[name] = apps.get_model("program", name)
        except LookupError:  # migration 0005 runs before images and recordings existed
            models[name] = None
    return models


IMAGES_FOLDER = "images"
# Django's slug_re (SlugField): a slug names files on export.
SLUG = re.compile(r"[-a-zA-Z0-9_]+")
# ``](images/x.png`` in an exported body; ``](image:12`` in the database.
EXPORTED_IMAGE = re.compile(r"(\]\(\s*)(" + IMAGES_FOLDER + r"/[^\s)]+)")
STORED_IMAGE = re.compile(r"(\]\(\s*)" + IMAGE_REFERENCE.pattern)
AUDIO_FOLDER = "audio"
# ``](audio/x.mp3`` in an exported body; ``](audio:3`` in the database.
EXPORTED_AUDIO = re.compile(r"(\]\(\s*)(" + AUDIO_FOLDER + r"/[^\s)]+)")
STORED_AUDIO = re.compile(r"(\]\(\s*)" + AUDIO_REFERENCE.pattern)
# The guided exercises' recordings: a folder beside the languages.
EXERCISES_FOLDER = "exercises"
EXERCISE_RECORDINGS = "recordings.md"


def _import_images(
    LessonImage: Any, lesson: Any, meta: dict[str, Any], folder: Path, where: Path
) -> dict[str, Any]:
    """Store the pictures a lesson file lists (once each, matched by content); returns
    them by their relative path."""
    from django.core.exceptions import ValidationError
    from django.core.files.base import ContentFile

    from program.curriculum.models import inspect_image

    listed = meta.get("images") or []
    if listed and LessonImage is None:
        raise CurriculumFileError(f"{where}: images cannot be imported by this migration.")
    if not isinstance(listed, list):
        raise CurriculumFileError(f"{where}: `images` must be a list of {{file, alt}}.")
    found: dict[str, Any] = {}
    for entry in listed:
        if not isinstance(entry, dict) or not entry.get("file") or not entry.get("alt"):
            raise CurriculumFileError(f"{where}: each image needs `file` and `alt`.")
        relative = str(entry["file"])
        path = (folder / relative).resolve()
        if not path.is_relative_to(folder.resolve() / IMAGES_FOLDER) or not path.is_file():
            raise CurriculumFileError(f"{where}: {relative} is not a file in {IMAGES_FOLDER}/.")
        data = path.read_bytes()
        try:
            facts = inspect_image(data)
        except ValidationError as error:
            raise CurriculumFileError(f"{where}: {relative}: {' '.join(error.messages)}") from error
        image = LessonImage.objects.filter(lesson=lesson, digest=facts.digest).first()
        if image is None:
            image = LessonImage(
                lesson=lesson,
                alt_text=str(entry["alt"]),
                digest=facts.digest,
                extension=facts.extension,
                width=facts.width,
                height=facts.height,
                size=facts.size,
                original_name=path.name,
            )
            image.file.save(f"{facts.digest}.{facts.extension}", ContentFile(data), save=False)
            image.save()
        elif image.alt_text != str(entry["alt"]):
            image.alt_text = str(entry["alt"])
            image.save(update_fields=["alt_text"])
        found[relative] = image
    return found


def _read_recording(entry: object, folder: Path, where: object, keys: tuple[str, ...]) -> Any:
    """A listed recording's checked facts and bytes, or the file's problem."""
    from django.core.exceptions import ValidationError

    from program.curriculum.audio_checks import inspect_audio

    if not isinstance(entry, dict) or not all(str(entry.get(k) or "").strip() for k in keys):
        raise CurriculumFileError(f"{where}: each recording needs {', '.join(keys)}.")
    relative = str(entry["file"])
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder.resolve() / AUDIO_FOLDER) or not path.is_file():
        raise CurriculumFileError(f"{where}: {relative} is not a file in {AUDIO_FOLDER}/.")
    data = path.read_bytes()
    try:
        facts = inspect_audio(data)
    except ValidationError as error:
        raise CurriculumFileError(f"{where}: {relative}: {' '.join(error.messages)}") from error
    return relative, path, data, facts


def _store_recording(AudioRecording: Any, found: Any, match: dict[str, Any], entry: dict) -> Any:
    """The recording with these facts and owner, stored once; its title and transcript
    as the file says."""
    from django.core.files.base import ContentFile

    _relative, path, data, facts = found
    words = {"title": str(entry["title"]).strip(), "transcript": str(entry["transcript"]).strip()}
    recording = AudioRecording.objects.filter(**match, digest=facts.digest).first()
    if recording is None:
        recording = AudioRecording(
            **match,
            **words,
            digest=facts.digest,
            extension=facts.extension,
            seconds=facts.seconds,
            size=facts.size,
            original_name=path.name,
        )
        recording.file.save(f"{facts.digest}.{facts.extension}", ContentFile(data), save=False)
        recording.save()
    elif any(getattr(recording, k) != v for k, v in words.items()):
        for k, v in words.items():
            setattr(recording, k, v)
        recording.save(update_fields=list(words))
    return recording


def _import_recordings(
    AudioRecording: Any, lesson: Any, language: str, meta: dict[str, Any], folder: Path, where: Path
) -> dict[str, Any]:
    """Store the recordings a lesson file lists (once each, matched by content); returns
    them by their relative path."""
    listed = meta.get("audio") or []
    if listed and AudioRecording is None:
        raise CurriculumFileError(f"{where}: recordings cannot be imported by this migration.")
    if not isinstance(listed, list):
        raise CurriculumFileError(
            f"{where}: `audio` must be a list of {{file, title, transcript}}."
        )
    found: dict[str, Any] = {}
    for entry in listed:
        facts = _read_recording(entry, folder, where, ("file", "title", "transcript"))
        match = {"lesson": lesson, "exercise": "", "language": language}
        found[facts[0]] = _store_recording(AudioRecording, facts, match, entry)
    return found


def import_exercise_recordings(directory: Path, apps: Any = None) -> int:
    """Store the guided exercises' recordings listed in ``exercises/recordings.md``;
    returns how many the file lists (0 without the file)."""
    from django.conf import settings

    from program.exercises.models import ExerciseKind

    folder = Path(directory) / EXERCISES_FOLDER
    listing = folder / EXERCISE_RECORDINGS
    if not listing.is_file():
        return 0
    where = f"{EXERCISES_FOLDER}/{EXERCISE_RECORDINGS}"
    meta, _body = parse(listing.read_text("utf-8"), where)
    listed = meta.get("recordings") or []
    if not isinstance(listed, list):
        raise CurriculumFileError(f"{where}: `recordings` must be a list.")
    AudioRecording = _models(apps or global_apps)["AudioRecording"]
    languages = {code for code, _name in settings.LANGUAGES}
    for entry in listed:
        keys = ("exercise", "language", "file", "title", "transcript")
        found = _read_recording(entry, folder, where, keys)
        if entry["exercise"] not in ExerciseKind.values:
            kinds = ", ".join(ExerciseKind.values)
            raise CurriculumFileError(f"{where}: no exercise {entry['exercise']!r} ({kinds}).")
        if entry["language"] not in languages:
            raise CurriculumFileError(
                f"{where}: not a language of this app: {entry['language']!r}."
            )
        match = {"lesson": None, "exercise": entry["exercise"], "language": entry["language"]}
        _store_recording(AudioRecording, found, match, entry)
    return len(listed)


def _audio_refs(recordings: dict[str, Any]) -> dict[int, AudioRef]:
    from program.curriculum.models import audio_ref

    return {recording.pk: audio_ref(recording) for recording in recordings.values()}


def _image_refs(images: dict[str, Any]) -> dict[int, ImageRef]:
    from program.curriculum.models import image_ref

    return {image.pk: image_ref(image) for image in images.values()}


def _language_dirs(directory: Path) -> list[Path]:
    dirs = sorted(
        p
        for p in directory.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name != EXERCISES_FOLDER
    )
    # English first: it carries the structure.
    return sorted(dirs, key=lambda p: p.name != BASE_LANGUAGE)


def lesson_situations(meta: dict[str, Any], where: object) -> list[str]:
    """The front matter's ``situations``: a list of ``program.rules.situations`` keys
    (none: the lesson is for everyone). A lesson for some situations cannot be required."""
    from program.rules.situations import SITUATIONS, unknown

    listed = meta.get("situations") or []
    if isinstance(listed, str):
        listed = [listed]
    if not isinstance(listed, list) or unknown(listed):
        raise CurriculumFileError(
            f"{where}: `situations` must be a list of these keys: {', '.join(SITUATIONS)}."
        )
    if listed and meta.get("required") is True:
        raise CurriculumFileError(
            f"{where}: a lesson for some situations cannot be required (write required: false)."
        )
    return [key for key in SITUATIONS if key in listed]


def _week_number(path: Path) -> int:
    match = re.fullmatch(r"week-(\d+)", path.name)
    if not match:
        raise CurriculumFileError(f"{path}: week folders are named week-1, week-2, …")
    return int(match.group(1))


@transaction.atomic
def import_directory(
    directory: Path,
    *,
    publish: bool = False,
    apps: Any = None,
    user: Any = None,
    keep_edited: bool = False,
    push: bool = False,
) -> ImportReport:
    """Load a programme folder (see the module docstring) into the database.

    ``keep_edited`` (for data migrations that bring the shipped text up to date) leaves
    a lesson alone when its latest published version was published by a person, i.e.
    the clinic's own words. ``push`` moves readers part-way through a lesson to the
    newly published version (their answers are kept)."""
    from django.core.exceptions import ValidationError

    from program.curriculum.models import validate_parts

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
    _check_slug(meta["slug"], "programme.md")
    programme, _ = Programme.objects.get_or_create(
        slug=meta["slug"], defaults={"name": meta.get("name") or meta["slug"]}
    )
    kept: dict[str, Any] = {
        k: meta[k] for k in ("name", "pace_days", "require_previous_lessons") if k in meta
    }
    if description:
        kept["description"] = description
    now = timezone.now()
    # What is there already, read once (an import that changes nothing writes nothing):
    # the lessons by week and slug, and the latest published version of each in each
    # language.
    lessons = {
        (lesson.week_id, lesson.slug): lesson
        for lesson in Lesson.objects.filter(week__programme=programme)
    }
    published: dict[tuple[int, str], Any] = {}
    for version in LessonVersion.objects.filter(
        lesson__week__programme=programme, status="published"
    ).order_by("lesson_id", "language", "-number"):
        published.setdefault((version.lesson_id, version.language), version)
    for language_dir in _language_dirs(directory):
        language = language_dir.name
        is_base = language == BASE_LANGUAGE
        for week_dir in sorted(language_dir.iterdir(), key=lambda p: p.name):
            if not week_dir.is_dir():
                continue
            number = _week_number(week_dir)
            week_meta, week_summary = parse((week_dir / "week.md").read_text("utf-8"), week_dir)
            week, new_week = Week.objects.get_or_create(
                programme=programme,
                number=number,
                defaults={"title": week_meta.get("title") or f"Week {number}"},
            )
            if is_base:
                wanted = {
                    "title": week_meta.get("title") or week.title,
                    "summary": week_summary,
                    "min_diary_nights": int(week_meta.get("min_diary_nights") or 0),
                }
            else:
                translation = {"title": week_meta.get("title", ""), "summary": week_summary}
                wanted = {"translations": {**week.translations, language: translation}}
            # The pace rule (min_diary_nights) is the week's structure, like a lesson's
            # order: applied. Its words wait for an import that publishes.
            words = {k: v for k, v in wanted.items() if k != "min_diary_nights"}
            if not (publish or new_week) and any(getattr(week, k) != v for k, v in words.items()):
                report.held.append(str((week_dir / "week.md").relative_to(directory)))
                wanted = {k: v for k, v in wanted.items() if k not in words}
            _save_changes(week, wanted)
            for path in sorted(week_dir.glob("*.md")):
                if path.name == "week.md":
                    continue
                where = path.relative_to(directory)
                lesson_meta, body = parse(path.read_text("utf-8"), where)
                slug = lesson_meta.get("slug")
                if not slug:
                    raise CurriculumFileError(f"{where}: `slug` is required.")
                _check_slug(slug, where)
                parts = lesson_meta.get("parts") or []
                try:
                    validate_parts(parts)
                except ValidationError as error:
                    raise CurriculumFileError(f"{where}: {' '.join(error.messages)}") from error
                situations = lesson_situations(lesson_meta, where)
                wanted = {}
                if is_base:
                    wanted = {
                        "order": int(lesson_meta.get("order") or 0),
                        # A situational lesson is never required (program.rules.situations).
                        "is_required": bool(lesson_meta.get("required", True)) and not situations,
                        "situations": situations,
                    }
                wanted = _fields_of(Lesson, wanted)
                lesson = lessons.get((week.pk, slug))
                if lesson is None:
                    lesson = Lesson.objects.create(week=week, slug=slug, **wanted)
                    lessons[(week.pk, slug)] = lesson
                else:
                    _save_changes(lesson, wanted)
                images = _import_images(models["LessonImage"], lesson, lesson_meta, week_dir, where)
                recordings = _import_recordings(
                    models["AudioRecording"], lesson, language, lesson_meta, week_dir, where
                )

                def stored(match: re.Match[str], images: dict[str, Any] = images) -> str:
                    image = images.get(match.group(2))
                    return f"{match.group(1)}image:{image.pk}" if image else match.group(0)

                def stored_audio(match: re.Match[str], found: dict[str, Any] = recordings) -> str:
                    recording = found.get(match.group(2))
                    return f"{match.group(1)}audio:{recording.pk}" if recording else match.group(0)

                body = EXPORTED_AUDIO.sub(stored_audio, EXPORTED_IMAGE.sub(stored, body))
                if mistakes := lesson_problems(body):
                    raise CurriculumFileError(f"{where}: " + " ".join(mistakes))
                content = {
                    "title": str(lesson_meta.get("title") or slug),
                    "summary": str(lesson_meta.get("summary") or ""),
                    "body": body,
                    "minutes": int(lesson_meta.get("minutes") or 5),
                    "parts": parts,
                }
                versions = LessonVersion.objects.filter(lesson=lesson, language=language)
                latest = published.get((lesson.pk, language))
                if latest and all(getattr(latest, k) == v for k, v in content.items()):
                    report.unchanged.append(str(where))
                    continue
                if keep_edited and latest is not None and latest.published_by_id is not None:
                    report.unchanged.append(str(where))
                    continue
                shown = expand(body, default_values())
                html = render_markdown(shown, _image_refs(images), _audio_refs(recordings))
                fields = {**content, "body_html": html}
                if publish:
                    number = (latest.number if latest else 0) + 1
                    created = LessonVersion.objects.create(
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
                    published[(lesson.pk, language)] = created
                    if push:
                        readers = (apps or global_apps).get_model("program", "LessonProgress")
                        readers.objects.filter(
                            lesson=lesson, version__language=language, completed_at__isnull=True
                        ).update(version=created)
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
    kept["weeks"] = max(Week.objects.filter(programme=programme).count(), 1)
    _save_changes(programme, _fields_of(Programme, kept))
    if models["AudioRecording"] is not None:
        import_exercise_recordings(directory, apps)
    return report


def _fields_of(model: Any, values: dict[str, Any]) -> dict[str, Any]:
    """The ``values`` for fields ``model`` has: a data migration's older model may not
    have every field yet."""
    names = {field.name for field in model._meta.get_fields()}
    return {name: value for name, value in values.items() if name in names}


def _save_changes(row: Any, wanted: dict[str, Any]) -> None:
    """Give ``row`` the ``wanted`` values and save it, if any differs: a save marks every
    reader's caseload row to be worked out again (program.clinic.signals)."""
    if all(getattr(row, name) == value for name, value in wanted.items()):
        return
    for name, value in wanted.items():
        setattr(row, name, value)
    row.save()


def _export_images(
    body: str, lesson: Any, images: dict[int, Any], folder: Path
) -> tuple[str, list[dict[str, str]]]:
    """Write the lesson's pictures that ``body`` shows into ``folder/images/``; returns
    the body with their relative paths and the front matter's ``images`` list. The
    names carry the content hash, so exporting again writes identical files."""
    listed: dict[int, dict[str, str]] = {}

    def exported(match: re.Match[str]) -> str:
        image = images.get(int(match.group(2)))
        if image is None or image.lesson_id != lesson.pk:
            return match.group(0)  # not this lesson's: left as it was
        if image.pk not in listed:
            _check_slug(lesson.slug, f"lesson {lesson.pk}")
            name = f"{IMAGES_FOLDER}/{lesson.slug}-{image.digest[:12]}.{image.extension}"
            (folder / IMAGES_FOLDER).mkdir(parents=True, exist_ok=True)
            with image.file.open("rb") as source:
                (folder / name).write_bytes(source.read())
            listed[image.pk] = {"file": name, "alt": image.alt_text}
        return f"{match.group(1)}{listed[image.pk]['file']}"

    return STORED_IMAGE.sub(exported, body), list(listed.values())


def _export_recordings(
    body: str, lesson: Any, recordings: dict[int, Any], folder: Path
) -> tuple[str, list[dict[str, str]]]:
    """Write the lesson's recordings that ``body`` plays into ``folder/audio/``; returns
    the body with their relative paths and the front matter's ``audio`` list."""
    listed: dict[int, dict[str, str]] = {}

    def exported(match: re.Match[str]) -> str:
        recording = recordings.get(int(match.group(2)))
        if recording is None or recording.lesson_id != lesson.pk:
            return match.group(0)
        if recording.pk not in listed:
            _check_slug(lesson.slug, f"lesson {lesson.pk}")
            name = f"{AUDIO_FOLDER}/{lesson.slug}-{recording.digest[:12]}.{recording.extension}"
            (folder / AUDIO_FOLDER).mkdir(parents=True, exist_ok=True)
            with recording.file.open("rb") as source:
                (folder / name).write_bytes(source.read())
            listed[recording.pk] = {
                "file": name,
                "title": recording.title,
                "transcript": recording.transcript,
            }
        return f"{match.group(1)}{listed[recording.pk]['file']}"

    return STORED_AUDIO.sub(exported, body), list(listed.values())


def export_exercise_recordings(directory: Path) -> list[Path]:
    """Write the guided exercises' recordings and ``exercises/recordings.md``."""
    from program.models import AudioRecording

    recordings = list(AudioRecording.objects.exclude(exercise="").order_by("exercise", "pk"))
    if not recordings:
        return []
    folder = Path(directory) / EXERCISES_FOLDER
    (folder / AUDIO_FOLDER).mkdir(parents=True, exist_ok=True)
    written, listed = [], []
    for recording in recordings:
        name = f"{AUDIO_FOLDER}/{recording.exercise}-{recording.digest[:12]}.{recording.extension}"
        with recording.file.open("rb") as source:
            (folder / name).write_bytes(source.read())
        written.append(folder / name)
        listed.append(
            {
                "exercise": recording.exercise,
                "language": recording.language,
                "file": name,
                "title": recording.title,
                "transcript": recording.transcript,
            }
        )
    note = "The guided exercises' own recordings, with their transcripts."
    (folder / EXERCISE_RECORDINGS).write_text(render({"recordings": listed}, note), "utf-8")
    return [*written, folder / EXERCISE_RECORDINGS]


def _check_slug(slug: object, where: object) -> None:
    """A slug is letters, digits, hyphens and underscores: it names files on export, so
    "../x" would write outside the export folder."""
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        raise CurriculumFileError(
            f"{where}: `slug` must be letters, digits, hyphens or underscores, not {slug!r}."
        )


def export_programme(programme: Any, directory: Path, *, drafts: bool = False) -> list[Path]:
    """Write ``programme`` as a folder of files; returns the files written.

    Each lesson is written as its latest published version in each language
    (or its draft, with ``drafts=True`` or when nothing is published yet).
    """
    from program.models import Lesson, LessonVersion, Week

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    root = directory.resolve()

    def write(path: Path, text: str) -> None:
        # Never outside the export folder, whatever a slug in the database says.
        if not path.resolve().is_relative_to(root):
            raise CurriculumFileError(f"{path} is outside the export folder {root}.")
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
    from program.models import AudioRecording, LessonImage

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
    images = {image.pk: image for image in LessonImage.objects.filter(lesson__in=lessons)}
    recordings = {r.pk: r for r in AudioRecording.objects.filter(lesson__in=lessons)}
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
                    if lesson.situations:
                        meta["situations"] = list(lesson.situations)
                meta |= {
                    "title": version.title,
                    "summary": version.summary,
                    "minutes": version.minutes,
                }
                if version.parts:
                    meta["parts"] = canonical(version.parts)
                body, listed = _export_images(version.body, lesson, images, folder)
                if listed:
                    meta["images"] = listed
                    written.extend(folder / entry["file"] for entry in listed)
                body, played = _export_recordings(body, lesson, recordings, folder)
                if played:
                    meta["audio"] = played
                    written.extend(folder / entry["file"] for entry in played)
                write(folder / f"{lesson.order:02d}-{lesson.slug}.md", render(meta, body))
    written.extend(export_exercise_recordings(directory))
    return written


def file_problems(directory: Path) -> dict[str, str]:
    """Every file's problem that ``import_directory`` would stop at, by path relative to
    ``directory``, found without the database, so that an admin sees them all at once."""
    from django.conf import settings

    from program.curriculum.models import validate_parts

    directory = Path(directory)
    languages = {code for code, _name in settings.LANGUAGES}
    found: dict[str, str] = {}
    if not (directory / "programme.md").is_file():
        return {"programme.md": "missing: the folder must hold programme.md."}
    for path in sorted(directory.rglob("*")):
        where = str(path.relative_to(directory))
        parts = path.relative_to(directory).parts
        if parts[0] == EXERCISES_FOLDER:
            continue  # the exercises' recordings: checked as they are imported
        if path.is_dir():
            if len(parts) == 1 and path.name not in languages:
                found[where] = f"not a language of this app ({', '.join(sorted(languages))})."
            elif len(parts) == 2 and not re.fullmatch(r"week-\d+", path.name):
                found[where] = "week folders are named week-1, week-2, …"
            elif len(parts) == 2 and not (path / "week.md").is_file():
                found[where] = "week.md is missing."
            continue
        if path.suffix != ".md" or (len(parts) == 1 and path.name != "programme.md"):
            continue  # the import reads only these (a README beside them is left alone)
        try:
            meta, body = parse(path.read_text("utf-8"), where)
            if len(parts) != 3 or path.name == "week.md":
                continue
            _check_slug(meta.get("slug"), where)
            lesson_situations(meta, where)
            validate_parts(meta.get("parts") or [])
            if mistakes := lesson_problems(body):
                raise CurriculumFileError(" ".join(mistakes))
        except UnicodeDecodeError:
            found[where] = "not UTF-8 text."
        except CurriculumFileError as error:
            found[where] = str(error).removeprefix(f"{where}: ")
        except Exception as error:  # validate_parts: a ValidationError with its message
            found[where] = " ".join(getattr(error, "messages", [str(error)]))
    return found

"""The curriculum, edited by a clinic admin in the app's own pages (/clinic/curriculum/).

The Django admin keeps its curriculum screens for superusers; these pages do the
same jobs in the app's words: the lessons by programme and week, an editor with a
preview in the patient's own template, publishing (optionally pushed to readers
part-way), comparing and restoring versions, and the curriculum as files.

Every change goes through a named workflow in ``program.curriculum.actions`` that
checks the draft is still the one the page was opened on (``draft_fingerprint``).
"""

from __future__ import annotations

import hashlib
import io
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.access import admin_required
from accounts.audit import note_unchanged
from accounts.http import AuthenticatedHttpRequest
from program.clinical_text import situation_name
from program.curriculum.actions import (
    DraftChanged,
    NothingToPublish,
    RecordingInUse,
    add_lesson_image,
    add_recording,
    draft_fingerprint,
    not_finished_by,
    publish_draft,
    push_version,
    readers_by_version,
    recording_use,
    remove_recording,
    restore_as_draft,
    save_draft,
    set_lesson_situations,
    with_snippet,
)
from program.curriculum.compare import diff_lines
from program.curriculum.files import (
    BASE_LANGUAGE,
    CurriculumFileError,
    export_programme,
    file_problems,
    import_directory,
)
from program.curriculum.forms import (
    CheckedImportForm,
    CurriculumImportForm,
    ExerciseRecordingForm,
    LessonEditForm,
    LessonImageForm,
    LessonSituationsForm,
    PartsField,
    RecordingForm,
)
from program.curriculum.lesson_text import problems as lesson_problems
from program.curriculum.lesson_values import preview_values
from program.curriculum.views import lesson_context
from program.models import AudioRecording, Lesson, LessonImage, LessonVersion, Programme, Week

# An uploaded curriculum: at most this many files and bytes once unpacked (the
# shipped programme is about 40 files and 300 KB).
MAX_IMPORT_FILES = 2000
MAX_IMPORT_BYTES = 50 * 1024 * 1024
# An archive checked without a problem is kept this long, for the admin who checked it,
# so that "Import" takes the same bytes without choosing the file again; a larger one is
# not kept (design decisions: the session's idle time, and the recordings' own bound).
KEPT_CHECK_MINUTES = 30
KEPT_CHECK_MAX_BYTES = 25 * 1024 * 1024


def _language(code: str) -> str:
    if code not in dict(settings.LANGUAGES):
        raise Http404
    return code


def _lesson(lesson_id: int) -> Lesson:
    return get_object_or_404(Lesson.objects.select_related("week__programme"), pk=lesson_id)


def _split(versions: list[LessonVersion]) -> tuple[LessonVersion | None, LessonVersion | None]:
    """The draft and the latest published version of a series (newest first)."""
    draft = next((v for v in versions if not v.is_published), None)
    latest = next((v for v in versions if v.is_published), None)
    return draft, latest


def behind_english(translated: datetime | None, english: datetime | None) -> bool:
    """Whether a translation's latest version was published before the English one's
    (their ``published_at``): the English came out again since, so the translation may
    lack its changes. An import publishes every language at one time, so a translation
    imported beside its English is not behind."""
    return translated is not None and english is not None and translated < english


def _editor_url(lesson: Lesson, language: str) -> str:
    return reverse("program:curriculum_lesson", args=[lesson.pk, language])


@admin_required
@require_GET
def curriculum(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every programme's weeks and lessons, each with its published version and draft
    in every language (a fixed number of queries)."""
    english = LessonVersion.objects.filter(lesson=OuterRef("pk"), language=BASE_LANGUAGE).order_by(
        "status", "-number"
    )
    lessons = list(
        Lesson.objects.annotate(en_title=Subquery(english.values("title")[:1])).order_by(
            "week_id", "order", "pk"
        )
    )
    series: dict[int, dict[str, dict[str, Any]]] = {}
    for row in (
        LessonVersion.objects.values("lesson_id", "language", "status")
        .annotate(number=Max("number"), published_at=Max("published_at"))
        .order_by()
    ):
        entry = series.setdefault(row["lesson_id"], {}).setdefault(
            row["language"], {"code": row["language"], "number": None, "draft": False}
        )
        if row["status"] == LessonVersion.Status.DRAFT:
            entry["draft"] = True
        else:
            entry["number"], entry["published_at"] = row["number"], row["published_at"]
    by_week: dict[int, list[dict[str, Any]]] = {}
    for lesson in lessons:
        languages = series.get(lesson.pk, {})
        english_entry = languages.get(BASE_LANGUAGE, {})
        for code, entry in languages.items():
            entry["behind"] = code != BASE_LANGUAGE and behind_english(
                entry.get("published_at"), english_entry.get("published_at")
            )
        by_week.setdefault(lesson.week_id, []).append(
            {
                "lesson": lesson,
                "title": getattr(lesson, "en_title", None) or lesson.slug,
                "languages": [
                    languages[code] for code, _name in settings.LANGUAGES if code in languages
                ],
                "english": languages.get(BASE_LANGUAGE),
            }
        )
    weeks: dict[int, list[dict[str, Any]]] = {}
    for week in Week.objects.order_by("programme_id", "number"):
        weeks.setdefault(week.programme_id, []).append(
            {"week": week, "lessons": by_week.get(week.pk, [])}
        )
    programmes = [
        {"programme": p, "weeks": weeks.get(p.pk, [])}
        for p in Programme.objects.order_by("-is_default", "name")
    ]
    ctx = {"programmes": programmes, "languages": settings.LANGUAGES}
    return render(request, "program/curriculum.html", ctx)


def _preview_version(
    lesson: Lesson, language: str, form: LessonEditForm, source: LessonVersion | None
) -> tuple[LessonVersion, bool]:
    """An unsaved version holding the words in the form (typed, or as opened), for the
    preview; and whether the exercises could not be read (then the source's are shown)."""
    if form.is_bound:
        data = form.data
        try:
            minutes = max(1, min(120, int(data.get("minutes") or 5)))
        except ValueError:
            minutes = 5
        parts_broken = False
        try:
            parts = PartsField(required=False).clean(data.get("parts", ""))
        except ValidationError:
            parts, parts_broken = (source.parts if source else []), True
        words = {
            "title": data.get("title", ""),
            "summary": data.get("summary", ""),
            "body": data.get("body", ""),
            "minutes": minutes,
            "parts": parts,
        }
    else:
        parts_broken = False
        words = {name: form.initial.get(name) for name in ("title", "summary", "body", "minutes")}
        words["parts"] = source.parts if source else []
    version = LessonVersion(lesson=lesson, language=language, **words)
    return version, parts_broken


def _editor(
    request: AuthenticatedHttpRequest,
    lesson: Lesson,
    language: str,
    *,
    form: LessonEditForm | None = None,
    conflict: bool = False,
    image_form: LessonImageForm | None = None,
    audio_form: RecordingForm | None = None,
) -> HttpResponse:
    versions = list(
        LessonVersion.objects.filter(lesson=lesson, language=language)
        .select_related("published_by")
        .order_by("status", "-number")  # the draft first, then the newest published
    )
    draft, latest = _split(versions)
    english = None
    if language != BASE_LANGUAGE:
        english = (
            LessonVersion.objects.published()
            .filter(lesson=lesson, language=BASE_LANGUAGE)
            .order_by("-number")
            .first()
        )
    # A new translation starts from the English words.
    source = draft or latest or english
    query = request.POST if request.method == "POST" else request.GET
    shown = preview_values(lesson.week.programme, query)
    if form is None:
        initial: dict[str, Any] = {
            "base": draft_fingerprint(draft, latest),
            "guidance": "approval" if shown.approval_required else "self",
            "protocol": shown.protocol_key,
        }
        if source is not None:
            initial |= {
                "title": source.title,
                "summary": source.summary,
                "body": source.body,
                "minutes": source.minutes,
                "parts": source.parts,
                "change_note": draft.change_note if draft else "",
            }
        else:
            initial |= {"title": lesson.slug.replace("-", " ").capitalize(), "minutes": 5}
        form = LessonEditForm(initial=initial, lesson=lesson, protocols=shown.protocols)
    preview, parts_broken = _preview_version(lesson, language, form, source)
    week = lesson.week
    ctx = lesson_context(
        version=preview,
        progress=None,
        # A stand-in for the patient's week: the template reads its number and title.
        week=SimpleNamespace(number=week.number, title=week.title_in(language)),  # type: ignore[arg-type]
        preview=True,
        values=shown.values,
    )
    readers = readers_by_version(lesson, language)
    published = [v for v in versions if v.is_published]
    ctx |= {
        "form": form,
        "lesson": lesson,
        "week_item": week,
        "language": language,
        "language_name": dict(settings.LANGUAGES)[language],
        "draft": draft,
        "latest": latest,
        "english": english,
        "behind_english": bool(
            latest and english and behind_english(latest.published_at, english.published_at)
        ),
        "versions": [{"version": v, "readers": readers.get(v.pk)} for v in versions],
        "fingerprint": draft_fingerprint(draft, latest),
        "next_number": (latest.number or 0) + 1 if latest else 1,
        "part_way": sum(r.reading for pk, r in readers.items() if latest and pk != latest.pk),
        "draft_problems": lesson_problems(draft.body) if draft else [],
        "parts_broken": parts_broken,
        "preview_settings": shown,
        "conflict": conflict,
        "older": published[1:] if published else [],
        "images": list(LessonImage.objects.filter(lesson=lesson)),
        "recordings": list(AudioRecording.objects.filter(lesson=lesson)),
        "not_finished": 0 if lesson.is_required else not_finished_by(lesson),
        "image_form": image_form or LessonImageForm(prefix="image"),
        "audio_form": audio_form or RecordingForm(prefix="audio"),
        "other_languages": [(code, name) for code, name in settings.LANGUAGES if code != language],
        "situations_form": LessonSituationsForm(initial={"situations": lesson.situations}),
    }
    return render(request, "program/curriculum_lesson.html", ctx)


@admin_required
@require_POST
def lesson_situations(
    request: AuthenticatedHttpRequest, lesson_id: int, language: str
) -> HttpResponse:
    """Whom the lesson is for: every patient, or those in one of the ticked situations
    (shown to them as "Suggested for you", never required)."""
    lesson, language = _lesson(lesson_id), _language(language)
    form = LessonSituationsForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not saved: choose situations from the list."))
        return redirect(_editor_url(lesson, language))
    set_lesson_situations(lesson, form.cleaned_data["situations"])
    if lesson.situations:
        names = ", ".join(situation_name(key) for key in lesson.situations)
        messages.success(
            request,
            _(
                "Saved: only patients in one of these situations see this lesson, as "
                "suggested and optional: %(names)s."
            )
            % {"names": names},
        )
    else:
        messages.success(request, _("Saved: every patient sees this lesson."))
    return redirect(_editor_url(lesson, language))


@admin_required
def lesson_edit(request: AuthenticatedHttpRequest, lesson_id: int, language: str) -> HttpResponse:
    """The editor: the words on the left, the patient's page on the right. "Preview"
    shows the typed words without saving; "Save the draft" keeps them as the draft."""
    lesson, language = _lesson(lesson_id), _language(language)
    if request.method != "POST":
        return _editor(request, lesson, language)
    shown = preview_values(lesson.week.programme, request.POST)
    if request.POST.get("action") in ("image", "audio"):
        return _upload(request, lesson, language, protocols=shown.protocols)
    form = LessonEditForm(request.POST, lesson=lesson, protocols=shown.protocols)
    if request.POST.get("action") != "save" or not form.is_valid():
        note_unchanged(request)  # a preview, or words sent back to be corrected: nothing saved
        return _editor(request, lesson, language, form=form)
    try:
        save_draft(
            lesson=lesson,
            language=language,
            user=request.user,
            words=form.version_fields(),
            expected=form.cleaned_data["base"],
        )
    except DraftChanged:
        note_unchanged(request)
        messages.error(
            request,
            _(
                "Not saved: this lesson's draft was changed (in another tab or by another "
                "admin) since you opened it. Your words are still below; compare them with "
                "the saved draft, then save again to replace it."
            ),
        )
        # The next save replaces what is stored now, knowingly.
        draft, latest = _split(
            list(LessonVersion.objects.filter(lesson=lesson, language=language).order_by("-number"))
        )
        data = request.POST.copy()
        data["base"] = draft_fingerprint(draft, latest)
        form = LessonEditForm(data, lesson=lesson, protocols=shown.protocols)
        form.is_valid()
        return _editor(request, lesson, language, form=form, conflict=True)
    messages.success(request, _("Draft saved. Patients see nothing of it until you publish it."))
    shown_with = urlencode(
        {"guidance": form.cleaned_data["guidance"], "protocol": form.cleaned_data["protocol"]}
    )
    return redirect(f"{_editor_url(lesson, language)}?{shown_with}")


def _upload(
    request: AuthenticatedHttpRequest,
    lesson: Lesson,
    language: str,
    *,
    protocols: list[tuple[str, str]],
) -> HttpResponse:
    """Store a picture or a recording sent from the editor and put its snippet in the
    lesson text as typed (not saved: the admin saves the draft when ready). The words
    in the form come back as they were sent, whether the file was accepted or not."""
    data = request.POST.copy()
    image_form = audio_form = None
    if request.POST.get("action") == "image":
        image_form = LessonImageForm(request.POST, request.FILES, prefix="image")
        upload: LessonImageForm | RecordingForm = image_form
    else:
        audio_form = RecordingForm(request.POST, request.FILES, prefix="audio")
        upload = audio_form
    if upload.is_valid():
        fields = upload.cleaned_data
        if isinstance(upload, LessonImageForm):
            snippet = add_lesson_image(
                lesson=lesson, file=fields["file"], alt_text=fields["alt_text"]
            ).markdown
            image_form = None  # an empty form for the next picture
            text = _("Picture uploaded and put in the lesson text below, before the sources.")
        else:
            snippet = add_recording(
                lesson=lesson,
                file=fields["file"],
                title=fields["title"],
                transcript=fields["transcript"],
                language=language,
            ).markdown
            audio_form = None
            text = _("Recording uploaded and put in the lesson text below, before the sources.")
        data["body"] = with_snippet(data.get("body", ""), snippet)
        messages.success(
            request,
            text
            + " "
            + _("Save the draft to keep the text; patients see nothing until you publish."),
        )
    else:
        messages.error(
            request,
            _(
                "Not uploaded: see the message beside the file below. Your lesson text is "
                "kept as you typed it (not saved yet); choose the file again to retry."
            ),
        )
    form = LessonEditForm(data, lesson=lesson, protocols=protocols)
    return _editor(
        request, lesson, language, form=form, image_form=image_form, audio_form=audio_form
    )


@admin_required
@require_POST
def lesson_publish(
    request: AuthenticatedHttpRequest, lesson_id: int, language: str
) -> HttpResponse:
    lesson, language = _lesson(lesson_id), _language(language)
    draft = LessonVersion.objects.drafts().filter(lesson=lesson, language=language).first()
    if draft is not None and (mistakes := lesson_problems(draft.body)):
        messages.error(
            request,
            _("This draft cannot be published until its text is corrected: %(problems)s")
            % {"problems": " ".join(mistakes)},
        )
        return redirect(_editor_url(lesson, language))
    try:
        version, moved = publish_draft(
            lesson=lesson,
            language=language,
            user=request.user,
            expected=request.POST.get("base", ""),
            push=request.POST.get("push") == "on",
        )
    except NothingToPublish as nothing:
        if nothing.latest is not None:
            messages.info(
                request,
                _("This draft is already published, as version %(number)s.")
                % {"number": nothing.latest.number},
            )
        else:
            messages.info(request, _("There is no draft to publish."))
        return redirect(_editor_url(lesson, language))
    except DraftChanged:
        messages.error(
            request,
            _(
                "Not published: the draft was changed since you opened this page. Check "
                "the draft below, then publish again."
            ),
        )
        return redirect(_editor_url(lesson, language))
    text = _("Published as version %(number)s. New readers get it from now on.") % {
        "number": version.number
    }
    if moved:
        text += " " + ngettext(
            "%(count)s patient part-way through the lesson now reads it; their answers are kept.",
            "%(count)s patients part-way through the lesson now read it; their answers are kept.",
            moved,
        ) % {"count": moved}
    messages.success(request, text)
    return redirect(_editor_url(lesson, language))


@admin_required
@require_POST
def lesson_push(
    request: AuthenticatedHttpRequest, lesson_id: int, language: str, version_id: int
) -> HttpResponse:
    """Move the readers part-way through the lesson to its latest published version."""
    lesson, language = _lesson(lesson_id), _language(language)
    latest = (
        LessonVersion.objects.published()
        .filter(lesson=lesson, language=language)
        .order_by("-number")
        .first()
    )
    if latest is None or latest.pk != version_id:
        messages.error(
            request, _("Only the latest published version can be given to readers part-way.")
        )
        return redirect(_editor_url(lesson, language))
    moved = push_version(version=latest)
    messages.success(
        request,
        ngettext(
            "%(count)s patient part-way through the lesson now reads version %(number)s.",
            "%(count)s patients part-way through the lesson now read version %(number)s.",
            moved,
        )
        % {"count": moved, "number": latest.number},
    )
    return redirect(_editor_url(lesson, language))


@admin_required
@require_POST
def lesson_restore(
    request: AuthenticatedHttpRequest, lesson_id: int, language: str, version_id: int
) -> HttpResponse:
    lesson, language = _lesson(lesson_id), _language(language)
    version = get_object_or_404(
        LessonVersion.objects.published().select_related("lesson"),
        pk=version_id,
        lesson=lesson,
        language=language,
    )
    try:
        restore_as_draft(version=version, user=request.user, expected=request.POST.get("base", ""))
    except DraftChanged:
        messages.error(
            request,
            _(
                "Not restored: the draft was changed since you opened this page. Check it, "
                "then restore again if you still want to replace it."
            ),
        )
        return redirect(_editor_url(lesson, language))
    messages.success(
        request,
        _("The draft now holds the words of version %(number)s. Publish it to restore them.")
        % {"number": version.number},
    )
    return redirect(_editor_url(lesson, language))


@admin_required
@require_GET
def lesson_compare(
    request: AuthenticatedHttpRequest, lesson_id: int, language: str
) -> HttpResponse:
    """Two versions of the lesson, the older's lines marked − and the newer's +."""
    lesson, language = _lesson(lesson_id), _language(language)
    versions = list(
        LessonVersion.objects.filter(lesson=lesson, language=language).order_by("status", "-number")
    )
    by_pk = {v.pk: v for v in versions}

    def chosen(name: str) -> LessonVersion | None:
        value = request.GET.get(name, "")
        return by_pk.get(int(value)) if value.isdigit() else None

    draft, latest = _split(versions)
    new = chosen("new") or draft or latest
    old = chosen("old")
    if old is None and new is not None:
        old = next(
            (
                v
                for v in versions
                if v.is_published and v.pk != new.pk and (v.number or 0) < (new.number or 10**9)
            ),
            None,
        )
    ctx = {
        "lesson": lesson,
        "language": language,
        "language_name": dict(settings.LANGUAGES)[language],
        "versions": versions,
        "old": old,
        "new": new,
        "lines": diff_lines(old, new) if old and new and old.pk != new.pk else [],
        "fingerprint": draft_fingerprint(draft, latest),
        "draft": draft,
    }
    return render(request, "program/curriculum_compare.html", ctx)


# --- The curriculum as files ------------------------------------------------------------


@admin_required
@require_GET
def curriculum_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A programme's curriculum as a zip of the files ``export_curriculum`` writes."""
    value = request.GET.get("programme", "")
    programme = get_object_or_404(Programme, pk=int(value)) if value.isdigit() else None
    if programme is None:
        programme = Programme.objects.default()
    drafts = request.GET.get("drafts") == "1"
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        written = export_programme(programme, root, drafts=drafts)
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(set(written)):
                archive.write(path, str(path.relative_to(root)))
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{programme.slug}-{stamp}.zip"'
    return response


class UnsafeArchive(ValueError):
    pass


def _unpack(upload: Any, folder: Path) -> None:
    """Unpack an uploaded zip into ``folder``: only plain relative paths, within the
    limits; a folder zipped with its own name at the top is accepted too."""
    try:
        archive = zipfile.ZipFile(upload)
    except zipfile.BadZipFile:
        raise UnsafeArchive(_("This file is not a zip archive.")) from None
    with archive:
        # Leaving out what macOS adds to a zip (__MACOSX/, ._* and .DS_Store files).
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir()
            and not m.filename.startswith("__MACOSX/")
            and not Path(m.filename).name.startswith(("._", ".DS_Store"))
        ]
        if len(members) > MAX_IMPORT_FILES or sum(m.file_size for m in members) > MAX_IMPORT_BYTES:
            raise UnsafeArchive(_("This archive is too large to be a curriculum."))
        root = folder.resolve()
        for member in members:
            target = (folder / member.filename).resolve()
            if member.filename.startswith("/") or not target.is_relative_to(root):
                raise UnsafeArchive(
                    _("The archive holds a file outside its folder: %(name)s")
                    % {"name": member.filename}
                )
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as source:
                target.write_bytes(source.read(MAX_IMPORT_BYTES + 1))
    if not (folder / "programme.md").exists():
        inner = [p for p in folder.iterdir() if p.is_dir() and (p / "programme.md").exists()]
        if len(inner) == 1:
            for child in inner[0].iterdir():
                child.rename(folder / child.name)
    if not (folder / "programme.md").exists():
        raise UnsafeArchive(
            _("The archive has no programme.md: zip the folder an export gives, as it is.")
        )


def _kept_check_key(user: Any, digest: str) -> str:
    return f"curriculum-check:{user.pk}:{digest}"


def keep_check(user: Any, name: str, data: bytes) -> str | None:
    """Keep a checked archive in the cache for ``user``: its SHA-256, or None when it
    is too large or the cache did not take it."""
    if len(data) > KEPT_CHECK_MAX_BYTES:
        return None
    digest = hashlib.sha256(data).hexdigest()
    key = _kept_check_key(user, digest)
    cache.set(key, {"name": name, "data": data}, timeout=KEPT_CHECK_MINUTES * 60)
    return digest if cache.has_key(key) else None


def kept_check(user: Any, digest: str) -> dict[str, Any] | None:
    """The archive ``user`` checked with this SHA-256 (its name and bytes), if it is
    still kept and still has that hash; None once it has expired or was imported."""
    kept = cache.get(_kept_check_key(user, digest))
    if not isinstance(kept, dict) or hashlib.sha256(kept["data"]).hexdigest() != digest:
        return None
    return kept


REPORT_ORDER = {"error": 0, "new": 1, "same": 2}


class _DryRun(Exception):
    pass


def _import_rows(
    root: Path, *, publish: bool, check_only: bool, user: Any
) -> tuple[list[dict[str, str]], Any, bool]:
    """Each file's outcome, the import's report (None when nothing could be imported),
    and whether any file had a problem. With ``check_only``, or any problem, nothing is
    kept: the import runs in a transaction that is rolled back."""
    problems = file_problems(root)
    files = sorted(str(p.relative_to(root)) for p in root.rglob("*.md") if p.is_file())
    report = None
    if not problems:
        try:
            with transaction.atomic():
                report = import_directory(root, publish=publish, user=user)
                if check_only:
                    raise _DryRun
        except _DryRun:
            pass
        except CurriculumFileError as error:
            report = None
            where, _sep, what = str(error).partition(": ")
            problems = {where: what or str(error)}
    new = _("new version") if publish else _("new draft")
    rows = []
    for name in files:
        if name in problems:
            outcome, kind = problems[name], "error"
        elif report is not None and name in report.created:
            outcome, kind = new, "new"
        elif report is not None and name in report.unchanged:
            outcome, kind = _("unchanged"), "same"
        elif report is not None and name in report.held:
            outcome = _(
                "not changed: a week's title and summary change only with an import that publishes"
            )
            kind = "same"
        else:
            outcome, kind = _("read"), "same"
        rows.append({"file": name, "outcome": outcome, "kind": kind})
    rows += [
        {"file": name, "outcome": problem, "kind": "error"}
        for name, problem in problems.items()
        if name not in files
    ]
    # What needs the admin first: the problems, then what changes, then the rest (a whole
    # curriculum is a hundred files and more; a problem in the middle was easy to miss).
    rows.sort(key=lambda row: REPORT_ORDER[row["kind"]])
    return rows, report, bool(problems)


@admin_required
def curriculum_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Check, then import, an uploaded curriculum. "Check" imports inside a transaction
    that is rolled back; either way a file with any problem saves nothing. An archive
    checked without a problem is kept (``keep_check``), and the page offers to import
    exactly those bytes (action ``import-checked``) without choosing the file again."""
    action = request.POST.get("action")
    if request.method == "POST" and action not in ("import", "import-checked"):
        note_unchanged(request)  # "Check the files", a dry run: a view in the audit trail
    rows: list[dict[str, str]] = []
    failed = False
    check_only = False
    publish = False
    upload: dict[str, Any] | None = None  # the archive to read: its name and bytes
    digest = ""  # the SHA-256 of the kept archive to import
    if action == "import-checked":
        form = CurriculumImportForm()
        checked_form = CheckedImportForm(request.POST, prefix="checked")
        if checked_form.is_valid():
            digest = checked_form.cleaned_data["digest"]
            upload = kept_check(request.user, digest)
            publish = checked_form.cleaned_data["publish"]
        if upload is None:
            messages.error(
                request,
                ngettext(
                    "The checked file is no longer kept (a check is kept for %(minutes)s "
                    "minute, for the admin who made it): nothing was imported. Choose the "
                    "file again.",
                    "The checked file is no longer kept (a check is kept for %(minutes)s "
                    "minutes, for the admin who made it): nothing was imported. Choose the "
                    "file again.",
                    KEPT_CHECK_MINUTES,
                )
                % {"minutes": KEPT_CHECK_MINUTES},
            )
    else:
        form = CurriculumImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            publish = form.cleaned_data["publish"]
            check_only = action != "import"
            file = form.cleaned_data["file"]
            upload = {"name": file.name, "data": file.read()}
    checked: dict[str, Any] | None = None  # the check kept for "Import"
    if upload is not None:
        with tempfile.TemporaryDirectory() as folder:
            try:
                _unpack(io.BytesIO(upload["data"]), Path(folder))
            except UnsafeArchive as error:
                if form.is_bound:
                    form.add_error("file", str(error))
                else:  # a kept archive unpacked when checked: not expected
                    messages.error(request, str(error))
            else:
                rows, report, failed = _import_rows(
                    Path(folder), publish=publish, check_only=check_only, user=request.user
                )
        if check_only and rows and not failed:
            kept = keep_check(request.user, upload["name"], upload["data"])
            if kept is not None:
                checked = {
                    "name": upload["name"],
                    "form": CheckedImportForm(
                        prefix="checked", initial={"digest": kept, "publish": publish}
                    ),
                }
        elif digest and rows and not failed:
            cache.delete(_kept_check_key(request.user, digest))  # imported: no longer offered
        counts = {"new": 0, "same": 0}
        if rows and not failed:
            counts = {"new": len(report.created), "same": len(report.unchanged)}
        if failed:
            messages.error(
                request,
                _(
                    "Nothing was imported: correct the files marked below and upload the "
                    "archive again."
                ),
            )
        elif rows and check_only:
            messages.info(
                request,
                ngettext(
                    "The files can be imported: %(new)s lesson would change (%(same)s "
                    "unchanged). Nothing is saved until you press Import.",
                    "The files can be imported: %(new)s lessons would change (%(same)s "
                    "unchanged). Nothing is saved until you press Import.",
                    counts["new"],
                )
                % counts,
            )
        elif rows and publish:
            messages.success(
                request,
                ngettext(
                    "Imported: %(new)s new version published (%(same)s unchanged).",
                    "Imported: %(new)s new versions published (%(same)s unchanged).",
                    counts["new"],
                )
                % counts,
            )
        elif rows:
            messages.success(
                request,
                ngettext(
                    "Imported: %(new)s new draft to review (%(same)s unchanged).",
                    "Imported: %(new)s new drafts to review (%(same)s unchanged).",
                    counts["new"],
                )
                % counts,
            )
    if failed or not rows:
        note_unchanged(request)  # nothing was imported (a file with a problem saves nothing)
    ctx = {
        "form": form,
        "rows": rows,
        "failed": failed,
        "checked": checked,
        "kept_minutes": KEPT_CHECK_MINUTES,
        # A check that found no problem but could not be kept: the file is asked for again.
        "ask_again": check_only and rows and not failed and checked is None,
    }
    return render(request, "program/curriculum_import.html", ctx)


# --- The guided exercises' recordings ----------------------------------------------------


@admin_required
def exercise_recordings(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each guided exercise with its recordings (a clinic's own), and a form to add one.
    Patients see the recordings of their language (else English) on the exercise's page."""
    from program.exercises.content import EXERCISES

    form = ExerciseRecordingForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if form.is_valid():
            fields = form.cleaned_data
            add_recording(
                file=fields["file"],
                title=fields["title"],
                transcript=fields["transcript"],
                language=fields["language"],
                exercise=fields["exercise"],
            )
            messages.success(
                request,
                _(
                    "Recording uploaded: patients whose language is %(language)s see it on "
                    "“%(exercise)s”, with its transcript."
                )
                % {
                    "language": dict(settings.LANGUAGES)[fields["language"]],
                    "exercise": EXERCISES[fields["exercise"]].title,
                },
            )
            return redirect("program:exercise_recordings")
        messages.error(
            request,
            _(
                "Not uploaded: see the message beside the field below. What you typed is "
                "kept; choose the file again to retry."
            ),
        )
    by_kind: dict[str, list[AudioRecording]] = {}
    for recording in AudioRecording.objects.exclude(exercise="").order_by("language", "pk"):
        by_kind.setdefault(recording.exercise, []).append(recording)
    ctx = {
        "form": form,
        "exercises": [
            {"exercise": exercise, "recordings": by_kind.get(kind, [])}
            for kind, exercise in EXERCISES.items()
        ],
    }
    return render(request, "program/curriculum_exercises.html", ctx)


def _recording_home(recording: AudioRecording) -> str:
    """Where a recording is listed: its lesson's editor, or the exercises' page."""
    if recording.lesson is not None:
        return _editor_url(recording.lesson, recording.language)
    return reverse("program:exercise_recordings")


@admin_required
def recording_delete(request: AuthenticatedHttpRequest, recording_id: int) -> HttpResponse:
    """Delete a lesson's or an exercise's recording, after a confirmation page that says
    what patients lose; its file goes with it. A recording the lesson's draft or newest
    published version plays is not deleted: the page says which versions, to take the
    snippet out of first. The deletion is in the audit log (a change to this path)."""
    recording = get_object_or_404(
        AudioRecording.objects.select_related("lesson__week"), pk=recording_id
    )
    use = recording_use(recording)
    back = _recording_home(recording)
    if request.method == "POST" and not use.current:
        title = recording.title
        try:
            remove_recording(recording=recording)
        except RecordingInUse:  # a draft saved meanwhile plays it: show the page again
            use = recording_use(recording)
        else:
            messages.success(
                request,
                _("“%(title)s” was deleted, with its file: patients no longer see it.")
                % {"title": title},
            )
            return redirect(back)
    if request.method == "POST":
        messages.error(request, _("Not deleted: a version of the lesson still plays it."))
    ctx = {"recording": recording, "use": use, "back": back}
    return render(request, "program/curriculum_recording_delete.html", ctx)


@admin_required
@require_POST
def lesson_required(
    request: AuthenticatedHttpRequest, lesson_id: int, language: str
) -> HttpResponse:
    """Make a lesson required (the next week waits for it, where the pace says so) or
    optional: the switch in the lesson editor."""
    lesson, language = _lesson(lesson_id), _language(language)
    required = request.POST.get("required") == "on"
    lesson.is_required = required
    # save(), not update(): its signal gives the programme a new content revision, so
    # every process reads the week's rule again (program.curriculum.signals).
    lesson.save(update_fields=["is_required"])
    if required:
        text = _("This lesson is now required: the next week waits for it, where the pace says so.")
        waiting = not_finished_by(lesson)
        if waiting:
            text += " " + ngettext(
                "%(n)s patient enrolled now has not finished it: their next week waits for it.",
                "%(n)s patients enrolled now have not finished it: their next week waits for it.",
                waiting,
            ) % {"n": waiting}
    else:
        text = _("This lesson is now optional: the next week does not wait for it.")
    messages.success(request, text)
    return redirect(_editor_url(lesson, language))

"""The patient's curriculum: the programme's weeks, a week, a lesson, answers, done."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.access import login_required, patient_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.clinical_text import situation_name
from program.curriculum.actions import (
    LessonItem,
    Overview,
    WeekItem,
    answer_fingerprint,
    answer_from_post,
    empty_answer,
    get_lesson_for_patient,
    mark_lesson_done,
    open_lesson,
    patient_language,
    programme_overview,
    quiz_feedback,
    reopened_recently,
    save_answer,
    save_lesson_answers,
)
from program.curriculum.forms import SituationsForm
from program.curriculum.lesson_text import Values
from program.curriculum.lesson_values import default_values, render_lesson, values_for_patient
from program.curriculum.situations import save_answers, situations_of, with_situations
from program.curriculum.situations import skip as skip_situations
from program.enrolment.actions import current_enrolments
from program.models import (
    AudioRecording,
    Enrolment,
    LessonAnswer,
    LessonImage,
    LessonProgress,
    LessonVersion,
)
from program.offline import kept_offline
from program.rules.situations import SITUATIONS


def _current_enrolment(patient: User) -> Enrolment | None:
    """The current enrolment, with the situations its overview reads, in one query."""
    return with_situations(current_enrolments(patient)).first()


def _overview_for(patient: User, enrolment: Enrolment | None = None) -> Overview | None:
    enrolment = enrolment or _current_enrolment(patient)
    if enrolment is None:
        return None
    enrolment.patient = patient  # already loaded: saves a query
    return programme_overview(enrolment)


def _open_lesson_item(overview: Overview | None, lesson_id: int) -> tuple[WeekItem, LessonItem]:
    """The lesson in one of the patient's open weeks, else 404 (locked lessons are not shown)."""
    if overview is None:
        raise Http404
    for week in overview.weeks:
        for item in (*week.lessons, *week.suggested):
            if item.lesson.pk == lesson_id:
                if not week.state.is_open:
                    raise Http404
                return week, item
    raise Http404


@patient_required
@kept_offline
def programme(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every week: open ones with their lessons done, locked ones with when they open."""
    patient: User = request.user
    overview = _overview_for(patient)
    ctx = {"overview": overview}
    return render(request, "program/programme.html", ctx)


@patient_required
@kept_offline
def week(request: AuthenticatedHttpRequest, number: int) -> HttpResponse:
    patient: User = request.user
    overview = _overview_for(patient)
    item = overview.week(number) if overview else None
    if item is None:
        raise Http404
    ctx = {"overview": overview, "week": item}
    return render(request, "program/week.html", ctx)


def part_views(version: LessonVersion, answers: dict[str, LessonAnswer]) -> list[dict[str, Any]]:
    """Each interactive part with the patient's answer, ready for the template."""
    views = []
    for part in version.parts or []:
        answer = answers.get(part["key"])
        data = answer.data if answer else {}
        shared = bool(answer and answer.shared_with_therapist)
        view: dict[str, Any] = {
            "part": part,
            "answer": answer,
            "shared": shared,
            "drawn": answer_fingerprint(answer.data if answer else empty_answer(part), shared),
        }
        if part["type"] == "quiz":
            choice = data.get("choice")
            view["choice"] = choice
            view["feedback"] = quiz_feedback(part, choice)
            view["options"] = [
                {"index": i, "text": option["text"], "checked": i == choice}
                for i, option in enumerate(part["options"])
            ]
        elif part["type"] == "reflection":
            view["text"] = data.get("text", "")
        elif part["type"] == "checklist":
            ticked = set(data.get("ticked", []))
            view["items"] = [
                {"index": i, "text": text, "checked": i in ticked}
                for i, text in enumerate(part["items"])
            ]
        elif part["type"] == "worksheet":
            values = data.get("fields", {})
            view["fields"] = [
                {**field, "value": values.get(field["key"], "")} for field in part["fields"]
            ]
        views.append(view)
    return views


def lesson_context(
    *,
    version: LessonVersion,
    progress: LessonProgress | None,
    week: WeekItem | None,
    lesson_item: LessonItem | None = None,
    preview: bool = False,
    values: Values | None = None,
) -> dict[str, Any]:
    """What ``program/lesson.html`` needs; the admin's preview uses the same.

    ``values``: the reader's programme settings and protocol, for the lesson's
    placeholders and blocks (``program.curriculum.lesson_values``); the defaults without."""
    answers = {a.part_key: a for a in progress.answers.all()} if progress else {}
    previous_item = next_item = None
    if week and lesson_item:
        # A suggested lesson leads to the week's other suggested lessons.
        items = week.lessons if lesson_item in week.lessons else week.suggested
        index = next(i for i, it in enumerate(items) if it.lesson.pk == lesson_item.lesson.pk)
        previous_item = items[index - 1] if index > 0 else None
        next_item = items[index + 1] if index + 1 < len(items) else None
    # The body ends with its Sources; they are shown after the interactive parts.
    html = render_lesson(version, values or default_values())
    body_html, heading, sources_html = html.partition("<h2>Sources</h2>")
    return {
        "version": version,
        "body_html": body_html,
        "sources_html": sources_html if heading else "",
        "lesson": version.lesson,
        "progress": progress,
        "week": week,
        "parts": part_views(version, answers),
        "previous_item": previous_item,
        "next_item": next_item,
        "preview": preview,
    }


@patient_required
@kept_offline
def lesson(request: AuthenticatedHttpRequest, lesson_id: int) -> HttpResponse:
    patient: User = request.user
    enrolment = _current_enrolment(patient)
    if enrolment is None:
        raise Http404
    overview = _overview_for(patient, enrolment)
    # 404 unless the lesson is in an open week of the patient's own programme.
    week_item, item = _open_lesson_item(overview, lesson_id)
    if overview is None:  # _open_lesson_item answered 404 already; said again for the types
        raise Http404
    progress = item.progress
    # Opened again lately is not noted again, unless the reader's language moved it to
    # another version (``open_lesson`` pins that one).
    moved = (
        progress is not None and item.version is not None and progress.version_id != item.version.pk
    )
    if moved or not reopened_recently(overview, item):
        progress = open_lesson(
            enrolment=enrolment, lesson=item.lesson, language=patient_language(patient)
        )
    if progress is None:
        raise Http404
    progress.version.lesson = item.lesson  # already loaded: saves a query
    # The overview read the version without its texts: the two this page shows in one
    # query, not one each on first use.
    wanted = progress.version.get_deferred_fields() & {"body", "parts"}
    if wanted:
        progress.version.refresh_from_db(fields=sorted(wanted))
    ctx = lesson_context(
        version=progress.version,
        progress=progress,
        week=week_item,
        lesson_item=item,
        values=values_for_patient(patient, enrolment.programme),
    )
    ctx["overview"] = overview
    # A part's own notice ("Choose an answer first.") is shown in that part, where the
    # page comes back to, not at the top of the page out of sight.
    notices = {
        m.extra_tags.removeprefix(PART_NOTICE): str(m)
        for m in messages.get_messages(request)
        if m.extra_tags.startswith(PART_NOTICE)
    }
    for view in ctx["parts"]:
        view["notice"] = notices.get(view["part"]["key"], "")
    return render(request, "program/lesson.html", ctx)


def _progress_for(patient: User, lesson_id: int) -> LessonProgress:
    """The patient's progress on a lesson in an open week (started now if need be), else 404."""
    enrolment = _current_enrolment(patient)
    lesson = get_lesson_for_patient(patient, enrolment, lesson_id)
    if enrolment is None:
        raise Http404
    _open_lesson_item(_overview_for(patient, enrolment), lesson_id)
    progress = open_lesson(enrolment=enrolment, lesson=lesson, language=patient_language(patient))
    if progress is None:
        raise Http404
    return progress


# The extra tag of a message shown in a lesson's part (its key follows), not at the top.
PART_NOTICE = "lesson-part:"


@patient_required
@require_POST
def lesson_answer(request: AuthenticatedHttpRequest, lesson_id: int, part_key: str) -> HttpResponse:
    """A part's button: every part's answers are saved (the lesson is one form), and the
    page comes back at that part. A page from before the lesson was one form sends
    that part's fields alone, unprefixed, and is saved as it was."""
    patient: User = request.user
    progress = _progress_for(patient, lesson_id)
    part = next((p for p in progress.version.parts if p.get("key") == part_key), None)
    if part is None:
        raise Http404
    if "parts" in request.POST:
        saved = save_lesson_answers(progress=progress, post=request.POST)
    else:
        save_answer(
            progress=progress,
            part_key=part_key,
            data=answer_from_post(part, request.POST),
            share=request.POST.get("share") == "on",
        )
        saved = [part_key]
    # A quiz's answer says itself whether it was right; words written are said saved.
    if part["type"] != "quiz" or set(saved) - {part_key}:
        messages.success(request, _("Saved. Your answers are kept here."))
    prefix = f"{part_key}:" if "parts" in request.POST else ""
    if (
        part["type"] == "quiz"
        and answer_from_post(part, request.POST, prefix=prefix)["choice"] is None
    ):
        # "Check my answer" with no option ticked: say so in the quiz itself.
        messages.warning(
            request, _("Choose an answer first."), extra_tags=f"{PART_NOTICE}{part_key}"
        )
    url = reverse("program:lesson", args=[lesson_id])
    return redirect(f"{url}#part-{part_key}")


@patient_required
@require_POST
def lesson_done(request: AuthenticatedHttpRequest, lesson_id: int) -> HttpResponse:
    """Mark the lesson done (or not), saving first what is typed in its parts: the
    button is in the same form as the answers, and a patient who writes then marks the
    lesson done expects the words kept."""
    patient: User = request.user
    progress = _progress_for(patient, lesson_id)
    done = request.POST.get("done", "1") != "0"
    saved = save_lesson_answers(progress=progress, post=request.POST)
    mark_lesson_done(progress=progress, done=done)
    if not done:
        if saved:
            messages.success(request, _("Saved. Your answers are kept here."))
        return redirect("program:lesson", lesson_id=lesson_id)
    title = progress.version.title
    if saved:
        messages.success(
            request,
            _("Well done: “%(title)s” is done, and your answers are saved.") % {"title": title},
        )
    else:
        messages.success(request, _("Well done: “%(title)s” is done.") % {"title": title})
    # The week page shows the progress move and what to read next.
    return redirect("program:week", number=progress.lesson.week.number)


# A year: the URL changes whenever the picture does (it carries the content hash).
IMAGE_CACHE_SECONDS = 365 * 24 * 3600


@login_required
@require_GET
def lesson_image(
    request: AuthenticatedHttpRequest, image_id: int, digest: str, extension: str
) -> FileResponse:
    """An uploaded lesson image, for anyone signed in (lessons are the programme's
    content, not a patient's data; the admin's preview needs them too). One query."""
    image = get_object_or_404(
        LessonImage.objects.only("file", "extension"),
        pk=image_id,
        digest=digest,
        extension=extension,
    )
    try:
        handle = image.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=image.content_type)
    # Private: only signed-in users may have it, so no shared cache may keep it.
    response["Cache-Control"] = f"private, max-age={IMAGE_CACHE_SECONDS}, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


# "bytes=START-END" (either may be missing, not both): the one range a player asks for.
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@login_required
@require_GET
def recording(
    request: AuthenticatedHttpRequest, recording_id: int, digest: str, extension: str
) -> HttpResponse | FileResponse:
    """An uploaded recording (a lesson's or an exercise's), for anyone signed in, like
    the lesson images. Answers one byte range when asked (206), so that a player can
    seek without downloading the whole file first. One query."""
    found = get_object_or_404(
        AudioRecording.objects.only("file", "extension", "size"),
        pk=recording_id,
        digest=digest,
        extension=extension,
    )
    try:
        handle = found.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    size = found.file.size
    match = _RANGE.fullmatch(request.headers.get("Range", "").strip())
    response: HttpResponse | FileResponse
    if match and (match.group(1) or match.group(2)):
        first, last = match.group(1), match.group(2)
        if first:
            start, end = int(first), min(int(last) if last else size - 1, size - 1)
        else:  # the last N bytes
            start, end = max(0, size - int(last)), size - 1
        with handle:
            if start > end or start >= size:
                response = HttpResponse(status=416)
                response["Content-Range"] = f"bytes */{size}"
                return response
            handle.seek(start)
            response = HttpResponse(
                handle.read(end - start + 1), status=206, content_type=found.content_type
            )
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    else:
        response = FileResponse(handle, content_type=found.content_type)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = f"private, max-age={IMAGE_CACHE_SECONDS}, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@patient_required
def about_you(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The optional "About you" checklist: which special situations fit the patient, so
    that the lessons written for them are suggested (program.rules.situations). Asked once
    after the invitation is accepted (``?welcome=1``: a "Not now" button) and kept in
    Settings."""
    patient: User = request.user
    known = situations_of(patient)
    welcome = request.GET.get("welcome") == "1" or request.POST.get("welcome") == "1"
    if request.method == "POST":
        if "skip" in request.POST:
            skip_situations(patient)
            return redirect("program:patient_home")
        form = SituationsForm(request.POST)
        if form.is_valid():
            save_answers(patient, form.cleaned_data["situations"])
            messages.success(
                request,
                _("Saved. The lessons suggested for you follow your answers.")
                if form.cleaned_data["situations"]
                else _("Saved. No lessons for special situations will be suggested."),
            )
            return redirect("program:patient_home" if welcome else "program:about_you")
    else:
        # Before the first answer, what the app read is ticked for the patient to check.
        form = SituationsForm(initial={"situations": sorted(known.applies)})
    ctx = {
        "form": form,
        "welcome": welcome,
        "known": known,
        # Ticked from what the app read, not by the patient: said, so they can untick it.
        "read": [situation_name(key) for key in SITUATIONS if key in known.read],
    }
    return render(request, "program/about_you.html", ctx)

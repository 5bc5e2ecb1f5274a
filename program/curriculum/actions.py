"""The curriculum's workflow: what a patient sees and does, what an admin publishes,
and how a therapist changes a patient's pace. Each mutation is one named function
in a transaction; the pace rules themselves are in ``program.rules.unlocking``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.http import Http404, QueryDict
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from program.curriculum.files import BASE_LANGUAGE
from program.curriculum.situations import Situated, read_with, situations_of
from program.models import (
    AudioRecording,
    DiaryEntry,
    Enrolment,
    EnrolmentChange,
    Lesson,
    LessonAnswer,
    LessonImage,
    LessonProgress,
    LessonVersion,
    Programme,
    Week,
)
from program.rules import situations as situation_rules
from program.rules import unlocking

# --- Reading: the patient's view of the programme ----------------------------------


@dataclass
class LessonItem:
    lesson: Lesson
    version: LessonVersion | None  # the pinned version if started, else the current one
    progress: LessonProgress | None

    @property
    def is_done(self) -> bool:
        return bool(self.progress and self.progress.completed_at)

    @property
    def is_started(self) -> bool:
        return self.progress is not None


@dataclass
class WeekItem:
    week: Week
    state: unlocking.WeekState
    title: str
    summary: str
    lessons: list[LessonItem]  # the lessons every patient reads
    # Situational lessons offered to this patient ("Suggested for you"): never required,
    # not counted in done/total (program.rules.situations).
    suggested: list[LessonItem] = field(default_factory=list)
    diary_nights: int = 0  # the patient's valid nights, which a locked week may wait for

    @property
    def locked_text(self) -> str:
        """For a locked week: when and on what it opens (worked out when a page shows it)."""
        return self._locked_text(for_staff=False)

    @property
    def locked_text_for_staff(self) -> str:
        """The same, about the patient, for the care team."""
        return self._locked_text(for_staff=True)

    def _locked_text(self, *, for_staff: bool) -> str:
        if self.state.is_open:
            return ""
        return locked_text(
            self.state,
            diary_nights=self.diary_nights,
            needed=self.week.min_diary_nights,
            for_staff=for_staff,
        )

    @property
    def number(self) -> int:
        return self.week.number

    @property
    def done(self) -> int:
        return sum(1 for item in self.lessons if item.is_done)

    @property
    def total(self) -> int:
        return len(self.lessons)


@dataclass
class Overview:
    enrolment: Enrolment
    today: date
    weeks: list[WeekItem]
    current: WeekItem | None
    next_locked: WeekItem | None
    resume: LessonItem | None  # the last lesson opened and not finished
    next_lesson: LessonItem | None  # what to read next in an open week
    diary_nights: int
    is_paused: bool
    situations: Situated | None = None
    # The last week has run its course (program.rules.unlocking, rule 9): the end of the
    # programme, whose summary Today offers (program.today.finished).
    finished: bool = False

    @property
    def suggested(self) -> list[LessonItem]:
        """The situational lessons offered in the open weeks, not yet done."""
        return [i for w in self.weeks if w.state.is_open for i in w.suggested if not i.is_done]

    @property
    def done(self) -> int:
        return sum(week.done for week in self.weeks)

    @property
    def total(self) -> int:
        return sum(week.total for week in self.weeks)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    def week(self, number: int) -> WeekItem | None:
        return next((w for w in self.weeks if w.number == number), None)


def patient_language(user: User) -> str:
    return getattr(user, "language", "") or BASE_LANGUAGE


def current_versions(lessons: list[Lesson], language: str) -> dict[int, LessonVersion]:
    """The latest published version of each lesson in ``language``, else in English (1 query)."""
    chosen: dict[int, LessonVersion] = {}
    versions = (
        LessonVersion.objects.published()
        .filter(lesson__in=lessons, language__in={language, BASE_LANGUAGE})
        .defer("body", "body_html", "parts")
        .order_by("number")
    )
    for version in versions:  # ascending numbers: a later one of the same language wins
        current = chosen.get(version.lesson_id)
        if current is None or version.language == language or current.language != language:
            chosen[version.lesson_id] = version
    return chosen


@dataclass(frozen=True)
class Structure:
    """A programme's weeks, their lessons and each lesson's current version in one
    language: the same for every patient, so kept in memory (read-only)."""

    weeks: list[Week]
    lessons: list[Lesson]
    versions: dict[int, LessonVersion]


# (programme id, language) -> (content revision, structure); a few entries per process.
_structures: dict[tuple[int, str], tuple[Any, Structure]] = {}


def programme_structure(programme: Programme, language: str) -> Structure:
    """The programme's structure, read from the database only when its content
    revision changed since this process last read it (``program.curriculum.signals`` gives a
    programme a new revision with every change to its weeks, lessons or versions)."""
    key = (programme.pk, language)
    cached = _structures.get(key)
    if cached is not None and cached[0] == programme.content_revision:
        return cached[1]
    weeks = list(Week.objects.filter(programme_id=programme.pk).order_by("number"))
    lessons = list(Lesson.objects.filter(week__in=weeks).order_by("order", "pk"))
    structure = Structure(weeks, lessons, current_versions(lessons, language))
    _structures[key] = (programme.content_revision, structure)
    return structure


def forget_structures() -> None:
    """Drop every programme structure kept in memory (tests; a rolled-back change)."""
    _structures.clear()
    _parts.clear()


# Published versions never change (``LessonVersion.save``), so their interactive
# parts are kept by (id, publication time).
_parts: dict[tuple[int, Any], list[dict[str, Any]]] = {}


def published_parts(versions: list[LessonVersion]) -> dict[int, list[dict[str, Any]]]:
    """The interactive parts of published versions (one query for those not yet in memory)."""
    found: dict[int, list[dict[str, Any]]] = {}
    missing = []
    for version in versions:
        parts = _parts.get((version.pk, version.published_at))
        if parts is None:
            missing.append(version.pk)
        else:
            found[version.pk] = parts
    if missing:
        for pk, published_at, status, parts in LessonVersion.objects.filter(
            pk__in=missing
        ).values_list("pk", "published_at", "status", "parts"):
            found[pk] = parts or []
            if status == LessonVersion.Status.PUBLISHED and published_at:
                if len(_parts) > 5000:
                    _parts.clear()
                _parts[(pk, published_at)] = found[pk]
    return found


def _local_date(moment: datetime, user: User) -> date:
    return moment.astimezone(user.zone).date()


def pace_changes(changes: list[EnrolmentChange]) -> dict[str, Any]:
    """Pause spans, extensions and advances from a therapist's changes, oldest first."""
    pauses: list[unlocking.Pause] = []
    open_pause: date | None = None
    extensions: dict[int, int] = {}
    advanced: dict[int, date] = {}
    for change in changes:
        if change.kind == EnrolmentChange.Kind.PAUSE and open_pause is None:
            open_pause = change.on_date
        elif change.kind == EnrolmentChange.Kind.RESUME and open_pause is not None:
            pauses.append(unlocking.Pause(open_pause, max(change.on_date, open_pause)))
            open_pause = None
        elif change.kind == EnrolmentChange.Kind.EXTEND and change.week:
            extensions[change.week] = extensions.get(change.week, 0) + change.days
        elif change.kind == EnrolmentChange.Kind.ADVANCE and change.week:
            advanced.setdefault(change.week, change.on_date)
    if open_pause is not None:
        pauses.append(unlocking.Pause(open_pause, None))
    return {"pauses": tuple(pauses), "extensions": extensions, "advanced": advanced}


def _requirements(
    weeks: list[Any], required_done: dict[int, list[date | None]]
) -> tuple[unlocking.WeekRequirement, ...]:
    """Rules 4 and 5's inputs, week by week. ``required_done`` holds, by week pk, the
    patient's local date each required lesson they can see was done (None: not yet)."""
    requirements = []
    previous = None
    for week in weeks:
        done_on: date | None = None
        dates: list[date | None] = (
            required_done.get(previous.pk, []) if previous is not None else []
        )
        if dates and all(d is not None for d in dates):
            done_on = max(d for d in dates if d is not None)
        requirements.append(
            unlocking.WeekRequirement(
                number=week.number,
                previous_lessons_done_on=done_on,
                previous_has_required_lessons=bool(dates),
                min_diary_nights=week.min_diary_nights,
            )
        )
        previous = week
    return tuple(requirements)


def _pace_progress(
    enrolment: Enrolment,
    patient: User,
    *,
    today: date,
    requirements: tuple[unlocking.WeekRequirement, ...],
    changes: list[EnrolmentChange],
    nth_valid_night: dict[int, datetime],
) -> unlocking.Progress:
    """The pace rules' input for one enrolment. ``nth_valid_night`` maps n to when the
    n-th valid diary night since the start was entered, for n up to the largest
    diary threshold (fewer when the diary has fewer)."""
    thresholds = sorted({r.min_diary_nights for r in requirements if r.min_diary_nights})
    enough_on = {
        t: (_local_date(nth_valid_night[t], patient) if t in nth_valid_night else None)
        for t in thresholds
    }
    return unlocking.Progress(
        start=enrolment.start_date,
        today=today,
        weeks=requirements,
        pace_days=enrolment.programme.pace_days,
        require_previous_lessons=enrolment.programme.require_previous_lessons,
        diary_nights=max(nth_valid_night, default=0),
        diary_enough_on=enough_on,
        **pace_changes(changes),
    )


def programme_overview(
    enrolment: Enrolment,
    *,
    today: date | None = None,
    changes: list[EnrolmentChange] | None = None,
    situations: Situated | None = None,
) -> Overview:
    """Every week with its state and lessons, for one patient (a fixed number of queries:
    progress, pace changes, diary nights, the patient's situations unless they came with
    the enrolment (``with_situations``); the programme's
    weeks, lessons and versions come from ``programme_structure``, read again only when
    the curriculum changed)."""
    patient: User = enrolment.patient
    if situations is None:
        situations = read_with(enrolment) or situations_of(patient)
    today = today or patient.local_today()
    language = patient_language(patient)
    structure = programme_structure(enrolment.programme, language)
    weeks, lessons, versions = structure.weeks, structure.lessons, structure.versions
    progress = {
        p.lesson_id: p
        for p in LessonProgress.objects.filter(enrolment=enrolment)
        .select_related("version")
        .defer("version__body", "version__body_html", "version__parts")
    }
    if changes is None:
        changes = list(EnrolmentChange.objects.filter(enrolment=enrolment))
    pace = pace_changes(changes)
    thresholds = sorted({w.min_diary_nights for w in weeks if w.min_diary_nights})
    entered: list[datetime] = []
    if thresholds:
        # When each valid night reached the diary, counted from the enrolment's start.
        entered = list(
            DiaryEntry.objects.for_patient(patient)
            .valid_for_titration()
            .filter(diary_date__gte=enrolment.start_date)
            .order_by("entered_at")
            .values_list("entered_at", flat=True)[: thresholds[-1]]
        )
    by_week: dict[int, list[LessonItem]] = {w.pk: [] for w in weeks}
    suggested: dict[int, list[LessonItem]] = {w.pk: [] for w in weeks}
    for lesson in lessons:
        if not situation_rules.offered(lesson.situations or (), situations.applies):
            continue  # written for situations that do not apply to this patient
        item_progress = progress.get(lesson.pk)
        latest = versions.get(lesson.pk)
        version = item_progress.version if item_progress else latest
        if version and latest and version.language != language == latest.language:
            version = latest  # begun in another language: theirs now (``open_lesson``)
        if version is None:
            continue  # not published in any language the patient reads: not shown
        shown = LessonItem(lesson, version, item_progress)
        (by_week if lesson.counts_for_progress else suggested)[lesson.week_id].append(shown)
    required_done = {
        week_pk: [
            _local_date(i.progress.completed_at, patient)
            if i.progress and i.progress.completed_at
            else None
            for i in week_lessons
            if i.lesson.is_required
        ]
        for week_pk, week_lessons in by_week.items()
    }
    pace_progress = _pace_progress(
        enrolment,
        patient,
        today=today,
        requirements=_requirements(weeks, required_done),
        changes=changes,
        nth_valid_night=dict(enumerate(entered, 1)),
    )
    states = unlocking.week_states(pace_progress)
    items = [
        WeekItem(
            week,
            state,
            week.title_in(language),
            week.summary_in(language),
            by_week[week.pk],
            suggested=suggested[week.pk],
            diary_nights=len(entered),
        )
        for week, state in zip(weeks, states, strict=True)
    ]
    open_items = [w for w in items if w.state.is_open]
    current = open_items[-1] if open_items else (items[0] if items else None)
    started = [
        i
        for w in open_items
        for i in (*w.lessons, *w.suggested)
        if i.progress and not i.progress.completed_at
    ]
    resume = max(started, key=_last_opened) if started else None
    next_lesson = resume or next((i for w in open_items for i in w.lessons if not i.is_done), None)
    return Overview(
        enrolment=enrolment,
        today=today,
        weeks=items,
        current=current,
        next_locked=next((w for w in items if not w.state.is_open), None),
        resume=resume,
        next_lesson=next_lesson,
        diary_nights=len(entered),
        is_paused=bool(pace["pauses"] and pace["pauses"][-1].end is None),
        situations=situations,
        finished=unlocking.ran_its_course(pace_progress, states),
    )


@dataclass(frozen=True)
class PaceSummary:
    """Where a patient is in the programme, for lists of many patients."""

    week: int  # the highest open week, as on their own pages (week 1 before the start)
    lessons_done: int
    lessons_total: int  # in the programme
    # The patient's day on which the first week's last required lesson was done (the
    # start when it has none; None while one is not done): program.rules.engagement.
    first_module_done: date | None = None
    # The last week has been open a full week (program.rules.unlocking, rule 9).
    finished: bool = False


def pace_summaries(enrolments: list[Enrolment]) -> dict[int, PaceSummary]:
    """``programme_overview(e).current.number`` (and lessons done) for many enrolments at
    once, by enrolment pk, in 3 queries whatever their number: lesson progress, pace
    changes, and when the n-th valid diary night was entered (for each diary threshold
    n); the programmes' structures (weeks, lessons, which are published in each
    language) come from ``programme_structure``, read once per content revision. Each
    enrolment's ``patient`` and ``programme`` must be loaded. The same helpers as
    ``programme_overview`` feed the same pure rules (``program.rules.unlocking``);
    tests/program/test_caseload_week.py holds the two to the same answer."""
    if not enrolments:
        return {}
    enrolment_ids = [e.pk for e in enrolments]
    programmes = {e.programme_id: e.programme for e in enrolments}
    # Each programme's weeks and lessons, and in each language its patients read the
    # lessons shown to them (published in it or in English): the structures the
    # patients' own pages read, kept in memory per content revision.
    structures = {pk: programme_structure(p, BASE_LANGUAGE) for pk, p in programmes.items()}
    weeks = {pk: structure.weeks for pk, structure in structures.items()}
    shown: dict[tuple[int, str], set[int]] = {}
    for enrolment in enrolments:
        key = (enrolment.programme_id, patient_language(enrolment.patient))
        if key not in shown:
            shown[key] = set(programme_structure(programmes[key[0]], key[1]).versions)
    totals: dict[int, int] = {}
    required: dict[int, list[tuple[int, int]]] = {}  # by programme: (lesson, week)
    everyones: set[int] = set()
    for programme_id, structure in structures.items():
        # Situational lessons are read by some patients only: never required, never counted.
        for lesson in structure.lessons:
            if lesson.situations:
                continue
            everyones.add(lesson.pk)
            totals[programme_id] = totals.get(programme_id, 0) + 1
            if lesson.is_required:
                required.setdefault(programme_id, []).append((lesson.pk, lesson.week_id))
    progress: dict[int, dict[int, datetime | None]] = {}
    for enrolment_id, lesson_id, completed_at in (
        LessonProgress.objects.filter(enrolment_id__in=enrolment_ids)
        .order_by()
        .values_list("enrolment_id", "lesson_id", "completed_at")
    ):
        progress.setdefault(enrolment_id, {})[lesson_id] = completed_at
    changes: dict[int, list[EnrolmentChange]] = {}
    for change in EnrolmentChange.objects.filter(enrolment_id__in=enrolment_ids):
        changes.setdefault(change.enrolment_id, []).append(change)
    nights = _nth_valid_nights(
        enrolments, {w.min_diary_nights for ws in weeks.values() for w in ws if w.min_diary_nights}
    )

    out: dict[int, PaceSummary] = {}
    for enrolment in enrolments:
        patient = enrolment.patient
        readable = shown[(enrolment.programme_id, patient_language(patient))]
        done = progress.get(enrolment.pk, {})
        required_done: dict[int, list[date | None]] = {}
        for lesson_id, week_id in required.get(enrolment.programme_id, []):
            # Shown to the patient: started (its version pinned), or published in a
            # language they read; the same test as programme_overview's.
            if lesson_id in done or lesson_id in readable:
                completed = done.get(lesson_id)
                required_done.setdefault(week_id, []).append(
                    _local_date(completed, patient) if completed else None
                )
        programme_weeks = weeks.get(enrolment.programme_id, [])
        first = required_done.get(programme_weeks[0].pk, []) if programme_weeks else []
        first_done = [day for day in first if day is not None]
        first_module_done = (
            max(first_done, default=enrolment.start_date) if len(first_done) == len(first) else None
        )
        pace = _pace_progress(
            enrolment,
            patient,
            today=patient.local_today(),
            requirements=_requirements(programme_weeks, required_done),
            changes=changes.get(enrolment.pk, []),
            nth_valid_night=nights.get(patient.pk, {}),
        )
        states = unlocking.week_states(pace)
        out[enrolment.pk] = PaceSummary(
            week=unlocking.current_week(states),
            lessons_done=sum(
                1 for lesson_id, completed in done.items() if completed and lesson_id in everyones
            ),
            lessons_total=totals.get(enrolment.programme_id, 0),
            first_module_done=first_module_done,
            finished=unlocking.ran_its_course(pace, states),
        )
    return out


def _nth_valid_nights(
    enrolments: list[Enrolment], thresholds: set[int]
) -> dict[int, dict[int, datetime]]:
    """By patient: n → when their n-th valid diary night since their start was entered,
    for each n in ``thresholds`` that their diary has reached. One query: a subquery per
    threshold (``OFFSET n-1 LIMIT 1`` over the patient's nights in the order entered),
    each a short range scan of that patient's nights."""
    if not thresholds:
        return {}
    nights = (
        DiaryEntry.objects.valid_for_titration()
        .filter(patient_id=OuterRef("patient_id"), diary_date__gte=OuterRef("start_date"))
        .order_by("entered_at")
        .values("entered_at")
    )
    found = {f"night_{n}": Subquery(nights[n - 1 : n]) for n in sorted(thresholds)}
    rows = (
        Enrolment.objects.filter(pk__in=[e.pk for e in enrolments])
        .annotate(**found)
        .order_by()
        .values("patient_id", *found)
    )
    out: dict[int, dict[int, datetime]] = {}
    for row in rows:
        out[row["patient_id"]] = {
            n: row[f"night_{n}"] for n in thresholds if row[f"night_{n}"] is not None
        }
    return out


@dataclass
class Exercise:
    item: LessonItem
    key: str
    title: str


def _last_opened(item: LessonItem) -> datetime:
    """When a started lesson was last opened (only started lessons are compared)."""
    if item.progress is None:
        raise ValueError("A lesson not started has not been opened.")
    return item.progress.last_opened_at


def exercises_this_week(overview: Overview) -> list[Exercise]:
    """Checklists and worksheets in the lessons the patient has opened this week: the
    practice for today (at most one query)."""
    if overview.current is None:
        return []
    started = {
        i.version.pk: i
        for i in (*overview.current.lessons, *overview.current.suggested)
        if i.is_started and i.version
    }
    if not started:
        return []
    exercises = []
    parts_of = published_parts([i.version for i in started.values() if i.version])
    for version_id, parts in parts_of.items():
        for part in parts:
            if part.get("type") in ("checklist", "worksheet"):
                exercises.append(Exercise(started[version_id], part["key"], part["title"]))
    return sorted(exercises, key=lambda e: (e.item.lesson.order, e.key))


def locked_text(
    state: unlocking.WeekState, *, diary_nights: int, needed: int = 0, for_staff: bool = False
) -> str:
    """Why a week is locked and when it opens, in the patient's words, or about the
    patient for the care team (``for_staff``)."""
    waiting = state.waiting_for
    if unlocking.WAIT_PREVIOUS in waiting:
        return _("Opens after week %(n)s.") % {"n": state.number - 1}
    if unlocking.WAIT_PAUSED in waiting:
        return _("Your programme is paused. It continues where it left off when the pause ends.")
    if state.opens_on:
        return _("Opens on %(date)s.") % {
            "date": date_format(state.opens_on, "LONG_WEEKDAY_DAY_MONTH_FORMAT")
        }
    conditions = []
    if unlocking.WAIT_LESSONS in waiting:
        lessons = (
            _("the patient has finished the lessons of week %(n)s")
            if for_staff
            else _("you have finished the lessons of week %(n)s")
        )
        conditions.append(lessons % {"n": state.number - 1})
    if unlocking.WAIT_DIARY in waiting:
        diary = (
            _("the diary has %(needed)s valid nights (%(have)s so far)")
            if for_staff
            else _("your diary has %(needed)s valid nights (%(have)s so far)")
        )
        conditions.append(diary % {"needed": needed, "have": diary_nights})
    once = _(" and ").join(conditions)
    if state.earliest_on:
        return _("Opens on %(date)s at the earliest, once %(once)s.") % {
            "date": date_format(state.earliest_on, "LONG_WEEKDAY_DAY_MONTH_FORMAT"),
            "once": once,
        }
    return _("Opens once %(once)s.") % {"once": once}


def get_lesson_for_patient(patient: User, enrolment: Enrolment | None, lesson_id: int) -> Lesson:
    """A lesson of the patient's own programme, else 404 (the lesson's week is checked
    separately: a locked week's lessons are 404 too, see ``views.lessons``)."""
    if enrolment is None:
        raise Http404
    lesson = (
        Lesson.objects.select_related("week")
        .filter(pk=lesson_id, week__programme_id=enrolment.programme_id)
        .first()
    )
    if lesson is None:
        raise Http404
    return lesson


def version_for_reader(lesson: Lesson, language: str) -> LessonVersion | None:
    """The version a new reader gets: the latest published in their language, else English."""
    versions = LessonVersion.objects.published().filter(lesson=lesson)
    return (
        versions.filter(language=language).order_by("-number").first()
        or versions.filter(language=BASE_LANGUAGE).order_by("-number").first()
    )


# --- Patient actions -----------------------------------------------------------------


# A lesson opened again within this time is not noted again (see reopened_recently).
REOPEN_NOTED_AFTER = timedelta(minutes=5)


def reopened_recently(overview: Overview, item: LessonItem, now: datetime | None = None) -> bool:
    """Whether opening this lesson again can skip noting the time (``open_lesson``).

    ``last_opened_at`` decides which unfinished lesson Today offers to resume. Noting it
    again changes nothing a page shows when the lesson is finished, or is already the
    one to resume, and it was noted less than ``REOPEN_NOTED_AFTER`` ago: a patient
    going back and forth within a lesson (answering its parts) costs no write. The time
    noted is then at most five minutes older than the latest opening.
    """
    progress = item.progress
    if progress is None:
        return False
    now = now or timezone.now()
    if progress.last_opened_at <= now - REOPEN_NOTED_AFTER:
        return False
    return progress.completed_at is not None or overview.resume is item


@transaction.atomic
def open_lesson(*, enrolment: Enrolment, lesson: Lesson, language: str) -> LessonProgress | None:
    """Start or continue a lesson: pin the version on first opening, note the time."""
    now = timezone.now()
    progress = (
        LessonProgress.objects.select_for_update(of=("self",))
        .select_related("version", "lesson__week")
        .filter(enrolment=enrolment, lesson=lesson)
        .first()
    )
    if progress is None:
        version = version_for_reader(lesson, language)
        if version is None:
            return None
        progress, _ = LessonProgress.objects.get_or_create(
            enrolment=enrolment,
            lesson=lesson,
            defaults={"version": version, "last_opened_at": now},
        )
    else:
        changes: dict[str, Any] = {"last_opened_at": now}
        if progress.version.language != language:
            # The reader changed language since: their language's version, where there is
            # one (a lesson's parts keep their keys across languages, so answers stay).
            theirs = version_for_reader(lesson, language)
            if theirs is not None and theirs.language == language:
                changes["version"] = theirs
        LessonProgress.objects.filter(pk=progress.pk).update(**changes)
        for name, value in changes.items():
            setattr(progress, name, value)
    return progress


@transaction.atomic
def mark_lesson_done(*, progress: LessonProgress, done: bool = True) -> None:
    progress.completed_at = timezone.now() if done else None
    progress.save(update_fields=["completed_at"])
    _new_week_reminder_follows(progress.enrolment.patient)


def _new_week_reminder_follows(patient: Any) -> None:
    """Finishing lessons can bring the next week's opening forward: its reminder is
    rescheduled by a worker after the commit, so the programme overview it needs is not
    worked out inside the request. (New diary nights are read by the reminder tick:
    reminders.patients_with_new_nights.)"""
    from program.publish import publish_on_commit

    publish_on_commit("program.tasks.refresh_reminders_task", patient.pk, ["new_week"])


def quiz_feedback(part: dict[str, Any], choice: int | None) -> dict[str, Any] | None:
    """The feedback for a chosen quiz option: whether it is right, and why."""
    options = part.get("options") or []
    if choice is None or not 0 <= choice < len(options):
        return None
    option = options[choice]
    return {"correct": bool(option.get("correct")), "feedback": option.get("feedback", "")}


def answer_from_post(part: dict[str, Any], post: Any, *, prefix: str = "") -> dict[str, Any]:
    """Turn a part's form fields into the JSON kept for it (unknown fields are ignored).
    ``prefix`` names the part's fields where one form holds every part ("hopes:text")."""
    kind = part["type"]
    if kind == "quiz":
        try:
            choice = int(post.get(f"{prefix}choice", ""))
        except ValueError:
            choice = None
        if choice is not None and not 0 <= choice < len(part["options"]):
            choice = None
        return {"choice": choice}
    if kind == "reflection":
        return {"text": str(post.get(f"{prefix}text", ""))[:5000]}
    if kind == "checklist":
        ticked = sorted(
            {
                int(v)
                for v in post.getlist(f"{prefix}ticked")
                if v.isdigit() and int(v) < len(part["items"])
            }
        )
        return {"ticked": ticked}
    if kind == "worksheet":
        fields = part["fields"]
        return {
            "fields": {
                f["key"]: str(post.get(f"{prefix}field-{f['key']}", ""))[:5000] for f in fields
            }
        }
    raise ValueError(kind)


def _answer_is_empty(data: dict[str, Any]) -> bool:
    """Nothing chosen, ticked or written."""
    if data.get("choice") is not None:
        return False  # a quiz's first option is choice 0: chosen, though falsy
    return not any(
        value.strip() if isinstance(value, str) else value
        for value in (
            data.get("text", ""),
            data.get("ticked"),
            *(data.get("fields") or {}).values(),
        )
    )


def answer_fingerprint(data: dict[str, Any], share: bool) -> str:
    """A part's answer as the page drew it (sent back as "<key>:drawn"): a part the
    patient left as it was is not saved, so an answer written since in another tab or
    on another device is not overwritten by this page's older copy."""
    kept = json.dumps({"data": data, "share": share}, sort_keys=True, default=str)
    return hashlib.sha256(kept.encode()).hexdigest()[:20]


def empty_answer(part: dict[str, Any]) -> dict[str, Any]:
    """What a part's fields send when nothing is chosen, ticked or written."""
    return answer_from_post(part, QueryDict())


@transaction.atomic
def save_lesson_answers(*, progress: LessonProgress, post: Any) -> list[str]:
    """Keep what the lesson's one form sent for each of its parts (the parts it names
    in ``parts``), whichever button sent it. A part is saved only when it changed, so
    that its "Saved" time stays the time it was written; a part never answered and
    sent empty makes no answer; a part left as the page drew it is not sent again
    (``answer_fingerprint``). Returns the keys of the parts saved."""
    sent = set(post.getlist("parts"))
    kept = {a.part_key: a for a in LessonAnswer.objects.filter(progress=progress)}
    saved = []
    for part in progress.version.parts or []:
        key = part.get("key")
        if key not in sent:
            continue
        data = answer_from_post(part, post, prefix=f"{key}:")
        share = post.get(f"{key}:share") == "on"
        if post.get(f"{key}:drawn") == answer_fingerprint(data, share):
            continue  # left as the page drew it: what is kept (perhaps newer) stays
        answer = kept.get(key)
        if answer is None:
            changed = share or not _answer_is_empty(data)
        else:
            changed = answer.data != data or answer.shared_with_therapist != share
        if changed:
            save_answer(progress=progress, part_key=key, data=data, share=share)
            saved.append(key)
    return saved


@transaction.atomic
def save_answer(
    *, progress: LessonProgress, part_key: str, data: dict[str, Any], share: bool
) -> LessonAnswer:
    answer, _ = LessonAnswer.objects.update_or_create(
        progress=progress,
        part_key=part_key,
        defaults={"data": data, "shared_with_therapist": share},
    )
    return answer


# --- Admin actions: drafts, publishing, pushing, restoring ---------------------------


@transaction.atomic
def publish_version(*, version: LessonVersion, user: User | None, push: bool = False) -> int:
    """Publish a draft as the next numbered version. With ``push``, patients part-way
    through the lesson (same language, not finished) move to it. Returns how many
    readers were moved."""
    if version.is_published:
        raise ValueError("This version is already published.")
    # Lock the lesson so two admins publishing at once get consecutive numbers.
    Lesson.objects.select_for_update().filter(pk=version.lesson_id).first()
    latest = LessonVersion.objects.filter(
        lesson_id=version.lesson_id, language=version.language
    ).aggregate(n=Max("number"))["n"]
    version.number = (latest or 0) + 1
    version.status = LessonVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.published_by = user
    version.save()
    return push_version(version=version) if push else 0


@transaction.atomic
def push_version(*, version: LessonVersion) -> int:
    """Move unfinished readers of this lesson (in its language) to ``version``."""
    if not version.is_published:
        raise ValueError("Only a published version can be pushed.")
    return (
        LessonProgress.objects.filter(
            lesson=version.lesson, version__language=version.language, completed_at__isnull=True
        )
        .exclude(version=version)
        .update(version=version)
    )


@transaction.atomic
def start_draft(
    *, lesson: Lesson, language: str, user: User | None, source: LessonVersion | None = None
) -> LessonVersion:
    """The lesson's draft in ``language``: the existing one, or a new copy of ``source``
    (restoring an old version) or of the latest published version. Restoring while a
    draft exists replaces the draft's text."""
    draft = LessonVersion.objects.drafts().filter(lesson=lesson, language=language).first()
    if draft is not None and source is None:
        return draft
    source = source or version_for_reader(lesson, language)
    if draft is None:
        draft = LessonVersion(lesson=lesson, language=language, created_by=user)
    if source is not None and source.pk != draft.pk:
        for attr in ("title", "summary", "body", "minutes", "parts"):
            setattr(draft, attr, getattr(source, attr))
        draft.based_on = source
        draft.change_note = f"From version {source.number}" if source.number else ""
    if not draft.title:
        draft.title = lesson.slug.replace("-", " ").capitalize()
    draft.save()
    return draft


# --- Therapist actions: the patient's pace --------------------------------------------


@transaction.atomic
def pause_enrolment(*, enrolment: Enrolment, by: User) -> None:
    """Stop the pace clock from today (the patient's date); nothing new opens."""
    if enrolment.status == Enrolment.Status.PAUSED:
        return
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        kind=EnrolmentChange.Kind.PAUSE,
        on_date=enrolment.patient.local_today(),
        made_by=by,
    )
    enrolment.status = Enrolment.Status.PAUSED
    enrolment.save(update_fields=["status"])


@transaction.atomic
def resume_enrolment(*, enrolment: Enrolment, by: User) -> None:
    if enrolment.status != Enrolment.Status.PAUSED:
        return
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        kind=EnrolmentChange.Kind.RESUME,
        on_date=enrolment.patient.local_today(),
        made_by=by,
    )
    enrolment.status = Enrolment.Status.ACTIVE
    enrolment.save(update_fields=["status"])


@transaction.atomic
def extend_week(*, enrolment: Enrolment, week: int, days: int, by: User) -> None:
    """Give the current week ``days`` more: week ``week`` + 1 opens that much later."""
    if not 1 <= days <= 28:
        raise ValueError("Extend by 1 to 28 days.")
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        kind=EnrolmentChange.Kind.EXTEND,
        week=week + 1,
        days=days,
        on_date=enrolment.patient.local_today(),
        made_by=by,
    )


@transaction.atomic
def advance_enrolment(*, enrolment: Enrolment, week: int, by: User) -> None:
    """Open week ``week`` today, whatever the pace rules say (a clinician's decision)."""
    EnrolmentChange.objects.create(
        enrolment=enrolment,
        kind=EnrolmentChange.Kind.ADVANCE,
        week=week,
        on_date=enrolment.patient.local_today(),
        made_by=by,
    )


def worksheet_lines(part: dict[str, Any], data: dict[str, Any]) -> list[tuple[str, str]]:
    """A worksheet's answers (a ``LessonAnswer``'s data) beside its fields' labels."""
    values = data.get("fields", {})
    return [(f.get("label", f["key"]), values.get(f["key"], "")) for f in part.get("fields", [])]


def shared_answers(patient: Any) -> list[dict[str, Any]]:
    """The answers a patient chose to share with their therapist, readable: the lesson,
    the part's title, and each answer with its label (one query)."""
    answers = (
        LessonAnswer.objects.filter(
            progress__enrolment__patient=patient, shared_with_therapist=True
        )
        .select_related("progress__version")
        .order_by("-updated_at")
    )
    shown = []
    for answer in answers:
        version = answer.progress.version
        part: dict[str, Any] = next(
            (p for p in version.parts or [] if p.get("key") == answer.part_key), {}
        )
        data = answer.data or {}
        lines: list[tuple[str, str]] = []
        if part.get("type") == "worksheet":
            lines = worksheet_lines(part, data)
        elif part.get("type") == "checklist":
            items = part.get("items", [])
            ticked = set(data.get("ticked", []))
            lines = [
                (
                    "Ticked",
                    "; ".join(
                        str(i.get("label", i.get("key", i))) if isinstance(i, dict) else str(i)
                        for n, i in enumerate(items)
                        if n in ticked or (isinstance(i, dict) and i.get("key") in ticked)
                    ),
                )
            ]
        elif part.get("type") == "quiz":
            options = part.get("options", [])
            choice = data.get("choice")
            label = (
                options[choice].get("text", "")
                if isinstance(choice, int) and 0 <= choice < len(options)
                else ""
            )
            lines = [("Chose", label)]
        else:
            lines = [("Answer", data.get("text", ""))]
        shown.append(
            {
                "lesson": version.title,
                "part": part.get("title") or part.get("prompt") or answer.part_key,
                "lines": lines,
                "updated_at": answer.updated_at,
            }
        )
    return shown


# --- The clinic's curriculum editor: drafts checked against what the page was opened on --


class DraftChanged(Exception):
    """The lesson's draft is no longer the one the page was opened on: another tab or
    another admin saved, published or restored since. Nothing was saved."""


class NothingToPublish(Exception):
    """The lesson has no draft in that language (it was published already: a second
    press of Publish)."""

    def __init__(self, latest: LessonVersion | None) -> None:
        super().__init__("Nothing to publish.")
        self.latest = latest


WORD_FIELDS = ("title", "summary", "body", "minutes", "parts")


def draft_fingerprint(draft: LessonVersion | None, latest: LessonVersion | None) -> str:
    """What an editor page was opened on: the draft and its words, or (with no draft)
    the latest published version's number. Any save, publish or restore changes it."""
    import hashlib
    import json

    if draft is None:
        return f"p{latest.number if latest and latest.number else 0}"
    words = json.dumps([getattr(draft, name) for name in WORD_FIELDS], sort_keys=True)
    return f"d{draft.pk}-{hashlib.sha256(words.encode()).hexdigest()[:20]}"


def lesson_series(
    lesson: Lesson, language: str
) -> tuple[LessonVersion | None, LessonVersion | None]:
    """The lesson's draft and latest published version in ``language`` (one query)."""
    draft = latest = None
    for version in LessonVersion.objects.filter(lesson=lesson, language=language).order_by(
        "-number"
    ):
        if version.status == LessonVersion.Status.DRAFT:
            draft = draft or version
        elif latest is None:
            latest = version
    return draft, latest


def _locked_series(
    lesson: Lesson, language: str, expected: str
) -> tuple[LessonVersion | None, LessonVersion | None]:
    # The lesson's row is the lock every change to its versions takes (publish_version
    # too), so the check and the write below see no change in between.
    Lesson.objects.select_for_update().filter(pk=lesson.pk).first()
    draft, latest = lesson_series(lesson, language)
    if draft_fingerprint(draft, latest) != expected:
        raise DraftChanged
    return draft, latest


@transaction.atomic
def save_draft(
    *, lesson: Lesson, language: str, user: User, words: dict[str, Any], expected: str
) -> LessonVersion:
    """Save ``words`` as the lesson's draft in ``language`` (made from the latest
    published version if there is none), unless the draft changed since ``expected``."""
    draft, latest = _locked_series(lesson, language, expected)
    if draft is None:
        draft = LessonVersion(lesson=lesson, language=language, created_by=user, based_on=latest)
    for name, value in words.items():
        setattr(draft, name, value)
    draft.save()
    return draft


@transaction.atomic
def publish_draft(
    *, lesson: Lesson, language: str, user: User, expected: str, push: bool
) -> tuple[LessonVersion, int]:
    """Publish the draft the page showed; returns it and how many readers moved to it.
    A second press finds no draft (``NothingToPublish``) and publishes nothing."""
    Lesson.objects.select_for_update().filter(pk=lesson.pk).first()
    draft, latest = lesson_series(lesson, language)
    if draft is None:
        raise NothingToPublish(latest)
    if draft_fingerprint(draft, latest) != expected:
        raise DraftChanged
    moved = publish_version(version=draft, user=user, push=push)
    return draft, moved


@transaction.atomic
def restore_as_draft(*, version: LessonVersion, user: User, expected: str) -> LessonVersion:
    """Copy an old version's words into the lesson's draft (checked like a save)."""
    _locked_series(version.lesson, version.language, expected)
    return start_draft(lesson=version.lesson, language=version.language, user=user, source=version)


@dataclass(frozen=True)
class VersionReaders:
    reading: int  # started, not finished
    finished: int
    names: list[str]  # of some of those part-way, for the page


def readers_by_version(
    lesson: Lesson, language: str, *, names: int = 12
) -> dict[int, VersionReaders]:
    """Who reads which version of the lesson in ``language``, by version pk (2 queries)."""
    from django.db.models import Count, Q

    counts = (
        LessonProgress.objects.filter(lesson=lesson, version__language=language)
        .values("version_id")
        .annotate(
            reading=Count("pk", filter=Q(completed_at__isnull=True)),
            finished=Count("pk", filter=Q(completed_at__isnull=False)),
        )
        .order_by()
    )
    part_way: dict[int, list[str]] = {}
    for version_id, name, email in (
        LessonProgress.objects.filter(
            lesson=lesson, version__language=language, completed_at__isnull=True
        )
        .order_by("-last_opened_at")
        .values_list("version_id", "enrolment__patient__name", "enrolment__patient__email")[
            : names * 4
        ]
    ):
        shown = part_way.setdefault(version_id, [])
        if len(shown) < names:
            shown.append(name or email)
    return {
        row["version_id"]: VersionReaders(
            row["reading"], row["finished"], part_way.get(row["version_id"], [])
        )
        for row in counts
    }


# --- Pictures and recordings uploaded from the clinic's editor ----------------------------


def add_lesson_image(*, lesson: Lesson, file: Any, alt_text: str) -> LessonImage:
    """Store a picture for the lesson (checked by content by the model)."""
    return LessonImage.objects.create(lesson=lesson, file=file, alt_text=alt_text.strip())


def add_recording(
    *,
    file: Any,
    title: str,
    transcript: str,
    language: str,
    lesson: Lesson | None = None,
    exercise: str = "",
) -> AudioRecording:
    """Store a recording for a lesson or a guided exercise (checked by content by the
    model), with its transcript."""
    return AudioRecording.objects.create(
        lesson=lesson,
        exercise=exercise,
        language=language,
        title=title.strip(),
        transcript=transcript.strip(),
        file=file,
    )


def with_snippet(body: str, snippet: str) -> str:
    """``body`` with ``snippet`` as a paragraph of its own before the closing
    "## Sources" (or at the end when there is none)."""
    text = body.rstrip()
    head, heading, sources = text.rpartition("\n## Sources")
    if heading:
        return f"{head.rstrip()}\n\n{snippet}\n\n## Sources{sources}\n"
    return f"{text}\n\n{snippet}\n" if text else f"{snippet}\n"


def not_finished_by(lesson: Lesson) -> int:
    """How many patients enrolled now in the lesson's programme have not finished it:
    made required, it holds their next week (``unlocking`` rule 4 is worked out afresh,
    so a week already open closes again until they do). One query."""
    finished = LessonProgress.objects.filter(lesson=lesson, completed_at__isnull=False)
    return (
        Enrolment.objects.current()
        .filter(programme_id=lesson.week.programme_id)
        .exclude(pk__in=finished.values("enrolment_id"))
        .count()
    )


@dataclass(frozen=True)
class RecordingUse:
    """Where a lesson's recording is played: ``current``, the versions a deletion would
    break for readers or for the next publish (each language's draft and its newest
    published version); ``older``, earlier published versions (restoring one would then
    show the recording's title without a player)."""

    current: list[LessonVersion]
    older: list[LessonVersion]


def recording_use(recording: AudioRecording) -> RecordingUse:
    """Which versions of the recording's lesson play it (none for an exercise's): one query."""
    if recording.lesson_id is None:
        return RecordingUse([], [])
    from program.curriculum.markup import audio_ids

    versions = LessonVersion.objects.filter(lesson_id=recording.lesson_id).order_by(
        "language", "status", "-number"
    )
    current: list[LessonVersion] = []
    older: list[LessonVersion] = []
    newest_seen: set[str] = set()
    for version in versions:
        if version.is_published:
            is_newest = version.language not in newest_seen
            newest_seen.add(version.language)
        else:
            is_newest = True  # a draft is what the next publish makes current
        if recording.pk in audio_ids(version.body):
            (current if is_newest else older).append(version)
    return RecordingUse(current, older)


class RecordingInUse(ValueError):
    pass


@transaction.atomic
def remove_recording(*, recording: AudioRecording) -> None:
    """Delete a lesson's or an exercise's recording and its file, once no other row
    shares the file (files are named by content). A lesson's recording that its draft
    or a newest published version plays is refused (``RecordingInUse``): patients would
    find the lesson's player gone."""
    if recording_use(recording).current:
        raise RecordingInUse(recording.pk)
    name, storage = recording.file.name or "", recording.file.storage
    recording.delete()
    if not AudioRecording.objects.filter(file=name).exists():
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def set_lesson_situations(lesson: Lesson, keys: list[str]) -> None:
    """Whom the lesson is for (``program.rules.situations`` keys; none: everyone). A
    situational lesson is never required: it cannot hold a week."""
    lesson.situations = [key for key in situation_rules.SITUATIONS if key in set(keys)]
    fields = ["situations"]
    if lesson.situations and lesson.is_required:
        lesson.is_required = False
        fields.append("is_required")
    lesson.save(update_fields=fields)

"""The end of the programme: the patient's summary of before and after.

A programme has ended once its last week has run its course (``program.rules.unlocking``,
rule 9); Today then offers this summary instead of the week's lessons. It reads, for the
patient: the sleep diary's first and last programme weeks side by side (as the pace rules
opened them, summarised as the diary page's weekly figures are), the insomnia questionnaire's first
and latest results (response and remission as on the progress page, Morin 2011), the
plan for keeping good sleep they wrote in the last week's lesson, and where to download
or delete their data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render

from accounts.access import patient_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.assessments import actions as assessments
from program.assessments.views import trend_charts
from program.curriculum.actions import Overview, programme_overview, worksheet_lines
from program.diary import actions as diary
from program.enrolment.actions import current_enrolment
from program.models import Assessment, DiaryEntry, LessonAnswer, LessonVersion
from program.rules import sleep

# The worksheet of week 6's "Keeping your gains" (program/curriculum/content): the
# patient's plan for keeping good sleep, shown again at the end.
PLAN_PART = "relapse-plan"
# The last week's nights: its first morning and the six after it.
WEEK_END = timedelta(days=6)


@dataclass(frozen=True)
class Plan:
    lesson_id: int
    title: str
    lines: list[tuple[str, str]]  # (the field's label, what the patient wrote)

    @property
    def written(self) -> bool:
        return any(answer.strip() for _, answer in self.lines)


def relapse_plan(overview: Overview) -> Plan | None:
    """The plan the patient wrote, with its labels; the empty plan, to write, if they have
    not; None if the programme has no such worksheet (one query for a plan written, two
    after the patient changed language since, or for the empty plan)."""
    answer = (
        LessonAnswer.objects.filter(progress__enrolment=overview.enrolment, part_key=PLAN_PART)
        .select_related("progress__version")
        .order_by("-updated_at")
        .first()
    )
    if answer is not None:
        # The version the patient now reads: their language's when they changed language
        # since writing (parts keep their keys across languages, so the answers fit), as
        # the lesson itself shows it. A version pushed to the patient since may have
        # dropped the worksheet: no plan.
        version, data = answer.progress.version, answer.data or {}
        read = {i.lesson.pk: i.version for w in overview.weeks for i in w.lessons if i.version}
        now = read.get(version.lesson_id)
        if now is not None and now.pk != version.pk:
            # The overview's versions carry no parts: read them, only after such a change.
            version = LessonVersion.objects.only("pk", "lesson", "parts").get(pk=now.pk)
        found = [(version, part)] if (part := _plan_part(version)) else []
    else:
        shown = [item.version.pk for w in overview.weeks for item in w.lessons if item.version]
        versions = LessonVersion.objects.filter(pk__in=shown).only("pk", "lesson", "parts")
        found = [(v, part) for v in versions if (part := _plan_part(v))]
        data = {}
    if not found:
        return None
    version, part = found[0]
    return Plan(version.lesson_id, part.get("title", ""), worksheet_lines(part, data))


def _plan_part(version: LessonVersion) -> dict[str, Any] | None:
    return next((p for p in version.parts or [] if p.get("key") == PLAN_PART), None)


def diary_weeks(patient: User, overview: Overview) -> list[diary.WeekRow]:
    """The first and the last programme week with diary nights, oldest first (one, or
    none, when the diary has fewer weeks). A week is as the pace rules opened it (a break
    or a slow start makes it longer than seven days), the last one its seven days; nights
    marked unusual are left out, as in the diary's weekly figures."""
    opened = [(w.number, w.state.opened_on) for w in overview.weeks if w.state.opened_on]
    if not opened:
        return []
    spans = [
        (number, first, following[1] - timedelta(days=1) if following else first + WEEK_END)
        for (number, first), following in zip(opened, [*opened[1:], None], strict=True)
    ]
    entries = DiaryEntry.objects.for_patient(patient).filter(
        diary_date__gte=spans[0][1], diary_date__lte=spans[-1][2], unusual_night=False
    )
    dated = [(e.diary_date, diary.stored_metrics(e)) for e in entries]
    rows = []
    for number, first, last in spans:
        nights = [metrics for day, metrics in dated if first <= day <= last]
        if nights:
            summary = sleep.summarise(nights, diary.se_denominator())
            rows.append(diary.WeekRow(number, first, last, summary))
    return [rows[0], rows[-1]] if len(rows) > 1 else rows


@patient_required
def summary(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient: User = request.user
    enrolment = current_enrolment(patient)
    if enrolment is None:
        return redirect("program:patient_home")
    enrolment.patient = patient
    overview = programme_overview(enrolment, today=patient.local_today())
    done = list(Assessment.objects.for_patient(patient).select_related("instrument"))
    # The insomnia outcome: the ISI, or the PROMIS Sleep Disturbance where a clinic uses it.
    outcomes = {k: t for k, t in assessments.trends(done).items() if k in assessments.OUTCOME_KEYS}
    ctx = {
        "enrolment": enrolment,
        "finished": overview.finished,
        "weeks": diary_weeks(patient, overview),
        "charts": trend_charts(outcomes, "summary"),
        "isi_shown": "isi" in outcomes,
        "plan": relapse_plan(overview),
    }
    return render(request, "program/programme_summary.html", ctx)

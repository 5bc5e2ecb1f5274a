"""The end of the programme (JOURNEYS, patient 8): once the last week has run its
course, Today says so and offers the summary of before and after: the diary's first and
last programme weeks, the insomnia index's first and latest results, the plan written in
week 6, and the way to the patient's data."""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from program.assessments import actions as assessments
from program.curriculum.actions import open_lesson, programme_overview, save_answer
from program.diary.actions import save_entry
from program.models import Enrolment, EnrolmentChange, Lesson
from program.rules.safety import SCREEN
from program.templatetags.diary_tags import date_range
from program.today.finished import PLAN_PART, relapse_plan
from tests.conftest import client_for
from tests.pages import as_read

pytestmark = pytest.mark.django_db

DAYS_IN = 60  # past week 6 (opened on day 35) and its seven days


def reenrol(patient: User, days_in: int = DAYS_IN) -> Enrolment:
    """The patient's programme started ``days_in`` days ago and each week opened on its
    day (the therapist opened them, as the pace rules would have)."""
    enrolment = Enrolment.objects.get(patient=patient)
    enrolment.start_date = patient.local_today() - timedelta(days=days_in)
    enrolment.save()
    for week in range(2, 7):
        EnrolmentChange.objects.create(
            enrolment=enrolment,
            kind=EnrolmentChange.Kind.ADVANCE,
            week=week,
            on_date=enrolment.week_starts(week),
            made_by=patient.therapist,
        )
    return enrolment


def nights(patient: User, first, count: int, **answers) -> None:
    for day in range(count):
        save_entry(
            patient=patient,
            diary_date=first + timedelta(days=day),
            changed_by=patient,
            enforce_backfill=False,
            answers={"awakenings": 1, "quality": 3, **answers},
        )


# Week 1: 23:00 to 07:00 in bed (480 min), 30 min to fall asleep, 60 awake, up at 06:40:
# (460 - 30 - 60) = 370 asleep, sleep efficiency 77.1%.
EARLY = {
    "into_bed": time(23),
    "lights_off": time(23),
    "sleep_latency_min": 30,
    "awake_min": 60,
    "final_wake": time(6, 40),
    "out_of_bed": time(7),
}
# Week 6: 00:00 to 06:30 (390 min), 10 and 10: (380 - 20) = 360 asleep, 92.3%.
LATE = {
    "into_bed": time(0),
    "lights_off": time(0),
    "sleep_latency_min": 10,
    "awake_min": 10,
    "final_wake": time(6, 20),
    "out_of_bed": time(6, 30),
}


@pytest.fixture
def finished(patient: User, therapist: User) -> Enrolment:
    enrolment = reenrol(patient)
    nights(patient, enrolment.start_date, 7, **EARLY)
    nights(patient, enrolment.week_starts(6), 5, **LATE)
    instruments = assessments.ensure_instruments()
    for total, day, occasion in ((19, 0, "baseline"), (9, 41, "week-6")):
        assessments.record_result(
            patient=patient,
            instrument=instruments["isi"],
            total=total,
            completed_on=enrolment.start_date + timedelta(days=day),
            occasion=occasion,
            by=therapist,
        )
    return enrolment


def test_today_says_the_programme_is_over_and_offers_the_summary(finished) -> None:
    page = client_for(finished.patient).get(reverse("program:patient_home")).content.decode()
    assert "You have finished the programme" in page
    assert reverse("program:programme_summary") in page
    # Not the weeks' to-do list, nor "the one thing to do first: fill in your diary"
    # (the last night was weeks ago).
    assert "To do today" not in page
    assert "Welcome back" not in page
    assert "Your diary is yours to keep" in page


def test_at_the_end_with_a_sleep_window_the_diary_still_comes_first(finished) -> None:
    """A window still running is reviewed from the diary: the end does not make the diary
    optional then, and lessons not read are named, not praised away."""
    from program.sleep_window import actions as sw

    patient = finished.patient
    nights(patient, finished.week_starts(5), 7, **LATE)
    sw.submit_screen(patient, {q.key: False for q in SCREEN})
    first = sw.start(
        patient, rise_time=time(6, 30), today=patient.local_today() - timedelta(days=20)
    )
    sw.approve(first, by=patient.therapist)
    page = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert "You have finished the programme" in page
    assert "Your sleep window goes on as before, reviewed each week from your diary." in page
    assert "Your diary is yours to keep" not in page
    assert "The one thing to do first: fill in your sleep diary" in page  # weeks without one
    assert "You have read 0 of the " in page


def test_mid_programme_today_has_no_end(patient: User) -> None:
    reenrol(patient, days_in=36)  # week 6 opened yesterday
    page = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert "You have finished the programme" not in page
    assert "Week 6 of 6" in page


def test_the_summary_sets_the_first_and_last_weeks_side_by_side(finished) -> None:
    page = client_for(finished.patient).get(reverse("program:programme_summary"))
    text = as_read(page.content.decode())
    table = text[text.index('class="summary-table') : text.index("</table>")]
    # On a phone each figure is a card, its cells named by their week.
    assert '<td role="cell" data-label="Week 1">' in table
    assert '<td role="cell" data-label="Week 6">' in table
    table = re.sub(r'<td role="cell" data-label="[^"]*">', "<td>", table)
    cells = [
        row.split("<td>")[1:]
        for row in table.split('<tr role="row">')[2:]  # after the header row
    ]
    values = [[cell.split("</td>")[0] for cell in row] for row in cells]
    assert values == [
        ["6 h 10 min", "6 h"],  # asleep
        ["8 h", "6 h 30 min"],  # in bed
        ["77.1%", "92.3%"],  # sleep efficiency
        ["30 min", "10 min"],  # to fall asleep
        ["1 h", "10 min"],  # awake in the night
        ["7", "5"],  # nights
    ]
    assert "Week 1" in table and "Week 6" in table
    # Each week's days as one range, a shared month said once ("13–19 Sep").
    for week in (1, 6):
        first = finished.week_starts(week)
        shown = date_range(first, first + timedelta(days=6))
        assert f'<span class="muted">{shown}</span>' in table
    # The insomnia index, first and latest: a fall of 10, a response.
    assert "Change from the first result: <strong>−10</strong> (19 → 9)" in text
    assert reverse("program:my_data") in text


def test_the_summary_reads_the_weeks_as_they_opened(patient: User) -> None:
    """Weeks that opened two weeks late (a slow start): the last column is the real week 6,
    not the calendar's sixth week, and the first is all of week 1."""
    enrolment = reenrol(patient, days_in=74)
    for change in EnrolmentChange.objects.filter(enrolment=enrolment):
        change.on_date = enrolment.week_starts(change.week) + timedelta(days=14)
        change.save()
    nights(patient, enrolment.start_date, 7, **EARLY)
    week_6 = enrolment.week_starts(6) + timedelta(days=14)
    nights(patient, week_6, 5, **LATE)
    page = client_for(patient).get(reverse("program:programme_summary")).content.decode()
    table = page[page.index('class="summary-table') : page.index("</table>")]
    assert "Week 1" in table and "Week 6" in table
    assert date_range(week_6, week_6 + timedelta(days=6)) in table
    assert "77.1%" in table and "92.3%" in table


def test_the_plan_written_in_week_6_is_shown_again(finished) -> None:
    lesson = Lesson.objects.get(slug="keeping-your-gains")
    summary = reverse("program:programme_summary")
    client = client_for(finished.patient)
    page = client.get(summary).content.decode()
    assert "You have not written your plan yet" in page
    assert reverse("program:lesson", args=[lesson.pk]) in page

    progress = open_lesson(enrolment=finished, lesson=lesson, language="en")
    save_answer(
        progress=progress,
        part_key=PLAN_PART,
        data={"fields": {"warning-signs": "Lying in after a bad night"}},
        share=False,
    )
    page = client.get(summary).content.decode()
    assert "You have not written your plan yet" not in page
    assert "<dt>My early warning signs</dt><dd>Lying in after a bad night</dd>" in page
    # The plan written comes with the version it was written in: one query (the overview's
    # versions carry no parts, so taking one of them would read its parts again).
    overview = programme_overview(finished, today=finished.patient.local_today())
    with CaptureQueriesContext(connection) as read:
        assert relapse_plan(overview) is not None
    assert len(read) == 1, [q["sql"] for q in read]


def test_the_summary_is_the_patients_own(finished, therapist, clinic_admin) -> None:
    url = reverse("program:programme_summary")
    for other in (therapist, clinic_admin):
        response = client_for(other).get(url)
        assert response.status_code in (302, 403, 404), other.email
        assert b"summary-table" not in response.content


def test_the_summary_reads_as_many_queries_with_a_longer_diary(finished) -> None:
    client = client_for(finished.patient)
    url = reverse("program:programme_summary")
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        assert client.get(url).status_code == 200
    nights(finished.patient, finished.week_starts(2), 28, **LATE)
    nights(finished.patient, finished.patient.local_today() - timedelta(days=10), 8, **LATE)
    with CaptureQueriesContext(connection) as after:
        assert client.get(url).status_code == 200
    assert len(after) == len(before) <= 16, [q["sql"][:80] for q in after.captured_queries]


def test_a_plan_kept_on_a_version_without_the_worksheet_is_no_error(finished) -> None:
    """A lesson version pushed to the patient may no longer hold the plan's worksheet: the
    summary shows no plan rather than failing."""
    lesson = Lesson.objects.get(slug="welcome")
    progress = open_lesson(enrolment=finished, lesson=lesson, language="en")
    save_answer(progress=progress, part_key=PLAN_PART, data={"fields": {}}, share=False)
    page = client_for(finished.patient).get(reverse("program:programme_summary"))
    assert page.status_code == 200
    assert "Write your plan" not in page.content.decode()


def test_a_plan_written_in_english_reads_in_the_language_now_chosen(finished) -> None:
    """Written in English, then the patient chose French: the summary shows the plan's
    heading and labels in French, as the lesson itself now does, with their own words."""
    lesson = Lesson.objects.get(slug="keeping-your-gains")
    progress = open_lesson(enrolment=finished, lesson=lesson, language="en")
    save_answer(
        progress=progress,
        part_key=PLAN_PART,
        data={"fields": {"warning-signs": "Lying in after a bad night"}},
        share=False,
    )
    patient = finished.patient
    patient.language = "fr"
    patient.save(update_fields=["language"])
    page = client_for(patient).get(reverse("program:programme_summary")).content.decode()
    assert "My plan for keeping good sleep" not in page
    assert "My early warning signs" not in page
    assert "Mon plan pour garder un bon sommeil" in page
    assert "<dd>Lying in after a bad night</dd>" in page

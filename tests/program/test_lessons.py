"""A patient's programme, weeks and lessons; answers and done; a therapist's pace controls.

The clock is frozen on Thursday 12 November 2026: ``patient`` started on Monday 2 November
(Europe/London), so the calendar says day 10, week 2 - if week 1's lessons are done and the
diary has 7 valid nights.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from program.curriculum.actions import programme_overview, publish_version, start_draft
from program.models import (
    DiaryEntry,
    Enrolment,
    EnrolmentChange,
    Lesson,
    LessonAnswer,
    LessonProgress,
    LessonVersion,
)
from tests.conftest import client_for

NOW = datetime(2026, 11, 12, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def add_diary_nights(patient, n: int, *, first: date = date(2026, 11, 3)) -> None:
    for i in range(n):
        morning = first + timedelta(days=i)
        night = datetime.combine(morning - timedelta(days=1), time(23, 0), tzinfo=UTC)
        DiaryEntry.objects.create(
            patient=patient,
            diary_date=morning,
            time_zone="Europe/London",
            into_bed=night,
            lights_off=night,
            sleep_latency_min=30,
            awakenings=1,
            awake_min=30,
            final_wake=night + timedelta(hours=7),
            out_of_bed=night + timedelta(hours=7, minutes=30),
            quality=3,
            time_in_bed_min=510,
            total_sleep_min=360,
            sleep_efficiency=70.6,
            terminal_wake_min=30,
        )


def finish_week(patient, number: int) -> None:
    enrolment = Enrolment.objects.get(patient=patient)
    for lesson in Lesson.objects.filter(week__programme=enrolment.programme, week__number=number):
        LessonProgress.objects.update_or_create(
            enrolment=enrolment,
            lesson=lesson,
            defaults={
                "version": lesson.versions.get(language="en", number=1),
                "last_opened_at": NOW,
                "completed_at": NOW - timedelta(days=2),
            },
        )


def lesson(slug: str) -> Lesson:
    return Lesson.objects.get(slug=slug)


def test_week_two_waits_for_week_ones_lessons_and_seven_diary_nights(patient) -> None:
    overview = programme_overview(Enrolment.objects.get(patient=patient))
    assert overview.current.number == 1
    week2 = overview.week(2)
    assert not week2.state.is_open
    assert "finished the lessons of week 1" in week2.locked_text
    assert "7 valid nights (0 so far)" in week2.locked_text

    finish_week(patient, 1)
    add_diary_nights(patient, 6)
    overview = programme_overview(Enrolment.objects.get(patient=patient))
    assert not overview.week(2).state.is_open
    assert "(6 so far)" in overview.week(2).locked_text

    add_diary_nights(patient, 1, first=date(2026, 11, 9))
    overview = programme_overview(Enrolment.objects.get(patient=patient))
    assert overview.current.number == 2
    # Week 3 is locked, with its date: seven days after week 2 opened (today).
    assert overview.next_locked.number == 3
    assert "Thursday 19 November" in overview.next_locked.locked_text


def test_unusual_nights_do_not_count(patient) -> None:
    finish_week(patient, 1)
    add_diary_nights(patient, 7)
    DiaryEntry.objects.filter(patient=patient, diary_date=date(2026, 11, 3)).update(
        unusual_night=True
    )
    assert not programme_overview(Enrolment.objects.get(patient=patient)).week(2).state.is_open


def lessons_for_everyone(**where) -> int:
    """The lessons the progress counts: not those for a special situation, which are
    suggested to some patients only and never counted (docs/curriculum.md)."""
    return sum(1 for lesson in Lesson.objects.filter(**where) if not lesson.situations)


def test_the_programme_page_shows_open_and_locked_weeks(patient_client) -> None:
    response = patient_client.get(reverse("program:programme"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "How sleep works" in html
    assert html.count("badge-locked") == 5
    assert f"0 of {lessons_for_everyone()} lessons done" in html


def test_opening_a_lesson_pins_its_version_and_is_remembered(patient, patient_client) -> None:
    welcome = lesson("welcome")
    response = patient_client.get(reverse("program:lesson", args=[welcome.pk]))
    assert response.status_code == 200
    assert "Welcome to the programme" in response.content.decode()
    progress = LessonProgress.objects.get(lesson=welcome)
    assert progress.version.number == 1
    home = patient_client.get(reverse("program:patient_home")).content.decode()
    assert "Continue where you left off" in home and "Welcome to the programme" in home


def test_a_quiz_answer_gets_its_feedback_and_is_private_by_default(patient, patient_client) -> None:
    how = lesson("how-sleep-works")
    url = reverse("program:lesson_answer", args=[how.pk, "sleep-drive"])
    response = patient_client.post(url, {"choice": "1"})
    assert response["Location"].endswith("#part-sleep-drive")
    answer = LessonAnswer.objects.get(part_key="sleep-drive")
    assert answer.data == {"choice": 1}
    assert answer.shared_with_therapist is False
    page = patient_client.get(reverse("program:lesson", args=[how.pk])).content.decode()
    assert "Not quite.</strong> Your body clock sets" in page
    assert page.count("Not quite.") == 1
    patient_client.post(url, {"choice": "0", "share": "on"})
    answer.refresh_from_db()
    assert answer.data == {"choice": 0} and answer.shared_with_therapist is True
    page = patient_client.get(reverse("program:lesson", args=[how.pk])).content.decode()
    # The verdict once (the page's), then the lesson's own words: never "Right. Right."
    assert re.search(r"That.{1,6}s right\.</strong> Sleep drive grows", page), page
    assert "Right. Sleep drive" not in page


def test_reflections_checklists_and_worksheets_keep_their_answers(patient, patient_client) -> None:
    finish_week(patient, 1)
    diary = lesson("your-sleep-diary")
    patient_client.post(
        reverse("program:lesson_answer", args=[diary.pk, "diary-ready"]),
        {"ticked": ["0", "2", "99", "x"]},
    )
    assert LessonAnswer.objects.get(part_key="diary-ready").data == {"ticked": [0, 2]}
    welcome = lesson("welcome")
    patient_client.post(
        reverse("program:lesson_answer", args=[welcome.pk, "hopes"]), {"text": "More energy."}
    )
    assert LessonAnswer.objects.get(part_key="hopes").data == {"text": "More energy."}
    page = patient_client.get(reverse("program:lesson", args=[welcome.pk])).content.decode()
    assert "More energy." in page


def test_a_worksheet_in_an_open_week_keeps_its_fields(patient, patient_client) -> None:
    enrolment = Enrolment.objects.get(patient=patient)
    EnrolmentChange.objects.create(
        enrolment=enrolment, kind="advance", week=2, on_date=date(2026, 11, 3)
    )
    for week in (2, 3, 4):
        EnrolmentChange.objects.create(
            enrolment=enrolment, kind="advance", week=week, on_date=date(2026, 11, 12)
        )
    record = lesson("thoughts-about-sleep")
    patient_client.post(
        reverse("program:lesson_answer", args=[record.pk, "thought-record"]),
        {"field-situation": "Awake at 2 am", "field-thought": "I won't cope", "field-x": "no"},
    )
    data = LessonAnswer.objects.get(part_key="thought-record").data
    assert data["fields"]["situation"] == "Awake at 2 am"
    assert data["fields"]["thought"] == "I won't cope"
    assert "x" not in data["fields"]


def test_marking_a_lesson_done_moves_the_progress(patient, patient_client) -> None:
    welcome = lesson("welcome")
    response = patient_client.post(reverse("program:lesson_done", args=[welcome.pk]))
    assert response["Location"] == reverse("program:week", args=[1])
    page = patient_client.get(response["Location"]).content.decode()
    in_week = lessons_for_everyone(week=welcome.week)
    assert f"1 of {in_week} lessons done" in page
    programme_page = patient_client.get(reverse("program:programme")).content.decode()
    assert f"1 of {lessons_for_everyone()} lessons done" in programme_page
    patient_client.post(reverse("program:lesson_done", args=[welcome.pk]), {"done": "0"})
    assert LessonProgress.objects.get(lesson=welcome).completed_at is None


def test_a_locked_weeks_lessons_are_not_found(patient_client) -> None:
    window = lesson("your-sleep-window")
    assert patient_client.get(reverse("program:lesson", args=[window.pk])).status_code == 404
    assert patient_client.post(reverse("program:lesson_done", args=[window.pk])).status_code == 404
    # The week page says when it opens, and does not link its lessons.
    page = patient_client.get(reverse("program:week", args=[2])).content.decode()
    assert "Locked." in page
    assert reverse("program:lesson", args=[window.pk]) not in page
    assert patient_client.get(reverse("program:week", args=[9])).status_code == 404


def test_an_unknown_part_is_not_found(patient_client) -> None:
    url = reverse("program:lesson_answer", args=[lesson("welcome").pk, "nope"])
    assert patient_client.post(url, {"text": "x"}).status_code == 404


def test_a_patient_reads_their_own_language_and_english_otherwise(
    patient, spanish, patient_client
) -> None:
    how = lesson("how-sleep-works")
    # Spanish: the shipped lessons have no Spanish words (French and German they have).
    es = start_draft(lesson=how, language="es", user=None)
    es.title = "Cómo funciona el sueño"
    es.save()
    publish_version(version=es, user=None)
    patient.language = "es"
    patient.save(update_fields=["language"])
    page = patient_client.get(reverse("program:lesson", args=[how.pk])).content.decode()
    assert "Cómo funciona el sueño" in page
    welcome = lesson("welcome")
    page = patient_client.get(reverse("program:lesson", args=[welcome.pk])).content.decode()
    assert "Welcome to the programme" in page  # no Spanish version: English


def test_a_lesson_begun_in_english_is_read_in_french_after_switching(
    patient, patient_client
) -> None:
    """A lesson started in English stayed English after the patient chose French, though
    the French version is published; it follows their language now, and their answers
    (kept by the part's key) stay with it."""
    welcome = lesson("welcome")
    url = reverse("program:lesson", args=[welcome.pk])
    patient_client.get(url)
    progress = LessonProgress.objects.get(lesson=welcome)
    assert progress.version.language == "en"
    patient.language = "fr"
    patient.save(update_fields=["language"])
    programme = patient_client.get(reverse("program:week", args=[1])).content.decode()
    french = (
        LessonVersion.objects.published().filter(lesson=welcome, language="fr").latest("number")
    )
    assert french.title in programme
    page = patient_client.get(url).content.decode()
    assert french.title in page
    progress.refresh_from_db()
    assert progress.version == french


# --- The therapist's pace controls ----------------------------------------------------


def test_a_therapist_pauses_and_resumes_a_patient(patient, therapist, therapist_client) -> None:
    url = reverse("program:adjust_pace", args=[patient.pk])
    therapist_client.post(url, {"action": "pause"})
    enrolment = Enrolment.objects.get(patient=patient)
    assert enrolment.status == "paused"
    change = EnrolmentChange.objects.get(enrolment=enrolment)
    assert (change.kind, change.on_date, change.made_by) == ("pause", date(2026, 11, 12), therapist)
    overview = programme_overview(enrolment)
    assert overview.is_paused
    assert "paused" in overview.week(2).locked_text
    therapist_client.post(url, {"action": "resume"})
    enrolment.refresh_from_db()
    assert enrolment.status == "active"
    assert not programme_overview(enrolment).is_paused


def test_a_therapist_advances_and_extends(patient, therapist_client) -> None:
    url = reverse("program:adjust_pace", args=[patient.pk])
    therapist_client.post(url, {"action": "advance"})
    enrolment = Enrolment.objects.get(patient=patient)
    overview = programme_overview(enrolment)
    assert overview.current.number == 2
    assert overview.week(2).state.opened_on == date(2026, 11, 12)
    therapist_client.post(url, {"action": "extend", "days": "5"})
    change = EnrolmentChange.objects.get(kind="extend")
    assert (change.week, change.days) == (3, 5)
    # Week 3 now opens 7 + 5 days after week 2 opened (if its lessons are done).
    assert programme_overview(enrolment).week(3).state.earliest_on == date(2026, 11, 24)
    page = therapist_client.get(reverse("program:patient_detail", args=[patient.pk]))
    assert "Extended a week" in page.content.decode()


def test_bad_pace_changes_are_refused(patient, therapist_client) -> None:
    url = reverse("program:adjust_pace", args=[patient.pk])
    therapist_client.post(url, {"action": "extend", "days": "99"})
    therapist_client.post(url, {"action": "explode"})
    assert not EnrolmentChange.objects.exists()


def test_a_patient_without_an_enrolment_sees_no_lessons(patient, patient_client) -> None:
    Enrolment.objects.filter(patient=patient).update(status="withdrawn")
    assert patient_client.get(reverse("program:programme")).status_code == 200
    url = reverse("program:lesson", args=[lesson("welcome").pk])
    assert patient_client.get(url).status_code == 404


def test_a_lesson_of_another_programme_is_not_found(patient_client, programme) -> None:
    from program.models import Programme, Week

    other = Programme.objects.create(name="Other", slug="other")
    week = Week.objects.create(programme=other, number=1, title="Other week")
    foreign = Lesson.objects.create(week=week, slug="foreign")
    LessonVersion.objects.create(lesson=foreign, title="Foreign", body="x")
    assert patient_client.get(reverse("program:lesson", args=[foreign.pk])).status_code == 404


def test_other_patients_progress_is_their_own(patient, other_patient) -> None:
    client_for(other_patient).post(reverse("program:lesson_done", args=[lesson("welcome").pk]))
    overview = programme_overview(Enrolment.objects.get(patient=patient))
    assert overview.done == 0


def test_home_suggests_this_weeks_exercises(patient, patient_client) -> None:
    diary = lesson("your-sleep-diary")
    patient_client.get(reverse("program:lesson", args=[diary.pk]))
    home = patient_client.get(reverse("program:patient_home")).content.decode()
    assert "Practise: Getting ready for the diary" in home
    assert f"{reverse('program:lesson', args=[diary.pk])}#part-diary-ready" in home

"""Special situations: a patient says which fit them ("About you", at onboarding and in
Settings), the app reads some from what it knows, and only then are the lessons written
for those situations suggested; they never hold a week; the therapist sees the answers."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from program.curriculum.actions import programme_overview
from program.curriculum.situations import save_answers, situations_of
from program.models import (
    Enrolment,
    Lesson,
    LessonProgress,
    LessonVersion,
    PatientSituations,
    Week,
)
from program.rules import unlocking
from tests.conftest import client_for, reauthenticated_client_for

TITLE = "Sleep when you work shifts (test)"


@pytest.fixture
def shift_lesson(programme) -> Lesson:
    """A situational lesson in week 1 (open from the start), for shift workers only."""
    week = Week.objects.get(programme=programme, number=1)
    lesson = Lesson.objects.create(
        week=week, slug="shift-test", order=99, is_required=False, situations=["shift_work"]
    )
    LessonVersion.objects.create(
        lesson=lesson,
        language="en",
        number=1,
        status="published",
        published_at=timezone.now(),
        title=TITLE,
        summary="For shift workers.",
        body="Words for shift workers.\n\n## Sources\n\n- A source.",
    )
    return lesson


def tick(client, *situations: str):
    return client.post(reverse("program:about_you"), {"situations": list(situations)})


def test_a_patient_who_ticks_shift_work_is_offered_the_shift_work_lesson(
    patient, shift_lesson
) -> None:
    client = client_for(patient)
    response = tick(client, "shift_work")
    assert response.status_code == 302
    assert PatientSituations.objects.get(patient=patient).answers["shift_work"] is True
    week = client.get(reverse("program:week", args=[1])).content.decode()
    assert "Suggested for you" in week and TITLE in week
    today = client.get(reverse("program:patient_home")).content.decode()
    assert "Suggested for you" in today and TITLE in today
    assert client.get(reverse("program:lesson", args=[shift_lesson.pk])).status_code == 200


def test_a_patient_who_does_not_tick_it_never_sees_it(patient, shift_lesson) -> None:
    client = client_for(patient)
    tick(client, "carer")
    for url in (
        reverse("program:week", args=[1]),
        reverse("program:patient_home"),
        reverse("program:programme"),
    ):
        assert TITLE not in client.get(url).content.decode(), url
    assert client.get(reverse("program:lesson", args=[shift_lesson.pk])).status_code == 404
    # Never answered at all: not shown either.
    PatientSituations.objects.filter(patient=patient).delete()
    assert TITLE not in client.get(reverse("program:week", args=[1])).content.decode()


def test_changing_the_answer_in_settings_changes_what_is_offered(patient, shift_lesson) -> None:
    client = client_for(patient)
    settings_page = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("program:about_you") in settings_page
    tick(client, "shift_work")
    assert TITLE in client.get(reverse("program:week", args=[1])).content.decode()
    response = tick(client)  # nothing ticked now
    assert response["Location"] == reverse("program:about_you")
    assert TITLE not in client.get(reverse("program:week", args=[1])).content.decode()
    assert client.get(reverse("program:lesson", args=[shift_lesson.pk])).status_code == 404
    tick(client, "shift_work")
    assert client.get(reverse("program:lesson", args=[shift_lesson.pk])).status_code == 200


def test_a_situational_lesson_never_holds_the_week_nor_counts_in_progress(
    patient, shift_lesson
) -> None:
    # Even marked required (by mistake, in the Django admin), it does not hold week 2.
    Lesson.objects.filter(pk=shift_lesson.pk).update(is_required=True)
    enrolment = Enrolment.objects.get(patient=patient)
    enrolment.patient = patient
    save_answers(patient, ["shift_work"])
    before = programme_overview(enrolment)
    week1 = before.week(1)
    assert [i.lesson.pk for i in week1.suggested] == [shift_lesson.pk]
    assert shift_lesson.pk not in [i.lesson.pk for i in week1.lessons]
    for item in week1.lessons:
        LessonProgress.objects.create(
            enrolment=enrolment,
            lesson=item.lesson,
            version=item.version,
            last_opened_at=timezone.now(),
            completed_at=timezone.now(),
        )
    after = programme_overview(enrolment)
    assert after.week(1).done == after.week(1).total  # the suggested one is not counted
    assert unlocking.WAIT_LESSONS not in after.week(2).state.waiting_for
    save_answers(patient, [])
    assert programme_overview(enrolment).total == after.total


def test_the_safety_screens_pregnancy_answer_offers_the_pregnancy_lessons(
    patient, shift_lesson
) -> None:
    from program.sleep_window.actions import submit_screen

    Lesson.objects.filter(pk=shift_lesson.pk).update(situations=["pregnancy"])
    assert "pregnancy" not in situations_of(patient).applies
    submit_screen(patient, {"pregnant": True})
    assert "pregnancy" in situations_of(patient).applies
    client = client_for(patient)
    assert TITLE in client.get(reverse("program:week", args=[1])).content.decode()
    # The checklist says why it is ticked, so the patient can untick it.
    page = client.get(reverse("program:about_you")).content.decode()
    assert 'id="situations-read"' in page and "Pregnancy and after birth" in page


def test_the_situations_read_with_the_enrolment_are_those_read_alone(patient) -> None:
    """Today, the lesson and the programme pages read the situations with the enrolment
    (``with_situations``); other pages read them alone. Both give the same answer."""
    from program.assessments.actions import ensure_instruments
    from program.curriculum.situations import read_with, with_situations
    from program.models import Assessment, Enrolment
    from program.sleep_window.actions import submit_screen

    def both():
        enrolment = with_situations(Enrolment.objects.filter(patient=patient)).get()
        enrolment.patient = patient
        return situations_of(patient), read_with(enrolment)

    alone, with_enrolment = both()
    assert alone == with_enrolment and not alone.asked  # nothing answered yet
    save_answers(patient, ["shift_work"])
    submit_screen(patient, {"pregnant": True})
    instruments = ensure_instruments()
    for key, total in (("phq9", 16), ("gad7", 12), ("phq9", 3)):  # the first counts
        Assessment.objects.create(
            patient=patient,
            instrument=instruments[key],
            occasion="baseline",
            total=total,
            band_code="",
            completed_on=date(2026, 11, 2),
            source="clinician",
        )
    alone, with_enrolment = both()
    assert alone == with_enrolment
    # Ticked; read from the screen; read from the first PHQ-9 and GAD-7 (not the later 3).
    assert {"shift_work", "pregnancy", "mood"} <= alone.applies
    assert [f.situation for f in alone.facts].count("mood") == 2


def test_a_patient_of_65_or_more_is_offered_the_older_adults_lesson_until_they_untick_it(
    patient, shift_lesson
) -> None:
    Lesson.objects.filter(pk=shift_lesson.pk).update(situations=["older_adult"])
    patient.date_of_birth = date(1950, 1, 1)
    patient.save(update_fields=["date_of_birth"])
    client = client_for(patient)
    assert TITLE in client.get(reverse("program:week", args=[1])).content.decode()
    tick(client)  # the patient's "no" wins over what the app read before it
    assert TITLE not in client.get(reverse("program:week", args=[1])).content.decode()


def test_the_therapist_sees_what_the_patient_ticked(patient, therapist) -> None:
    page = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert "Has not answered the “About you” checklist." in page.content.decode()
    save_answers(patient, ["shift_work", "chronic_pain"])
    page = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert "Ticked: Shift work, Long-term pain." in page.content.decode()


def test_onboarding_asks_once_and_not_now_stops_asking(patient) -> None:
    client = client_for(patient)
    today = client.get(reverse("program:patient_home")).content.decode()
    assert 'id="about-you-prompt"' in today
    page = client.get(reverse("program:about_you") + "?welcome=1").content.decode()
    assert 'name="skip"' in page
    response = client.post(reverse("program:about_you"), {"welcome": "1", "skip": "1"})
    assert response["Location"] == reverse("program:patient_home")
    row = PatientSituations.objects.get(patient=patient)
    assert row.seen_at is not None and row.answers == {} and row.answered_at is None
    assert (
        'id="about-you-prompt"' not in client.get(reverse("program:patient_home")).content.decode()
    )


def test_the_saved_message_is_true(patient) -> None:
    client = client_for(patient)
    response = client.post(reverse("program:about_you"), {"situations": ["astronaut"]})
    assert response.status_code == 200  # an unknown choice: said, nothing saved
    assert not PatientSituations.objects.filter(patient=patient, answered_at__isnull=False).exists()
    followed = client.post(
        reverse("program:about_you"), {"situations": ["carer"]}, follow=True
    ).content.decode()
    assert "Saved. The lessons suggested for you follow your answers." in followed
    assert PatientSituations.objects.get(patient=patient).answers["carer"] is True


def test_my_data_holds_the_situations(patient) -> None:
    save_answers(patient, ["nightmares"])
    data = json.loads(
        reauthenticated_client_for(patient).get(reverse("program:my_data_json")).content
    )
    [row] = data["situations"]
    assert row["answers"]["nightmares"] is True and row["answers"]["carer"] is False


SHIPPED = {
    "older-adults": (2, ["older_adult"]),
    "pregnancy-and-after-birth": (2, ["pregnancy"]),
    "shift-work": (3, ["shift_work"]),
    "low-mood-and-anxiety": (4, ["mood"]),
    "nightmares-and-trauma": (4, ["nightmares"]),
    "long-term-pain": (5, ["chronic_pain"]),
    "menopause": (5, ["menopause"]),
    "caring-for-others": (5, ["carer"]),
}


def test_the_shipped_lessons_for_special_situations_are_tagged_and_optional(programme) -> None:
    found = {
        lesson.slug: (lesson.week.number, lesson.situations, lesson.is_required)
        for lesson in Lesson.objects.filter(week__programme=programme).exclude(situations=[])
    }
    assert found == {slug: (week, keys, False) for slug, (week, keys) in SHIPPED.items()}
    for slug in SHIPPED:
        for language in ("en", "fr", "de"):
            version = LessonVersion.objects.filter(
                lesson__slug=slug, language=language, status="published"
            ).first()
            assert version is not None, (slug, language)


def test_each_situational_lesson_says_whom_it_is_for_and_when_to_seek_help(programme) -> None:
    for slug in SHIPPED:
        body = LessonVersion.objects.get(lesson__slug=slug, language="en", number=1).body
        assert body.startswith("This lesson is for you if"), slug
        assert "## When to seek" in body, slug


def test_pregnancy_sends_restriction_and_new_medicine_to_the_clinician(programme) -> None:
    body = LessonVersion.objects.get(
        lesson__slug="pregnancy-and-after-birth", language="en", number=1
    ).body
    assert "never started for you without a clinician's decision" in body
    assert "No new sleeping medicine without your midwife or doctor" in body


def test_nightmares_name_imagery_rehearsal_and_trauma_focused_treatment(programme) -> None:
    body = LessonVersion.objects.get(
        lesson__slug="nightmares-and-trauma", language="en", number=1
    ).body
    assert "imagery rehearsal therapy" in body and "trauma-focused" in body


def test_a_shift_worker_sees_the_shift_work_lesson_in_week_3_and_others_never(
    patient, other_patient
) -> None:
    from program.models import EnrolmentChange

    shift = Lesson.objects.get(slug="shift-work")
    for person in (patient, other_patient):
        enrolment = Enrolment.objects.get(patient=person)
        for week in (2, 3):
            EnrolmentChange.objects.create(
                enrolment=enrolment, kind="advance", week=week, on_date=date(2026, 11, 3)
            )
    save_answers(patient, ["shift_work"])
    save_answers(other_patient, ["carer"])
    mine, theirs = client_for(patient), client_for(other_patient)
    week3 = mine.get(reverse("program:week", args=[3])).content.decode()
    assert "When you work shifts" in week3
    assert mine.get(reverse("program:lesson", args=[shift.pk])).status_code == 200
    assert (
        "When you work shifts" not in theirs.get(reverse("program:week", args=[3])).content.decode()
    )
    assert theirs.get(reverse("program:lesson", args=[shift.pk])).status_code == 404
    # Neither the carer's lesson (week 5, not open yet) nor others show in week 3.
    assert "When you care for someone at night" not in week3

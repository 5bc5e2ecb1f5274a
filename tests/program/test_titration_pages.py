"""The words of titration's new rules and flags on the patient's and the therapist's
sleep-window pages: the patient reads what the app did, the therapist why."""

from __future__ import annotations

from datetime import time

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from program import clinical_text
from program.models import Prescription
from program.rules.titration import ADHERENCE_MARGIN_MIN, REVIEW_SE, Flag
from program.sleep_window import actions as sw
from tests.conftest import client_for
from tests.pages import as_read
from tests.program.test_sleep_window import CLEAR, baseline, started
from tests.program.test_titration_workflow import (
    ON_REVIEW_DAY,
    answer_sleepiness,
    review,
    week_of_nights,
)


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


@pytest.fixture(autouse=True)
def language_restored():
    """A French reader's page activates French for the thread; later tests get back the
    language they had."""
    with translation.override(translation.get_language()):
        yield


def page(user, patient=None) -> str:
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        if patient is None:
            url = reverse("program:sleep_window")
        else:
            url = reverse("program:patient_sleep_window", args=[patient.pk])
        response = client_for(user).get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_every_flag_has_words_in_both_languages() -> None:
    """The rule gives flag codes; ``clinical_text.FLAG_WORDS`` their one wording, whose
    figures agree with the rule's constants and whose French is in the catalogue."""
    assert set(clinical_text.FLAG_WORDS) == set(Flag)
    with translation.override("en"):
        words = {flag: str(text) for flag, text in clinical_text.FLAG_WORDS.items()}
    assert f"{ADHERENCE_MARGIN_MIN} minutes" in words[Flag.ADHERENCE]
    assert f"{REVIEW_SE:.0f}%" in words[Flag.VERY_LOW_SE]
    with translation.override("fr"):
        french = {flag: str(text) for flag, text in clinical_text.FLAG_WORDS.items()}
    assert not [flag for flag in Flag if french[flag] == words[flag]]


def test_flag_words_keep_their_order_and_show_an_unknown_flag() -> None:
    with translation.override("en"):
        shown = clinical_text.flag_words(["something_new", Flag.ADHERENCE, Flag.SLEEPY])
    assert shown == [
        "the patient reports high sleepiness: the window is not shortened",
        "the week's mean time in bed was more than 30 minutes over the window: a shorter "
        "window was due, so it is held for you to talk through keeping to the window",
        "something_new",
    ]


def test_a_week_held_for_the_sleepiness_check_on_both_pages(patient, therapist) -> None:
    started(patient, therapist)
    week_of_nights(patient)
    review(patient)
    mine = page(patient)
    assert "we need your answer to this week's sleepiness check below" in mine
    assert "Weekly check: how sleepy have you been?" in mine  # the question is there
    theirs = page(therapist, patient)
    assert "Needs review: no sleepiness check this week" in theirs
    assert "a shorter window waits for it" in theirs
    assert "Sleep efficiency below" not in theirs  # it was not shortened
    # The rule's words, about the patient (program.sleep_window.words).
    assert "No sleepiness check this week: a shorter window was due" in theirs
    assert "before a shorter window we need your answer" not in theirs


def test_a_very_sleepy_week_waiting_for_the_therapist_on_both_pages(patient, therapist) -> None:
    started(patient, therapist)
    week_of_nights(patient)
    answer_sleepiness(patient, dozing=3)
    review(patient)
    mine = page(patient)
    assert "we have asked your therapist to make your window 15 minutes longer" in mine
    theirs = page(therapist, patient)
    assert "Needs review: the patient reports high sleepiness" in theirs
    assert "6h 15m" in theirs and "6h 30m" in theirs  # 375 -> 390 proposed
    # The therapist's round gives the same reason, in French for a French reader.
    therapist.language = "fr"
    therapist.save(update_fields=["language"])
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        url = reverse("program:round_patient", args=[patient.pk])
        round_page = client_for(therapist).get(url)
    assert "signale une forte somnolence" in round_page.content.decode()


def test_a_window_outside_the_protocol_is_marked_for_the_therapist(patient, therapist) -> None:
    started(patient, therapist)
    Prescription.objects.update(window_min=600)
    theirs = page(therapist, patient)
    assert "outside the protocol's 5h 00m to 9h 00m" in as_read(theirs)


def test_compression_promises_the_extension_it_now_makes(patient, therapist) -> None:
    sw.submit_screen(patient, CLEAR)
    course = sw.course_for(patient)
    course.protocol = sw.newest_protocol("compression")
    course.save()
    baseline(patient)
    sw.approve(sw.start(patient, rise_time=time(6, 30)), by=therapist)
    mine = page(patient)
    assert "or more, your window grows by 15 minutes" in mine
    assert "the average time you spent in bed in the diary nights before it" in mine


def test_a_week_without_a_sleep_efficiency_shows_a_dash_not_a_lone_sign() -> None:
    """The therapist's figures line: "SE –" for a week with too few nights, never "SE %"."""
    from django.template import Context, Template

    line = Template("{% load diary_tags %}SE {{ se|percent_sign }}; SE {{ none|percent_sign }}")
    assert line.render(Context({"se": 85.75, "none": None})) == "SE 85.8%; SE –"


def test_a_positive_screen_shows_the_question_in_the_therapists_language(
    patient, therapist
) -> None:
    """The screen's questions are worded once (program.clinical_text.SCREEN_QUESTIONS):
    the therapist reads the one the patient answered yes to in their own language."""
    sw.submit_screen(patient, {**CLEAR, "parasomnia": True})
    with translation.override("en"):
        english = clinical_text.screen_question("parasomnia")
    therapist.language = "fr"
    therapist.save(update_fields=["language"])
    theirs = page(therapist, patient).replace("&#x27;", "'")
    with translation.override("fr"):
        french = clinical_text.screen_question("parasomnia")
    assert french != english
    assert french in theirs and english not in theirs

"""A sleep-window decision worded for its reader (program.sleep_window.words): the patient's
own pages and API answers speak to the patient ("your window"); the therapist's
pages, the printed summary, its PDF and a clinician's API answers speak about the
patient ("the window"). Both come from the same codes and figures."""

from __future__ import annotations

import re
from html import unescape

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from accounts.tokens import issue_token
from program.rules.titration import Rule
from program.sleep_window import actions as sw
from program.sleep_window.words import (
    PATIENT_INITIAL_WORDS,
    PATIENT_NO_THERAPIST_WORDS,
    PATIENT_RULE_WORDS,
    STAFF_INITIAL_WORDS,
    STAFF_RULE_WORDS,
    explain,
)
from tests.conftest import client_for
from tests.program.test_sleep_window import started
from tests.test_i18n_boundary import _pdf_text

PLACEHOLDER = re.compile(r"\{(\w+)")
SECOND_PERSON = re.compile(r"\b(?:you|your|yours|yourself)\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def test_both_audiences_word_every_rule_with_the_same_figures() -> None:
    for patient_words, staff_words in (
        (PATIENT_RULE_WORDS, STAFF_RULE_WORDS),
        (PATIENT_INITIAL_WORDS, STAFF_INITIAL_WORDS),
    ):
        assert set(patient_words) == set(staff_words)
        for key in patient_words:
            assert set(PLACEHOLDER.findall(str(patient_words[key]))) == set(
                PLACEHOLDER.findall(str(staff_words[key]))
            ), key
    assert set(PATIENT_RULE_WORDS) == {rule.value for rule in Rule}


def test_staff_words_speak_about_the_patient_and_patient_words_to_them() -> None:
    for words in (*STAFF_RULE_WORDS.values(), *STAFF_INITIAL_WORDS.values()):
        assert not SECOND_PERSON.search(str(words)), words
    for words in (*PATIENT_RULE_WORDS.values(), *PATIENT_INITIAL_WORDS.values()):
        assert SECOND_PERSON.search(str(words)), words


@pytest.mark.parametrize(
    ("rule", "figures", "patient", "staff"),
    [
        (
            "extend",
            {"sleep_efficiency": 91.25, "nights": 7, "extend_at": 90, "reduce_below": 85},
            "Your sleep efficiency was at or above 90%, so your window grew "
            "(sleep efficiency 91.3% over 7 nights).",
            "Sleep efficiency at or above 90%: the window is lengthened "
            "(sleep efficiency 91.3% over 7 nights).",
        ),
        (
            "initial",
            {"sleep_efficiency": 77.08, "nights": 7, "flags": ["raised_to_floor"]},
            "Your first window: the shortest window your programme uses, which is a little "
            "more than you slept on average in the diary nights before it "
            "(sleep efficiency 77.1% over 7 nights).",
            "First window: the protocol's floor, a little more than the mean sleep time of "
            "the diary nights before it (sleep efficiency 77.1% over 7 nights).",
        ),
        (
            "not_enough_diary",
            {"sleep_efficiency": None, "nights": 4, "min_nights": 5},
            "There were not enough diary nights last week to change your window — keep "
            "filling it in (4 of the 5 nights needed).",
            "Too few diary nights in the week to change the window (4 of the 5 nights needed).",
        ),
        (
            "adherence",
            {"sleep_efficiency": 79.0, "nights": 7, "adherence_margin_min": 30},
            "On average you spent more than 30 minutes longer in bed than your window, so "
            "your window was not shortened; your therapist will talk it through with you "
            "(sleep efficiency 79.0% over 7 nights).",
            "Mean time in bed more than 30 minutes over the window: a shorter window was "
            "due, so the window stays the same, to talk through keeping to it "
            "(sleep efficiency 79.0% over 7 nights).",
        ),
    ],
)
def test_one_decision_in_each_audiences_words(rule, figures, patient, staff) -> None:
    assert explain(rule, figures, "patient") == patient
    assert explain(rule, figures) == patient  # the patient's, unless told otherwise
    assert explain(rule, figures, "staff") == staff


def test_the_therapists_pages_speak_about_the_patient(patient, therapist) -> None:
    started(patient, therapist)
    clinician = client_for(therapist)
    window = clinician.get(reverse("program:patient_sleep_window", args=[patient.pk]))
    text = window.content.decode()
    assert "How the window has changed" in text
    assert "First window: the mean sleep time of the diary nights before it" in text
    assert not SECOND_PERSON.search(sw.explain("initial", {}, "staff"))
    assert "Your first window" not in text and "How your window" not in text
    for name in ("program:patient_detail", "program:patient_summary"):
        page = clinician.get(reverse(name, args=[patient.pk])).content.decode()
        assert "First window: the mean sleep time of the diary nights before it" in page, name
        assert "Your first window" not in page, name


def test_the_patients_own_page_speaks_to_them(patient, therapist) -> None:
    started(patient, therapist)
    text = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    assert "How your window has changed" in text
    assert "Your first window: the average time you slept in the diary nights before it" in text
    assert "First window: the mean sleep time" not in text


def test_the_pdf_summarys_why_column_speaks_about_the_patient(patient, therapist) -> None:
    started(patient, therapist)
    response = client_for(therapist).get(reverse("program:patient_summary_pdf", args=[patient.pk]))
    text = _pdf_text(response.content)
    assert "First window: the mean sleep" in text
    assert "Your first" not in text and "your baseline" not in text


def test_the_api_words_the_window_for_whoever_asks(patient, therapist) -> None:
    started(patient, therapist)
    url = f"/api/v1/patients/{patient.pk}/sleep-window"
    answers = {}
    for user in (patient, therapist):
        _, token = issue_token(user, "test")
        response = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        answers[user.role] = response.json()
    mine, theirs = answers["patient"], answers["therapist"]
    assert mine["current"]["explanation"].startswith("Your first window: the average time")
    assert theirs["current"]["explanation"].startswith("First window: the mean sleep time")
    assert theirs["history"][0]["explanation"] == theirs["current"]["explanation"]


# --- A patient without a therapist ---------------------------------------------------------

THERAPIST_PROMISE = re.compile(r"your therapist will", re.IGNORECASE)


def test_no_patient_sentence_promises_a_therapist_to_a_patient_without_one() -> None:
    """Every rule worded for a patient without a therapist says what really happens (the
    clinic's duty list looks at it); the same figures as the therapist's version."""
    figures = {"sleep_efficiency": 80.0, "nights": 7, "adherence_margin_min": 30}
    figures |= {"extend_at": 90, "reduce_below": 85}
    for rule in Rule:
        with_one = explain(rule, figures, "patient")
        without = explain(rule, figures, "patient", therapist=False)
        assert not THERAPIST_PROMISE.search(without), rule
        assert "therapist" not in without.replace("do not have a therapist", ""), rule
        if THERAPIST_PROMISE.search(with_one):
            assert "your clinic's duty list" in without, rule
        else:
            assert without == with_one, rule
    for key, words in PATIENT_NO_THERAPIST_WORDS.items():
        assert PLACEHOLDER.findall(str(words)) == PLACEHOLDER.findall(
            str(PATIENT_RULE_WORDS[key])
        ), key
    # The care team's words do not change.
    assert explain("clinician_hold", figures, "staff", therapist=False) == explain(
        "clinician_hold", figures, "staff"
    )


def test_a_patient_whose_therapist_left_reads_that_the_duty_list_decides(
    patient, therapist
) -> None:
    started(patient, therapist)
    course = sw.course_for(patient)
    course.prescriptions.update(
        rule="clinician_hold", figures={"sleep_efficiency": 80.0, "nights": 7}
    )
    duty = "a clinician on your clinic's duty list will decide the next step"
    page = unescape(client_for(patient).get(reverse("program:sleep_window")).content.decode())
    assert "your therapist will decide the next step" in page and duty not in page
    therapist.is_active = False
    therapist.save(update_fields=["is_active"])
    page = unescape(client_for(patient).get(reverse("program:sleep_window")).content.decode())
    assert duty in page and "your therapist will" not in page
    _, token = issue_token(patient, "test")
    answer = (
        Client()
        .get(f"/api/v1/patients/{patient.pk}/sleep-window", HTTP_AUTHORIZATION=f"Bearer {token}")
        .json()
    )
    assert duty in answer["current"]["explanation"]
    assert all("your therapist will" not in p["explanation"] for p in answer["history"])

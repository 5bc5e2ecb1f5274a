"""program.rules.situations without a database: which situational lessons a patient is
offered, from their "About you" answers and what the app already knows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from program.rules.situations import (
    MOOD_SCORE,
    SITUATIONS,
    Fact,
    applying,
    offered,
    read_from,
    suggested,
    unknown,
)
from program.rules.titration import OLDER_ADULT_AGE

MONDAY = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

keys = st.sampled_from(SITUATIONS)
answers = st.dictionaries(keys, st.booleans())
moments = st.one_of(st.none(), st.integers(-30, 30).map(lambda d: MONDAY + timedelta(days=d)))
facts = st.lists(st.builds(Fact, keys, moments), max_size=6)


# --- Worked examples ----------------------------------------------------------------------


def test_a_patient_of_65_is_read_as_an_older_adult_and_one_of_64_is_not() -> None:
    assert Fact("older_adult") in read_from(age=OLDER_ADULT_AGE)
    assert read_from(age=OLDER_ADULT_AGE - 1) == ()
    assert read_from(age=None) == ()


def test_the_safety_screens_older_shifts_and_pregnant_answers_are_read() -> None:
    screen = {"older": True, "shifts": True, "pregnant": True, "apnoea": True}
    found = read_from(age=40, screen=screen, screen_at=MONDAY)
    assert {f.situation for f in found} == {"older_adult", "shift_work", "pregnancy"}
    assert all(f.noted_at == MONDAY for f in found)
    assert read_from(age=40, screen={"shifts": False}) == ()


def test_a_first_phq9_or_gad7_of_10_suggests_the_mood_lesson_and_9_does_not() -> None:
    assert MOOD_SCORE == 10
    assert {f.situation for f in read_from(age=40, phq9=10)} == {"mood"}
    assert {f.situation for f in read_from(age=40, gad7=12)} == {"mood"}
    assert read_from(age=40, phq9=9, gad7=9) == ()


def test_what_the_patient_ticked_applies_and_nothing_else() -> None:
    assert applying({"shift_work": True, "carer": False}, MONDAY, ()) == {"shift_work"}


def test_the_patients_no_wins_over_what_the_app_read_before_it() -> None:
    # Aged 70, but the patient unticked "65 or older": their answer wins.
    facts = read_from(age=70)
    assert applying({"older_adult": False}, MONDAY, facts) == frozenset()
    # Before they answer, the date of birth applies.
    assert applying({}, None, facts) == {"older_adult"}


def test_a_safety_screen_after_the_answer_that_says_pregnant_applies_again() -> None:
    earlier = read_from(age=30, screen={"pregnant": True}, screen_at=MONDAY - timedelta(days=3))
    later = read_from(age=30, screen={"pregnant": True}, screen_at=MONDAY + timedelta(days=3))
    assert applying({"pregnancy": False}, MONDAY, earlier) == frozenset()
    assert applying({"pregnancy": False}, MONDAY, later) == {"pregnancy"}


def test_a_lesson_for_everyone_is_always_offered_and_a_situational_one_only_when_it_fits() -> None:
    assert offered([], frozenset())
    assert offered(["shift_work"], {"shift_work", "carer"})
    assert not offered(["shift_work"], {"carer"})
    assert offered(["menopause", "older_adult"], {"older_adult"})


def test_unknown_keys_are_named() -> None:
    assert unknown(["shift_work", "astronaut"]) == ["astronaut"]


# --- Properties ---------------------------------------------------------------------------


@given(answers, moments, facts)
def test_what_applies_is_always_a_set_of_known_situations(told, at, known) -> None:
    assert applying(told, at, known) <= set(SITUATIONS)


@given(answers, facts)
def test_without_newer_facts_the_patients_answers_decide_exactly(told, known) -> None:
    # Facts known before the answer (or undated) never override it.
    before = [Fact(f.situation, None) for f in known]
    found = applying(told, MONDAY, before)
    for key, value in told.items():
        assert (key in found) is value


@given(facts)
def test_before_any_answer_what_applies_is_what_the_app_read(known) -> None:
    assert applying({}, None, known) == suggested(known)


@given(answers, moments, facts, st.lists(keys, max_size=3))
def test_a_situational_lesson_is_offered_exactly_when_one_of_its_situations_applies(
    told, at, known, lesson
) -> None:
    applies = applying(told, at, known)
    assert offered(lesson, applies) == (not lesson or any(k in applies for k in lesson))


@given(st.integers(0, 120), st.integers(0, 27), st.integers(0, 21))
def test_reading_never_invents_a_situation_it_cannot_know(age, phq9, gad7) -> None:
    found = {f.situation for f in read_from(age=age, phq9=phq9, gad7=gad7)}
    assert found <= {"older_adult", "mood"}
    assert ("older_adult" in found) == (age >= OLDER_ADULT_AGE)
    assert ("mood" in found) == (phq9 >= MOOD_SCORE or gad7 >= MOOD_SCORE)

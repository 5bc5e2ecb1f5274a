"""The paper-diary import's report words a night's checks for the therapist who reads it.

The report showed the diary's own sentences, written to the patient: a short night read
"Bad nights happen, and recording them helps; if you feel very sleepy today, please
don't drive", to a clinician. The checks are the diary's (``sleep.check_night``, through
``diary.actions.check_answers``); only their words change with the reader."""

from __future__ import annotations

import re
from datetime import date, time

from django.utils import translation

from program import clinical_text
from program.diary import actions as diary_service
from program.rules import sleep
from tests.conftest import client_for
from tests.program.test_diary_import import BAD, GOOD1, HEADER, check

# 23:30 to bed, 23:45 lights out, 90 min to fall asleep, 120 awake, 04:30 final awakening:
# 1 h 15 min asleep, and 3 h 30 min awake after trying to sleep.
SHORT = "2026-10-08,23:30,23:45,90,3,120,04:30,05:00,2,0,0,0,0,1,no,,\n"


def test_the_report_words_a_short_night_and_a_bad_row_for_the_therapist(therapist, patient) -> None:
    html = check(client_for(therapist), patient, HEADER + GOOD1 + SHORT + BAD).content.decode()
    assert "1 h 15 min asleep (less than 5 hours)." in html
    assert "3 h 30 min awake after trying to sleep (more than 3 hours)." in html
    assert "Tried to sleep before getting into bed: check both times." in html
    # Nothing said to the patient, to the therapist.
    assert "please don&#x27;t drive" not in html and "please don't drive" not in html
    assert "Bad nights happen" not in html
    assert "You tried to sleep" not in html


def test_the_patients_own_diary_keeps_the_patients_words(patient) -> None:
    answers = {
        "into_bed": time(23, 30),
        "lights_off": time(23, 45),
        "sleep_latency_min": 90,
        "awakenings": 3,
        "awake_min": 120,
        "final_wake": time(4, 30),
        "out_of_bed": time(5, 0),
    }
    day = date(2026, 10, 8)
    with translation.override("en"):
        _, mine = diary_service.check_answers(patient, day, answers)
        _, staff = diary_service.check_answers(patient, day, answers, for_staff=True)
    assert mine.warnings[0].startswith("That is 1 h 15 min asleep, less than 5 hours.")
    assert mine.warnings[0].endswith("please don't drive.")
    assert staff.warnings[0] == "1 h 15 min asleep (less than 5 hours)."
    assert len(mine.warnings) == len(staff.warnings) == 2  # the same checks, once each


def _placeholders(text: object) -> set[str]:
    return set(re.findall(r"%\((\w+)\)s", str(text)))


def test_every_check_has_staff_words_with_the_patients_placeholders() -> None:
    assert set(clinical_text.STAFF_NIGHT_WORDS) == set(sleep.IssueCode)
    for code, words in clinical_text.NIGHT_WORDS.items():
        assert _placeholders(clinical_text.STAFF_NIGHT_WORDS[code]) == _placeholders(words), code

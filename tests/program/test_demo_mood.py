"""The demo clinic's patient with a history of bipolar disorder (program.rules.mood)."""

from __future__ import annotations

from django.urls import reverse

from program.demo.clinic import MOOD_PATIENT, load_demo
from program.models import MoodCheck, SafetyScreen
from tests.conftest import client_for


def test_dev_answers_the_weekly_mood_question_and_the_therapist_sees_the_yes(db) -> None:
    load_demo()
    load_demo()  # idempotent
    screen = SafetyScreen.objects.get(patient__email=MOOD_PATIENT)
    assert screen.answers["bipolar"] and screen.decision == "allowed"
    checks = list(MoodCheck.objects.filter(patient__email=MOOD_PATIENT).order_by("week_of"))
    assert len(checks) >= 3
    assert [c.elevated for c in checks] == [False] * (len(checks) - 1) + [True]
    assert all(not c.validated and c.reviewed_at is None for c in checks)
    therapist = screen.patient.therapist
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert "Elevated mood reported (to review)" in caseload

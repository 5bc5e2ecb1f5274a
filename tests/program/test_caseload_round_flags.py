"""The caseload and the weekly round read a patient's flags from one definition: the same
patient is flagged for the same things on both pages.

A demo walk found them apart: a positive safety screen already decided still showed as
"Positive safety screen" on the caseload (the round rightly had nothing), and a reported
problem nobody had reviewed was on the round but not on the caseload."""

from __future__ import annotations

import html
import re

from django.urls import reverse

from program.adverse_events import actions as adverse_events
from program.clinic import round as round_service
from program.clinic import summary
from program.diary.actions import save_entry
from program.models import SafetyScreen
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw
from tests.conftest import client_for
from tests.nights import night_answers

POSITIVE = {q.key: q.key == "pregnant" for q in SCREEN}


def diary_today(patient) -> None:
    save_entry(
        patient=patient,
        diary_date=patient.local_today(),
        changed_by=patient,
        answers=night_answers(),
    )


def caseload_keys(therapist, patient) -> set[str]:
    """The flags of ``patient``'s caseload row, as the caseload page reads them."""
    patients = round_service.patients_for(therapist)
    summary.refresh(patients)
    (kept,) = summary.summaries(patients).filter(patient=patient)
    return {flag.key for flag in summary.as_row(kept).flags}


def round_keys(therapist, patient) -> set[str]:
    """What the round shows for ``patient`` (its items and the flags it shows as context),
    as the caseload's flag keys; decisions the caseload shows in columns of their own
    (sleep windows to decide, taper plans to confirm) left out."""
    cards = [c for c in round_service.build(therapist) if c.patient.pk == patient.pk]
    if not cards:
        return set()
    (card,) = cards
    keys = {f.key for f in card.dropout_flags} | {f.key for f in card.other_flags}
    for key, shown in [
        ("risk", card.alerts),
        ("screen", card.screens),
        ("message", card.unread),
        ("mood", card.mood_to_review),
        ("sleepy", card.sleepy),
        ("problem", card.problems),
    ]:
        if shown:
            keys.add(key)
    return keys


def caseload_flags_text(therapist, patient) -> str:
    """The words in ``patient``'s "Flags" cell of the caseload page."""
    body = client_for(therapist).get(reverse("program:caseload")).content.decode()
    row = re.search(rf'id="patient-{patient.pk}".*?</tr>', body, re.S)
    assert row, "the patient is on the caseload"
    cell = re.search(r'class="col-flags[^"]*"[^>]*>(.*?)</td>', row.group(0), re.S)
    assert cell
    return html.unescape(re.sub(r"<[^>]+>", " ", cell.group(1)))


def round_card_text(therapist, patient) -> str:
    body = client_for(therapist).get(reverse("program:round")).content.decode()
    card = re.search(
        rf'href="{reverse("program:round_patient", args=[patient.pk])}".*?</li>\s*</ul>', body, re.S
    )
    return html.unescape(re.sub(r"<[^>]+>", " ", card.group(0))) if card else ""


def test_a_decided_positive_screen_flags_on_neither_page(patient, therapist) -> None:
    """Dev's case: his positive screen was decided, so nothing waits on it."""
    diary_today(patient)
    sw.submit_screen(patient, POSITIVE)
    assert caseload_keys(therapist, patient) == round_keys(therapist, patient) == {"screen"}
    assert "Positive safety screen (to review)" in caseload_flags_text(therapist, patient)
    assert "Positive safety screen to decide" in round_card_text(therapist, patient)

    screen = SafetyScreen.objects.get(patient=patient)
    sw.decide_screen(screen, decision="allowed", by=therapist, note="Discussed with her")

    assert caseload_keys(therapist, patient) == round_keys(therapist, patient) == set()
    assert "Positive safety screen" not in caseload_flags_text(therapist, patient)
    assert "Positive safety screen" not in round_card_text(therapist, patient)


def test_a_reported_problem_to_review_flags_on_both_pages_until_reviewed(
    patient, therapist
) -> None:
    """Eva's case: a problem she reported after a dose step, nobody has reviewed it."""
    diary_today(patient)
    event = adverse_events.report(
        patient,
        by=patient,
        what_happened="Shaky the day after the dose went down",
        happened_on=patient.local_today(),
        seriousness="moderate",
    )
    assert caseload_keys(therapist, patient) == round_keys(therapist, patient) == {"problem"}
    assert "Reported problem to review" in caseload_flags_text(therapist, patient)
    assert "Reported problem to review" in round_card_text(therapist, patient)

    adverse_events.report(
        patient,
        by=patient,
        what_happened="Headache in the morning",
        happened_on=patient.local_today(),
        seriousness="mild",
    )
    assert "2 reported problems to review" in caseload_flags_text(therapist, patient)
    assert "2 reported problems to review" in round_card_text(therapist, patient)

    adverse_events.mark_reviewed(event, by=therapist, note="Called her")
    assert "Reported problem to review" in caseload_flags_text(therapist, patient)
    for other in patient.adverse_events.open():
        adverse_events.mark_reviewed(other, by=therapist, note="Seen")
    assert caseload_keys(therapist, patient) == round_keys(therapist, patient) == set()
    assert "reported problem" not in caseload_flags_text(therapist, patient).lower()


def test_the_round_does_not_repeat_the_problem_flag_as_context(patient, therapist) -> None:
    diary_today(patient)
    adverse_events.report(
        patient,
        by=patient,
        what_happened="Dizzy at night",
        happened_on=patient.local_today(),
        seriousness="mild",
    )
    page = client_for(therapist).get(reverse("program:round_patient", args=[patient.pk]))
    assert page.content.decode().count("Reported problem to review") == 1

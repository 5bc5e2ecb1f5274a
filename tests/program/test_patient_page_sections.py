"""Issue 21: the patient page in sections. A summary on top says the one next action
(the most pressing first), the sleep window now and what waits for a decision; each area
is a <details> fold whose id is its anchor, and the forms on the page come back to their
own section after a POST, with their message."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from program.assessments.models import RiskAlert
from program.medication.actions import create_draft
from program.models import Medication, Message, MoodCheck, Recommendation
from tests.conftest import client_for
from tests.pages import as_read
from tests.program.test_round import FIGURES, pending_recommendation

pytestmark = pytest.mark.django_db

SECTIONS = (
    "risk",
    "programme",
    "diary",
    "sleep-window",
    "questionnaires",
    "medication",
    "notes",
    "messages",
)


def page(user, patient) -> str:
    response = client_for(user).get(reverse("program:patient_detail", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def next_action(html: str) -> str:
    found = re.search(r'<p class="next-step[^"]*">(.*?)</p>', html, re.S)
    assert found, "no next action"
    return re.sub(r"<[^>]+>", "", found.group(1)).strip()


def draft_plan(patient, therapist):
    medicine = Medication.objects.create(
        patient=patient, name="zopiclone", strengths_mg=["3.75", "7.5"], usual_dose_mg=7.5
    )
    return create_draft(
        patient=patient,
        medication=medicine,
        template_key="morin04",
        start_dose=Decimal("7.5"),
        start_on=patient.local_today(),
        strengths=[Decimal("3.75"), Decimal("7.5")],
        scored=[],
        by=therapist,
    )


def test_every_section_is_a_fold_with_its_anchor_and_a_link_to_it(patient, therapist) -> None:
    html = page(therapist, patient)
    for section in SECTIONS:
        assert re.search(rf'<details class="fold" id="{section}"[ >]', html), section
        assert f'href="#{section}"' in html, section
    # Nothing is open but the risk section, and only while an alert is open.
    assert " open>" not in html
    assert "Nothing waits for you on this patient." in html


def test_the_next_action_is_the_most_pressing(patient, therapist) -> None:
    Message.objects.create(patient=patient, sender=patient, text="Can I nap?")
    assert next_action(page(therapist, patient)) == "Next: Read the new messages"
    plan = draft_plan(patient, therapist)
    html = page(therapist, patient)
    assert next_action(html) == "Next: Confirm the taper plan"
    assert reverse("program:taper_plan_edit", args=[patient.pk, plan.pk]) in html
    assert "Taper plan for zopiclone to confirm" in html
    # An elevated-mood answer nobody has looked at holds shorter windows: it waits too.
    MoodCheck.objects.create(patient=patient, week_of=patient.local_today(), elevated=True)
    html = page(therapist, patient)
    assert next_action(html) == "Next: Look at the mood answer"
    assert reverse("program:patient_sleep_window", args=[patient.pk]) + "#mood-heading" in html
    pending_recommendation(patient)
    html = page(therapist, patient)
    assert next_action(html) == "Next: Decide the sleep window"
    assert "Sleep window to decide: 6h 00m → 6h 15m" in re.sub(r"<[^>]+>", "", as_read(html))
    RiskAlert.objects.create(
        patient=patient, source=RiskAlert.Source.PHQ9_ITEM9, therapist=therapist
    )
    html = page(therapist, patient)
    assert next_action(html) == "Next: Acknowledge the urgent alert"
    assert '<details class="fold" id="risk" open>' in html  # the alert is not folded away
    assert "Urgent: self-harm answer on the PHQ-9" in html


def test_the_forms_come_back_to_their_section(patient, therapist) -> None:
    client = client_for(therapist)
    detail = reverse("program:patient_detail", args=[patient.pk])
    note = client.post(reverse("program:add_note", args=[patient.pk]), {"text": "Seen today."})
    assert note["Location"] == detail + "#notes"
    result = client.post(
        reverse("program:record_result", args=[patient.pk]),
        {
            "instrument": "isi",
            "total": 19,
            "completed_on": date(2026, 11, 2),
            "occasion": "baseline",
        },
    )
    assert result["Location"] == detail + "#questionnaires"
    pace = client.post(reverse("program:adjust_pace", args=[patient.pk]), {"action": "pause"})
    assert pace["Location"] == detail + "#programme"
    html = client.get(detail).content.decode()
    for words in ("Note saved.", "Result saved.", "Paused: no new week opens until you resume."):
        assert words in html, words
    assert "Seen today." in html and "19 / 28" in html


def test_the_care_team_reads_about_the_patient_not_as_the_patient(
    patient, therapist, messages_on
) -> None:
    """Shared parts of a page speak to whoever reads it."""
    from program.diary.actions import save_entry
    from tests.nights import night_answers

    save_entry(
        patient=patient,
        diary_date=patient.local_today(),
        changed_by=patient,
        answers=night_answers(),
    )
    staff = page(therapist, patient)
    assert "Averages are over the nights the patient recorded" in staff
    assert "nights you recorded" not in staff
    own = client_for(patient).get(reverse("program:diary")).content.decode()
    assert "Averages are over the nights you recorded" in own
    thread = client_for(therapist).get(reverse("program:patient_messages", args=[patient.pk]))
    to_patients = "If you are in crisis, see the contacts at the foot of the page."
    assert to_patients not in thread.content.decode()
    own_thread = client_for(patient).get(reverse("program:messages")).content.decode()
    assert to_patients in own_thread


def test_a_locked_weeks_conditions_read_about_the_patient_to_staff(patient, therapist) -> None:
    staff = re.sub(r"\s+", " ", page(therapist, patient))
    assert "once the patient has finished the lessons of week 1 and the diary has 7 valid" in staff
    assert "you have finished" not in staff and "your diary has" not in staff
    own = client_for(patient).get(reverse("program:programme")).content.decode()
    assert "you have finished the lessons of week 1" in own


def test_the_window_s_recommendations_are_split_into_waiting_and_decided(
    patient, therapist
) -> None:
    """The page reads the recommendations once: the waiting one is in the summary, the
    decided ones in their table, newest first, and neither list holds the other's."""
    waiting = pending_recommendation(patient, proposed=390)
    today = patient.local_today()
    for weeks, (status, proposed) in enumerate([("approved", 345), ("rejected", 330)], 1):
        Recommendation.objects.create(
            course=waiting.course,
            review_date=today - timedelta(weeks=weeks),
            kind="weekly",
            current_window_min=360,
            proposed_window_min=proposed,
            rule="extend",
            figures=FIGURES,
            status=status,
            decided_by=therapist,
        )
    text = re.sub(r"<[^>]+>", " ", as_read(page(therapist, patient)))
    assert "Sleep window to decide: 6h 00m → 6h 30m" in text
    assert "Sleep window to decide: 6h 00m → 5h 45m" not in text
    decided = text[text.index("Recommendations decided") :]
    assert "6h 30m" not in decided
    assert decided.index("5h 45m") < decided.index("5h 30m")


def test_the_printed_summary_carries_each_decision_and_its_reason(patient, therapist) -> None:
    """The PDF for the medical record lists the decided recommendations with the
    clinician's reasons, as the HTML summary does."""
    from tests.test_i18n_boundary import _pdf_text

    waiting = pending_recommendation(patient, proposed=390)
    Recommendation.objects.filter(pk=waiting.pk).update(
        status="edited", decision_reason="Two nights cut short by the heat", decided_by=therapist
    )
    pdf = client_for(therapist).get(reverse("program:patient_summary_pdf", args=[patient.pk]))
    text = " ".join(_pdf_text(pdf.content).split())
    assert "Recommendations decided" in text
    assert "Changed by the clinician: Two nights cut short by the heat" in text
    assert therapist.display_name in text.split("Recommendations decided")[1]


def test_the_duty_admin_is_shown_the_mood_answer_of_a_patient_without_a_therapist(
    patient, clinic_admin
) -> None:
    """Without a therapist, the duty list looks at an elevated-mood answer (it holds any
    shorter window); the clinic's overview said so, but the patient page told the admin
    "Nothing waits for you on this patient"."""
    from accounts.models import User

    User.objects.filter(pk=patient.pk).update(therapist=None)
    patient.refresh_from_db()
    MoodCheck.objects.create(patient=patient, week_of=patient.local_today(), elevated=True)
    html = page(clinic_admin, patient)
    assert next_action(html) == "Next: Look at the mood answer"
    assert "Nothing waits for you on this patient." not in html

"""The printable summary and its PDF carry the taper plan in force (medicine, status,
current and next step with their dates, who set and confirmed it, the prescriber), and
a recommendation the clinician changed gives the window they set."""

from __future__ import annotations

import re
from datetime import date, time

import pytest
import time_machine
from django.urls import reverse

from program.medication import actions as medication_service
from program.models import Recommendation
from program.sleep_window import actions as sw
from tests.taper_plans import diazepam_draft, enter_drug_free_nights
from tests.test_i18n_boundary import _pdf_text


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


@pytest.fixture
def plan(patient, therapist):
    plan = diazepam_draft(patient, therapist, start_on=date(2026, 11, 10))
    enter_drug_free_nights(plan, therapist)
    plan.prescriber = "Dr Lena Vogel (GP)"
    plan.save(update_fields=["prescriber"])
    medication_service.confirm_plan(plan=plan, by=therapist)
    return plan


@pytest.fixture
def edited(patient, therapist) -> Recommendation:
    course = sw.course_for(patient)
    course.rise_time = time(6, 30)
    course.status = "active"
    course.save()
    recommendation = Recommendation.objects.create(
        course=course,
        review_date=date(2026, 11, 25),
        kind="weekly",
        current_window_min=360,
        proposed_window_min=375,
        rule="extend",
        figures={"nights": 7, "sleep_efficiency": 92.0, "mean_total_sleep": 345},
    )
    sw.edit(recommendation, by=therapist, window_min=390, reason="Keep it steady")
    return recommendation


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_printable_summary_gives_the_taper_plan(therapist_client, patient, plan) -> None:
    page = text(
        therapist_client.get(reverse("program:patient_summary", args=[patient.pk])).content.decode()
    )
    assert "Taper plan" in page
    assert "diazepam, from 10 mg" in page
    assert "Status Active" in page
    assert "Current step 8 mg from the evening of 24 Nov 2026" in page
    assert "Next step 6 mg from the evening of 8 Dec 2026" in page
    assert "Plan set by Dr Tess Ward" in page
    assert "Plan confirmed by Dr Tess Ward, 25 Nov 2026" in page
    assert "Prescriber Dr Lena Vogel (GP)" in page


def test_the_pdf_gives_the_taper_plan(therapist_client, patient, plan) -> None:
    body = therapist_client.get(reverse("program:patient_summary_pdf", args=[patient.pk]))
    pdf = re.sub(r"\s+", " ", _pdf_text(body.content))
    assert "Taper plan" in pdf
    assert "Current step: 8 mg from the evening of 24 Nov 2026" in pdf
    assert "Next step: 6 mg from the evening of 8 Dec 2026" in pdf
    assert "Prescriber: Dr Lena Vogel (GP)" in pdf
    assert "Plan confirmed by: Dr Tess Ward" in pdf


def test_no_taper_plan_no_taper_section(therapist_client, patient) -> None:
    page = therapist_client.get(reverse("program:patient_summary", args=[patient.pk]))
    assert "Taper plan" not in page.content.decode()


def test_a_changed_recommendation_gives_the_window_set(therapist_client, patient, edited) -> None:
    page = text(
        therapist_client.get(reverse("program:patient_summary", args=[patient.pk])).content.decode()
    )
    assert "Changed by the clinician to 6h 30m" in page
    body = therapist_client.get(reverse("program:patient_summary_pdf", args=[patient.pk]))
    pdf = re.sub(r"\s+", " ", _pdf_text(body.content))
    assert "Changed by the clinician to 6h 30m: Keep it steady" in pdf

"""A therapist drafts a taper plan from a template, edits and confirms it; the patient,
on a phone, sees the current step and the next and logs a night against the plan."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.models import DiaryEntry, Medication, TaperPlan

from .conftest import screenshot
from .test_sign_in_journeys import sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAFETY = "Changes to your medicine are made only with your prescriber."


def test_a_therapist_sets_a_plan_and_the_patient_logs_a_night_against_it(
    page, browser, live_server, patient: User, therapist: User
) -> None:
    Medication.objects.create(
        patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
    )
    today = patient.local_today()
    start = today - timedelta(days=15)  # step 2 (8 mg) began yesterday evening

    # The therapist, on a desktop, drafts a plan from the Morin 2004 template.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    desk = context.new_page()
    desk.set_default_timeout(10_000)
    sign_in(desk, therapist.email)
    desk.get_by_label("Code from your authenticator app").fill(totp_code())
    desk.get_by_role("button", name="Sign in").click()
    desk.wait_for_url(re.compile(r"/caseload/$"))
    desk.get_by_role("link", name="Pat Patient").click()
    desk.get_by_role("link", name="Medication and taper plan").click()
    desk.get_by_role("link", name="New taper plan").click()
    assert desk.get_by_label(
        re.compile(r"25% of the starting dose every 2 weeks, then")
    ).is_checked()
    desk.get_by_label("First night of the plan").fill(start.isoformat())
    screenshot(desk, "taper-plan-new-desktop")
    desk.get_by_role("button", name="Suggest a draft").click()
    desk.wait_for_url(re.compile(r"/medication/plans/\d+/$"))
    expect(desk.get_by_text("A suggestion only.")).to_be_visible()
    assert desk.get_by_label("Step 2 dose (mg)").input_value() == "8"
    # The clinician edits: a gentler third step, and the prescriber who agreed.
    desk.get_by_label("Step 3 dose (mg)").fill("7")
    desk.get_by_label("Step 3 note").fill("Slower: agreed with the GP")
    desk.get_by_label("Prescriber who agreed the plan").fill("Dr Gray (GP)")
    # The template's source gives no number of drug-free nights: the clinician enters it.
    desk.get_by_label("Step 6 drug-free nights a week").fill("2")
    screenshot(desk, "taper-plan-draft-desktop")
    desk.get_by_role("button", name="Confirm plan as Dr Tess Ward").click()
    desk.wait_for_url(re.compile(r"/medication/$"))
    expect(desk.get_by_text("Plan confirmed by Dr Tess Ward")).to_be_visible()
    screenshot(desk, "taper-plan-confirmed-desktop")
    plan = TaperPlan.objects.get(patient=patient)
    assert plan.status == "active"
    assert [s.dose_mg for s in plan.steps.all()][:3] == [Decimal(10), Decimal(8), Decimal(7)]

    # The patient, on a phone, sees the current step and the next, and logs last night.
    sign_in(page, patient.email)
    page.get_by_role("link", name="Diary", exact=True).click()
    card = page.locator(".card-medication")
    expect(card.get_by_text("8 mg a night")).to_be_visible()
    expect(card.get_by_text("7 mg a night")).to_be_visible()
    expect(card.get_by_text(SAFETY)).to_be_visible()
    screenshot(page, "taper-patient-diary-card-phone")
    page.get_by_role("link", name="Fill in this morning's diary").click()
    page.get_by_label("What time did you get into bed?").fill("22:45")
    page.get_by_label("What time did you try to go to sleep?").fill("23:00")
    page.get_by_label("How long did it take you to fall asleep? (minutes)").fill("30")
    page.get_by_label("How many times did you wake up").fill("2")
    page.get_by_label("In total, how long did these awakenings last?").fill("40")
    page.get_by_label("What time was your final awakening?").fill("06:20")
    page.get_by_label("What time did you get out of bed for the day?").fill("06:30")
    page.get_by_text("Fair").click()
    assert page.get_by_text("“My usual dose” means: diazepam 8 mg (the current step").is_visible()
    page.get_by_text("My usual dose", exact=True).click()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "taper-diary-form-phone")
    page.get_by_role("button", name="Save this morning's diary").click()
    page.wait_for_url(re.compile(r"/diary/$"))
    assert page.get_by_text(
        "your plan for that night was 8 mg; you recorded 8 mg (as planned)"
    ).is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "taper-diary-saved-phone")
    entry = DiaryEntry.objects.get(patient=patient, diary_date=today)
    assert [d.dose_mg for d in entry.doses.all()] == [Decimal(8)]
    page.get_by_role("link", name="My sleep medicines").click()
    expect(page.get_by_role("cell", name="10 mg")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "taper-my-medicines-phone")

    # Back on the desktop, the therapist sees the night against the plan.
    desk.reload()
    desk.locator("#dose > summary").click()  # the nightly doses are folded (issue 21)
    expect(desk.locator("table.dose-table td", has_text="as planned").first).to_be_visible()
    screenshot(desk, "taper-therapist-after-night-desktop")
    desk.set_viewport_size({"width": 360, "height": 780})
    assert desk.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(desk, "taper-therapist-medication-phone")
    context.close()

"""The weekly round (issue 21), walked in a browser: patients with one sleep-window
decision each, the way it was done before (caseload → patient page → sleep-window
page → decide → back to the caseload) and on "This week", with every click and page
load counted; at 1280 px and at 360 px, with screenshots and axe.

The counts (asserted, so a change to either path shows here):
- before: 4 clicks and 4 page loads a patient (walked for three: 12 and 12; a round of
  ten, 40 and 40);
- the caseload's "1 to decide" shortcut: 3 and 3 a patient (three: 9 and 9; ten, 30);
- the round of ten: "This week", "Start the round", then one "Confirm decision" a
  patient, which lands on the next one: 12 clicks and 12 page loads.

The two older paths repeat the same steps for every patient, so three patients show
their cost a patient; walking ten took 70 page loads of the suite's time for nothing
more.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import Role, User
from program.diary.actions import save_entry
from program.enrolment.actions import enrol
from program.models import Recommendation
from program.sleep_window import actions as sw
from tests.conftest import make_user
from tests.nights import night_answers
from tests.taper_plans import enter_drug_free_nights

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import staff_sign_in

# What approving says: the new window, or that the window stays as it is.
APPROVED = re.compile(
    r"^Approved(\. The patient sees the new window now\.|: the window stays as it is\.)$"
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NAMES = ["Alma", "Bruno", "Carla", "Dinesh", "Elif", "Femi", "Greta", "Hiro", "Ines", "Jonas"]
ZONES = ["Europe/London", "America/New_York", "Europe/Berlin"]


def caseload_waiting(therapist: User, programme, tag: str, size: int = 10) -> list[Recommendation]:
    """``size`` patients (ten by default) in week 3 with a diary and this week's review waiting,
    figures that differ from patient to patient (as in the demo)."""
    recommendations = []
    for i, name in enumerate(NAMES[:size]):
        patient = make_user(
            f"{tag}.{name.lower()}@example.test",
            Role.PATIENT,
            therapist=therapist,
            name=f"{name} {tag.title()}",
            time_zone=ZONES[i % 3],
        )
        today = patient.local_today()
        enrol(patient=patient, programme=programme, start_date=today - timedelta(days=16))
        for back in range(3):
            save_entry(
                patient=patient,
                diary_date=today - timedelta(days=back),
                changed_by=patient,
                enforce_backfill=False,
                answers=night_answers(sleep_latency_min=10 + 5 * ((i + back) % 4)),
            )
        course = sw.course_for(patient)
        course.rise_time = time(6, 30)
        course.status = "active"
        course.save()
        extend = i % 2 == 0
        recommendations.append(
            Recommendation.objects.create(
                course=course,
                review_date=today,
                kind="weekly",
                current_window_min=330 + 15 * (i % 3),
                proposed_window_min=330 + 15 * (i % 3) + (15 if extend else 0),
                rule="extend" if extend else "hold",
                figures={
                    "nights": 6 + i % 2,
                    "sleep_efficiency": 91.5 - i if extend else 86.0 + i % 3,
                    "mean_total_sleep": 300 + 7 * i,
                    "mean_time_in_bed": 340 + 7 * i,
                    "extend_at": 90,
                    "reduce_below": 85,
                    "min_nights": 5,
                },
            )
        )
    return recommendations


class Counter:
    """Clicks made through it and page loads of the main frame."""

    def __init__(self, page) -> None:
        self.clicks = 0
        self.loads = 0
        page.on("load", self._loaded)

    def _loaded(self, _page) -> None:
        self.loads += 1

    def click(self, locator) -> None:
        self.clicks += 1
        locator.click()
        locator.page.wait_for_load_state("load")


def sign_in_to_caseload(page, email: str) -> None:
    staff_sign_in(page, email)
    page.wait_for_url(re.compile(r"/caseload/$"))


def main_menu(page):
    return page.get_by_role("navigation", name="Main")


def no_sideways_scroll(page) -> bool:
    # A click that starts a navigation returns once the new page has committed, before
    # it has a document to measure: wait for it to load.
    page.wait_for_load_state()
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def walk_the_round(page, recommendations: list[Recommendation], name: str) -> Counter:
    counter = Counter(page)
    counter.click(main_menu(page).get_by_role("link", name="This week"))
    expect(page.get_by_text("10 patients need you this week.")).to_be_visible()
    screenshot(page, f"weekly-round-list-{name}")
    problems = accessibility_violations(page)
    assert no_sideways_scroll(page)
    counter.click(page.get_by_role("link", name="Start the round"))
    for n in range(1, 11):
        # Each decision takes its patient off the round: the next is first of those left.
        expect(page.get_by_text(f"Patient 1 of {11 - n} on this week's round")).to_be_visible()
        if n == 1:
            screenshot(page, f"weekly-round-card-{name}")
            problems += accessibility_violations(page)
            assert no_sideways_scroll(page)
        expect(page.get_by_text("Sleep efficiency", exact=True)).to_be_visible()
        counter.click(page.get_by_role("button", name="Confirm decision"))
        expect(page.get_by_text(APPROVED)).to_be_visible()
    expect(page.get_by_text("That was the last item: your round is done.")).to_be_visible()
    expect(page.get_by_text("Nothing needs you this week")).to_be_visible()
    screenshot(page, f"weekly-round-done-{name}")
    assert not problems, problems
    for recommendation in recommendations:
        recommendation.refresh_from_db()
        assert recommendation.status == "approved"
    return counter


def test_a_round_of_ten_before_and_after(desktop_page, page, programme, settings) -> None:
    # The ten are engaged patients whose first week the set-up leaves out (three recent
    # nights, no lessons): without this, each would stay on the round as "at risk of dropping
    # out" after its decision. That flag is a round item of its own (test_dropout_flag.py).
    settings.DROPOUT_EARLY_DAYS = 7
    before_by, shortcut_by, desk_by, phone_by = (
        make_user(f"{who}@clinic.test", Role.THERAPIST, name=f"Dr {who.title()}")
        for who in ("before", "shortcut", "desk", "phone")
    )
    before = caseload_waiting(before_by, programme, "before", size=3)
    shortcut = caseload_waiting(shortcut_by, programme, "shortcut", size=3)
    desk_recs = caseload_waiting(desk_by, programme, "desk")
    phone_recs = caseload_waiting(phone_by, programme, "phone")
    desk = desktop_page

    # Before: the journey's path, patient by patient from the caseload.
    sign_in_to_caseload(desk, before_by.email)
    counter = Counter(desk)
    for recommendation in before:
        name = recommendation.course.patient.display_name
        counter.click(desk.get_by_role("link", name=name, exact=True))
        counter.click(desk.get_by_role("link", name=re.compile("Sleep window and safety screen")))
        counter.click(desk.get_by_role("button", name="Confirm decision"))
        expect(desk.get_by_text(APPROVED)).to_be_visible()
        counter.click(main_menu(desk).get_by_role("link", name="Caseload"))
    assert (counter.clicks, counter.loads) == (4 * 3, 4 * 3)
    desk.context.clear_cookies()

    # The caseload's own shortcut straight to the sleep-window page.
    sign_in_to_caseload(desk, shortcut_by.email)
    counter = Counter(desk)
    for _recommendation in shortcut:
        counter.click(desk.get_by_role("link", name="1 to decide").first)
        counter.click(desk.get_by_role("button", name="Confirm decision"))
        counter.click(main_menu(desk).get_by_role("link", name="Caseload"))
    assert (counter.clicks, counter.loads) == (3 * 3, 3 * 3)
    desk.context.clear_cookies()

    # After: the round, at 1280 px and at 360 px.
    sign_in_to_caseload(desk, desk_by.email)
    after = walk_the_round(desk, desk_recs, "desktop")
    assert (after.clicks, after.loads) == (12, 12)
    sign_in_to_caseload(page, phone_by.email)
    after = walk_the_round(page, phone_recs, "phone")
    assert (after.clicks, after.loads) == (12, 12)


def test_a_card_with_every_kind_of_item_fits_a_phone(page, therapist, patient, messages_on) -> None:
    from decimal import Decimal

    from program.medication.actions import create_draft
    from program.models import Medication, Message
    from program.risk import actions as risk
    from program.rules.safety import SCREEN

    sw.submit_screen(patient, {q.key: False for q in SCREEN})
    course = sw.course_for(patient)
    course.rise_time = time(6, 30)
    course.status = "active"
    course.save()
    Recommendation.objects.create(
        course=course,
        review_date=patient.local_today(),
        kind="weekly",
        current_window_min=360,
        proposed_window_min=345,
        rule="reduce",
        figures={
            "nights": 7,
            "sleep_efficiency": 79.4,
            "mean_total_sleep": 286,
            "min_nights": 5,
            "extend_at": 90,
            "reduce_below": 85,
        },
    )
    risk.submit_screen(
        patient, {**{q.key: False for q in SCREEN}, "apnoea": True, "self_harm": True}
    )
    Message.objects.create(patient=patient, sender=patient, text="Can I nap?")
    medicine = Medication.objects.create(
        patient=patient, name="zopiclone", strengths_mg=["3.75", "7.5"], usual_dose_mg=7.5
    )
    draft = create_draft(
        patient=patient,
        medication=medicine,
        template_key="morin04",
        start_dose=Decimal("7.5"),
        start_on=patient.local_today(),
        strengths=[Decimal("3.75"), Decimal("7.5")],
        scored=[],
        by=therapist,
    )
    enter_drug_free_nights(draft, therapist)
    sign_in_to_caseload(page, therapist.email)
    page.goto(f"/round/{patient.pk}/")
    for words in (
        "Urgent: self-harm answer",
        "Positive safety screen to decide",
        "1 unread message",
        "At risk of dropping out",
        "Taper plan for zopiclone to confirm",
    ):
        assert page.get_by_text(words).first.is_visible(), words
    assert no_sideways_scroll(page)
    screenshot(page, "weekly-round-full-card-phone")
    assert not accessibility_violations(page)
    # The alert first: marking it seen keeps the card (two decisions are left on it).
    page.get_by_role("button", name="I have seen this and am acting on it").click()
    expect(
        page.get_by_text(
            "Acknowledged: you are acting on this alert. Follow your clinic's risk procedure."
        )
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Positive safety screen to decide")).to_be_visible()
    # The taper plan, confirmed in place: its steps are on the card, the button confirms
    # it once and the card stays (the window and the screen still wait).
    plan = page.get_by_role("region", name=re.compile("Taper plan for zopiclone"))
    expect(plan.get_by_role("table")).to_be_visible()
    plan.get_by_label("Note for the plan's history").fill("Agreed with the GP.")
    plan.get_by_role("button", name=re.compile("^Confirm plan as")).click()
    expect(page.get_by_text("Plan confirmed by Dr Tess Ward.")).to_be_visible()
    expect(page.get_by_role("heading", name="Positive safety screen to decide")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Taper plan for"))).to_have_count(0)
    assert no_sideways_scroll(page)
    screenshot(page, "weekly-round-plan-confirmed-phone")
    assert not accessibility_violations(page)

"""The curriculum in a real browser on a phone-sized screen (the patient's and the admin's
journeys):

- an admin edits a lesson, previews it as a patient sees it, and publishes it;
- a patient in week 2 sees week 2 open and week 3 locked with its date, reads a lesson,
  answers its quiz, marks it done, and sees the progress move.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from program.curriculum.actions import open_lesson
from program.enrolment.actions import enrol
from program.models import DiaryEntry, Enrolment, Lesson, LessonProgress, LessonVersion
from tests.conftest import make_user

from .conftest import screenshot
from .test_sign_in_journeys import sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def forget_used_codes():
    """allauth refuses a TOTP code a user has already used (marked in the cache,
    which a flush does not empty). Flushed tests reuse user ids, so two sign-ins
    within one 30-second step could collide: start and end with an empty cache."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


@pytest.fixture
def week_two_patient(programme, therapist):
    """Nine days in (Europe/London): week 1 read, 7 valid diary nights, so week 2 is open."""
    patient = make_user(
        "wendy@example.test",
        Role.PATIENT,
        name="Wendy",
        therapist=therapist,
        time_zone="Europe/London",
    )
    today = patient.local_today()
    start = today - timedelta(days=9)
    enrolment = enrol(patient=patient, programme=programme, start_date=start)
    for lesson in Lesson.objects.filter(week__programme=programme, week__number=1):
        progress = open_lesson(enrolment=enrolment, lesson=lesson, language="en")
        LessonProgress.objects.filter(pk=progress.pk).update(
            completed_at=datetime.combine(start + timedelta(days=2), time(20), tzinfo=patient.zone)
        )
    for i in range(7):
        morning = start + timedelta(days=i + 1)
        night = datetime.combine(morning - timedelta(days=1), time(23), tzinfo=patient.zone)
        entry = DiaryEntry.objects.create(
            patient=patient,
            diary_date=morning,
            time_zone="Europe/London",
            into_bed=night,
            lights_off=night,
            sleep_latency_min=40,
            awakenings=2,
            awake_min=45,
            final_wake=night + timedelta(hours=7),
            out_of_bed=night + timedelta(hours=7, minutes=40),
            quality=2,
            time_in_bed_min=520,
            total_sleep_min=335,
            sleep_efficiency=64.4,
            terminal_wake_min=40,
        )
        # Filled in on the morning it describes.
        DiaryEntry.objects.filter(pk=entry.pk).update(
            entered_at=datetime.combine(morning, time(8), tzinfo=patient.zone)
        )
    return patient


def test_an_admin_edits_previews_and_publishes_a_lesson(page, clinic_admin, programme) -> None:
    sign_in(page, clinic_admin.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/clinic/$"))

    lesson = Lesson.objects.get(week__programme=programme, slug="how-sleep-works")
    page.goto(f"/admin/program/lesson/{lesson.pk}/change/")
    screenshot(page, "admin-lesson-versions-phone")
    page.get_by_role("link", name="Edit the English draft").click()
    page.wait_for_url(re.compile(r"/admin/program/lessonversion/\d+/change/"))
    page.get_by_label("Title").fill("How sleep works: drive, clock and alertness")
    body = page.get_by_label("Body")
    body.fill(body.input_value().replace("Two systems", "**Two systems**"))
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()

    page.get_by_role("link", name="Preview as a patient sees it").click()
    expect(
        page.get_by_role("heading", name="How sleep works: drive, clock and alertness")
    ).to_be_visible()
    expect(page.locator(".lesson-body strong", has_text="Two systems")).to_be_visible()
    expect(page.get_by_role("button", name="Check my answer").first).to_be_disabled()
    no_sideways_scroll(page)
    screenshot(page, "admin-lesson-preview-phone")

    page.get_by_role("link", name="Back to the editor").click()
    page.get_by_role("link", name="Publish").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published as version 2.")).to_be_visible()
    screenshot(page, "admin-lesson-published-phone")
    version = LessonVersion.objects.get(lesson=lesson, number=2)
    assert version.is_published and version.title.endswith("alertness")
    # Version 1 is kept and can be compared.
    page.get_by_role("link", name="Compare").click()
    expect(page.locator(".diff .add").first).to_be_visible()
    screenshot(page, "admin-lesson-compare-phone")


def test_a_patient_in_week_two_reads_a_lesson_and_the_progress_moves(
    page, week_two_patient
) -> None:
    sign_in(page, week_two_patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    expect(page.get_by_role("heading", name="Week 2 of 6")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "curriculum-patient-home-week2-phone")

    page.get_by_role("link", name="Programme", exact=True).click()
    enrolment = Enrolment.objects.get(patient=week_two_patient)
    week3_opens = enrolment.start_date + timedelta(days=14)
    week2 = page.locator(".week-card").nth(1)
    week3 = page.locator(".week-card").nth(2)
    expect(week2.get_by_text("Open", exact=True)).to_be_visible()
    expect(week3.get_by_text("Locked", exact=True)).to_be_visible()
    expect(week3).to_contain_text(f"{week3_opens:%A} {week3_opens.day} {week3_opens:%B}")
    # The progress counts the lessons for everyone, not those for a special situation.
    lessons = [
        lesson
        for lesson in Lesson.objects.filter(week__programme=enrolment.programme).select_related(
            "week"
        )
        if not lesson.situations
    ]
    week_1, week_2 = (sum(1 for x in lessons if x.week.number == n) for n in (1, 2))
    expect(page.get_by_text(f"{week_1} of {len(lessons)} lessons done")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "curriculum-programme-week2-open-week3-locked-phone")

    week2.get_by_role("link").click()
    page.get_by_role("link", name="Your sleep window", exact=True).click()
    expect(page.get_by_role("heading", name="Your sleep window", exact=True)).to_be_visible()
    page.get_by_label("Stay in bed until 08:00 to catch up").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("Not quite.")).to_be_visible()
    page.get_by_label("Get up at 06:30 as usual").check()
    page.get_by_role("button", name="Check my answer").click()
    expect(page.get_by_text("That's right.")).to_be_visible()
    page.get_by_label("Which rise time could you keep").fill("06:30. An alarm across the room.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Saved. Your answers are kept here.")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "curriculum-lesson-answers-phone")

    page.get_by_role("button", name="Mark as done").click()
    page.wait_for_url(re.compile(r"/programme/week/2/$"))
    expect(page.get_by_text(f"1 of {week_2} lessons done")).to_be_visible()
    screenshot(page, "curriculum-week2-after-done-phone")
    page.get_by_role("link", name="Programme", exact=True).click()
    expect(page.get_by_text(f"{week_1 + 1} of {len(lessons)} lessons done")).to_be_visible()
    # The answers are kept when the lesson is read again.
    page.goto(page.url.replace("/programme/", "/programme/week/2/"))
    page.get_by_role("link", name="Your sleep window", exact=True).click()
    expect(page.get_by_label("Which rise time could you keep")).to_have_value(
        "06:30. An alarm across the room."
    )
    # Leaving part-way and coming back opens the lesson where the reader was.
    page.evaluate("window.scrollTo(0, 900)")
    page.wait_for_function(
        "() => Number(localStorage.getItem("
        "'lesson-scroll-' + document.querySelector('article[data-lesson]').dataset.lesson)) > 800"
    )
    page.get_by_role("link", name="Programme", exact=True).click()
    page.goto(page.url.replace("/programme/", "/programme/week/2/"))
    page.get_by_role("link", name="Your sleep window", exact=True).click()
    page.wait_for_function("() => window.scrollY > 800")


def test_a_therapist_opens_the_next_week_and_pauses_a_patient(page, therapist, patient) -> None:
    sign_in(page, therapist.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/caseload/$"))
    page.get_by_role("link", name="Pat Patient").click()
    # The programme is a folded section of the patient page; its link opens it, and each
    # change comes back to it (#programme).
    page.get_by_role("link", name="Programme and lessons", exact=True).click()
    expect(page.get_by_role("heading", name="Pace")).to_be_visible()
    page.get_by_role("button", name="Open week 2 now").click()
    expect(page.get_by_text("Week 2 is open now.")).to_be_visible()
    page.get_by_role("button", name="Pause").click()
    expect(page.get_by_text("Paused: no new week opens until you resume.")).to_be_visible()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    no_sideways_scroll(page)
    screenshot(page, "therapist-patient-pace-phone")
    enrolment = Enrolment.objects.get(patient=patient)
    assert enrolment.status == "paused"

"""An admin edits a lesson in the clinic's own pages, at 360 px and at 1280 px: the
curriculum, the editor with the patient's page as a preview, publish, compare; axe finds
no serious or critical violation on any of them (admin journey 1, issue #21)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from program.curriculum.actions import open_lesson
from program.models import Enrolment, LessonProgress, LessonVersion

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def no_sideways_scroll(page, width: int) -> None:
    # Measured once the page has loaded: before its stylesheet applies, the compared
    # lines are unwrapped and the page is wider than any screen (test_weekly_round.py).
    page.wait_for_load_state()
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def no_serious_violations(page, where: str) -> None:
    found = accessibility_violations(page)
    assert not found, f"{where}: {found}"


@pytest.mark.parametrize(("size", "width"), [("phone", 360), ("desktop", 1280)])
def test_an_admin_edits_previews_publishes_and_compares_a_lesson(
    size, width, request, clinic_admin, programme, patient
) -> None:
    page = request.getfixturevalue("page" if size == "phone" else "desktop_page")
    lesson = programme.modules.get(number=1).lessons.get(slug="how-sleep-works")
    # Pat is part-way through version 1: they keep it when version 2 is published.
    reading = open_lesson(
        enrolment=Enrolment.objects.get(patient=patient), lesson=lesson, language="en"
    )

    sign_in(page, clinic_admin.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/clinic/$"))
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Curriculum").click()
    expect(page.get_by_role("heading", name="Curriculum", exact=True)).to_be_visible()
    no_sideways_scroll(page, width)
    no_serious_violations(page, "curriculum")
    screenshot(page, f"clinic-curriculum-{size}")

    page.get_by_role("link", name="How sleep works", exact=True).click()
    expect(page.get_by_role("heading", name="Edit “How sleep works”")).to_be_visible()
    expect(page.get_by_text("1 patient reading it (Pat Patient)")).to_be_visible()
    page.get_by_label("Title").fill("How sleep works: drive and clock")
    page.get_by_label("Summary").fill("Why **two systems** decide when you sleep.")
    body = page.get_by_label("Lesson text")
    body.fill(
        body.input_value()
        + "\n\n::: if self_guided\nYour window changes at your weekly review.\n::: else\n"
        "Your therapist checks each change to your window.\n:::\n"
    )
    page.get_by_label("Sleep-window changes").select_option("self")
    # The preview follows the typing (static/js/app.js) ...
    preview = page.locator(".preview-pane")
    expect(page.locator(".preview-frame[data-live]")).to_have_count(1)
    expect(preview.get_by_text("Your window changes at your weekly review.")).to_be_visible()
    # ... and the Preview button does the same with a page load.
    page.get_by_role("button", name="Preview").click()
    expect(preview.get_by_role("heading", name="How sleep works: drive and clock")).to_be_visible()
    expect(preview.locator(".lead strong", has_text="two systems")).to_be_visible()
    expect(preview.get_by_text("Your window changes at your weekly review.")).to_be_visible()
    expect(preview.get_by_text("Your therapist checks each change")).to_have_count(0)
    expect(preview.get_by_role("button", name="Check my answer").first).to_be_disabled()
    assert not LessonVersion.objects.drafts().filter(lesson=lesson).exists()
    no_sideways_scroll(page, width)
    no_serious_violations(page, "editor preview")
    screenshot(page, f"clinic-lesson-preview-{size}")

    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Draft saved. Patients see nothing of it")).to_be_visible()
    # The same page open in a second tab: its Publish is a second press.
    second_tab = page.context.new_page()
    second_tab.goto(page.url)
    page.get_by_role("button", name="Publish as version 2").click()
    expect(
        page.get_by_text("Published as version 2. New readers get it from now on.")
    ).to_be_visible()
    # Pat keeps version 1; the page says so.
    reading.refresh_from_db()
    assert reading.version.number == 1
    expect(page.locator(".version-row", has_text="Version 1")).to_contain_text(
        "1 patient reading it (Pat Patient)"
    )
    no_serious_violations(page, "published")
    screenshot(page, f"clinic-lesson-published-{size}")
    # Publish pressed again in the other tab: nothing is published twice.
    second_tab.get_by_role("button", name="Publish as version 2").click()
    expect(second_tab.get_by_text("This draft is already published, as version 2.")).to_be_visible()
    assert lesson.versions.filter(language="en").count() == 2
    second_tab.close()

    page.locator(".version-row", has_text="Version 2").get_by_role("link", name="Compare").click()
    expect(page.get_by_role("heading", name="Compare versions")).to_be_visible()
    expect(page.locator(".diff .add", has_text="How sleep works: drive and clock")).to_be_visible()
    expect(page.locator(".diff .del", has_text="title: How sleep works")).to_be_visible()
    no_sideways_scroll(page, width)
    no_serious_violations(page, "compare")
    screenshot(page, f"clinic-lesson-compare-{size}")

    page.get_by_role("button", name="Restore version 1 as the draft").click()
    expect(page.get_by_text("The draft now holds the words of version 1.")).to_be_visible()
    assert lesson.versions.drafts().get().title == "How sleep works"
    assert LessonProgress.objects.get(pk=reading.pk).version.number == 1

    page.goto("/clinic/curriculum/import/")
    expect(page.get_by_role("heading", name="Import curriculum files")).to_be_visible()
    no_sideways_scroll(page, width)
    no_serious_violations(page, "import")
    screenshot(page, f"clinic-curriculum-import-{size}")

"""A diary night is saved once, whatever the browser does: Save, Back, Save; a double
Save; a Save after the session ended (the answers come back after signing in)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.models import DiaryEntry

from .conftest import screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SAVE = "Save this morning's diary"


def fill_night(page, comment: str = "") -> None:
    page.get_by_label("What time did you get into bed?").fill("22:40")
    page.get_by_label("What time did you try to go to sleep?").fill("11:05 pm")
    page.get_by_label("How long did it take you to fall asleep? (minutes)").fill("30")
    page.get_by_label("How many times did you wake up").fill("2")
    page.get_by_label("In total, how long did these awakenings last?").fill("40")
    page.get_by_label("What time was your final awakening?").fill("05:50")
    page.get_by_label("What time did you get out of bed for the day?").fill("6.20am")
    page.get_by_text("Poor", exact=True).click()
    if comment:
        page.get_by_text("Naps, drinks, an unusual night, comments (optional)").click()
        page.get_by_label("Anything else about the night?").fill(comment)


def test_save_back_save_keeps_one_night(page, patient: User) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/diary/new/")
    # A new night's form: every time empty, the morning it saves named beside Save.
    assert page.get_by_label("What time did you get into bed?").input_value() == ""
    assert page.locator("[data-saves-for]").inner_text().startswith("This saves the night before")
    fill_night(page)
    page.get_by_role("button", name=SAVE).click()
    page.wait_for_url(re.compile(r"/diary/$"))
    expect(page.get_by_text("Saved.").first).to_be_visible()
    page.go_back()
    page.wait_for_load_state()
    screenshot(page, "diary-after-back-phone")
    if page.get_by_label("What time did you get into bed?").input_value() == "":
        fill_night(page)  # the browser gave the form back empty: the patient types again
    page.get_by_role("button", name=SAVE).click()
    page.wait_for_load_state()
    screenshot(page, "diary-save-back-save-phone")
    told = page.get_by_text("This diary was already saved").or_(
        page.get_by_text("Is this the same night?")
    )
    expect(told.first).to_be_visible()
    assert DiaryEntry.objects.filter(patient=patient).count() == 1


def test_a_double_save_keeps_one_night(page, patient: User) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/diary/new/")
    fill_night(page)
    page.get_by_role("button", name=SAVE).dblclick()
    page.wait_for_url(re.compile(r"/diary/(\d{4}-\d\d-\d\d/edit/)?$"))
    page.wait_for_load_state()
    screenshot(page, "diary-double-save-phone")
    assert DiaryEntry.objects.filter(patient=patient).count() == 1


def test_answers_typed_when_the_session_ended_come_back_after_signing_in(
    page, patient: User
) -> None:
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/diary/new/")
    fill_night(page, comment="Woke at 3 with the neighbours' dog")
    # The session ends while the patient types (the idle timeout, or the cookie's age).
    page.context.clear_cookies(name="sessionid")
    page.get_by_role("button", name=SAVE).click()
    page.wait_for_url(re.compile(r"/accounts/login/"))
    kept = page.get_by_text("It is kept on this device: sign in and it will be back.")
    expect(kept).to_be_visible()
    screenshot(page, "diary-session-ended-sign-in-phone")
    assert DiaryEntry.objects.filter(patient=patient).count() == 0
    page.get_by_label("Email").fill(patient.email)
    from tests.conftest import PASSWORD

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/diary/new/"))
    expect(page.get_by_text("What you had filled in is back")).to_be_visible()
    assert page.get_by_label("What time did you try to go to sleep?").input_value() == "11:05 pm"
    comment = page.get_by_label("Anything else about the night?")
    expect(comment).to_be_visible()  # its fold opened, to be checked
    assert comment.input_value() == "Woke at 3 with the neighbours' dog"
    screenshot(page, "diary-answers-restored-phone")
    page.get_by_role("button", name=SAVE).click()
    page.wait_for_url(re.compile(r"/diary/$"))
    entry = DiaryEntry.objects.get(patient=patient)
    assert entry.comments == "Woke at 3 with the neighbours' dog"
    # The draft is gone once saved: a new form is empty again.
    page.goto("/diary/new/")
    assert page.get_by_label("What time did you get into bed?").input_value() == ""

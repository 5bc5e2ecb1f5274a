"""Back after saving a missed morning's diary: the browser used to put back part of what
was sent (the minutes and the quality, not the clock times, which are autocomplete="off")
into a fresh form for another morning ("Today"), which could not be saved without typing
the times again. The form is now autocomplete="off" as a whole: Back shows a clean form
for the next missing morning; what was typed and not sent is the tab's draft's to bring
back (static/js/app.js)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.diary.actions import CORE_FIELDS
from program.models import DiaryEntry

from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIELDS = tuple(f for f in CORE_FIELDS if f != "quality")  # the typed ones, in order


def test_back_after_a_backfilled_night_shows_a_clean_form(page, patient: User) -> None:
    missed = patient.local_today() - timedelta(days=2)
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto(f"/diary/new/?date={missed:%Y-%m-%d}")
    form = page.locator("form.diary-form")
    values = dict(zip(FIELDS, ("23:00", "23:10", "25", "2", "35", "06:10", "06:30"), strict=True))
    for name, value in values.items():
        form.locator(f"[name={name}]").fill(value)
    page.get_by_text("Good", exact=True).click()
    page.get_by_role("button", name="Save this morning's diary").click()
    page.wait_for_url(re.compile(r"/diary/$"))
    assert DiaryEntry.objects.filter(patient=patient, diary_date=missed).exists()
    page.go_back()
    page.wait_for_url(re.compile(r"/diary/new/"))
    form = page.locator("form.diary-form")
    expect(form).to_be_visible()
    shown = {name: form.locator(f"[name={name}]").input_value() for name in FIELDS}
    assert shown == dict.fromkeys(FIELDS, ""), shown
    assert form.locator("input[name=quality]:checked").count() == 0
    assert form.locator("select[name=diary_date]").input_value() != f"{missed:%Y-%m-%d}"
    expect(page.locator("[data-draft-restored]")).to_be_hidden()

"""Issue 21: the therapist's medication page of a patient on a taper (the demo's Eva), at
360 px, shows its summary first — the medicines, the flags, the plan now and next — with
the steps, the nightly doses, the weeks and the history folded; each opens on a tap.
Its height is printed (pytest -s) and held under a bound."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import User

from .conftest import accessibility_violations, screenshot
from .test_staff_pages_any_screen import clinic  # noqa: F401  (the demo clinic fixture)
from .test_therapist_round import demo_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# About 6 300 px tall at 360 px with every detail open (as it was before the folds).
FOLDED_MAX_HEIGHT = 2200


def height(page) -> int:
    return int(page.evaluate("() => document.documentElement.scrollHeight"))


def test_the_medication_page_shows_its_summary_first_on_a_phone(page, clinic) -> None:  # noqa: F811
    eva = User.objects.get(email="taper@example.com")
    demo_sign_in(page, "therapist@example.com", staff=True)
    page.wait_for_url(re.compile(r"/caseload/$"))
    page.goto(f"/patients/{eva.pk}/medication/")
    # The summary (the plan now and next) comes before the first fold.
    now = page.get_by_text(re.compile(r"^Now: \d")).bounding_box()
    first_fold = page.locator("details.fold").first.bounding_box()
    assert now is not None and first_fold is not None and now["y"] < first_fold["y"]
    folded = height(page)
    unfolded = page.evaluate(
        """() => { document.querySelectorAll('details').forEach(d => d.open = true);
                   return document.documentElement.scrollHeight; }"""
    )
    print(f"medication page at 360 px: {folded} px folded, {unfolded} px unfolded")
    assert folded <= FOLDED_MAX_HEIGHT < unfolded, (folded, unfolded)
    page.reload()
    screenshot(page, "medication-folded-360")
    # A fold opens on a tap, and shows its table.
    page.locator("#weeks > summary").click()
    expect(page.locator("#weeks table")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(page) == []
    screenshot(page, "medication-weeks-open-360")

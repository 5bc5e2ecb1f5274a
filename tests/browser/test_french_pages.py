"""A French-speaking patient on a 360 px phone: the interface is in French, nothing
overflows sideways, and the pages pass the accessibility check in French too."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from accounts.models import User
from program.diary.actions import save_entry
from tests.nights import night_answers

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "/today/": "Aujourd’hui",
    "/diary/": "Votre agenda du sommeil",
    "/diary/new/": "Comment avez-vous dormi ?",
    "/sleep-window/": "Votre fenêtre de sommeil",
    "/programme/": "Votre programme",
    "/reminders/": "Rappels",
    "/account/settings/": "Réglages",
}


def test_a_french_patient_reads_the_app_in_french_on_a_phone(page, patient: User) -> None:
    patient.language = "fr"
    patient.save(update_fields=["language"])
    today = patient.local_today()
    for back in range(1, 4):
        save_entry(
            patient=patient,
            diary_date=today - timedelta(days=back),
            changed_by=patient,
            enforce_backfill=False,
            answers=night_answers(sleep_latency_min=15),
        )
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    assert page.locator("html").get_attribute("lang") == "fr"
    problems = []
    for path, heading in PAGES.items():
        page.goto(path)
        assert page.get_by_text(heading).first.is_visible(), path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, f"{path} is {width} px wide on a 360 px phone"
        name = "fr-" + (path.strip("/").replace("/", "-") or "home")
        screenshot(page, f"{name}-phone")
        problems += [f"{path}: {v['id']} {v['help']}" for v in accessibility_violations(page)]
    assert not problems, "\n".join(problems)

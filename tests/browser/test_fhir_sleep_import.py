"""A therapist imports another system's sleep Observations from the diary page and sees
them beside the diary (issue 23, part 1; docs/fhir.md, "Import"), on a phone and a desktop."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from accounts.models import User
from program.my_data import fhir

from .conftest import accessibility_violations, screenshot
from .test_fhir_downloads import _nights
from .test_narrow_pages import STICKING_OUT
from .test_weekly_round import sign_in_to_caseload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["page", "desktop_page"])
def test_a_therapist_imports_sleep_from_another_system_beside_the_diary(
    request, size, tmp_path, patient: User, other_patient: User, therapist: User
) -> None:
    page = request.getfixturevalue(size)
    _nights(patient)
    record = tmp_path / "record.fhir.json"
    record.write_text(json.dumps(fhir.bundle(patient)))
    sign_in_to_caseload(page, therapist.email)

    page.goto(f"/patients/{other_patient.pk}/diary/")
    page.get_by_role("link", name="Import sleep from another system (FHIR file)").click()
    page.get_by_label("FHIR file (JSON)").set_input_files(str(record))
    page.get_by_role("button", name="Import").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Added 14 sleep observations beside the diary of"
    )
    assert page.evaluate(STICKING_OUT)["out"] == []
    assert accessibility_violations(page) == []
    screenshot(page, f"fhir-sleep-import-{size}")
    page.get_by_role("link", name="See them on the diary page").click()
    page.wait_for_url(re.compile(r"/diary/"))
    section = page.locator("section", has=page.locator("#device-heading"))
    expect(section).to_contain_text("FHIR import")
    expect(section).to_contain_text("7h 30m")
    screenshot(page, f"fhir-sleep-beside-diary-{size}")

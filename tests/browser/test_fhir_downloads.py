"""The FHIR record's two download links: the patient's under My data (after typing the
password again) and the therapist's on the patient page, on a 360 px phone and a 1280 px
desktop; each file is a valid FHIR Bundle."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from playwright.sync_api import expect

from accounts.models import User
from program.diary.actions import save_entry
from tests.conftest import PASSWORD
from tests.nights import night_answers

from .conftest import screenshot
from .test_narrow_pages import STICKING_OUT
from .test_sign_in_journeys import sign_in
from .test_weekly_round import sign_in_to_caseload

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _nights(patient: User) -> None:
    today = patient.local_today()
    for back in range(1, 8):
        save_entry(
            patient=patient,
            diary_date=today - timedelta(days=back),
            changed_by=patient,
            enforce_backfill=False,
            answers=night_answers(),
        )


def _bundle(download) -> Bundle:
    return Bundle.model_validate_json(Path(download.path()).read_bytes())


@pytest.mark.parametrize("size", ["page", "desktop_page"])
def test_a_patient_downloads_their_record_for_a_health_record(request, size, patient) -> None:
    page = request.getfixturevalue(size)
    _nights(patient)
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/my-data/")
    link = page.get_by_role("link", name="Download for a health record (FHIR)")
    expect(link).to_be_visible()
    assert page.evaluate(STICKING_OUT)["out"] == []
    screenshot(page, f"my-data-fhir-{size}")
    link.click()
    page.wait_for_url(re.compile(r"/reauthenticate/"))
    page.get_by_label("Your password").fill(PASSWORD)
    with page.expect_download() as info:
        page.get_by_role("button", name="Confirm").click()
    download = info.value
    assert download.suggested_filename.endswith(".fhir.json")
    # Back on the page, told the download started, the password no longer on screen.
    page.wait_for_url(re.compile(r"/my-data/download/\?file=fhir$"))
    expect(page.get_by_text("Thank you: your download has started.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your data", exact=True)).to_be_visible()
    expect(page.get_by_label("Your password")).to_have_value("")  # the deletion form's
    screenshot(page, f"my-data-fhir-started-{size}")
    bundle = _bundle(download)
    kinds = [e.resource.get_resource_type() for e in bundle.entry]
    assert kinds[0] == "Patient" and kinds.count("Observation") == 35


@pytest.mark.parametrize("size", ["page", "desktop_page"])
def test_a_therapist_downloads_the_record_from_the_patient_page(
    request, size, patient, therapist
) -> None:
    page = request.getfixturevalue(size)
    _nights(patient)
    sign_in_to_caseload(page, therapist.email)
    page.goto(f"/patients/{patient.pk}/")
    link = page.get_by_role("link", name="Download record (FHIR)")
    expect(link).to_be_visible()
    assert page.evaluate(STICKING_OUT)["out"] == []
    screenshot(page, f"patient-page-fhir-{size}")
    with page.expect_download() as info:
        link.click()
    assert _bundle(info.value).type == "collection"

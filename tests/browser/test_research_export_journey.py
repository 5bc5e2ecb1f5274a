"""Issue 23, part 4: a patient agrees to research use on "Your data", and the demo
clinic's admin downloads the research export from the clinic menu, on a 360 px phone and
a 1280 px desktop, with axe finding nothing serious."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from program.demo.clinic import load_demo

from .conftest import accessibility_violations, screenshot
from .test_narrow_pages import STICKING_OUT
from .test_sign_in_journeys import sign_in
from .test_therapist_round import demo_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["page", "desktop_page"])
def test_a_patient_agrees_to_research_use_and_withdraws(request, size, patient) -> None:
    page = request.getfixturevalue(size)
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/my-data/")
    expect(page.get_by_text("You have not agreed to research use.")).to_be_visible()
    page.get_by_role("button", name="I agree to research use").click()
    expect(page.get_by_text(re.compile(r"^Saved: your data, without your name"))).to_be_visible()
    expect(page.get_by_text(re.compile(r"^You agreed to research use on "))).to_be_visible()
    assert page.evaluate(STICKING_OUT)["out"] == []
    assert accessibility_violations(page) == []
    screenshot(page, f"research-consent-{size}")
    page.get_by_role("button", name="Withdraw my agreement").click()
    expect(page.get_by_text("You have not agreed to research use.")).to_be_visible()
    patient.refresh_from_db()
    assert patient.research_consent_at is None


@pytest.mark.parametrize("size", ["page", "desktop_page"])
def test_the_demo_admin_downloads_the_research_export(request, size, programme) -> None:
    load_demo()
    page = request.getfixturevalue(size)
    demo_sign_in(page, "admin@example.com", staff=True)
    page.wait_for_url(re.compile(r"/clinic/$"))
    nav = page.get_by_role("navigation", name="Clinic administration")
    nav.get_by_role("link", name="Research export").click()
    page.wait_for_url(re.compile(r"/clinic/research-export/$"))
    expect(page.get_by_role("heading", name="Research export", level=1)).to_be_visible()
    expect(page.get_by_text("5 patients of 7 have agreed to research use")).to_be_visible()
    free_text = page.get_by_label(re.compile(r"^Include free text"))
    expect(free_text).not_to_be_checked()
    assert page.evaluate(STICKING_OUT)["out"] == []
    assert accessibility_violations(page) == []
    screenshot(page, f"research-export-{size}")
    with page.expect_download() as info:
        page.get_by_role("button", name="Download the research export (ZIP)").click()
    download = info.value
    assert re.fullmatch(r"research-export-\d{4}-\d\d-\d\d\.zip", download.suggested_filename)
    archive = zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes()))
    assert "data_dictionary.csv" in archive.namelist()
    patients = archive.read("patients.csv").decode().strip().splitlines()
    assert len(patients) == 1 + 5
    assert b"example.com" not in b"".join(archive.read(n) for n in archive.namelist())

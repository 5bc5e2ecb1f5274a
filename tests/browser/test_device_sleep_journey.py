"""A patient on a phone (360 px) adds their Apple Health export from the diary and sees
the watch's nights beside their diary; their therapist, on a desktop (1280 px), sees the
same beside the patient's diary and hides it; the patient is then told kindly. Axe on each
page. The clock is 4 November 2026, so the test file's nights are recent."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import time_machine
from playwright.sync_api import expect

from accounts.models import User
from program.diary.actions import save_entry
from program.models import DeviceSleepPeriod, DeviceSleepSetting
from program.wearables import actions as wearables
from program.wearables import apple_health
from tests.nights import night_answers

from .conftest import accessibility_violations, screenshot
from .test_sign_in_journeys import sign_in, staff_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EXPORT = Path(__file__).parents[1] / "program" / "data" / "apple_health" / "export.zip"


@pytest.fixture(autouse=True)
def november():
    with time_machine.travel("2026-11-04 08:00Z", tick=True):
        yield


def test_a_patient_adds_their_export_and_both_see_it_beside_the_diary(
    page, desktop_page, patient: User, therapist: User
) -> None:
    for day in (date(2026, 10, 25), date(2026, 11, 1)):
        save_entry(
            patient=patient,
            diary_date=day,
            answers=night_answers(),
            changed_by=patient,
            enforce_backfill=False,
        )
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/diary/")
    page.get_by_role("link", name="Add sleep from your watch or phone").click()
    page.wait_for_url(re.compile(r"/diary/device/$"))
    page.get_by_label("Apple Health export").set_input_files(str(EXPORT))
    page.get_by_role("button", name="Add the sleep it recorded").click()
    expect(page.get_by_role("status")).to_contain_text("5 nights read.")
    expect(page.get_by_role("status")).to_contain_text("12 new sleep records saved")
    assert DeviceSleepPeriod.objects.filter(patient=patient).count() == 12
    screenshot(page, "device-import-report-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(page) == []

    page.get_by_role("link", name="See it beside your diary").click()
    section = page.locator("section", has=page.locator("#device-heading"))
    expect(section).to_contain_text("Pat’s Apple Watch")
    # The autumn DST night: diary 8h 30m in bed, the watch 8h 25m.
    row = section.get_by_role("row", name=re.compile(r"Sun 25 Oct"))
    expect(row).to_contain_text("8h 25m")
    expect(row).to_contain_text("−5m")
    section.scroll_into_view_if_needed()
    screenshot(page, "device-beside-diary-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(page) == []

    staff = desktop_page
    staff_sign_in(staff, therapist.email)
    staff.wait_for_url(re.compile(r"/caseload/$"))
    staff.goto(f"/patients/{patient.pk}/diary/#device-heading")
    staff_section = staff.locator("section", has=staff.locator("#device-heading"))
    expect(staff_section.get_by_role("row", name=re.compile(r"Sun 25 Oct"))).to_contain_text("+20m")
    screenshot(staff, "device-beside-diary-therapist-desktop")
    assert accessibility_violations(staff) == []
    staff.get_by_role("button", name="Hide the device's figures from the patient").click()
    expect(staff.get_by_text("Pat Patient no longer sees the device's figures.")).to_be_visible()
    expect(staff_section).to_contain_text("Hidden from the patient.")
    assert DeviceSleepSetting.objects.get(patient=patient).hidden_from_patient
    screenshot(staff, "device-hidden-therapist-desktop")
    assert accessibility_violations(staff) == []

    page.goto("/diary/")  # a new load (the page is at /diary/#device-heading already)
    expect(page.get_by_text("Your therapist has chosen to keep your device")).to_be_visible()
    expect(page.locator("#device-heading")).to_be_visible()
    assert page.get_by_text("Pat’s Apple Watch").count() == 0
    screenshot(page, "device-hidden-patient-phone")
    assert accessibility_violations(page) == []


def test_the_chart_marks_the_device_and_the_therapist_flags_nights(
    page, desktop_page, patient: User, therapist: User
) -> None:
    for day in (date(2026, 10, 25), date(2026, 11, 1)):
        save_entry(
            patient=patient,
            diary_date=day,
            answers=night_answers(),
            changed_by=patient,
            enforce_backfill=False,
        )
    with EXPORT.open("rb") as upload:
        periods = apple_health.read(upload).periods
    wearables.import_periods(patient, periods, by=patient)

    # The patient's phone: the device's marks on the nights' chart, with their legend.
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto("/diary/")
    figure = page.locator("figure.chart-figure").first
    expect(figure.locator("line.device")).to_have_count(3)
    expect(figure).to_contain_text("asleep by the watch or phone")
    expect(page.get_by_text("Flag nights whose total sleep")).to_have_count(0)
    figure.scroll_into_view_if_needed()
    screenshot(page, "device-chart-patient-phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(page) == []

    # The therapist's desktop: a bad threshold is kept with what is wrong, then saved.
    staff = desktop_page
    staff_sign_in(staff, therapist.email)
    staff.wait_for_url(re.compile(r"/caseload/$"))
    staff.goto(f"/patients/{patient.pk}/diary/")
    expect(staff.locator("figure.chart-figure").first.locator("line.device")).to_have_count(3)
    field = staff.get_by_label("Flag nights whose total sleep differs by more than (minutes)")
    expect(field).to_have_value("60")
    expect(staff.locator("#device-flag-count")).to_contain_text("0 of the 3 device nights")
    field.fill("5")
    staff.get_by_role("button", name="Save the threshold").click()
    expect(staff.get_by_text("Enter at least 10 minutes.")).to_be_visible()
    expect(field).to_have_value("5")
    assert DeviceSleepSetting.objects.filter(patient=patient).count() == 0
    assert accessibility_violations(staff) == []
    field.fill("30")
    staff.get_by_role("button", name="Save the threshold").click()
    expect(staff.get_by_text("more than 30 min are now flagged.")).to_be_visible()
    assert DeviceSleepSetting.objects.get(patient=patient).flag_threshold_min == 30
    flag_count = staff.locator("#device-flag-count")
    expect(flag_count).to_contain_text("1 of the 3 device nights shown differs by more than 30 min")
    device_table = staff.locator("section", has=staff.locator("#device-heading"))
    flagged = device_table.get_by_role("row", name=re.compile(r"Sun 1 Nov"))
    expect(flagged).to_contain_text("Differs by more than 30 min")
    flag_count.scroll_into_view_if_needed()
    screenshot(staff, "device-flagged-therapist-desktop")
    assert accessibility_violations(staff) == []
    # The same page on a phone: no sideways scrolling of the page itself.
    staff.set_viewport_size({"width": 360, "height": 780})
    staff.reload()
    expect(staff.locator("#device-flag-count")).to_be_visible()
    screenshot(staff, "device-flagged-therapist-phone")
    assert staff.evaluate("document.documentElement.scrollWidth") <= 360
    assert accessibility_violations(staff) == []

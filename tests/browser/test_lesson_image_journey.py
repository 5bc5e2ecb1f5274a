"""A lesson picture in a real browser: an admin uploads it on the lesson's page, pastes the
snippet into the draft, previews and publishes; the patient sees the same picture, loaded
under the Content Security Policy."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from program.models import Lesson, LessonImage

from .conftest import image_loaded, screenshot
from .test_sign_in_journeys import sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def chart(path: Path) -> Path:
    """A small picture worth looking at: a rising line on a pale background."""
    picture = Image.new("RGB", (480, 240), "#eef3fb")
    draw = ImageDraw.Draw(picture)
    draw.line([(20, 220), (300, 40), (460, 200)], fill="#1d4e89", width=8)
    picture.save(path, "PNG")
    return path


def test_an_admin_adds_a_picture_and_the_patient_sees_it(
    desktop_page, clinic_admin, patient, programme, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    page = desktop_page
    sign_in(page, clinic_admin.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/clinic/$"))

    lesson = Lesson.objects.get(week__programme=programme, slug="how-sleep-works")
    page.goto(f"/admin/program/lesson/{lesson.pk}/change/")
    # A text file renamed .png first: a clear error on the page.
    fake = tmp_path / "notes.png"
    fake.write_text("not a picture")
    page.locator("input[name='images-0-file']").set_input_files(str(fake))
    page.locator("input[name='images-0-alt_text']").fill("Sleep drive through the day")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.get_by_text("is not a PNG, JPEG, WebP or GIF image")).to_be_visible()
    screenshot(page, "admin-lesson-image-refused-desktop")

    page.locator("input[name='images-0-file']").set_input_files(str(chart(tmp_path / "chart.png")))
    page.locator("input[name='images-0-alt_text']").fill("Sleep drive through the day")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    image = LessonImage.objects.get(lesson=lesson)
    snippet = page.locator(".lesson-image-snippet").inner_text()
    assert snippet == f"![Sleep drive through the day](image:{image.pk})"
    assert image_loaded(page, ".lesson-image-thumb")
    screenshot(page, "admin-lesson-image-uploaded-desktop")

    page.get_by_role("link", name="Edit the English draft").click()
    page.wait_for_url(re.compile(r"/admin/program/lessonversion/\d+/change/"))
    body = page.get_by_label("Body")
    text = body.input_value()
    body.fill(text.replace("\n\n", f"\n\n{snippet}\n\n", 1))
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.get_by_text("was changed successfully")).to_be_visible()
    page.get_by_role("link", name="Preview as a patient sees it").click()
    picture = ".lesson-body img[alt='Sleep drive through the day']"
    expect(page.locator(picture)).to_be_visible()
    assert image_loaded(page, picture)
    preview_src = page.locator(picture).get_attribute("src")
    screenshot(page, "admin-lesson-image-preview-desktop")
    page.get_by_role("link", name="Back to the editor").click()
    page.get_by_role("link", name="Publish").click()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published as version 2.")).to_be_visible()

    page.context.clear_cookies()
    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    page.goto(f"/lessons/{lesson.pk}/")
    expect(page.locator(picture)).to_be_visible()
    assert image_loaded(page, picture)
    assert page.locator(picture).get_attribute("src") == preview_src
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "lesson-image-patient-phone")

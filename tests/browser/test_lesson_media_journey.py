"""A picture and a recording added from the clinic's lesson editor, and a recording for a
guided exercise, at 360 px and 1280 px: a wrong file is refused with its reason and the
words typed stay; the right ones go into the text and the preview; the patient sees the
picture, a player and its transcript, on the lesson and on the exercise; a recording the
published lesson plays is not deleted; the required switch works by keyboard; axe finds
no serious or critical violation (issues #21 and #22)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from program.models import AudioRecording, LessonImage, LessonVersion
from tests.audio_files import mp3, ogg_opus

from .conftest import PHONE, accessibility_violations, image_loaded, screenshot
from .test_sign_in_journeys import sign_in, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def chart(path: Path) -> Path:
    picture = Image.new("RGB", (480, 240), "#eef3fb")
    ImageDraw.Draw(picture).line([(20, 220), (300, 40), (460, 200)], fill="#1d4e89", width=8)
    picture.save(path, "PNG")
    return path


def checked(page, width: int, where: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width, where
    found = accessibility_violations(page)
    assert not found, f"{where}: {found}"


@pytest.mark.parametrize(("size", "width"), [("phone", 360), ("desktop", 1280)])
def test_an_admin_adds_a_picture_and_recordings_and_the_patient_sees_and_hears_them(
    size, width, request, browser, live_server, clinic_admin, patient, programme, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    page = request.getfixturevalue("page" if size == "phone" else "desktop_page")
    lesson = programme.modules.get(number=1).lessons.get(slug="how-sleep-works")
    sign_in(page, clinic_admin.email)
    page.get_by_label("Code from your authenticator app").fill(totp_code())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/clinic/$"))
    page.goto(f"/clinic/curriculum/lessons/{lesson.pk}/en/")

    body = page.get_by_label("Lesson text")
    typed = "A sentence typed before the upload, not saved yet."
    body.fill(body.input_value().replace("\n\n", f"\n\n{typed}\n\n", 1))
    # A page renamed .png: refused, the words typed stay.
    fake = tmp_path / "notes.png"
    fake.write_text("<html>not a picture</html>")
    page.get_by_label("Picture (PNG, JPEG, WebP or GIF").set_input_files(str(fake))
    page.get_by_label("What the picture shows").fill("Sleep drive through the day")
    page.get_by_role("button", name="Upload the picture").click()
    expect(page.get_by_text("This file is not a PNG, JPEG, WebP or GIF image")).to_be_visible()
    expect(page.get_by_text("Your lesson text is kept as you typed it")).to_be_visible()
    assert typed in page.get_by_label("Lesson text").input_value()
    assert page.get_by_label("What the picture shows").input_value() == (
        "Sleep drive through the day"
    )
    checked(page, width, "picture refused")
    screenshot(page, f"clinic-lesson-picture-refused-{size}")

    page.get_by_label("Picture (PNG, JPEG, WebP or GIF").set_input_files(
        str(chart(tmp_path / "chart.png"))
    )
    page.get_by_role("button", name="Upload the picture").click()
    expect(page.get_by_text("Picture uploaded and put in the lesson text below")).to_be_visible()
    image = LessonImage.objects.get(lesson=lesson)
    text = page.get_by_label("Lesson text").input_value()
    assert typed in text and image.markdown in text
    picture = ".preview-frame img[alt='Sleep drive through the day']"
    expect(page.locator(picture)).to_be_visible()
    assert image_loaded(page, picture)

    # A recording without its transcript: refused, then with it.
    sound = tmp_path / "calm.mp3"
    sound.write_bytes(mp3())
    page.get_by_label("Recording (MP3, Ogg or M4A)").set_input_files(str(sound))
    page.get_by_label("Name shown above the player").fill("Winding down, read aloud")
    page.get_by_role("button", name="Upload the recording").click()
    expect(page.locator("#add-recording").get_by_text("This field is required.")).to_be_visible()
    assert image.markdown in page.get_by_label("Lesson text").input_value()
    page.get_by_label("Recording (MP3, Ogg or M4A)").set_input_files(str(sound))
    page.get_by_label("Transcript", exact=True).fill(
        "Let your shoulders drop.\n\nBreathe out slowly."
    )
    page.get_by_role("button", name="Upload the recording").click()
    expect(page.get_by_text("Recording uploaded and put in the lesson text below")).to_be_visible()
    recording = AudioRecording.objects.get(lesson=lesson)
    player = page.locator(".preview-frame figure.recording")
    expect(player.locator("figcaption")).to_have_text("Winding down, read aloud")
    expect(player.locator("audio[controls]")).to_have_attribute("src", recording.url)
    checked(page, width, "editor with picture and recording")
    screenshot(page, f"clinic-lesson-media-preview-{size}")

    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()
    page.get_by_role("button", name=re.compile(r"Publish as version \d")).click()
    expect(page.get_by_text(re.compile(r"Published as version \d"))).to_be_visible()
    published = LessonVersion.objects.published().filter(lesson=lesson).latest("number")
    assert typed in published.body and recording.markdown in published.body

    # The published lesson plays the recording: deleting it is refused, saying where.
    page.get_by_role("link", name="Delete… Winding down, read aloud").click()
    expect(page.get_by_role("heading", name="Still played: not deleted")).to_be_visible()
    expect(page.locator("#used-by")).to_contain_text("published (patients read it)")
    expect(page.get_by_role("button", name="Delete the recording")).to_have_count(0)
    checked(page, width, "recording still played")
    screenshot(page, f"clinic-recording-still-played-{size}")

    # Required or optional: a switch, worked by keyboard.
    page.goto(f"/clinic/curriculum/lessons/{lesson.pk}/en/")
    switch = page.get_by_role("switch", name="Required")
    if lesson.is_required:
        expect(switch).to_be_checked()
    else:
        expect(switch).not_to_be_checked()
    switch.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Save required or optional").click()
    now = "optional" if lesson.is_required else "required"
    expect(page.get_by_text(f"This lesson is now {now}")).to_be_visible()
    lesson.refresh_from_db()
    assert lesson.is_required is (now == "required")
    checked(page, width, "required switched")
    screenshot(page, f"clinic-lesson-required-{size}")

    # A recording for the breathing exercise.
    page.goto("/clinic/curriculum/exercises/")
    page.get_by_label("Exercise").select_option("breathing")
    page.get_by_label("Language of the recording").select_option("en")
    ogg = tmp_path / "breathe.ogg"
    ogg.write_bytes(ogg_opus())
    page.get_by_label("Recording (MP3, Ogg or M4A)").set_input_files(str(ogg))
    page.get_by_label("Name shown above the player").fill("Breathe with me")
    page.get_by_label("Transcript", exact=True).fill("In through the nose. Out slowly.")
    page.get_by_role("button", name="Upload the recording").click()
    expect(
        page.get_by_text("Recording uploaded: patients whose language is English")
    ).to_be_visible()
    checked(page, width, "exercise recordings")
    screenshot(page, f"clinic-exercise-recordings-{size}")

    # The patient, in their own browser.
    viewport = PHONE if size == "phone" else {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, base_url=live_server.url)
    reader = context.new_page()
    reader.set_default_timeout(10_000)
    sign_in(reader, patient.email)
    reader.wait_for_url(re.compile(r"/today/$"))
    reader.goto(f"/lessons/{lesson.pk}/")
    seen = ".lesson-body img[alt='Sleep drive through the day']"
    expect(reader.locator(seen)).to_be_visible()
    assert image_loaded(reader, seen)
    figure = reader.locator(".lesson-body figure.recording")
    expect(figure.locator("audio[controls]")).to_be_visible()
    assert figure.locator("audio").evaluate("a => a.readyState >= 1 || a.error === null")
    reader.get_by_text("Transcript", exact=True).click()
    expect(figure.get_by_text("Breathe out slowly.")).to_be_visible()
    checked(reader, width, "patient lesson")
    screenshot(reader, f"patient-lesson-media-{size}")

    reader.goto("/exercises/breathing/")
    exercise = reader.locator("figure.recording")
    expect(exercise.locator("figcaption")).to_have_text("Breathe with me")
    expect(exercise.locator("audio[controls]")).to_be_visible()
    exercise.get_by_text("Transcript", exact=True).click()
    expect(exercise.get_by_text("In through the nose. Out slowly.")).to_be_visible()
    checked(reader, width, "patient exercise")
    screenshot(reader, f"patient-exercise-recording-{size}")
    context.close()

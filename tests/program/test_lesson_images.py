"""Lesson images: uploaded in the admin (checked by content, with alt text), pasted into the
Markdown as ``image:ID``, served only to signed-in users under a content-hash URL, shown the
same in the admin's preview as on the patient's page, and carried through export/import."""

from __future__ import annotations

import struct
import zlib
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from program.curriculum.actions import publish_version, start_draft
from program.curriculum.files import CurriculumFileError, export_programme, import_directory
from program.curriculum.image_checks import PNG_SIGNATURE, picture_end
from program.curriculum.models import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS
from program.models import Lesson, LessonImage, LessonVersion, Programme
from tests.conftest import client_for


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def picture(kind: str = "PNG", size: tuple[int, int] = (40, 30), colour: str = "navy") -> bytes:
    buffer = BytesIO()
    Image.new("RGB", size, colour).save(buffer, kind)
    return buffer.getvalue()


@pytest.fixture
def lesson(programme) -> Lesson:
    return Lesson.objects.get(week__programme=programme, slug="how-sleep-works")


def upload(lesson: Lesson, data: bytes | None = None, alt: str = "A navy square") -> LessonImage:
    image = LessonImage(
        lesson=lesson,
        alt_text=alt,
        file=SimpleUploadedFile("square.png", data or picture(), "image/png"),
    )
    image.full_clean()
    image.save()
    return image


def publish_with(lesson: Lesson, admin, text: str) -> LessonVersion:
    draft = start_draft(lesson=lesson, language="en", user=admin)
    draft.body = f"{text}\n\n{draft.body}"
    draft.save()
    publish_version(version=draft, user=admin)
    return draft


def admin_form(lesson: Lesson, files: list[tuple[str, str]] | None = None, **extra: object) -> dict:
    """The lesson's change form as the admin posts it, with new image rows."""
    files = files or []
    existing = list(lesson.images.order_by("pk"))
    data: dict = {
        "week": lesson.week_id,
        "slug": lesson.slug,
        "order": lesson.order,
        "is_required": "on" if lesson.is_required else "",
        "images-TOTAL_FORMS": str(len(existing) + len(files)),
        "images-INITIAL_FORMS": str(len(existing)),
        "images-MIN_NUM_FORMS": "0",
        "images-MAX_NUM_FORMS": "1000",
    }
    for i, image in enumerate(existing):
        data |= {f"images-{i}-id": image.pk, f"images-{i}-lesson": lesson.pk}
        data[f"images-{i}-alt_text"] = image.alt_text
    return data | extra


# --- upload in the admin ---------------------------------------------------------------


def test_an_admin_uploads_an_image_and_sees_the_snippet_to_paste(admin_client, lesson) -> None:
    url = reverse("admin:program_lesson_change", args=[lesson.pk])
    data = admin_form(lesson) | {
        "images-TOTAL_FORMS": "1",
        "images-0-file": SimpleUploadedFile("chart.webp", picture("WEBP"), "image/webp"),
        "images-0-alt_text": "Sleep drive through the day",
        "_continue": "1",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    image = LessonImage.objects.get(lesson=lesson)
    assert (image.extension, image.width, image.height) == ("webp", 40, 30)
    page = admin_client.get(url).content.decode()
    assert f"![Sleep drive through the day](image:{image.pk})" in page
    assert image.ref().url in page  # the thumbnail, served by our own view


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("notes.png", b"Just some text, renamed to look like a picture.\n", "not a PNG, JPEG"),
        ("evil.png", b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "not a PNG"),
        ("truncated.png", picture()[:60], "not a PNG"),
        ("huge.png", b"\x89PNG\r\n\x1a\n" + b"0" * MAX_IMAGE_BYTES, "at most 2 MB"),
    ],
)
def test_a_bad_file_is_a_clear_error_not_a_500(
    admin_client, lesson, name: str, data: bytes, message: str
) -> None:
    url = reverse("admin:program_lesson_change", args=[lesson.pk])
    form = admin_form(lesson) | {
        "images-TOTAL_FORMS": "1",
        "images-0-file": SimpleUploadedFile(name, data, "image/png"),
        "images-0-alt_text": "Something",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not LessonImage.objects.exists()


def test_a_bmp_is_refused_by_format(lesson) -> None:
    with pytest.raises(Exception, match="BMP images are not accepted"):
        upload(lesson, picture("BMP"))


def test_alt_text_is_required(admin_client, lesson) -> None:
    url = reverse("admin:program_lesson_change", args=[lesson.pk])
    form = admin_form(lesson) | {
        "images-TOTAL_FORMS": "1",
        "images-0-file": SimpleUploadedFile("a.png", picture(), "image/png"),
        "images-0-alt_text": "",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not LessonImage.objects.exists()


def test_an_image_a_version_shows_cannot_be_deleted(admin_client, lesson, clinic_admin) -> None:
    image = upload(lesson)
    publish_with(lesson, clinic_admin, image.markdown)
    url = reverse("admin:program_lesson_change", args=[lesson.pk])
    response = admin_client.post(url, admin_form(lesson) | {"images-0-DELETE": "on"})
    assert response.status_code == 200
    assert "take it out of every version first" in response.content.decode()
    assert LessonImage.objects.filter(pk=image.pk).exists()


def test_a_version_may_show_only_its_own_lessons_images(admin_client, lesson, programme) -> None:
    elsewhere = upload(Lesson.objects.exclude(pk=lesson.pk).first())
    draft = start_draft(lesson=lesson, language="en", user=None)
    url = reverse("admin:program_lessonversion_change", args=[draft.pk])
    response = admin_client.post(
        url,
        {
            "title": draft.title,
            "summary": draft.summary,
            "body": f"{elsewhere.markdown}\n\nText",
            "minutes": draft.minutes,
            "parts": "",
        },
    )
    assert response.status_code == 200
    assert f"image:{elsewhere.pk}: no such image on this lesson" in response.content.decode()


# --- rendering -------------------------------------------------------------------------


def test_the_patient_and_the_admin_preview_show_the_same_image(
    lesson, clinic_admin, patient, admin_client
) -> None:
    image = upload(lesson, alt="A navy square")
    version = publish_with(lesson, clinic_admin, f"![]({f'image:{image.pk}'})")
    tag = f'<img alt="A navy square" height="30" src="{image.ref().url}" width="40">'
    assert tag in version.body_html
    patient_page = client_for(patient).get(reverse("program:lesson", args=[lesson.pk]))
    preview = admin_client.get(reverse("admin:program_lessonversion_preview", args=[version.pk]))
    assert tag in patient_page.content.decode()
    assert tag in preview.content.decode()


# --- serving ---------------------------------------------------------------------------


def test_the_image_is_served_to_signed_in_users_with_safe_long_cache_headers(
    lesson, patient, django_assert_num_queries
) -> None:
    image = upload(lesson, picture("JPEG"))
    client = client_for(patient)
    client.get(reverse("program:patient_home"))  # the page showing it touched the idle timer
    # Reading the session and the user, then one query for the image, however many exist.
    upload(lesson, picture("PNG", colour="red"))
    with django_assert_num_queries(3):
        response = client.get(image.ref().url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert b"".join(response.streaming_content) == image.file.open("rb").read()


def test_the_image_needs_a_sign_in_and_its_exact_hash(lesson, patient) -> None:
    image = upload(lesson)
    response = client_for(None).get(image.ref().url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    wrong = reverse("program:lesson_image", args=[image.pk, "0" * 64, "png"])
    assert client_for(patient).get(wrong).status_code == 404
    other_ext = reverse("program:lesson_image", args=[image.pk, image.digest, "gif"])
    assert client_for(patient).get(other_ext).status_code == 404


# --- export and import -----------------------------------------------------------------


def test_images_survive_export_and_import(lesson, clinic_admin, programme, tmp_path) -> None:
    image = upload(lesson, picture("GIF"), alt="A navy square")
    publish_with(lesson, clinic_admin, f"{image.markdown}\n\nBeside it, words.")
    folder = tmp_path / "curriculum"
    export_programme(programme, folder)
    lesson_file = next((folder / "en" / "week-1").glob(f"*-{lesson.slug}.md"))
    text = lesson_file.read_text()
    exported = f"images/{lesson.slug}-{image.digest[:12]}.gif"
    assert f"![A navy square]({exported})" in text
    assert f"file: {exported}" in text and "alt: A navy square" in text
    assert (folder / "en" / "week-1" / exported).read_bytes() == image.file.open("rb").read()

    # Into an empty database: the whole programme goes, then comes back from the files.
    Programme.objects.filter(pk=programme.pk).delete()
    assert not LessonImage.objects.exists()
    import_directory(folder, publish=True)
    restored = LessonImage.objects.get()
    assert restored.digest == image.digest and restored.alt_text == "A navy square"
    assert restored.file.open("rb").read() == picture("GIF")
    version = LessonVersion.objects.get(lesson=restored.lesson, language="en")
    assert f"(image:{restored.pk})" in version.body
    assert f'src="{restored.ref().url}"' in version.body_html

    # Importing the same files again changes nothing.
    report = import_directory(folder, publish=True)
    assert not report.created
    assert LessonImage.objects.count() == 1


# --- polyglots and decompression bombs ---------------------------------------------------

TRAILERS = {
    "HTML": b"<html><body><script>alert(document.cookie)</script></body></html>\n",
    "PHP": b"<?php system($_GET['c']); ?>\n",
}


@pytest.mark.parametrize("kind", ["PNG", "GIF", "JPEG", "WEBP"])
@pytest.mark.parametrize("trailer", sorted(TRAILERS))
def test_a_picture_with_a_page_or_script_after_it_is_refused(lesson, kind, trailer) -> None:
    clean = picture(kind)
    with pytest.raises(ValidationError, match=r"bytes of something else after its picture"):
        upload(lesson, clean + TRAILERS[trailer])
    assert not LessonImage.objects.exists()
    # The same picture without the trailer is accepted, byte for byte.
    assert upload(lesson, clean).file.open("rb").read() == clean


def test_a_trailer_inside_the_stated_webp_length_is_refused_too(lesson) -> None:
    """A RIFF header may be edited to claim the glued bytes: the chunks inside must fill it."""
    clean = picture("WEBP")
    glued = clean + TRAILERS["HTML"]
    forged = glued[:4] + struct.pack("<I", len(glued) - 8) + glued[8:]
    with pytest.raises(ValidationError, match="not a PNG, JPEG, WebP or GIF"):
        upload(lesson, forged)


def test_an_animated_gif_and_a_jpeg_with_an_exif_thumbnail_are_accepted(lesson) -> None:
    frames = [Image.new("P", (20, 20), colour) for colour in (1, 2, 3)]
    buffer = BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=200)
    assert upload(lesson, buffer.getvalue()).extension == "gif"
    # A thumbnail inside the EXIF block carries its own end-of-image marker.
    thumb = BytesIO()
    Image.new("RGB", (8, 8), "red").save(thumb, "JPEG")
    exif = Image.Exif()
    exif[0x010E] = "A description"
    photo = BytesIO()
    app1 = b"Exif\x00\x00" + exif.tobytes() + thumb.getvalue()
    Image.new("RGB", (40, 30), "navy").save(photo, "JPEG", exif=app1[6:])
    assert b"\xff\xd9" in photo.getvalue()[:-2]
    assert upload(lesson, photo.getvalue()).extension == "jpg"


def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking PNG of a few dozen bytes whose header claims ``width``×``height``."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00" * (width * 3 + 1))  # one row; the rest is missing
    return PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        (4096, 4096, "This picture is 4096×4096 pixels"),
        (50_000, 50_000, "more than 178 million pixels"),
    ],
)
def test_a_tiny_png_claiming_a_huge_picture_is_refused_without_decoding(
    lesson, monkeypatch, width, height, message
) -> None:
    data = png_claiming(width, height)
    assert len(data) < 100_000

    def decode(self, *args, **kwargs):
        raise AssertionError("decoded a picture that should have been refused from its header")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)
    with pytest.raises(ValidationError, match=message):
        upload(lesson, data)
    assert not LessonImage.objects.exists()


def test_pillows_own_bomb_limit_is_left_at_its_default() -> None:
    """It is shared with the PDF export; ours is lower and checked first."""
    assert Image.MAX_IMAGE_PIXELS == 89_478_485 > MAX_IMAGE_PIXELS


def test_a_picture_whose_pixel_data_is_damaged_is_refused(lesson) -> None:
    """Every chunk's structure and CRC is right, but the compressed pixels are not."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", 40, 30, 8, 2, 0, 0, 0)
    data = PNG_SIGNATURE + chunk(b"IHDR", header) + chunk(b"IDAT", b"not zlib at all")
    with pytest.raises(ValidationError, match="not a PNG, JPEG, WebP or GIF"):
        upload(lesson, data + chunk(b"IEND", b""))


def test_the_admin_form_says_why_a_polyglot_is_refused(admin_client, lesson) -> None:
    url = reverse("admin:program_lesson_change", args=[lesson.pk])
    form = admin_form(lesson) | {
        "images-TOTAL_FORMS": "1",
        "images-0-file": SimpleUploadedFile("x.gif", picture("GIF") + TRAILERS["PHP"]),
        "images-0-alt_text": "Something",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "bytes of something else after its picture" in response.content.decode()
    assert not LessonImage.objects.exists()


def test_an_imported_curriculum_image_with_a_trailer_is_refused(
    lesson, clinic_admin, programme, tmp_path
) -> None:
    image = upload(lesson, picture("PNG"), alt="A navy square")
    publish_with(lesson, clinic_admin, image.markdown)
    folder = tmp_path / "curriculum"
    export_programme(programme, folder)
    exported = next((folder / "en" / "week-1" / "images").glob("*.png"))
    exported.write_bytes(exported.read_bytes() + TRAILERS["HTML"])
    Programme.objects.filter(pk=programme.pk).delete()
    with pytest.raises(CurriculumFileError, match="bytes of something else after its picture"):
        import_directory(folder, publish=True)


@hypothesis_settings(max_examples=40)
@given(
    kind=st.sampled_from(["PNG", "GIF", "JPEG", "WEBP"]),
    width=st.integers(1, 64),
    height=st.integers(1, 64),
    tail=st.binary(max_size=64),
)
def test_a_pictures_end_is_where_pillow_wrote_its_last_byte(kind, width, height, tail) -> None:
    clean = picture(kind, (width, height))
    assert picture_end(clean, kind) == len(clean)
    assert picture_end(clean + tail, kind) == len(clean)

"""Hardening (issue 18): request bodies are bounded before anything reads them."""

from __future__ import annotations

import io

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from program.curriculum.models import MAX_IMAGE_BYTES

MB = 1024 * 1024


class UnreadBody(io.BytesIO):
    """A request body that fails the test if anything reads it."""

    def read(self, *args: object) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def test_a_100_mb_anonymous_sign_in_post_is_refused_without_reading_it(db: None) -> None:
    response = Client().generic(
        "POST",
        reverse("account_login"),
        b"",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(100 * MB),
        **{"wsgi.input": UnreadBody()},
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "too much to send at once" in page
    assert "5.0\xa0MB" in page  # the limit, in words
    assert response["Connection"] == "close"


def test_an_upload_over_the_bound_is_refused_and_nothing_is_signed_in(patient) -> None:
    client = Client()
    big = SimpleUploadedFile("big.bin", b"0" * (settings.MAX_REQUEST_BYTES + 1))
    response = client.post(
        reverse("account_login"), {"login": patient.email, "password": "x", "file": big}
    )
    assert response.status_code == 413
    assert "_auth_user_id" not in client.session


def test_the_api_answers_an_oversized_body_in_json(patient) -> None:
    response = Client().generic(
        "POST",
        f"/api/v1/patients/{patient.pk}/diary",
        b"",
        content_type="application/json",
        CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + 1),
        **{"wsgi.input": UnreadBody()},
    )
    assert response.status_code == 413
    assert "larger than the 5.0\xa0MB" in response.json()["detail"]


def test_the_bound_leaves_room_for_the_largest_lesson_image_and_its_form() -> None:
    assert settings.MAX_REQUEST_BYTES >= MAX_IMAGE_BYTES + MB
    # Django's own bound on form fields is the same, and uploads within it stay in memory.
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == settings.MAX_REQUEST_BYTES
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == settings.MAX_REQUEST_BYTES


def test_a_request_with_an_image_sized_file_is_not_refused(patient) -> None:
    picture = SimpleUploadedFile("photo.png", b"0" * MAX_IMAGE_BYTES)
    response = Client().post(
        reverse("account_login"), {"login": patient.email, "password": "x", "file": picture}
    )
    assert response.status_code == 200  # the form's own answer: wrong password


def test_the_bound_is_a_setting(patient, settings) -> None:
    settings.MAX_REQUEST_BYTES = 1000
    response = Client().post(reverse("account_login"), {"login": "a" * 1000, "password": "x"})
    assert response.status_code == 413
    assert "1000\xa0bytes" in response.content.decode()

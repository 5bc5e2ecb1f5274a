"""Pictures and recordings uploaded from the clinic's lesson editor, and recordings of
the guided exercises: checked by content (a bad file is refused with a reason and the
lesson text typed is kept), put into the lesson text, shown in the preview and to the
patient (a player with its transcript), served only to signed-in users, and carried
through export and import."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from accounts.models import AuditEvent
from program.curriculum.actions import add_recording, publish_version, start_draft
from program.curriculum.audio_checks import MAX_AUDIO_BYTES, MB, inspect_audio, max_audio_bytes
from program.curriculum.files import export_programme, import_directory
from program.models import AudioRecording, Lesson, LessonImage, LessonVersion, Programme
from tests.audio_files import m4a, mp3, ogg_opus, ogg_vorbis
from tests.conftest import client_for

from .test_curriculum_editor import edit_url, preview_of, words

NOT_AUDIO = "This file is not an MP3, Ogg or M4A sound file (whatever its name says)."
KEPT = "Your lesson text is kept as you typed it (not saved yet)"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def lesson(programme) -> Lesson:
    return Lesson.objects.get(week__programme=programme, slug="how-sleep-works")


def png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), "navy").save(buffer, "PNG")
    return buffer.getvalue()


def recording_for(lesson: Lesson, data: bytes | None = None, **words: str) -> AudioRecording:
    return add_recording(
        lesson=lesson,
        language="en",
        file=SimpleUploadedFile("calm.mp3", data or mp3(), "audio/mpeg"),
        title=words.get("title", "A calm voice"),
        transcript=words.get("transcript", "Breathe in slowly.\n\nAnd out."),
    )


def publish_with(lesson: Lesson, admin, text: str) -> LessonVersion:
    draft = start_draft(lesson=lesson, language="en", user=admin)
    draft.body = f"{text}\n\n{draft.body}"
    draft.save()
    publish_version(version=draft, user=admin)
    return draft


# --- what a sound file is -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "extension"),
    [(mp3(), "mp3"), (ogg_opus(), "ogg"), (ogg_vorbis(), "ogg"), (m4a(), "m4a")],
)
def test_mp3_ogg_and_m4a_are_recognised_by_content(data, extension) -> None:
    facts = inspect_audio(data)
    assert facts.extension == extension and facts.seconds >= 1 and facts.size == len(data)


@pytest.mark.parametrize(
    "data",
    [
        b"<html><script>alert(1)</script></html>",
        b"ID3" + bytes(200),  # an ID3 tag and nothing playable
        b"OggS" + bytes(200),
        mp3()[:3],
        m4a(handler=b"vide"),  # a film, not a recording
        png(),
    ],
    ids=["html", "id3-only", "oggs-only", "truncated-mp3", "video-m4a", "png"],
)
def test_anything_else_is_refused_whatever_its_name(data) -> None:
    with pytest.raises(ValidationError) as refused:
        inspect_audio(data)
    assert refused.value.messages == [NOT_AUDIO]


def test_a_file_too_large_or_too_long_is_refused_with_the_limit(settings) -> None:
    # 1 MB under the bound on a request body, so that the upload's form fits in it.
    assert max_audio_bytes() == settings.MAX_REQUEST_BYTES - MB == 4 * MB
    with pytest.raises(ValidationError) as refused:
        inspect_audio(mp3() + bytes(4 * MB))
    assert "sound files can be at most 4 MB" in refused.value.messages[0]
    assert inspect_audio(mp3() + bytes(4 * MB - len(mp3()))).size == 4 * MB
    # Raised with the request bound, never past 25 MB.
    settings.MAX_REQUEST_BYTES = 100 * MB
    assert max_audio_bytes() == MAX_AUDIO_BYTES == 25 * MB
    with pytest.raises(ValidationError) as refused:
        inspect_audio(ogg_opus(seconds=2 * 3600))
    assert "lasts 120 minutes; at most 60 are accepted" in refused.value.messages[0]


# --- the editor: pictures ------------------------------------------------------------------


def test_an_admin_uploads_a_picture_in_the_editor_and_it_goes_into_the_text_as_typed(
    admin_client, lesson
) -> None:
    typed = words(lesson, action="image", title="Typed title")
    typed["body"] = "A paragraph typed but not saved.\n\n## Sources\n\n- [KEY] A source."
    typed |= {
        "image-file": SimpleUploadedFile("navy.png", png(), "image/png"),
        "image-alt_text": "A navy square",
    }
    drafts_before = LessonVersion.objects.drafts().filter(lesson=lesson).count()
    page = admin_client.post(edit_url(lesson), typed)
    assert page.status_code == 200
    image = LessonImage.objects.get(lesson=lesson)
    assert image.alt_text == "A navy square" and image.width == 40
    text = page.content.decode()
    assert "Picture uploaded and put in the lesson text below" in text
    # The snippet sits before the sources, in the words as typed; nothing was saved.
    expected = f"A paragraph typed but not saved.\n\n{image.markdown}\n\n## Sources"
    assert expected.replace("\n", "&#x0A;") in text or expected in text
    assert 'value="Typed title"' in text
    assert LessonVersion.objects.drafts().filter(lesson=lesson).count() == drafts_before
    # The preview shows the picture as the patient will see it.
    assert f'src="{image.ref().url}"' in preview_of(page)


@pytest.mark.parametrize(
    ("file", "alt", "reason"),
    [
        (
            SimpleUploadedFile("fake.png", b"<html>not a picture</html>", "image/png"),
            "A square",
            "This file is not a PNG, JPEG, WebP or GIF image",
        ),
        (None, "A square", "This field is required."),
        ("png", "", "This field is required."),
    ],
    ids=["not-a-picture", "no-file", "no-alt-text"],
)
def test_a_bad_picture_is_refused_with_its_reason_and_the_typed_text_is_kept(
    admin_client, lesson, file, alt, reason
) -> None:
    typed = words(lesson, action="image", body="Words typed and not saved yet.")
    typed["image-alt_text"] = alt
    if file == "png":
        typed["image-file"] = SimpleUploadedFile("navy.png", png(), "image/png")
    elif file is not None:
        typed["image-file"] = file
    page = admin_client.post(edit_url(lesson), typed)
    text = page.content.decode()
    assert page.status_code == 200
    assert reason in text and KEPT in text
    assert "Words typed and not saved yet." in text
    assert 'value="A square"' in text or not alt  # the alt text typed is kept too
    assert not LessonImage.objects.exists()
    assert not LessonVersion.objects.drafts().filter(lesson=lesson).exists()


# --- the editor: recordings ------------------------------------------------------------------


def test_an_admin_uploads_a_recording_and_the_preview_plays_it_with_its_transcript(
    admin_client, lesson
) -> None:
    typed = words(lesson, action="audio", body="Listen to this.")
    typed |= {
        "audio-file": SimpleUploadedFile("calm.ogg", ogg_opus(), "audio/ogg"),
        "audio-title": "Winding down",
        "audio-transcript": "Let your shoulders drop.\n\nBreathe out slowly.",
    }
    page = admin_client.post(edit_url(lesson), typed)
    recording = AudioRecording.objects.get(lesson=lesson)
    assert (recording.extension, recording.language, recording.exercise) == ("ogg", "en", "")
    assert recording.transcript == "Let your shoulders drop.\n\nBreathe out slowly."
    text = page.content.decode()
    assert "Recording uploaded and put in the lesson text below" in text
    assert f"![Winding down](audio:{recording.pk})" in text
    preview = preview_of(page)
    assert f'<audio controls="" preload="metadata" src="{recording.url}"></audio>' in preview
    assert "<details><summary>Transcript</summary><p>Let your shoulders drop.</p>" in preview
    # Saving keeps it: the form now holds the snippet.
    saved = admin_client.post(
        edit_url(lesson), words(lesson, body=f"Listen to this.\n\n{recording.markdown}")
    )
    assert saved.status_code == 302
    draft = LessonVersion.objects.drafts().get(lesson=lesson)
    assert recording.url in draft.body_html


@pytest.mark.parametrize(
    ("upload", "transcript", "reason"),
    [
        (("calm.mp3", b"<html>a page</html>"), "Words.", NOT_AUDIO),
        (("calm.mp3", None), "", "This field is required."),
    ],
    ids=["not-audio", "no-transcript"],
)
def test_a_bad_recording_is_refused_with_its_reason_and_the_typed_text_is_kept(
    admin_client, lesson, upload, transcript, reason
) -> None:
    name, data = upload
    typed = words(lesson, action="audio", body="Typed words, still here.")
    typed |= {
        "audio-file": SimpleUploadedFile(name, data or mp3(), "audio/mpeg"),
        "audio-title": "A title typed",
        "audio-transcript": transcript,
    }
    page = admin_client.post(edit_url(lesson), typed)
    text = page.content.decode()
    assert reason in text and KEPT in text
    assert "Typed words, still here." in text and 'value="A title typed"' in text
    assert not AudioRecording.objects.exists()
    assert not LessonVersion.objects.drafts().filter(lesson=lesson).exists()


def test_a_recording_of_another_lesson_is_named_at_the_text(admin_client, lesson) -> None:
    other = Lesson.objects.exclude(pk=lesson.pk).first()
    theirs = recording_for(other)
    page = admin_client.post(edit_url(lesson), words(lesson, body=f"{theirs.markdown}\n"))
    assert page.status_code == 200
    assert f"audio:{theirs.pk}: no such recording on this lesson" in page.content.decode()


# --- the patient -----------------------------------------------------------------------------


def test_the_patient_sees_the_player_and_the_transcript_in_a_fixed_number_of_queries(
    lesson, clinic_admin, patient
) -> None:
    from program.curriculum.actions import push_version

    client = client_for(patient)
    url = reverse("program:lesson", args=[lesson.pk])

    def queries_with(recordings: list[AudioRecording]) -> tuple[int, str]:
        text = "\n\n".join(r.markdown for r in recordings)
        push_version(version=publish_with(lesson, clinic_admin, text))
        client.get(url)
        client.get(url)  # the lesson is open and its version read: count a usual visit
        with CaptureQueriesContext(connection) as queries:
            page = client.get(url).content.decode()
        return len(queries), page

    one = recording_for(lesson, title="One")
    count, page = queries_with([one])
    assert '<figure class="recording"><figcaption>One</figcaption><audio controls=""' in page
    assert "<details><summary>Transcript</summary><p>Breathe in slowly.</p><p>And out.</p>" in page
    more = [recording_for(lesson, ogg_opus(), title=f"More {i}") for i in range(3)]
    count_more, page = queries_with([one, *more])
    assert all(r.url in page for r in more)
    assert count_more == count


def test_a_recording_is_served_to_signed_in_users_only_with_ranges(
    lesson, patient, django_assert_num_queries
) -> None:
    recording = recording_for(lesson)
    assert client_for(None).get(recording.url).status_code == 302
    client = client_for(patient)
    client.get(reverse("program:patient_home"))
    with django_assert_num_queries(3):  # the session, the user, the recording
        whole = client.get(recording.url)
    assert whole.status_code == 200
    assert whole["Content-Type"] == "audio/mpeg" and whole["X-Content-Type-Options"] == "nosniff"
    assert whole["Accept-Ranges"] == "bytes"
    assert b"".join(whole.streaming_content) == mp3()
    part = client.get(recording.url, HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206 and part.content == mp3()[100:200]
    assert part["Content-Range"] == f"bytes 100-199/{len(mp3())}"
    tail = client.get(recording.url, HTTP_RANGE="bytes=-10")
    assert tail.content == mp3()[-10:]
    past = client.get(recording.url, HTTP_RANGE=f"bytes={len(mp3())}-")
    assert past.status_code == 416
    wrong = reverse("program:recording", args=[recording.pk, "0" * 64, "mp3"])
    assert client.get(wrong).status_code == 404


# --- the exercises -----------------------------------------------------------------------------


def exercise_upload(admin_client, **fields):
    data = {
        "exercise": "breathing",
        "language": "en",
        "file": SimpleUploadedFile("breathe.m4a", m4a(), "audio/mp4"),
        "title": "Breathe with me",
        "transcript": "In through the nose.",
    } | fields
    return admin_client.post(reverse("program:exercise_recordings"), data, follow=True)


def test_an_admin_adds_a_recording_to_an_exercise_and_the_patient_hears_it(
    admin_client, patient, django_assert_num_queries
) -> None:
    page = exercise_upload(admin_client)
    assert "Recording uploaded: patients whose language is English see it" in page.content.decode()
    recording = AudioRecording.objects.get(exercise="breathing")
    assert recording.extension == "m4a" and recording.lesson is None
    client = client_for(patient)
    url = reverse("program:exercise", args=["breathing"])
    client.get(url)
    with CaptureQueriesContext(connection) as first:
        text = client.get(url).content.decode()
    count = len(first)
    assert f'<audio controls preload="metadata" src="{recording.url}"></audio>' in text
    assert "<summary>Transcript</summary><p>In through the nose.</p>" in text
    exercise_upload(admin_client, title="A second one")
    with django_assert_num_queries(count):
        assert "A second one" in client.get(url).content.decode()
    # Other exercises show none.
    muscles = client.get(reverse("program:exercise", args=["muscles"]))
    assert "<audio" not in muscles.content.decode()


def test_a_patient_hears_their_own_language_else_english(admin_client, patient) -> None:
    exercise_upload(admin_client, title="In English")
    patient.language = "fr"
    patient.save()
    client = client_for(patient)
    url = reverse("program:exercise", args=["breathing"])
    assert "In English" in client.get(url).content.decode()
    exercise_upload(admin_client, title="En français", language="fr")
    text = client.get(url).content.decode()
    assert "En français" in text and "In English" not in text


def test_a_bad_exercise_recording_is_refused_and_what_was_typed_kept(admin_client) -> None:
    page = exercise_upload(
        admin_client,
        file=SimpleUploadedFile("x.mp3", b"GIF89a not sound", "audio/mpeg"),
        transcript="Every word typed.",
    )
    text = page.content.decode()
    assert page.status_code == 200
    assert NOT_AUDIO in text and "Every word typed." in text
    assert not AudioRecording.objects.exists()


def delete_url(recording: AudioRecording) -> str:
    return reverse("program:curriculum_recording_delete", args=[recording.pk])


def deleting_now():
    """Run the file's deletion at once (it waits for the commit, which tests roll back)."""
    patch = pytest.MonkeyPatch()
    patch.setattr("django.db.transaction.on_commit", lambda f, *a, **k: f())
    return patch


def test_an_exercise_recording_is_deleted_after_a_confirmation_with_its_file(
    admin_client, clinic_admin, patient, media_root
) -> None:
    exercise_upload(admin_client)
    recording = AudioRecording.objects.get()
    stored = media_root / recording.file.name
    assert stored.exists()
    listing = admin_client.get(reverse("program:exercise_recordings")).content.decode()
    assert f'href="{delete_url(recording)}"' in listing  # a link to the question, not a deletion
    confirm = admin_client.get(delete_url(recording)).content.decode()
    assert "Are you sure?" in confirm and "cannot be undone" in confirm
    assert AudioRecording.objects.exists() and stored.exists()  # asking deletes nothing
    patch = deleting_now()
    try:
        page = admin_client.post(delete_url(recording), follow=True)
    finally:
        patch.undo()
    assert "was deleted, with its file: patients no longer see it" in page.content.decode()
    assert not AudioRecording.objects.exists() and not stored.exists()
    url = reverse("program:exercise", args=["breathing"])
    assert "<audio" not in client_for(patient).get(url).content.decode()
    audited = AuditEvent.objects.filter(actor=clinic_admin, action="change")
    assert audited.filter(path=delete_url(recording)).exists()


def test_a_lesson_recording_no_version_plays_is_deleted_with_its_file(
    lesson, admin_client, media_root
) -> None:
    recording = recording_for(lesson, m4a())
    stored = media_root / recording.file.name
    editor = admin_client.get(edit_url(lesson)).content.decode()
    assert f'href="{delete_url(recording)}"' in editor
    assert "No current version of the lesson plays it." in (
        admin_client.get(delete_url(recording)).content.decode()
    )
    patch = deleting_now()
    try:
        response = admin_client.post(delete_url(recording))
    finally:
        patch.undo()
    assert response.status_code == 302 and response.url == edit_url(lesson)
    assert not AudioRecording.objects.exists() and not stored.exists()


def test_a_recording_the_published_lesson_plays_is_not_deleted_and_says_where(
    lesson, clinic_admin, admin_client, patient, media_root
) -> None:
    recording = recording_for(lesson, m4a(), title="A calm voice")
    version = publish_with(lesson, clinic_admin, recording.markdown)
    page = admin_client.get(delete_url(recording)).content.decode()
    assert "Still played: not deleted" in page
    assert f"version {version.number}, published (patients read it)" in page
    assert "Delete the recording</button>" not in page
    response = admin_client.post(delete_url(recording))
    assert "Not deleted: a version of the lesson still plays it." in response.content.decode()
    assert AudioRecording.objects.filter(pk=recording.pk).exists()
    # Taken out of the words and published again: now it may go, and the page says that
    # the older version plays it.
    draft = start_draft(lesson=lesson, language="en", user=clinic_admin)
    draft.body = draft.body.replace(recording.markdown, "").strip()
    draft.save()
    publish_version(version=draft, user=clinic_admin)
    page = admin_client.get(delete_url(recording)).content.decode()
    assert "Are you sure?" in page
    assert "older published version plays it" in page


def test_a_draft_that_plays_the_recording_holds_it_too(lesson, clinic_admin, admin_client) -> None:
    recording = recording_for(lesson, m4a())
    draft = start_draft(lesson=lesson, language="en", user=clinic_admin)
    draft.body = f"{recording.markdown}\n\n{draft.body}"
    draft.save()
    page = admin_client.get(delete_url(recording)).content.decode()
    assert "Still played: not deleted" in page and "the draft" in page
    admin_client.post(delete_url(recording))
    assert AudioRecording.objects.filter(pk=recording.pk).exists()


# --- export and import -------------------------------------------------------------------------


def test_recordings_survive_export_and_import(
    lesson, clinic_admin, programme, admin_client, tmp_path
) -> None:
    recording = recording_for(lesson, m4a(), title="A calm voice")
    publish_with(lesson, clinic_admin, f"{recording.markdown}\n\nWords after it.")
    exercise_upload(admin_client, language="de", title="Atmen", transcript="Einatmen.")
    folder = tmp_path / "curriculum"
    export_programme(programme, folder)
    week = folder / "en" / "week-1"
    text = next(week.glob(f"*-{lesson.slug}.md")).read_text()
    exported = f"audio/{lesson.slug}-{recording.digest[:12]}.m4a"
    assert f"![A calm voice]({exported})" in text
    assert f"file: {exported}" in text and "transcript:" in text
    assert (week / exported).read_bytes() == m4a()
    listing = (folder / "exercises" / "recordings.md").read_text()
    assert "exercise: breathing" in listing and "language: de" in listing
    assert "Einatmen." in listing

    Programme.objects.filter(pk=programme.pk).delete()
    AudioRecording.objects.all().delete()
    import_directory(folder, publish=True)
    restored = AudioRecording.objects.get(lesson__isnull=False)
    assert (restored.title, restored.transcript) == ("A calm voice", recording.transcript)
    assert restored.digest == recording.digest and restored.file.open("rb").read() == m4a()
    version = LessonVersion.objects.get(lesson=restored.lesson, language="en")
    assert f"(audio:{restored.pk})" in version.body
    assert f'src="{restored.url}"' in version.body_html
    breathing = AudioRecording.objects.get(exercise="breathing")
    assert (breathing.language, breathing.title, breathing.transcript) == (
        "de",
        "Atmen",
        "Einatmen.",
    )
    # The same files again change nothing.
    report = import_directory(folder, publish=True)
    assert not report.created and AudioRecording.objects.count() == 2


def test_an_imported_recording_that_is_not_sound_is_refused_with_its_file(
    lesson, clinic_admin, programme, tmp_path
) -> None:
    from program.curriculum.files import CurriculumFileError

    recording = recording_for(lesson)
    publish_with(lesson, clinic_admin, recording.markdown)
    folder = tmp_path / "curriculum"
    export_programme(programme, folder)
    exported = next((folder / "en" / "week-1" / "audio").iterdir())
    exported.write_bytes(b"<html>not sound</html>")
    with pytest.raises(CurriculumFileError, match=re.escape(f"{exported.name}: {NOT_AUDIO}")):
        import_directory(folder, publish=True)


def test_the_clinic_import_page_takes_an_export_with_recordings(
    lesson, clinic_admin, programme, admin_client
) -> None:
    import io
    import zipfile

    recording = recording_for(lesson)
    publish_with(lesson, clinic_admin, recording.markdown)
    exercise_upload(admin_client)
    archive = admin_client.get(reverse("program:curriculum_export")).content
    names = zipfile.ZipFile(io.BytesIO(archive)).namelist()
    assert "exercises/recordings.md" in names
    assert any(n.startswith("en/week-1/audio/") for n in names)
    upload = SimpleUploadedFile("curriculum.zip", archive, "application/zip")
    page = admin_client.post(reverse("program:curriculum_import"), {"file": upload})
    text = page.content.decode()
    assert "The files can be imported" in text and "Nothing was imported" not in text


def test_the_sanitiser_keeps_an_audio_source_only_on_our_recordings() -> None:
    from program.curriculum.markup import sanitise_html

    html = sanitise_html(
        '<audio src="https://elsewhere.test/x.mp3" autoplay onplay="x()" controls></audio>'
        '<audio src="/recordings/1/abc.mp3" controls></audio><figure class="evil"></figure>'
    )
    assert html == (
        '<audio controls=""></audio><audio src="/recordings/1/abc.mp3" controls=""></audio>'
        "<figure></figure>"
    )


def test_the_exercises_recordings_page_reads_them_in_a_fixed_number_of_queries(
    admin_client,
) -> None:
    url = reverse("program:exercise_recordings")

    def queries() -> int:
        with CaptureQueriesContext(connection) as done:
            assert admin_client.get(url).status_code == 200
        return len(done)

    exercise_upload(admin_client)
    admin_client.get(url)
    one = queries()
    for kind in ("muscles", "worry", "breathing"):
        exercise_upload(admin_client, exercise=kind, title=f"For {kind}")
    admin_client.get(url)
    assert queries() == one

"""The clinic's curriculum pages (/clinic/curriculum/, program.curriculum.admin_views):
the lessons by week, an editor with a preview in the patient's template, publishing
(once, even when pressed twice), readers kept on their version unless it is pushed,
two tabs that never overwrite each other silently, compare and restore, and the
curriculum as files with a file-by-file report."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
import yaml
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role
from program.curriculum.actions import open_lesson
from program.models import Enrolment, Lesson, LessonProgress, LessonVersion
from tests.conftest import client_for


@pytest.fixture(autouse=True)
def _spanish(spanish) -> None:
    """The translations here are into Spanish, which the shipped lessons are not in."""


@pytest.fixture
def lesson(programme) -> Lesson:
    return Lesson.objects.get(week__programme=programme, slug="how-sleep-works")


@pytest.fixture
def admin_client(clinic_admin):
    return client_for(clinic_admin)


def edit_url(lesson: Lesson, language: str = "en") -> str:
    return reverse("program:curriculum_lesson", args=[lesson.pk, language])


def words(lesson: Lesson, **changes) -> dict:
    """The editor's form as a browser would send it, opened on the lesson now."""
    from program.curriculum.actions import draft_fingerprint, lesson_series

    draft, latest = lesson_series(lesson, "en")
    source = draft or latest
    data = {
        "title": source.title,
        "summary": source.summary,
        "body": source.body,
        "minutes": source.minutes,
        "parts": yaml.safe_dump(source.parts, sort_keys=False, allow_unicode=True),
        "change_note": "",
        "base": draft_fingerprint(draft, latest),
        "guidance": "approval",
        "protocol": "weekly-90-85",
        "action": "save",
    }
    return data | changes


def page_text(response) -> str:
    return response.content.decode()


def preview_of(response) -> str:
    """The preview beside the form (the form's textareas hold the words as typed)."""
    return page_text(response).partition('class="preview-pane"')[2]


def test_the_curriculum_lists_each_weeks_lessons_with_versions_drafts_and_languages(
    admin_client, lesson, clinic_admin
) -> None:
    admin_client.post(edit_url(lesson), words(lesson, title="A new title"))
    response = admin_client.get(reverse("program:curriculum"))
    text = page_text(response)
    assert "Week 1: How sleep works, insomnia, and your diary" in text or "Week 1:" in text
    assert "A new title" in text  # the English draft's title
    assert "version 1" in text
    assert 'class="badge badge-draft"' in text
    assert reverse("program:curriculum_lesson", args=[lesson.pk, "en"]) in text
    # The clinic overview links here.
    assert reverse("program:curriculum") in page_text(
        admin_client.get(reverse("program:clinic_home"))
    )


def test_preview_shows_the_typed_words_in_the_patients_template_without_saving(
    admin_client, lesson
) -> None:
    body = (
        "Intro.\n\n::: if self_guided\nChanges apply on their own.\n::: else\n"
        "Your therapist checks each change.\n:::\n\nThe floor is {{ floor }}."
    )
    data = words(lesson, body=body, summary="Why **two systems** matter.", action="preview")
    response = admin_client.post(edit_url(lesson), data | {"guidance": "self"})
    text = preview_of(response)
    assert response.status_code == 200
    assert 'class="lesson"' in text and "Check my answer" in text  # the patient's template
    assert "Changes apply on their own." in text
    assert "Your therapist checks each change." not in text
    assert "The floor is 5 hours." in text
    assert "Why <strong>two systems</strong> matter." in text
    assert "**" not in text
    assert "Why **two systems** matter." in page_text(response)  # the form keeps it as typed
    # A clinician-approved programme on the other protocol reads otherwise.
    response = admin_client.post(
        edit_url(lesson), data | {"guidance": "approval", "protocol": "spielman-1987"}
    )
    text = preview_of(response)
    assert "The floor is 4 hours 30 minutes." in text
    assert "Your therapist checks each change." in text
    assert "Changes apply on their own." not in text
    assert not LessonVersion.objects.drafts().filter(lesson=lesson).exists()


def test_saving_makes_a_draft_that_patients_do_not_see(admin_client, lesson, patient) -> None:
    response = admin_client.post(edit_url(lesson), words(lesson, title="Sleep, drive and clock"))
    assert response.status_code == 302
    draft = LessonVersion.objects.drafts().get(lesson=lesson, language="en")
    assert draft.title == "Sleep, drive and clock"
    assert draft.based_on == lesson.versions.get(language="en", number=1)
    followed = admin_client.get(response["Location"])
    assert "Draft saved. Patients see nothing of it until you publish it." in page_text(followed)
    progress = open_lesson(
        enrolment=Enrolment.objects.get(patient=patient), lesson=lesson, language="en"
    )
    assert progress.version.number == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"parts": "- type: quiz\n  key: [unclosed"}, "This is not valid YAML"),
        ({"parts": "- type: poem\n  key: x"}, "type must be one of"),
        ({"body": "Your floor is {{ flor }}."}, "flor"),
        ({"minutes": "ten"}, "Enter a whole number."),
        ({"body": "![a picture](image:999999)"}, "no such image on this lesson"),
    ],
)
def test_bad_input_is_named_keeps_what_was_typed_and_saves_nothing(
    admin_client, lesson, change, message
) -> None:
    data = words(lesson, summary="Typed words to keep", **change)
    response = admin_client.post(edit_url(lesson), data)
    text = page_text(response)
    assert response.status_code == 200
    assert message in text
    assert "Typed words to keep" in text
    assert "Your other answers are kept." in text
    assert not LessonVersion.objects.drafts().filter(lesson=lesson).exists()


def test_two_tabs_do_not_overwrite_each_other_silently(admin_client, lesson) -> None:
    first_tab = words(lesson, title="From the first tab")
    second_tab = words(lesson, title="From the second tab")
    admin_client.post(edit_url(lesson), first_tab)
    response = admin_client.post(edit_url(lesson), second_tab)
    text = page_text(response)
    assert response.status_code == 200
    assert "Not saved: this lesson&#x27;s draft was changed" in text
    assert "From the second tab" in text  # the typed words are kept
    assert LessonVersion.objects.drafts().get(lesson=lesson).title == "From the first tab"
    # Saving again from the page that said so replaces it, knowingly.
    base = response.context["form"]["base"].value()
    again = admin_client.post(edit_url(lesson), second_tab | {"base": base})
    assert again.status_code == 302
    assert LessonVersion.objects.drafts().get(lesson=lesson).title == "From the second tab"


def publish(admin_client, lesson, *, push: bool = False):
    from program.curriculum.actions import draft_fingerprint, lesson_series

    draft, latest = lesson_series(lesson, "en")
    data = {"base": draft_fingerprint(draft, latest)} | ({"push": "on"} if push else {})
    url = reverse("program:curriculum_publish", args=[lesson.pk, "en"])
    return url, data


def test_publish_pressed_twice_publishes_once(admin_client, lesson, clinic_admin) -> None:
    admin_client.post(edit_url(lesson), words(lesson, title="Published once"))
    url, data = publish(admin_client, lesson)
    first = admin_client.post(url, data, follow=True)
    second = admin_client.post(url, data, follow=True)
    assert "Published as version 2. New readers get it from now on." in page_text(first)
    assert "This draft is already published, as version 2." in page_text(second)
    published = lesson.versions.published().filter(language="en")
    assert list(published.values_list("number", flat=True)) == [2, 1]
    assert published.get(number=2).published_by == clinic_admin
    assert not lesson.versions.drafts().exists()


def test_publish_refuses_a_draft_changed_since_the_page_was_opened(admin_client, lesson) -> None:
    admin_client.post(edit_url(lesson), words(lesson, title="Seen by tab one"))
    url, data = publish(admin_client, lesson)
    admin_client.post(edit_url(lesson), words(lesson, title="Saved by tab two"))
    response = admin_client.post(url, data, follow=True)
    assert "Not published: the draft was changed since you opened this page." in page_text(response)
    assert not lesson.versions.filter(number=2).exists()


def test_readers_keep_their_version_unless_the_new_one_is_pushed(
    admin_client, lesson, patient, other_patient
) -> None:
    reading = open_lesson(
        enrolment=Enrolment.objects.get(patient=patient), lesson=lesson, language="en"
    )
    open_lesson(
        enrolment=Enrolment.objects.get(patient=other_patient), lesson=lesson, language="en"
    )
    text = page_text(admin_client.get(edit_url(lesson)))
    # The page says who reads which version.
    assert "2 patients reading it (" in text and patient.display_name in text
    admin_client.post(edit_url(lesson), words(lesson, title="Second words"))
    url, data = publish(admin_client, lesson)
    admin_client.post(url, data)
    reading.refresh_from_db()
    assert reading.version.number == 1
    # Then the admin gives it to the readers part-way, from the same page.
    v2 = lesson.versions.get(number=2, language="en")
    response = admin_client.post(
        reverse("program:curriculum_push", args=[lesson.pk, "en", v2.pk]), follow=True
    )
    assert "2 patients part-way through the lesson now read version 2." in page_text(response)
    assert set(LessonProgress.objects.filter(lesson=lesson).values_list("version", flat=True)) == {
        v2.pk
    }


def test_publishing_with_push_moves_readers_part_way(admin_client, lesson, patient) -> None:
    reading = open_lesson(
        enrolment=Enrolment.objects.get(patient=patient), lesson=lesson, language="en"
    )
    admin_client.post(edit_url(lesson), words(lesson, title="Pushed words"))
    url, data = publish(admin_client, lesson, push=True)
    response = admin_client.post(url, data, follow=True)
    assert (
        "1 patient part-way through the lesson now reads it; their answers are kept."
        in page_text(response)
    )
    reading.refresh_from_db()
    assert reading.version.number == 2


def test_compare_shows_a_safe_readable_diff_and_restore_makes_a_draft(admin_client, lesson) -> None:
    v1 = lesson.versions.get(language="en", number=1)
    admin_client.post(
        edit_url(lesson), words(lesson, body=v1.body + "\n\n<script>alert(1)</script>")
    )
    url, data = publish(admin_client, lesson)
    admin_client.post(url, data)
    response = admin_client.get(reverse("program:curriculum_compare", args=[lesson.pk, "en"]))
    text = page_text(response)
    assert '<span class="add"><span class="visually-hidden">added: </span>+&lt;script&gt;' in text
    assert "<script>alert(1)" not in text
    # Restoring version 1 makes a draft with its words; patients see nothing yet.
    restore = reverse("program:curriculum_restore", args=[lesson.pk, "en", v1.pk])
    base = response.context["fingerprint"]
    followed = admin_client.post(restore, {"base": base}, follow=True)
    assert "The draft now holds the words of version 1. Publish it to restore them." in page_text(
        followed
    )
    draft = lesson.versions.drafts().get()
    assert draft.body == v1.body and draft.based_on == v1
    # A restore from a page opened before that draft changed is refused.
    admin_client.post(edit_url(lesson), words(lesson, title="Changed meanwhile"))
    refused = admin_client.post(restore, {"base": base}, follow=True)
    assert "Not restored: the draft was changed" in page_text(refused)
    assert lesson.versions.drafts().get().title == "Changed meanwhile"


def test_a_new_translation_starts_from_the_english_words(admin_client, lesson) -> None:
    response = admin_client.get(edit_url(lesson, "es"))
    assert (
        response.context["form"]["title"].value()
        == lesson.versions.get(language="en", number=1).title
    )
    assert "Nothing in this language yet" in page_text(response)


def test_unknown_language_and_lesson_are_404(admin_client, lesson) -> None:
    assert (
        admin_client.get(reverse("program:curriculum_lesson", args=[lesson.pk, "xx"])).status_code
        == 404
    )
    assert (
        admin_client.get(reverse("program:curriculum_lesson", args=[999999, "en"])).status_code
        == 404
    )


# --- Files --------------------------------------------------------------------------------


def exported(admin_client, programme) -> dict[str, bytes]:
    response = admin_client.get(reverse("program:curriculum_export") + f"?programme={programme.pk}")
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zipped(files: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    buffer.seek(0)
    buffer.name = "curriculum.zip"
    return buffer


def translated(files: dict[str, bytes]) -> dict[str, bytes]:
    """The English week 1 copied to es/ (the shipped lessons have no Spanish yet), one
    lesson's title translated, zipped on a Mac
    with a README beside it."""
    copy = dict(files) | {
        "README.md": b"Our curriculum, in Spanish too.",
        "__MACOSX/es/._week.md": b"\x00\x05",
        "es/.DS_Store": b"\x00",
    }
    for name, data in files.items():
        if name.startswith("en/week-1/"):
            text = data.decode()
            if name.endswith("how-sleep-works.md"):
                text = text.replace("title: How sleep works", "title: Cómo funciona el sueño")
            copy["es/" + name.removeprefix("en/")] = text.encode()
    return copy


def test_export_then_import_a_translated_copy_adds_spanish_drafts(
    admin_client, programme, lesson
) -> None:
    files = exported(admin_client, programme)
    assert "programme.md" in files and "en/week-1/02-how-sleep-works.md" in files
    url = reverse("program:curriculum_import")
    # Checking first saves nothing and says what would change.
    check = admin_client.post(
        url, {"file": zipped(translated(files)), "action": "check"}, follow=True
    )
    text = page_text(check)
    week_1 = Lesson.objects.filter(week__programme=programme, week__number=1).count()
    assert f"The files can be imported: {week_1} lessons would change" in text
    assert "es/week-1/02-how-sleep-works.md" in text
    assert not LessonVersion.objects.filter(language="es").exists()
    done = admin_client.post(url, {"file": zipped(translated(files)), "action": "import"})
    text = page_text(done)
    assert f"Imported: {week_1} new drafts to review" in text
    assert "new draft" in text and "unchanged" in text
    draft = LessonVersion.objects.get(lesson=lesson, language="es")
    assert draft.title.startswith("Cómo funciona") and not draft.is_published


def test_words_published_from_the_editor_come_back_unchanged_from_their_own_export(
    admin_client, programme, lesson
) -> None:
    """A browser sends a textarea's line breaks as CR LF: the words are kept with LF, as
    the files are, so exporting and importing them again makes no new version."""
    source = lesson.versions.get(language="en", number=1)
    typed = "Edited in the browser.\r\n\r\n" + source.body.replace("\n", "\r\n")
    summary = "Two lines\r\nof summary."
    admin_client.post(edit_url(lesson), words(lesson, body=typed, summary=summary))
    url, data = publish(admin_client, lesson)
    admin_client.post(url, data)
    published = lesson.versions.get(language="en", number=2)
    assert "\r" not in published.body and "\r" not in published.summary
    files = exported(admin_client, programme)
    assert b"\r" not in files["en/week-1/02-how-sleep-works.md"]
    response = admin_client.post(
        reverse("program:curriculum_import"), {"file": zipped(files), "action": "import"}
    )
    assert "Imported: 0 new drafts to review" in page_text(response)
    assert not lesson.versions.drafts().exists()
    assert lesson.versions.filter(language="en").count() == 2


def checked_digest(response) -> str:
    """The reference to the kept archive that the report's "Import the checked file" sends."""
    match = re.search(r'name="checked-digest" value="([0-9a-f]{64})"', page_text(response))
    assert match, "the report offers no import of the checked file"
    return match.group(1)


def test_after_a_check_the_checked_file_is_imported_without_choosing_it_again(
    admin_client, programme, lesson
) -> None:
    """The report keeps what was checked: its Import takes those very bytes, even after
    another archive was checked (another tab), and only once."""
    files = translated(exported(admin_client, programme))
    url = reverse("program:curriculum_import")
    check = admin_client.post(url, {"file": zipped(files), "action": "check"})
    text = page_text(check)
    assert "is kept as it was checked" in text and "Import the checked file" in text
    assert "Choose the file again" not in text
    digest = checked_digest(check)
    other = dict(files)
    name = "es/week-1/02-how-sleep-works.md"
    other[name] = other[name].replace("Cómo funciona el sueño".encode(), b"Otro titulo")
    admin_client.post(url, {"file": zipped(other), "action": "check"})
    assert not LessonVersion.objects.filter(language="es").exists()  # checks save nothing

    done = admin_client.post(url, {"action": "import-checked", "checked-digest": digest})
    week_1 = Lesson.objects.filter(week__programme=programme, week__number=1).count()
    assert f"Imported: {week_1} new drafts to review" in page_text(done)
    draft = LessonVersion.objects.get(lesson=lesson, language="es")
    assert draft.title == "Cómo funciona el sueño" and not draft.is_published
    # Imported: no longer offered.
    again = admin_client.post(url, {"action": "import-checked", "checked-digest": digest})
    assert "The checked file is no longer kept" in page_text(again)


def test_the_checked_file_imports_as_published_when_that_is_chosen(
    admin_client, programme, lesson
) -> None:
    files = translated(exported(admin_client, programme))
    url = reverse("program:curriculum_import")
    check = admin_client.post(url, {"file": zipped(files), "action": "check", "publish": "on"})
    assert check.context["checked"]["form"]["publish"].value() is True  # as it was checked
    admin_client.post(
        url,
        {
            "action": "import-checked",
            "checked-digest": checked_digest(check),
            "checked-publish": "on",
        },
    )
    assert LessonVersion.objects.get(lesson=lesson, language="es").is_published


def test_a_check_no_longer_kept_says_so_and_imports_nothing(
    admin_client, programme, lesson, clinic_admin
) -> None:
    """Expired, another admin's, or a made-up reference: the page says the file is no
    longer kept and asks for it again; nothing is imported, and never a 500."""
    from program.curriculum.admin_views import kept_check
    from tests.conftest import make_user

    files = translated(exported(admin_client, programme))
    url = reverse("program:curriculum_import")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        digest = checked_digest(admin_client.post(url, {"file": zipped(files), "action": "check"}))
    second_admin = client_for(make_user("admin2@clinic.test", Role.ADMIN, name="Bo Admin"))
    attempts = [
        (second_admin, digest),
        (admin_client, "0" * 64),
        (admin_client, "not a digest"),
    ]
    for client, reference in attempts:
        response = client.post(url, {"action": "import-checked", "checked-digest": reference})
        assert response.status_code == 200
        text = page_text(response)
        assert "The checked file is no longer kept" in text and "nothing was imported" in text
        assert 'name="file"' in text  # the file is asked for again
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert kept_check(clinic_admin, digest) is not None  # kept for half an hour
    with time_machine.travel(start + timedelta(minutes=31), tick=False):
        later = client_for(clinic_admin)  # signed in again: the first session has timed out
        response = later.post(url, {"action": "import-checked", "checked-digest": digest})
    assert "The checked file is no longer kept" in page_text(response)
    assert not LessonVersion.objects.filter(language="es").exists()


def test_checking_the_files_is_in_the_audit_log_as_a_view_and_importing_as_a_change(
    admin_client, programme, lesson, clinic_admin
) -> None:
    """ "Check the files" runs the import and rolls it back: a dry run that changes
    nothing is not logged as a change; the import that follows is."""
    files = translated(exported(admin_client, programme))
    url = reverse("program:curriculum_import")
    check = admin_client.post(url, {"file": zipped(files), "action": "check"})
    events = AuditEvent.objects.filter(actor=clinic_admin, path=url)
    assert list(events.values_list("method", "action")) == [("POST", "view")]
    admin_client.post(url, {"action": "import-checked", "checked-digest": checked_digest(check)})
    assert sorted(events.values_list("action", flat=True)) == ["change", "view"]
    log = page_text(admin_client.get(reverse("program:clinic_audit")))
    entries = re.findall(r"(Viewed|Changed): a clinic page<br><code[^>]*>POST ([^<]+)</code>", log)
    assert entries == [("Changed", url), ("Viewed", url)]  # newest first


def test_an_invalid_file_saves_nothing_and_is_named_row_by_row(
    admin_client, programme, lesson
) -> None:
    files = translated(exported(admin_client, programme))
    broken = (
        files["es/week-1/02-how-sleep-works.md"]
        .decode()
        .replace("title: Cómo", "{{ oops }}\ntitle: Cómo", 1)
    )
    files["es/week-1/02-how-sleep-works.md"] = broken.replace(
        "---\n\n", "---\n\n{{ nope }} ", 1
    ).encode()
    files["es/week-1/03-what-insomnia-is.md"] = b"no front matter"
    response = admin_client.post(
        reverse("program:curriculum_import"),
        {"file": zipped(files), "action": "import", "publish": "on"},
    )
    text = page_text(response)
    assert "Nothing was imported: correct the files marked below" in text
    rows = {row["file"]: row for row in response.context["rows"]}
    assert rows["es/week-1/03-what-insomnia-is.md"]["kind"] == "error"
    assert "no front matter" in rows["es/week-1/03-what-insomnia-is.md"]["outcome"]
    assert rows["es/week-1/02-how-sleep-works.md"]["kind"] == "error"
    assert rows["en/week-1/02-how-sleep-works.md"]["kind"] == "same"
    # The problems come first, not among a hundred files read without one.
    kinds = [row["kind"] for row in response.context["rows"]]
    assert kinds[:2] == ["error", "error"] and "error" not in kinds[2:]
    assert response.context["form"]["publish"].value() is True  # what was chosen is kept
    assert not LessonVersion.objects.filter(language="es").exists()


def test_an_archive_with_paths_outside_its_folder_is_refused(admin_client, tmp_path) -> None:
    response = admin_client.post(
        reverse("program:curriculum_import"),
        {
            "file": zipped({"programme.md": b"---\nslug: x\n---\n", "../escape.md": b"x"}),
            "action": "import",
        },
    )
    assert "The archive holds a file outside its folder: ../escape.md" in page_text(response)
    not_zip = io.BytesIO(b"plain text")
    not_zip.name = "notes.txt"
    response = admin_client.post(
        reverse("program:curriculum_import"), {"file": not_zip, "action": "check"}
    )
    assert "This file is not a zip archive." in page_text(response)


def test_the_patients_lesson_shows_its_summary_as_markdown(patient, lesson, clinic_admin) -> None:
    from program.curriculum.actions import publish_version, start_draft

    draft = start_draft(lesson=lesson, language="en", user=clinic_admin)
    draft.summary = "Why **two systems** decide when you sleep."
    draft.save()
    publish_version(version=draft, user=clinic_admin)
    text = page_text(client_for(patient).get(reverse("program:lesson", args=[lesson.pk])))
    assert "Why <strong>two systems</strong> decide when you sleep." in text
    assert "**" not in text
    week = page_text(client_for(patient).get(reverse("program:week", args=[1])))
    assert "<strong>two systems</strong>" in week


def test_importing_with_publish_publishes_the_translation_at_once(
    admin_client, programme, lesson
) -> None:
    files = translated(exported(admin_client, programme))
    response = admin_client.post(
        reverse("program:curriculum_import"),
        {"file": zipped(files), "action": "import", "publish": "on"},
    )
    week_1 = Lesson.objects.filter(week__programme=programme, week__number=1).count()
    assert f"Imported: {week_1} new versions published (" in page_text(response)
    spanish = LessonVersion.objects.get(lesson=lesson, language="es")
    assert spanish.is_published and spanish.number == 1
    # The same files again add nothing.
    again = admin_client.post(
        reverse("program:curriculum_import"),
        {"file": zipped(files), "action": "import", "publish": "on"},
    )
    assert "Imported: 0 new versions published (" in page_text(again)
    assert LessonVersion.objects.filter(lesson=lesson, language="es").count() == 1


@pytest.mark.django_db(transaction=True)
def test_publish_pressed_in_eight_tabs_at_once_publishes_once(programme, clinic_admin) -> None:
    """The lesson's row lock makes the fingerprint check and the publish one step: eight
    presses at the same moment give one version 2 and seven "already published"."""
    import threading

    from django.db import connection

    from program.curriculum.actions import (
        NothingToPublish,
        draft_fingerprint,
        lesson_series,
        publish_draft,
        start_draft,
    )

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's test database is one connection)")
    lesson = Lesson.objects.get(week__programme=programme, slug="how-sleep-works")
    draft = start_draft(lesson=lesson, language="en", user=clinic_admin)
    draft.title = "Pressed at once"
    draft.save()
    expected = draft_fingerprint(*lesson_series(lesson, "en"))
    outcomes: list[str] = []

    def press() -> None:
        try:
            publish_draft(
                lesson=lesson, language="en", user=clinic_admin, expected=expected, push=False
            )
            outcomes.append("published")
        except NothingToPublish:
            outcomes.append("already")
        except BaseException as error:
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=press) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["already"] * 7 + ["published"], outcomes
    assert list(lesson.versions.filter(language="en").values_list("number", flat=True)) == [2, 1]


# --- Required or optional ---------------------------------------------------------------


def test_the_editor_switches_a_lesson_between_required_and_optional(
    programme, admin_client, clinic_admin, patient
) -> None:
    lesson = Lesson.objects.filter(week__programme=programme, is_required=True).first()
    assert lesson is not None
    url = reverse("program:curriculum_required", args=[lesson.pk, "en"])
    page = admin_client.get(edit_url(lesson)).content.decode()
    assert 'role="switch" name="required" id="id_required" checked' in page
    assert "Now required: the next week waits for this lesson" in page
    # Unticked: optional.
    page = admin_client.post(url, {}, follow=True).content.decode()
    assert "This lesson is now optional: the next week does not wait for it." in page
    lesson.refresh_from_db()
    assert lesson.is_required is False
    assert 'role="switch" name="required" id="id_required" aria' in page  # not checked
    # The patient enrolled has not finished it: the admin is told what making it required does.
    assert "it closes the next week again for the 1 patient enrolled now" in page
    # Ticked again: required.
    page = admin_client.post(url, {"required": "on"}, follow=True).content.decode()
    assert "This lesson is now required" in page
    assert "1 patient enrolled now has not finished it: their next week waits for it." in page
    lesson.refresh_from_db()
    assert lesson.is_required is True
    assert AuditEvent.objects.filter(actor=clinic_admin, path=url, action="change").count() == 2


def test_a_lesson_switched_to_optional_no_longer_holds_the_next_week(
    programme, patient, admin_client
) -> None:
    from program.curriculum.actions import programme_overview
    from program.rules.unlocking import WAIT_LESSONS

    def waiting_for() -> tuple[str, ...]:
        enrolment = patient.enrolments.select_related("programme").get()
        day = enrolment.start_date + timedelta(days=7)
        return programme_overview(enrolment, today=day).week(2).state.waiting_for

    assert WAIT_LESSONS in waiting_for()
    for lesson in Lesson.objects.filter(week__programme=programme, week__number=1):
        admin_client.post(reverse("program:curriculum_required", args=[lesson.pk, "en"]), {})
    assert WAIT_LESSONS not in waiting_for()


def _publish_in(admin_client, lesson: Lesson, language: str, title: str) -> None:
    """Save a draft in ``language`` with ``title`` and publish it, as the editor does."""
    from program.curriculum.actions import draft_fingerprint, lesson_series

    draft, latest = lesson_series(lesson, language)
    saved = admin_client.post(
        edit_url(lesson, language),
        words(lesson, title=title, base=draft_fingerprint(draft, latest)),
    )
    assert saved.status_code == 302
    draft, latest = lesson_series(lesson, language)
    url = reverse("program:curriculum_publish", args=[lesson.pk, language])
    admin_client.post(url, {"base": draft_fingerprint(draft, latest)})
    assert lesson.versions.published().filter(language=language, title=title).exists()


def test_a_translation_older_than_the_english_is_marked_until_it_is_published_again(
    admin_client, lesson
) -> None:
    """An English lesson published again (a correction, say) after its French: the
    curriculum and the French editor say the French may lack the change, until a French
    version comes out after it. The English editor says nothing of it."""
    LessonVersion.objects.filter(lesson=lesson).exclude(language="en").delete()
    _publish_in(admin_client, lesson, "fr", "Comment fonctionne le sommeil")
    overview = reverse("program:curriculum")
    assert "English published since" not in page_text(admin_client.get(overview))

    _publish_in(admin_client, lesson, "en", "How sleep works (corrected)")
    french = lesson.versions.published().get(language="fr")
    english = lesson.versions.published().filter(language="en").order_by("-number").first()
    text = page_text(admin_client.get(overview))
    assert text.count("English published since") == 1
    fr_item = text.partition(f'href="{edit_url(lesson, "fr")}"')[2].partition("</li>")[0]
    assert "English published since" in fr_item
    editor = page_text(admin_client.get(edit_url(lesson, "fr")))
    assert f"published again after this translation's version {french.number}" in editor
    assert f"English version {english.number}" in editor
    assert "may not have its changes yet" in editor
    assert "may not have its changes yet" not in page_text(admin_client.get(edit_url(lesson)))

    _publish_in(admin_client, lesson, "fr", "Comment fonctionne le sommeil (corrigé)")
    assert "English published since" not in page_text(admin_client.get(overview))
    assert "may not have its changes yet" not in page_text(admin_client.get(edit_url(lesson, "fr")))


def test_a_translation_imported_with_its_english_is_not_behind() -> None:
    from datetime import UTC, datetime

    from program.curriculum.admin_views import behind_english

    at = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert not behind_english(at, at)  # one import publishes both at one time
    assert behind_english(at, at + timedelta(seconds=1))
    assert not behind_english(at + timedelta(days=1), at)
    assert not behind_english(None, at)  # nothing published in the language yet
    assert not behind_english(at, None)


def test_an_import_as_drafts_leaves_the_weeks_titles_as_patients_read_them(
    admin_client, programme, lesson
) -> None:
    """A week has no drafts: its new title waits for an import that publishes, and the
    import's table says so for its week.md."""
    from program.models import Week

    files = translated(exported(admin_client, programme))
    week_file = files["es/week-1/week.md"].decode()
    files["es/week-1/week.md"] = re.sub(
        r"^title: .*$", "title: Semana 1 en español", week_file, count=1, flags=re.M
    ).encode()
    url = reverse("program:curriculum_import")
    response = admin_client.post(url, {"file": zipped(files), "action": "import"})
    rows = {row["file"]: row["outcome"] for row in response.context["rows"]}
    assert rows["es/week-1/week.md"].startswith("not changed: a week's title and summary")
    week = Week.objects.get(programme=programme, number=1)
    assert week.title_in("es") == week.title  # still the English, as patients read it
    admin_client.post(url, {"file": zipped(files), "action": "import", "publish": "on"})
    week.refresh_from_db()
    assert week.title_in("es") == "Semana 1 en español"


def test_an_import_as_drafts_still_sets_a_weeks_pace(admin_client, programme, lesson) -> None:
    """A week's diary nights before it opens are the programme's structure, like a
    lesson's order: applied by any import, while its new title waits."""
    from program.models import Week

    files = exported(admin_client, programme)
    text = files["en/week-2/week.md"].decode()
    text = text.replace("min_diary_nights: 7", "min_diary_nights: 5")
    files["en/week-2/week.md"] = re.sub(
        r"^title: .*$", "title: A new title", text, count=1, flags=re.M
    ).encode()
    admin_client.post(
        reverse("program:curriculum_import"), {"file": zipped(files), "action": "import"}
    )
    week = Week.objects.get(programme=programme, number=2)
    assert week.min_diary_nights == 5 and week.title != "A new title"


def test_a_preview_a_refused_save_and_a_failed_import_are_logged_as_views(
    admin_client, programme, lesson, clinic_admin
) -> None:
    """The audit trail says "Changed" only where something was: a preview of typed words,
    words sent back to be corrected, and an import that saved nothing are views."""
    url = edit_url(lesson)
    admin_client.post(url, words(lesson, title="Only a look", action="preview"))
    admin_client.post(url, words(lesson, title="", action="save"))
    files = translated(exported(admin_client, programme))
    files["es/week-1/03-what-insomnia-is.md"] = b"no front matter"
    imports = reverse("program:curriculum_import")
    admin_client.post(imports, {"file": zipped(files), "action": "import"})
    events = AuditEvent.objects.filter(actor=clinic_admin, method="POST")
    assert sorted(events.values_list("path", "action")) == [
        (imports, "view"),
        (url, "view"),
        (url, "view"),
    ]
    assert not lesson.versions.drafts().exists()
    admin_client.post(url, words(lesson, title="Saved now", action="save"))
    assert events.filter(path=url, action="change").count() == 1

"""Lessons that match the app (issue 16, part 9).

Every shipped lesson is rendered under every combination of programme settings
(a clinician approves the window, or self-guided) and protocol, and read for
contradictions with the rules the app applies: no "approve" when nobody approves,
every floor quoted is the protocol's floor, one nap rule (clinical_text.NAP_RULE) word for
word wherever naps are advised, and the sleepiness rule as titration applies it
(very sleepy: never shorter, one step longer; self-guided at once).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.html import strip_tags

from program.clinical_text import NAP_RULE, SAFETY_ADVICE
from program.curriculum.actions import start_draft
from program.curriculum.files import (
    DEFAULT_PROGRAMME_DIR,
    CurriculumFileError,
    export_programme,
    import_directory,
)
from program.curriculum.lesson_text import names_used, problems
from program.curriculum.lesson_values import duration_words, render_lesson, values_for
from program.models import (
    EnrolmentChange,
    Lesson,
    LessonProgress,
    LessonVersion,
    SleepCourse,
    SleepProtocol,
    Week,
)
from program.rules import safety, titration
from program.sleep_window.views import sleepiness_words

SETTINGS = [
    pytest.param(approval, protocol, id=f"{'approval' if approval else 'self'}-{protocol.key}")
    for approval in (True, False)
    for protocol in titration.SHIPPED
]
# Words that advise about naps; a sentence with one of them must be the nap rule.
NAP_ADVICE = ("no nap", "not nap", "avoid", "only", "minute", "agreed", "safer", "allowed", "short")
DURATION = re.compile(r"\b\d+ hours?(?: \d+ minutes?)?")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+|\n+", text) if s.strip()]


def shipped_texts(programme) -> list[tuple[str, LessonVersion]]:
    versions = LessonVersion.objects.filter(
        lesson__week__programme=programme, language="en", status="published"
    ).select_related("lesson")
    latest: dict[int, LessonVersion] = {}
    for version in versions:
        if version.lesson_id not in latest or version.number > latest[version.lesson_id].number:
            latest[version.lesson_id] = version
    return [(v.lesson.slug, v) for v in latest.values()]


def parts_text(version: LessonVersion) -> str:
    """The interactive parts' words (not templated: they must hold under every setting)."""
    words: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            words.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in ("type", "key"):
                    walk(item)

    walk(version.parts)
    return "\n".join(words)


def contradictions(text: str, *, approval: bool, protocol: titration.Protocol) -> list[str]:
    """What in ``text`` (a lesson as a patient reads it) goes against the app's rules."""
    found = []
    lowered = text.lower()
    if "{{" in text or "}}" in text or ":::" in text:
        found.append("a marker is shown")
    if not approval and re.search(r"approv", lowered):
        found.append("“approve” in a self-guided programme")
    if approval and ("without waiting for a clinician" in lowered or "straight away" in lowered):
        found.append("a change said to start on its own where a clinician approves it")
    floor = duration_words(protocol.floor_min)
    for sentence in sentences(text):
        low = sentence.lower()
        if "minimum" in low or "floor" in low or "shorter than" in low:
            for quoted in DURATION.findall(sentence):
                if quoted != floor:
                    found.append(f"floor quoted as {quoted}, not {floor}: {sentence}")
        if "safe minimum" in low and floor not in sentence and "never below" not in low:
            found.append(f"a safe minimum without the floor: {sentence}")
    without_rule = text.replace(str(NAP_RULE), "")
    for sentence in sentences(without_rule):
        low = sentence.lower()
        if re.search(r"\bnap", low) and any(word in low for word in NAP_ADVICE):
            found.append(f"nap advice other than the nap rule: {sentence}")
    step = duration_words(protocol.step_up_min)
    for sentence in sentences(text):
        low = sentence.lower()
        if ("very sleepy" in low or "dangerously sleepy" in low) and (
            "may lengthen" in low or "can be held" in low or "held or lengthened" in low
        ):
            found.append(f"sleepiness rule not as applied: {sentence}")
    rule_given = "very sleepy" in lowered and "window is never made shorter" in lowered
    if rule_given and f"made {step} longer" not in text:
        found.append(f"the sleepiness rule without the step ({step})")
    return found


@pytest.mark.parametrize(("approval", "protocol"), SETTINGS)
def test_every_lesson_under_every_setting_agrees_with_the_rules(
    programme, approval, protocol
) -> None:
    with translation.override("en"):
        values = values_for(approval_required=approval, protocol=protocol)
        seen = []
        for slug, version in shipped_texts(programme):
            shown = strip_tags(render_lesson(version, values))
            text = "\n".join([version.title, version.summary, shown, parts_text(version)])
            if found := contradictions(text, approval=approval, protocol=protocol):
                seen.append((slug, found))
        weeks = "\n".join(w.summary for w in Week.objects.filter(programme=programme))
        if found := contradictions(weeks, approval=approval, protocol=protocol):
            seen.append(("week summaries", found))
    assert not seen


@pytest.mark.parametrize(("approval", "protocol"), SETTINGS)
def test_the_lessons_say_what_the_settings_do(programme, approval, protocol) -> None:
    """Not only no contradiction: the words that describe each rule are there."""
    with translation.override("en"):
        values = values_for(approval_required=approval, protocol=protocol)
        lessons = dict(shipped_texts(programme))
        window = strip_tags(render_lesson(lessons["your-sleep-window"], values))
        adjusting = strip_tags(render_lesson(lessons["adjusting-your-window"], values))
        coping = strip_tags(render_lesson(lessons["coping-with-sleepiness"], values))
    floor = duration_words(protocol.floor_min)
    assert f"in your plan, {floor}" in window and f"in your plan, {floor}" in adjusting
    assert f"at least {protocol.extend_at:g} minutes out of every 100" in adjusting
    assert f"at least {protocol.min_nights} in a week" in adjusting
    for text in (window, coping):
        assert str(NAP_RULE) in text
    step = duration_words(protocol.step_up_min)
    for text in (adjusting, coping):
        assert f"never made shorter: at your weekly review it is made {step} longer" in text
        if approval:
            assert "Your therapist is asked to approve the longer window" in text
        else:
            assert "The longer window starts straight away" in text
    if approval:
        assert "Your therapist checks and approves the window" in window
    else:
        assert "The window starts as soon as it is worked out" in window


def test_the_consistency_check_catches_the_old_wording() -> None:
    """The check above would have failed on the lessons before part 9."""
    weekly = titration.SHIPPED[0]
    old = [
        "4. Your therapist checks and approves the window before you start.",
        "It is never made shorter than a safe minimum (in most programmes, 5 hours).",
        "- **No naps**, and no dozing on the sofa.",
        "Avoid napping. If your clinician has agreed a short safety nap for you, keep it short.",
        "Your window will not be shortened while you are very sleepy, and your therapist "
        "may lengthen it.",
    ]
    spielman = next(p for p in titration.SHIPPED if p.key == "spielman-1987")
    assert contradictions(old[0], approval=False, protocol=weekly)
    assert contradictions(old[1], approval=True, protocol=spielman)
    for text in old[2:]:
        assert contradictions(text, approval=True, protocol=weekly), text


def test_the_safety_text_and_the_sleepiness_advice_use_the_one_nap_rule(patient) -> None:
    with translation.override("en"):
        assert str(NAP_RULE) in sleepiness_words(patient)
    assert "nap" not in str(SAFETY_ADVICE).lower()


@time_machine.travel(datetime(2026, 11, 12, 12, 0, tzinfo=UTC), tick=False)
def test_the_sleep_window_page_shows_the_nap_rule(patient, patient_client) -> None:
    from program.models import Prescription, Recommendation

    course = SleepCourse.objects.create(
        patient=patient,
        protocol=SleepProtocol.objects.get(key="weekly-90-85"),
        status="active",
        rise_time="06:30",
    )
    recommendation = Recommendation.objects.create(
        course=course,
        review_date=date(2026, 11, 2),
        kind="initial",
        current_window_min=None,
        proposed_window_min=360,
        rule="initial",
        figures={},
        flags=[],
        status="approved",
    )
    Prescription.objects.create(
        course=course,
        window_min=360,
        rise_time="06:30",
        effective_from=date(2026, 11, 2),
        source="clinician",
        rule="initial",
        figures={},
    )
    assert recommendation.pk
    page = patient_client.get(reverse("program:sleep_window")).content.decode()
    assert "Tonight" in page
    assert str(NAP_RULE) in page


# --- The patient's page follows their programme and protocol ------------------------------


def _open_week_2(patient) -> Lesson:
    enrolment = patient.enrolments.get()
    EnrolmentChange.objects.create(
        enrolment=enrolment, kind="advance", week=2, on_date=date(2026, 11, 3)
    )
    return Lesson.objects.get(slug="your-sleep-window")


@time_machine.travel(datetime(2026, 11, 12, 12, 0, tzinfo=UTC), tick=False)
@pytest.mark.parametrize("self_guided", [False, True])
def test_a_patient_reads_their_own_programmes_setting(
    patient, patient_client, programme, self_guided
) -> None:
    programme.sleep_window_auto_apply = self_guided
    programme.save()
    window = _open_week_2(patient)
    page = patient_client.get(reverse("program:lesson", args=[window.pk])).content.decode()
    assert ("checks and approves the window" in page) is not self_guided
    assert ("The window starts as soon as it is worked out" in page) is self_guided
    assert "{{" not in page and ":::" not in page


@time_machine.travel(datetime(2026, 11, 12, 12, 0, tzinfo=UTC), tick=False)
def test_a_patient_reads_their_own_protocols_floor(patient, patient_client) -> None:
    SleepCourse.objects.create(
        patient=patient, protocol=SleepProtocol.objects.get(key="spielman-1987")
    )
    window = _open_week_2(patient)
    page = patient_client.get(reverse("program:lesson", args=[window.pk])).content.decode()
    assert "in your plan, 4 hours 30 minutes" in page
    assert "in your plan, 5 hours" not in page


@time_machine.travel(datetime(2026, 11, 12, 12, 0, tzinfo=UTC), tick=False)
def test_an_older_patient_reads_the_thresholds_the_app_applies_to_them(
    patient, patient_client
) -> None:
    """A protocol that lowers its thresholds from 65 (``age_adjust``): the lesson quotes
    the lowered one for an older patient, as titration.thresholds applies it."""
    from program.sleep_window import actions as sw

    protocol = SleepProtocol.objects.get(key="weekly-90-85")
    protocol.pk, protocol.key, protocol.age_adjust = None, "weekly-age", True
    protocol.save()
    patient.date_of_birth = date(1950, 3, 1)  # 76: the thresholds follow the real age
    patient.save(update_fields=["date_of_birth"])
    sw.submit_screen(patient, {**{q.key: False for q in safety.SCREEN}, "older": True})
    SleepCourse.objects.filter(patient=patient).update(protocol=protocol)
    enrolment = patient.enrolments.get()
    for week in (2, 3):
        EnrolmentChange.objects.create(
            enrolment=enrolment, kind="advance", week=week, on_date=date(2026, 11, 3 + week)
        )
    adjusting = Lesson.objects.get(slug="adjusting-your-window")
    page = patient_client.get(reverse("program:lesson", args=[adjusting.pk])).content.decode()
    assert "at least 85 minutes out of every 100" in page


@time_machine.travel(datetime(2026, 11, 12, 12, 0, tzinfo=UTC), tick=False)
def test_a_lesson_with_a_mistake_never_shows_braces_to_a_patient(patient, patient_client) -> None:
    window = _open_week_2(patient)
    version = window.versions.get(language="en", status="published")
    # A version written before validation (straight into the database) with a mistake.
    LessonVersion.objects.filter(pk=version.pk).update(
        body=version.body + "\n\nShorter than {{ floor_hours }}.\n::: if nope\nHidden.\n"
    )
    response = patient_client.get(reverse("program:lesson", args=[window.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "floor_hours" not in page and "{{" not in page and "Hidden." not in page


# --- Admin: validation, publishing, preview --------------------------------------------


def test_the_admin_form_names_an_unknown_placeholder(programme, admin_client, clinic_admin):
    lesson = Lesson.objects.get(slug="your-sleep-window")
    draft = start_draft(lesson=lesson, language="en", user=clinic_admin)
    url = reverse("admin:program_lessonversion_change", args=[draft.pk])
    response = admin_client.post(
        url,
        {
            "title": draft.title,
            "summary": draft.summary,
            "body": "Never shorter than {{ floor_hours }}.\n\n## Sources\n\n- A source.",
            "minutes": 5,
            "parts": "",
            "change_note": "",
        },
    )
    assert response.status_code == 200
    assert "unknown placeholder “{{ floor_hours }}”" in response.content.decode()
    draft.refresh_from_db()
    assert "floor_hours" not in draft.body


def test_a_draft_with_a_mistake_is_not_published(programme, admin_client, clinic_admin) -> None:
    lesson = Lesson.objects.get(slug="your-sleep-window")
    draft = start_draft(lesson=lesson, language="en", user=clinic_admin)
    LessonVersion.objects.filter(pk=draft.pk).update(body="::: if self_guided\nNever closed.")
    url = reverse("admin:program_lessonversion_publish", args=[draft.pk])
    response = admin_client.post(url, {}, follow=True)
    assert response.status_code == 200
    assert "cannot be published until its text is corrected" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "draft"


@pytest.mark.parametrize(
    ("query", "expected", "absent"),
    [
        ({}, "checks and approves the window", "starts as soon as it is worked out"),
        ({"guidance": "self"}, "starts as soon as it is worked out", "approves"),
        ({"protocol": "spielman-1987"}, "in your plan, 4 hours 30 minutes", "in your plan, 5 h"),
        ({"protocol": "no-such"}, "in your plan, 5 hours", "{{"),
    ],
)
def test_the_admin_previews_with_chosen_settings(
    programme, admin_client, query, expected, absent
) -> None:
    version = Lesson.objects.get(slug="your-sleep-window").versions.get(language="en")
    url = reverse("admin:program_lessonversion_preview", args=[version.pk])
    page = admin_client.get(url, query).content.decode()
    assert expected in page
    assert absent not in page.split('class="lesson-body"', 1)[1]


def test_the_admin_preview_defaults_to_the_programmes_own_setting(programme, admin_client):
    programme.sleep_window_auto_apply = True
    programme.save()
    version = Lesson.objects.get(slug="your-sleep-window").versions.get(language="en")
    url = reverse("admin:program_lessonversion_preview", args=[version.pk])
    assert "starts as soon as it is worked out" in admin_client.get(url).content.decode()


# --- Files: validation and round trip --------------------------------------------------


def test_importing_an_unknown_placeholder_names_the_file_and_line(programme, tmp_path) -> None:
    export_programme(programme, tmp_path)
    path = tmp_path / "en" / "week-2" / "02-your-sleep-window.md"
    path.write_text(path.read_text("utf-8").replace("{{ floor }}", "{{ flor }}"), "utf-8")
    with pytest.raises(CurriculumFileError) as error:
        import_directory(tmp_path, publish=True)
    message = str(error.value)
    assert "en/week-2/02-your-sleep-window.md" in message
    assert "unknown placeholder “{{ flor }}”" in message


def test_the_shipped_files_have_no_mistakes_and_use_the_settings() -> None:
    used: set[str] = set()
    for path in DEFAULT_PROGRAMME_DIR.rglob("*.md"):
        text = path.read_text("utf-8")
        assert problems(text) == [], path
        used |= names_used(text)
    assert used == {"floor", "step", "extend_at", "min_nights", "nap_rule", "approval_required"}


def test_lessons_with_placeholders_round_trip_through_files(programme, tmp_path) -> None:
    export_programme(programme, tmp_path)
    exported = (tmp_path / "en" / "week-3" / "01-adjusting-your-window.md").read_text("utf-8")
    assert "{{ floor }}" in exported and "::: if approval_required" in exported
    report = import_directory(tmp_path, publish=True)
    assert report.created == []
    source = (DEFAULT_PROGRAMME_DIR / "en" / "week-3" / "01-adjusting-your-window.md").read_text()
    assert exported == source


def test_the_migration_publishes_shipped_text_and_moves_readers(patient, programme) -> None:
    """What migration 0032 does on an installation loaded before part 9: a new version
    for each changed lesson, readers part-way moved to it, the clinic's own words kept."""
    window = Lesson.objects.get(slug="your-sleep-window")
    old = window.versions.get(language="en")
    LessonVersion.objects.filter(pk=old.pk).update(body="Old: your therapist approves it.")
    edited = Lesson.objects.get(slug="bed-is-for-sleep").versions.get(language="en")
    LessonVersion.objects.filter(pk=edited.pk).update(body="The clinic's own words.")
    LessonVersion.objects.filter(pk=edited.pk).update(published_by=patient.therapist)
    reader = LessonProgress.objects.create(
        enrolment=patient.enrolments.get(),
        lesson=window,
        version=old,
        last_opened_at=datetime(2026, 11, 12, tzinfo=UTC),
    )
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, keep_edited=True, push=True)
    newest = window.versions.get(language="en", number=2)
    assert "{{ floor }}" in newest.body
    reader.refresh_from_db()
    assert reader.version == newest
    assert Lesson.objects.get(slug="bed-is-for-sleep").versions.filter(language="en").count() == 1


def test_migration_0032_brings_an_older_installation_up_to_date(programme) -> None:
    """The migration's own function, run against an installation whose lessons still
    carry the old words: each changed lesson gets the shipped text, the rest is kept."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("program.migrations.0032_lessons_settings_and_mood")
    window = Lesson.objects.get(slug="your-sleep-window").versions.get(language="en")
    LessonVersion.objects.filter(pk=window.pk).update(
        body="4. Your therapist checks and approves the window before you start."
    )
    before = programme.content_revision
    migration.publish_shipped_lessons(apps, None)
    newest = LessonVersion.objects.filter(lesson=window.lesson, language="en").order_by("-number")
    assert newest.first().number == 2 and "::: if approval_required" in newest.first().body
    assert LessonVersion.objects.filter(number=2, language="en").count() == 1  # only that one
    programme.refresh_from_db()
    assert programme.content_revision != before
    migration.publish_shipped_lessons(apps, None)  # again: nothing new
    assert LessonVersion.objects.filter(number=3).count() == 0


def test_migration_0054_publishes_the_reworded_french_and_german_lessons(programme, therapist):
    """An installation whose French and German lessons still carry the old words for the
    clinician and the prescriber: each gets a new version with the glossary's words, a
    lesson the clinic published itself is kept, and running it again adds nothing."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("program.migrations.0054_publish_new_and_reworded_lessons")

    def latest(slug: str, language: str) -> LessonVersion:
        versions = LessonVersion.objects.filter(lesson__slug=slug, language=language)
        return versions.order_by("-number").first()

    german = latest("safety-first", "de")
    LessonVersion.objects.filter(pk=german.pk).update(
        body=german.body.replace("behandelnden Fachperson", "Behandlerin oder Ihrem Behandler")
    )
    french = latest("sleep-medication", "fr")
    LessonVersion.objects.filter(pk=french.pk).update(
        body=french.body.replace("médecin prescripteur", "prescripteur ou prescriptrice")
    )
    clinics = latest("other-sleep-aids", "fr")
    LessonVersion.objects.filter(pk=clinics.pk).update(
        body="Les mots de la clinique.", published_by=therapist
    )
    count, before = LessonVersion.objects.count(), programme.content_revision

    migration.publish_lessons(apps, None)

    assert latest("safety-first", "de").number == german.number + 1
    assert "Fachperson" in latest("safety-first", "de").body
    assert "Behandler" not in latest("safety-first", "de").body
    assert latest("sleep-medication", "fr").number == french.number + 1
    assert "prescriptrice" not in latest("sleep-medication", "fr").body
    assert latest("other-sleep-aids", "fr").body == "Les mots de la clinique."
    assert LessonVersion.objects.count() == count + 2  # only those two
    programme.refresh_from_db()
    assert programme.content_revision != before
    migration.publish_lessons(apps, None)  # again: nothing new
    assert LessonVersion.objects.count() == count + 2

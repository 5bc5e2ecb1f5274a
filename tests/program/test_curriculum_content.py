"""The default programme (loaded by migration 0005) and the curriculum's file format."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from program.curriculum.files import (
    DEFAULT_PROGRAMME_DIR,
    CurriculumFileError,
    export_programme,
    import_directory,
    parse,
)
from program.models import CaseloadSummary, Lesson, LessonVersion, Programme, Week


def test_the_default_programme_has_six_weeks_of_two_to_six_published_lessons(programme) -> None:
    """Two to six lessons a week that everyone reads; the lessons for special situations
    (program.rules.situations) come on top, each read only by the patients it fits."""
    weeks = list(Week.objects.filter(programme=programme).order_by("number"))
    assert [w.number for w in weeks] == [1, 2, 3, 4, 5, 6]
    assert programme.weeks == 6
    for week in weeks:
        lessons = list(week.lessons.all())
        everyones = [lesson for lesson in lessons if not lesson.situations]
        assert 2 <= len(everyones) <= 6, week
        assert len(lessons) - len(everyones) <= 3, week
        for lesson in lessons:
            version = lesson.versions.get(language="en", status="published")
            assert version.number == 1
            assert "<h2>Sources</h2>" in version.body_html, lesson
            sources = version.body.split("## Sources", 1)[1]
            assert sources.count("\n- ") >= 1, lesson


def test_the_sleep_window_week_waits_for_seven_diary_nights(programme) -> None:
    assert Week.objects.get(programme=programme, number=2).min_diary_nights == 7
    assert not Week.objects.filter(programme=programme, min_diary_nights__gt=0).exclude(number=2)


@pytest.mark.parametrize(
    ("week", "kind", "key"),
    [
        (1, "quiz", "sleep-drive"),
        (4, "worksheet", "thought-record"),
        (4, "worksheet", "constructive-worry"),
        (5, "checklist", "wind-down"),
        (1, "reflection", "hopes"),
        (2, "checklist", "night-spot"),
        (2, "quiz", "lying-awake"),
        (3, "quiz", "morning-light"),
        (3, "checklist", "light-plan"),
        (4, "worksheet", "behavioural-experiment"),
        (4, "worksheet", "worst-case"),
        (4, "checklist", "safety-behaviours"),
        (5, "checklist", "shuffle-steps"),
        (6, "quiz", "other-aids-change"),
        (6, "worksheet", "run-of-bad-nights-plan"),
        (5, "checklist", "leaves-on-a-stream"),
        (5, "reflection", "sticky-thought"),
        (5, "quiz", "sleepy-or-tired"),
        (5, "reflection", "body-scan-practice"),
        (6, "worksheet", "what-matters"),
        (6, "checklist", "bad-night-morning"),
    ],
)
def test_interactive_parts_are_where_they_fit(programme, week, kind, key) -> None:
    versions = LessonVersion.objects.filter(
        lesson__week__programme=programme, lesson__week__number=week
    )
    parts = [p for v in versions for p in v.parts]
    assert any(p["type"] == kind and p["key"] == key for p in parts)


def test_safety_content_is_in_the_lessons(programme) -> None:
    text = " ".join(
        LessonVersion.objects.filter(lesson__week__programme=programme).values_list(
            "body", flat=True
        )
    )
    for phrase in [
        "Do not drive",
        "bipolar disorder",
        "epilepsy",
        "sleep apnoea",
        "Do not stop or change your sleep medication without your prescriber",
        "contact your prescriber or clinician",
        "diazepam (Valium)",
        "rebound insomnia",
    ]:
        assert phrase.lower() in text.lower(), phrase


@pytest.mark.parametrize(
    ("week", "slug", "phrases"),
    [
        (3, "your-body-clock", ["morning light", "chronotype", "delayed sleep timing", "jet lag"]),
        (
            4,
            "testing-a-sleep-worry",
            ["I can't function after a bad night", "behavioural experiment"],
        ),
        (
            4,
            "how-the-mind-watches-sleep",
            ["sleep-state misperception", "safety behaviours", "Watching for threats"],
        ),
        (4, "not-trying-to-sleep", ["better studies are needed", "not a main part"]),
        (5, "a-racing-mind", ["cognitive shuffle", "only a few small studies", "imagery"]),
        (
            5,
            "making-room-for-thoughts",
            [
                "acceptance and commitment therapy",
                "I'm having the thought that",
                "Leaves on a stream",
                "not in bed",
                "the week 2 rule still holds",
                "It does not replace them",
                "many of the studies were small",
                "add-on",
                "use the crisis contacts",
            ],
        ),
        (
            5,
            "mindfulness-for-sleep",
            [
                "mindfulness-based therapy for insomnia",
                "tiredness",
                "sleepiness",
                "letting go",
                "body scan",
                "Practise in the day or early evening",
                "open your eyes, look around the room, and stop",
                "not a replacement",
                "has **not** been shown to work better",
                "54 adults",
                "use the crisis contacts",
            ],
        ),
        (
            6,
            "living-by-what-matters",
            [
                "Acceptance is not giving up",
                "values",
                "Keep your rise time",
                "do not drive or use machines",
                "not earlier to catch up",
                "no comparison group",
                "does not replace them",
                "use the crisis contacts",
            ],
        ),
        (
            6,
            "other-sleep-aids",
            [
                "antihistamine",
                "melatonin",
                "Sedating antidepressants",
                "orexin",
                "Alcohol",
                "Cannabis",
                "up to a week after a dose is lowered",
                "pause or slow",
                "only with your prescriber",
            ],
        ),
    ],
)
def test_each_week_holds_its_components(programme, week, slug, phrases) -> None:
    """Issue 22, part 1: what a clinician reading each week expects to find there."""
    version = LessonVersion.objects.get(
        lesson__week__programme=programme,
        lesson__week__number=week,
        lesson__slug=slug,
        language="en",
        status="published",
    )
    for phrase in phrases:
        assert phrase.lower() in version.body.lower(), (slug, phrase)


def test_paradoxical_intention_is_not_credited_to_the_aasm_2021_guideline(programme) -> None:
    """The 2021 guideline made no recommendation on it; its evidence is the 2022 review."""
    body = LessonVersion.objects.get(
        lesson__slug="not-trying-to-sleep", language="en", status="published"
    ).body
    assert "Edinger" not in body and "2021;17" not in body
    assert "Jansson-Fröjmark" in body


def test_importing_the_shipped_files_again_changes_nothing(programme, patient) -> None:
    """Nothing is written, so no reader's caseload row is marked to be worked out again
    (a save of a week or a lesson marks every patient of the programme), and what is
    there is read in a few queries, not several for each of the 114 files."""
    before = LessonVersion.objects.count()
    changes = CaseloadSummary.objects.get(patient=patient).changes
    with CaptureQueriesContext(connection) as ctx:
        report = import_directory(DEFAULT_PROGRAMME_DIR, publish=True)
    assert report.created == [] and len(report.unchanged) > 100
    assert LessonVersion.objects.count() == before
    writes = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith("SELECT")]
    # The savepoint of the import's transaction, and the programme's own row.
    assert all(
        sql.startswith(("SAVEPOINT", "RELEASE SAVEPOINT", 'UPDATE "program_programme"'))
        for sql in writes
    ), writes
    assert CaseloadSummary.objects.get(patient=patient).changes == changes
    assert len(ctx.captured_queries) <= 40, len(ctx.captured_queries)


def test_export_then_import_round_trips(programme, tmp_path: Path) -> None:
    out = tmp_path / "out"
    call_command("export_curriculum", str(out))
    shipped = sorted(
        p.relative_to(DEFAULT_PROGRAMME_DIR) for p in DEFAULT_PROGRAMME_DIR.rglob("*.md")
    )
    exported = sorted(p.relative_to(out) for p in out.rglob("*.md"))
    assert exported == shipped
    for relative in shipped:
        assert (out / relative).read_text() == (DEFAULT_PROGRAMME_DIR / relative).read_text()


def test_a_translation_is_imported_as_its_own_versions(programme, spanish, tmp_path: Path) -> None:
    out = tmp_path / "cur"
    export_programme(programme, out)
    es = out / "es" / "week-1"
    es.mkdir(parents=True)
    (es / "week.md").write_text("---\nnumber: 1\ntitle: Cómo funciona el sueño\n---\n\nResumen.\n")
    (es / "02-how-sleep-works.md").write_text(
        "---\nslug: how-sleep-works\ntitle: Cómo funciona el sueño\nminutes: 7\n---\n\n"
        "Dos sistemas deciden cuándo duerme.\n\n## Sources\n\n- Borbély 1982.\n"
    )
    call_command("import_curriculum", str(out), "--publish")
    version = LessonVersion.objects.get(lesson__slug="how-sleep-works", language="es")
    assert version.is_published and version.number == 1
    week = Week.objects.get(programme=programme, number=1)
    assert week.title_in("es") == "Cómo funciona el sueño"
    assert week.title_in("nl") == week.title  # falls back to English
    # Exporting again writes the Spanish files back.
    again = tmp_path / "again"
    export_programme(programme, again)
    meta, body = parse((again / "es" / "week-1" / "02-how-sleep-works.md").read_text())
    original_meta, original_body = parse((es / "02-how-sleep-works.md").read_text())
    assert body == original_body
    assert {k: meta[k] for k in original_meta} == original_meta


def test_changed_files_become_drafts_unless_published(programme, tmp_path: Path) -> None:
    out = tmp_path / "cur"
    export_programme(programme, out)
    path = out / "en" / "week-1" / "01-welcome.md"
    path.write_text(path.read_text().replace("You are not alone", "You are really not alone"))
    report = import_directory(out)
    assert report.created == ["en/week-1/01-welcome.md"]
    lesson = Lesson.objects.get(slug="welcome")
    draft = lesson.versions.get(status="draft")
    assert "really not alone" in draft.body
    assert lesson.versions.filter(status="published", language="en").count() == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("no front matter", "no front matter"),
        ("---\n: [\n---\nbody", "not valid YAML"),
        ("---\n- a list\n---\nbody", "key: value"),
    ],
)
def test_malformed_files_are_refused_with_their_path(text: str, message: str) -> None:
    with pytest.raises(CurriculumFileError, match=message):
        parse(text, "en/week-1/x.md")


def test_invalid_parts_are_refused(programme, tmp_path: Path) -> None:
    out = tmp_path / "cur"
    export_programme(programme, out)
    bad = out / "en" / "week-1" / "09-bad.md"
    bad.write_text("---\nslug: bad\nparts:\n- type: quiz\n  key: q\n---\n\nBody\n")
    with pytest.raises(CurriculumFileError, match=r"09-bad\.md"):
        import_directory(out)
    assert not Lesson.objects.filter(slug="bad").exists()  # the whole import rolled back


def test_the_import_command_needs_a_programme_file(tmp_path: Path, db) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=r"programme\.md"):
        call_command("import_curriculum", str(tmp_path))


def test_a_new_programme_can_be_imported_from_files(tmp_path: Path, db) -> None:
    root = tmp_path / "mini"
    (root / "en" / "week-1").mkdir(parents=True)
    (root / "programme.md").write_text(
        "---\nslug: mini\nname: Mini\npace_days: 3\n---\n\nA test.\n"
    )
    (root / "en" / "week-1" / "week.md").write_text("---\nnumber: 1\ntitle: One\n---\n\nFirst.\n")
    (root / "en" / "week-1" / "01-a.md").write_text("---\nslug: a\ntitle: A\n---\n\nText.\n")
    import_directory(root, publish=True)
    mini = Programme.objects.get(slug="mini")
    assert mini.pace_days == 3 and mini.weeks == 1
    assert LessonVersion.objects.get(lesson__week__programme=mini).title == "A"


@pytest.mark.parametrize(
    ("slug", "language", "kind", "words"),
    [
        ("a-racing-mind", "en", "imagery", "calm place imagery"),
        ("mindfulness-for-sleep", "en", "body-scan", "mindful body scan"),
        ("mindfulness-for-sleep", "fr", "body-scan", "Balayage corporel en pleine conscience"),
        ("mindfulness-for-sleep", "de", "body-scan", "Achtsamer Body-Scan"),
    ],
)
def test_a_lesson_that_describes_an_exercise_links_to_it(
    programme, slug, language, kind, words
) -> None:
    """Issue 22: the racing-mind lesson describes imagery and the mindfulness lesson the body
    scan, so each links to its guided exercise, and the lesson markup keeps the link (the
    app's own path)."""
    from django.urls import reverse

    from program.curriculum.markup import render_markdown

    body = LessonVersion.objects.get(
        lesson__week__programme=programme,
        lesson__slug=slug,
        language=language,
        status="published",
    ).body
    url = reverse("program:exercise", args=[kind])
    assert f'<a href="{url}" rel="noopener noreferrer">{words}</a>' in render_markdown(body)


def test_a_yaml_mistake_names_the_files_own_line_and_how_to_mend_it() -> None:
    """The parser counts lines from the front matter; the admin reads the file's lines
    (the opening --- is line 1), and the commonest mistake, an unquoted colon, says so."""
    text = "---\nslug: welcome\ntitle: Sleep: how it works\n---\nBody"
    with pytest.raises(CurriculumFileError) as raised:
        parse(text, "en/week-1/01-welcome.md")
    message = str(raised.value)
    assert message.startswith("en/week-1/01-welcome.md, line 3: the front matter is not valid")
    assert "needs quotes around it" in message
    assert "<unicode string>" not in message

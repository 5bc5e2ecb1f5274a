"""The optional acceptance-and-mindfulness strand (issue 22, part 1): three lessons that
add to the sleep window and stimulus control, and the migration that brings them to an
installation loaded before them."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from program.models import Lesson, LessonVersion, Week

STRAND = {
    "making-room-for-thoughts": (5, 5),
    "mindfulness-for-sleep": (5, 6),
    "living-by-what-matters": (6, 5),
}

pytestmark = pytest.mark.django_db


def test_the_strand_is_optional_and_sits_after_each_weeks_lessons(programme) -> None:
    for slug, (week, order) in STRAND.items():
        lesson = Lesson.objects.get(week__programme=programme, slug=slug)
        assert (lesson.week.number, lesson.order, lesson.is_required) == (week, order, False)
        others = [
            other.order
            for other in lesson.week.lessons.exclude(slug__in=STRAND)
            if not other.situations  # lessons for a special situation come last
        ]
        assert lesson.order > max(others)  # after the lessons patients already had
        for language in ("en", "fr", "de"):
            version = lesson.versions.get(language=language, status="published")
            assert 6 <= version.minutes <= 10, (slug, language)
    summaries = {w.number: w for w in Week.objects.filter(programme=programme)}
    assert "mindful body scan" in summaries[5].summary
    assert "pleine conscience" in summaries[5].translations["fr"]["summary"]
    assert "Achtsamkeit" in summaries[5].translations["de"]["summary"]
    assert "what matters" in summaries[6].summary


def test_migration_0054_adds_the_strand_to_an_existing_installation(programme) -> None:
    """An installation loaded before the strand: the three lessons are missing and a clinic
    has published its own words for another lesson. The migration's own function adds the
    three in English, French and German (published, not required), keeps the clinic's
    words, and a second run changes nothing."""
    migration = importlib.import_module("program.migrations.0054_publish_new_and_reworded_lessons")
    Lesson.objects.filter(slug__in=STRAND).delete()
    week5 = Week.objects.get(programme=programme, number=5)
    Week.objects.filter(pk=week5.pk).update(summary="The old summary.")
    own = Lesson.objects.get(slug="a-racing-mind").versions.get(language="en")
    from accounts.models import User

    admin = User.objects.create_user(email="clinic@example.com", password="x" * 20)
    LessonVersion.objects.filter(pk=own.pk).update(
        body="The clinic's own words.", published_by=admin
    )
    revision = programme.content_revision

    migration.publish_lessons(apps, None)

    added = Lesson.objects.filter(slug__in=STRAND)
    assert added.count() == 3 and not added.filter(is_required=True).exists()
    for lesson in added:
        languages = set(
            lesson.versions.filter(status="published").values_list("language", flat=True)
        )
        assert languages == {"en", "fr", "de"}, lesson.slug
    assert "mindful body scan" in Week.objects.get(pk=week5.pk).summary
    assert Lesson.objects.get(slug="a-racing-mind").versions.filter(language="en").count() == 1
    programme.refresh_from_db()
    assert programme.content_revision != revision  # web processes reload the structure
    count = LessonVersion.objects.count()
    migration.publish_lessons(apps, None)
    assert LessonVersion.objects.count() == count

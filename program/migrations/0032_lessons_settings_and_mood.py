"""Two parts of issue 16.

Part 7, mood during restriction: the programme's PHQ-9 weeks of sleep restriction
(``Programme.restriction_phq9_weeks``, default [2, 4]) and the weekly elevated-mood
answers (``MoodCheck``) of patients with a history of bipolar disorder.

Part 9: bring the shipped lessons up to date with the app's settings (issue 16, part 9): the
words on approval, naps, the floor and the sleepiness rule now come from placeholders
and blocks (program/curriculum/lesson_text.py) filled with each reader's programme and protocol.

Each changed shipped lesson gets a new published version, and readers part-way
through it move to that version (their answers are kept), since the old text told
some of them things the app does not do. A lesson whose latest published version a
person published (the clinic's own words) is left alone. Reverse: nothing to undo.
"""

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import program.enrolment.models


def publish_shipped_lessons(apps, schema_editor):
    from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory

    Programme = apps.get_model("program", "Programme")
    if not Programme.objects.filter(slug="cbti-6-weeks").exists():
        return  # the clinic removed the shipped programme: nothing to update
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps, keep_edited=True, push=True)
    # Web processes keep a programme's structure under this key (program.curriculum.signals).
    Programme.objects.filter(slug="cbti-6-weeks").update(content_revision=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("program", "0031_risk_alerts"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]
    operations = [
        migrations.AddField(
            model_name="programme",
            name="restriction_phq9_weeks",
            field=models.JSONField(
                blank=True,
                default=program.enrolment.models.list_of_restriction_phq9_weeks,
                help_text=(
                    "Weeks of sleep restriction at whose end the PHQ-9 is due as well (counted "
                    "from the first sleep window), e.g. [2, 4]; [] for none."
                ),
            ),
        ),
        migrations.CreateModel(
            name="MoodCheck",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "week_of",
                    models.DateField(help_text="The patient's local date when answered."),
                ),
                (
                    "question",
                    models.TextField(help_text="The question as it was asked (English)."),
                ),
                ("elevated", models.BooleanField(help_text="The patient answered yes.")),
                (
                    "validated",
                    models.BooleanField(
                        default=False,
                        editable=False,
                        help_text=(
                            "Always False: the project's own question, not a validated "
                            "questionnaire."
                        ),
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("reviewed_at", models.DateTimeField(blank=True, null=True)),
                (
                    "patient",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="mood_checks",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "reviewed_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={"ordering": ["-created_at"]},
        ),
        migrations.RunPython(publish_shipped_lessons, migrations.RunPython.noop),
    ]

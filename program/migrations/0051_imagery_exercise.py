"""Issue 22: guided imagery (a calm place) joins the guided exercises, so a session of it
can be recorded (only the field's choices change), and the English lesson "When your mind
races in bed" links to it: the shipped curriculum folder is imported again, as in 0050, so
that lesson gets a new published English version. A lesson whose latest version a person
published (a clinic's own words) is left alone. Reverse: nothing to undo."""

import uuid

from django.db import migrations, models


def publish_link_to_the_exercise(apps, schema_editor):
    from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory

    Programme = apps.get_model("program", "Programme")
    if not Programme.objects.filter(slug="cbti-6-weeks").exists():
        return  # the clinic removed the shipped programme: nothing to update
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps, keep_edited=True, push=False)
    # Web processes keep a programme's structure under this key (program.curriculum.signals).
    Programme.objects.filter(slug="cbti-6-weeks").update(content_revision=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [
        ("program", "0050_lessons_in_french_and_german"),
    ]

    operations = [
        migrations.AlterField(
            model_name="exercisesession",
            name="kind",
            field=models.CharField(
                choices=[
                    ("breathing", "Paced breathing"),
                    ("muscles", "Progressive muscle relaxation"),
                    ("worry", "Worry time"),
                    ("imagery", "Calm place imagery"),
                ],
                max_length=16,
            ),
        ),
        migrations.RunPython(publish_link_to_the_exercise, migrations.RunPython.noop),
    ]

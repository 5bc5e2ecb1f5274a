"""Issue 22: a mindful body scan joins the guided exercises, so a session of it can be
recorded. Only the field's choices change; no rows are touched."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("program", "0054_publish_new_and_reworded_lessons"),
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
                    ("body-scan", "Mindful body scan"),
                ],
                max_length=16,
            ),
        ),
    ]

"""Five of the outbox's eight indexes and one of the schedules' four go (issue #20): each
duplicated another's leading column (or served only LIKE), and the reminder tick writes up
to a row per person at once, paying for every index on every row.

The user indexes are dropped by name, leaving the foreign keys alone: altering the field
would drop each foreign key and check the whole table again to add it back."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("program", "0034_merge_screen_kept_current"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="delivery",
            name="claim_token",
            field=models.CharField(
                blank=True, help_text="Which delivery run claimed the row.", max_length=32
            ),
        ),
        migrations.AlterField(
            model_name="delivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Waiting to be sent"),
                    ("sending", "Being sent"),
                    ("sent", "Sent"),
                    ("failed", "Failed (will retry)"),
                    ("gave_up", "Failed for good"),
                    ("skipped", "Skipped"),
                    ("interrupted", "Interrupted mid-send (not resent)"),
                ],
                default="pending",
                max_length=20,
            ),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="delivery",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "program_delivery_user_id_16ab592d"',
                    reverse_sql='CREATE INDEX "program_delivery_user_id_16ab592d" ON "program_delivery" ("user_id")',
                ),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="reminderschedule",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="reminder_schedules",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[
                migrations.RunSQL(
                    'DROP INDEX IF EXISTS "program_reminderschedule_user_id_d5f93894"',
                    reverse_sql='CREATE INDEX "program_reminderschedule_user_id_d5f93894" ON "program_reminderschedule" ("user_id")',
                ),
            ],
        ),
    ]

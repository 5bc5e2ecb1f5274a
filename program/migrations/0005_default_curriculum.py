"""Fill the default programme with its weeks and lessons from program/curriculum/content/cbti-6-weeks,
through the same import code as ``manage.py import_curriculum`` (published as version 1).

Running it again (or after an admin edited a lesson) adds nothing: text identical to the
latest published version is skipped, and other text would only add a new version.
"""

from django.db import migrations


def load_default_curriculum(apps, schema_editor):
    from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory

    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps)


class Migration(migrations.Migration):
    dependencies = [("program", "0004_curriculum")]
    operations = [migrations.RunPython(load_default_curriculum, migrations.RunPython.noop)]

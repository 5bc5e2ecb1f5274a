"""Bring the shipped lessons up to date with the app's settings (issue 16, part 9): the
words on approval, naps, the floor and the sleepiness rule now come from placeholders
and blocks (program/lesson_text.py) filled with each reader's programme and protocol.

Each changed shipped lesson gets a new published version, and readers part-way
through it move to that version (their answers are kept), since the old text told
some of them things the app does not do. A lesson whose latest published version a
person published (the clinic's own words) is left alone. Reverse: nothing to undo.
"""

import uuid

from django.db import migrations


def publish_shipped_lessons(apps, schema_editor):
    from program.curriculum_files import DEFAULT_PROGRAMME_DIR, import_directory

    Programme = apps.get_model("program", "Programme")
    if not Programme.objects.filter(slug="cbti-6-weeks").exists():
        return  # the clinic removed the shipped programme: nothing to update
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps, keep_edited=True, push=True)
    # Web processes keep a programme's structure under this key (program.signals).
    Programme.objects.filter(slug="cbti-6-weeks").update(content_revision=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("program", "0031_risk_alerts")]
    operations = [migrations.RunPython(publish_shipped_lessons, migrations.RunPython.noop)]

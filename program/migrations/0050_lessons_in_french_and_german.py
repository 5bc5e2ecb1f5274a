"""Issue 22, part 6: the shipped lessons in French and German.

Imports the shipped curriculum folder again, which now holds ``fr/`` and ``de/`` beside
``en/``: each lesson and week gets its French and German words as a published version
(the structure stays the English files'). Patients whose language is French or German read
their language from now on; the English versions are unchanged, so importing skips them. A
lesson whose latest version in a language a person published (a clinic's own words) is
left alone. Reverse: nothing to undo.
"""

import uuid

from django.db import migrations


def publish_translations(apps, schema_editor):
    from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory

    Programme = apps.get_model("program", "Programme")
    if not Programme.objects.filter(slug="cbti-6-weeks").exists():
        return  # the clinic removed the shipped programme: nothing to update
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps, keep_edited=True, push=False)
    # Web processes keep a programme's structure under this key (program.curriculum.signals).
    Programme.objects.filter(slug="cbti-6-weeks").update(content_revision=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("program", "0049_merge_device_sleep")]
    operations = [migrations.RunPython(publish_translations, migrations.RunPython.noop)]

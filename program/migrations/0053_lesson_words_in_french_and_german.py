"""Issue 22: one word per concept in the French and German lessons.

The shipped French and German lessons named the clinician and the prescriber in several
ways; they now follow the glossary in docs/languages.md ("Fachperson", "verordnende
Ärztin oder verordnender Arzt"; "soignant", "médecin prescripteur"). The shipped
curriculum folder is imported again, as in 0050: each changed lesson gets a new published
version in its language; unchanged files (all the English) are skipped. A lesson whose
latest version in a language a person published (a clinic's own words) is left alone,
and readers part-way through a lesson keep the version they started. Reverse: nothing to
undo.
"""

import uuid

from django.db import migrations


def publish_reworded_lessons(apps, schema_editor):
    from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory

    Programme = apps.get_model("program", "Programme")
    if not Programme.objects.filter(slug="cbti-6-weeks").exists():
        return  # the clinic removed the shipped programme: nothing to update
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps, keep_edited=True, push=False)
    # Web processes keep a programme's structure under this key (program.curriculum.signals).
    Programme.objects.filter(slug="cbti-6-weeks").update(content_revision=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("program", "0052_merge_device_flag_and_imagery")]
    operations = [migrations.RunPython(publish_reworded_lessons, migrations.RunPython.noop)]

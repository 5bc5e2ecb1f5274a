"""Issue 22, part 1: the optional acceptance-and-mindfulness strand.

Imports the shipped curriculum folder again, as 0050 did, so that an existing installation
gets the three new optional lessons ("Making room for thoughts" and "Mindfulness for sleep"
in week 5, "Living by what matters, whatever the night" in week 6) in English, French and
German, published, and the new summaries of weeks 5 and 6. They are not required (a
required lesson added to a week a patient has finished would close the week they are in:
docs/curriculum.md). Lessons already there are unchanged, so importing skips them; a lesson
whose latest version a person published (a clinic's own words) is left alone. Reverse:
nothing to undo.
"""

import uuid

from django.db import migrations


def publish_the_strand(apps, schema_editor):
    from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory

    Programme = apps.get_model("program", "Programme")
    if not Programme.objects.filter(slug="cbti-6-weeks").exists():
        return  # the clinic removed the shipped programme: nothing to update
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps, keep_edited=True, push=False)
    # Web processes keep a programme's structure under this key (program.curriculum.signals).
    Programme.objects.filter(slug="cbti-6-weeks").update(content_revision=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("program", "0054_body_scan_exercise")]
    operations = [migrations.RunPython(publish_the_strand, migrations.RunPython.noop)]

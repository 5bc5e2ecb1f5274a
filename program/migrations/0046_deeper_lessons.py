"""Issue 22, part 1: the deeper curriculum.

Publishes the shipped lessons' new text where it changed (the relapse advice now
quotes the protocol's floor and the drowsy-driving warning; "rest in bed is still
rest" is gone; paradoxical intention states its evidence honestly) and adds the new
lessons (the body clock; testing a sleep worry; how the mind watches sleep; a racing
mind; other sleep aids; a plan for a run of bad nights). The new lessons are not
required, so no patient's next week is held back by a lesson added to a week they
have already finished (``unlocking`` rule 4 is computed, not stored).

Readers part-way through a changed lesson move to its new version (their answers
are kept), as in 0032, since the old relapse text lacked the safety rules. A lesson
whose latest version a person published (the clinic's own words) is left alone.
Reverse: nothing to undo.
"""

import uuid

from django.db import migrations


def publish_shipped_lessons(apps, schema_editor):
    from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory

    Programme = apps.get_model("program", "Programme")
    if not Programme.objects.filter(slug="cbti-6-weeks").exists():
        return  # the clinic removed the shipped programme: nothing to update
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps, keep_edited=True, push=True)
    # Web processes keep a programme's structure under this key (program.curriculum.signals).
    Programme.objects.filter(slug="cbti-6-weeks").update(content_revision=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("program", "0045_merge_patient_pause")]
    operations = [migrations.RunPython(publish_shipped_lessons, migrations.RunPython.noop)]

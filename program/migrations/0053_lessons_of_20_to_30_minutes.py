"""Issue 22: each week holds 20–30 minutes of material with exercises.

Imports the shipped curriculum folder again (English, French, German), which now has:

- every lesson's ``minutes`` measured from its words (``tests/program/test_lesson_minutes.py``:
  180 words a minute plus time for each exercise), where most had been set by hand, too high;
- new optional lessons: "What keeps your insomnia going: the three Ps" (week 1), "Living with
  your sleep window" (week 2), "Reading your own diary figures" (week 3);
- goals in "Welcome to the programme" (a worksheet) and a reflection in "Coping with daytime
  sleepiness"; the weeks' summaries name the new lessons.

The new lessons are not required, so no patient's next week is held back by a lesson added to
a week they have already finished (``unlocking`` rule 4 is computed, not stored). Patients
part-way through a changed lesson keep the version they started (nothing in the changes is a
safety fix); new readers get the new one. A lesson whose latest version a person published (a
clinic's own words) is left alone. Reverse: nothing to undo.
"""

import uuid

from django.db import migrations


def publish_shipped_lessons(apps, schema_editor):
    from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory

    Programme = apps.get_model("program", "Programme")
    if not Programme.objects.filter(slug="cbti-6-weeks").exists():
        return  # the clinic removed the shipped programme: nothing to update
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps, keep_edited=True, push=False)
    # Web processes keep a programme's structure under this key (program.curriculum.signals).
    Programme.objects.filter(slug="cbti-6-weeks").update(content_revision=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("program", "0052_merge_device_flag_and_imagery")]
    operations = [migrations.RunPython(publish_shipped_lessons, migrations.RunPython.noop)]

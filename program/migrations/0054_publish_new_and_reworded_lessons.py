"""Issue 22: this release's lessons, new and reworded, in every shipped language.

Imports the shipped curriculum folder again (as 0050 did), which now holds:

- every lesson's ``minutes`` measured from its words (``tests/program/test_lesson_minutes.py``:
  180 words a minute plus time for each exercise), where most had been set by hand, too high;
  new optional lessons "What keeps your insomnia going: the three Ps" (week 1), "Living with
  your sleep window" (week 2), "Reading your own diary figures" (week 3); goals in "Welcome to
  the programme" (a worksheet) and a reflection in "Coping with daytime sleepiness". None of
  them is required, so no patient's next week is held back by a lesson added to a week they
  have finished (``unlocking`` rule 4 is computed, not stored);

- eight lessons for special situations (older adults and pregnancy in week 2, shift work
  in week 3, low mood and nightmares in week 4, long-term pain, menopause and carers in
  week 5), each with ``situations:`` in its English front matter: the import stores them
  on ``Lesson.situations`` (0053), so each is shown only to the patients it fits, never
  required;
- an optional acceptance-and-mindfulness strand: "Making room for thoughts" and "Mindfulness
  for sleep" in week 5, "Living by what matters, whatever the night" in week 6, and the new
  summaries of weeks 5 and 6;
- French and German lessons that name the clinician and the prescriber one way, as the
  glossary in docs/languages.md does ("Fachperson", "verordnende Ärztin oder verordnender
  Arzt"; "soignant", "médecin prescripteur").

Each new or changed lesson gets a published version in its language; unchanged files are
skipped. A lesson whose latest version in a language a person published (a clinic's own
words) is left alone, and readers part-way through a lesson keep the version they started.
Reverse: nothing to undo.
"""

import uuid

from django.db import migrations


def publish_lessons(apps, schema_editor):
    from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory

    Programme = apps.get_model("program", "Programme")
    if not Programme.objects.filter(slug="cbti-6-weeks").exists():
        return  # the clinic removed the shipped programme: nothing to update
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps, keep_edited=True, push=False)
    # Web processes keep a programme's structure under this key (program.curriculum.signals).
    Programme.objects.filter(slug="cbti-6-weeks").update(content_revision=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("program", "0053_lesson_situations")]
    operations = [migrations.RunPython(publish_lessons, migrations.RunPython.noop)]

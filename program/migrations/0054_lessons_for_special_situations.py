"""Issue 22: the shipped lessons for special situations.

Imports the shipped curriculum folder again, which now holds eight lessons written for
special situations (older adults and pregnancy in week 2, shift work in week 3, low mood
and nightmares in week 4, long-term pain, menopause and carers in week 5), each with
``situations:`` in its English front matter: the import stores them on ``Lesson.situations``
(migration 0053), so each is shown only to the patients it fits, never required. Their
words are published in English, French and German; lessons whose text is unchanged are
skipped, and a lesson whose latest version a person published (a clinic's own words) is
left alone. Reverse: nothing to undo.
"""

import uuid

from django.db import migrations


def publish_situational_lessons(apps, schema_editor):
    from program.curriculum.files import DEFAULT_PROGRAMME_DIR, import_directory

    Programme = apps.get_model("program", "Programme")
    if not Programme.objects.filter(slug="cbti-6-weeks").exists():
        return  # the clinic removed the shipped programme: nothing to update
    import_directory(DEFAULT_PROGRAMME_DIR, publish=True, apps=apps, keep_edited=True, push=False)
    # Web processes keep a programme's structure under this key (program.curriculum.signals).
    Programme.objects.filter(slug="cbti-6-weeks").update(content_revision=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("program", "0053_lesson_situations")]
    operations = [migrations.RunPython(publish_situational_lessons, migrations.RunPython.noop)]

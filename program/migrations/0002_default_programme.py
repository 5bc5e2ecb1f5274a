from django.db import migrations

DESCRIPTION = (
    "Six weekly modules of cognitive behavioural therapy for insomnia: how sleep works and the "
    "sleep diary; sleep restriction and stimulus control; adjusting your sleep window; thoughts "
    "about sleep; habits and relaxation; sleep medication and keeping the gains."
)


def create_default_programme(apps, schema_editor):
    Programme = apps.get_model("program", "Programme")
    Programme.objects.get_or_create(
        slug="cbti-6-weeks",
        defaults={
            "name": "Sleep Better: six weeks of CBT-I",
            "description": DESCRIPTION,
            "weeks": 6,
            "is_active": True,
            "is_default": True,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("program", "0001_initial")]
    operations = [migrations.RunPython(create_default_programme, migrations.RunPython.noop)]

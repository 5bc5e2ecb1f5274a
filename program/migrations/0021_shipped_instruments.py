from django.db import migrations


def ship(apps, schema_editor):
    """Create the shipped questionnaires (structure for the licensed ones, complete PHQ-9
    and GAD-7); an instrument already present is left alone (loaded wording is kept)."""
    from program.rules.instruments import SHIPPED

    Instrument = apps.get_model("program", "Instrument")
    for data in SHIPPED:
        if not Instrument.objects.filter(key=data["key"]).exists():
            Instrument.objects.create(**data)


class Migration(migrations.Migration):
    dependencies = [("program", "0020_assessments_notes")]
    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]

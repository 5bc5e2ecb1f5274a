"""Distrust every kept caseload row once: the caseload's flags now follow the weekly
round's rules (a positive safety screen flags only while its decision waits; a reported
problem nobody has reviewed is flagged), so rows worked out before would show the old
flags until each patient's next local midnight. The next view, or the every-minute
refresh, works them out again (program.clinic.summary)."""

from django.db import migrations
from django.db.models import F


def distrust_every_row(apps, schema_editor):
    CaseloadSummary = apps.get_model("program", "CaseloadSummary")
    CaseloadSummary.objects.update(changes=F("changes") + 1)


class Migration(migrations.Migration):
    dependencies = [("program", "0060_taper_plan_revision")]

    operations = [migrations.RunPython(distrust_every_row, migrations.RunPython.noop)]

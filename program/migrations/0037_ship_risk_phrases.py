"""The risk phrases shipped switched on (docs/clinical-safety.md H26): explicit words of
suicide or self-harm, in English and French, the app's languages. A clinic edits, adds
or switches them off on /clinic/risk-flags/. No item rule ships: PHQ-9 item 9 is built
in, and no other instrument the app has asks about self-harm."""

from django.db import migrations

PHRASES = [
    # English
    "kill myself", "killing myself", "end my life", "ending my life", "take my own life",
    "suicide", "suicidal", "want to die", "wish I was dead", "wish I were dead",
    "better off dead", "hurt myself", "harm myself", "self-harm", "no reason to live",
    "overdose",
    # French
    "me suicider", "suicidaire", "me tuer", "mettre fin à mes jours", "envie de mourir",
    "me faire du mal", "en finir avec la vie",
]  # fmt: skip


def ship(apps, schema_editor):
    RiskRule = apps.get_model("program", "RiskRule")
    for phrase in PHRASES:
        RiskRule.objects.get_or_create(
            kind="phrase",
            phrase=phrase,
            defaults={"note": "Shipped with the app", "is_active": True},
        )


def unship(apps, schema_editor):
    apps.get_model("program", "RiskRule").objects.filter(
        kind="phrase", phrase__in=PHRASES, note="Shipped with the app"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("program", "0036_configurable_risk_flags")]

    operations = [migrations.RunPython(ship, unship)]

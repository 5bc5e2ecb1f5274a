"""Store each questionnaire's score band as a code of ``program.rules.scoring`` instead of
its English words, which were parsed back for translation.

Reversible: the English is written back from the code. A band whose words are not among
the app's (none is known) is kept as it was in the new column, where it shows as written
(``clinical_text.band_words``), so nothing is lost either way.
"""

from django.db import migrations, models

# The English each band was stored as, by instrument (ISI, PHQ-9, GAD-7 and ESS, PSQI
# share some words, so the instrument's key picks the code).
ENGLISH = {
    "isi": {
        "No clinically significant insomnia": "isi_none",
        "Subthreshold insomnia": "isi_subthreshold",
        "Clinical insomnia (moderate)": "isi_moderate",
        "Clinical insomnia (severe)": "isi_severe",
    },
    "phq9": {
        "Minimal": "phq9_minimal",
        "Mild": "phq9_mild",
        "Moderate": "phq9_moderate",
        "Moderately severe": "phq9_moderately_severe",
        "Severe": "phq9_severe",
    },
    "gad7": {
        "Minimal": "gad7_minimal",
        "Mild": "gad7_mild",
        "Moderate": "gad7_moderate",
        "Severe": "gad7_severe",
    },
    "ess": {"Normal range": "ess_normal", "High sleepiness": "ess_high"},
    "psqi": {"Good sleeper": "psqi_good", "Poor sleeper": "psqi_poor"},
}
WORDS = {code: words for bands in ENGLISH.values() for words, code in bands.items()}


def to_codes(apps, schema_editor):
    Assessment = apps.get_model("program", "Assessment")
    for key, bands in ENGLISH.items():
        for words, code in bands.items():
            Assessment.objects.filter(instrument__key=key, band=words).update(band_code=code)
    # Anything else keeps its words (shown as they are, never lost).
    Assessment.objects.filter(band_code="").update(band_code=models.F("band"))


def to_english(apps, schema_editor):
    Assessment = apps.get_model("program", "Assessment")
    for code, words in WORDS.items():
        Assessment.objects.filter(band_code=code).update(band=words)
    Assessment.objects.filter(band="").update(band=models.F("band_code"))


class Migration(migrations.Migration):
    dependencies = [("program", "0034_merge_screen_kept_current")]

    operations = [
        migrations.AddField(
            model_name="assessment",
            name="band_code",
            field=models.CharField(default="", max_length=100),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="assessment",
            name="band",
            field=models.CharField(blank=True, default="", max_length=100),
        ),
        migrations.RunPython(to_codes, to_english, elidable=False),
        migrations.RemoveField(model_name="assessment", name="band"),
    ]

"""Keep a suggested taper step's note as a code of ``program.rules.taper.Note`` and its
figures instead of English words, which were parsed back with regular expressions on
every page to be translated.

The two notes ``suggest_steps`` ever wrote (one wording each, since they were added) are
read here once, with the patterns that used to run on every page; ``note`` is left with
the clinician's own words only. The plan's history (``TaperPlanChange.steps``) is
converted the same way, so a step reads alike in both.

Reversible: the English is written back from the code (before the clinician's own note,
if a step has both after the upgrade).
"""

import re

from django.db import migrations, models

NUMBER = r"\d+(?:\.\d+)?"
PATTERNS = {
    "drug_free_nights": re.compile(r"(?P<nights>\d+) drug-free nights a week"),
    "large_step": re.compile(
        rf"A (?P<cut>{NUMBER})% step, more than this plan's (?P<percent>{NUMBER})%: the "
        r"tablets listed make nothing smaller \(a lower strength or a liquid form could\)\. "
        r"Held twice as long\."
    ),
}
ENGLISH = {
    "drug_free_nights": "{nights} drug-free nights a week",
    "large_step": (
        "A {cut}% step, more than this plan's {percent}%: the tablets listed make nothing "
        "smaller (a lower strength or a liquid form could). Held twice as long."
    ),
}


def read_note(note):
    """(code, figures, the clinician's own note) for a stored note."""
    for code, pattern in PATTERNS.items():
        match = pattern.fullmatch(note.strip())
        if match:
            figures = match.groupdict()
            if code == "drug_free_nights":
                figures["nights"] = int(figures["nights"])
            return code, figures, ""
    return "", {}, note


def write_note(code, params, note):
    """The English note stored before this migration for a code, then the clinician's own words."""
    english = ENGLISH[code].format(**params) if code in ENGLISH else ""
    return " ".join(part for part in (english, note) if part)[:200]


def to_codes(apps, schema_editor):
    TaperStep = apps.get_model("program", "TaperStep")
    for step in TaperStep.objects.exclude(note=""):
        code, figures, own = read_note(step.note)
        if code:
            step.note_code, step.note_params, step.note = code, figures, own
            step.save(update_fields=["note_code", "note_params", "note"])
    TaperPlanChange = apps.get_model("program", "TaperPlanChange")
    for change in TaperPlanChange.objects.all():
        steps = []
        for step in change.steps:
            code, figures, own = read_note(step.get("note", ""))
            steps.append({**step, "note": own, "note_code": code, "note_params": figures})
        if steps != change.steps:
            change.steps = steps
            change.save(update_fields=["steps"])


def to_english(apps, schema_editor):
    TaperStep = apps.get_model("program", "TaperStep")
    for step in TaperStep.objects.exclude(note_code=""):
        step.note = write_note(step.note_code, step.note_params, step.note)
        step.save(update_fields=["note"])
    TaperPlanChange = apps.get_model("program", "TaperPlanChange")
    for change in TaperPlanChange.objects.all():
        steps = []
        for step in change.steps:
            old = {k: v for k, v in step.items() if k not in ("note_code", "note_params")}
            code, params = step.get("note_code", ""), step.get("note_params") or {}
            steps.append({**old, "note": write_note(code, params, step.get("note", ""))})
        if steps != change.steps:
            change.steps = steps
            change.save(update_fields=["steps"])


class Migration(migrations.Migration):
    dependencies = [("program", "0035_assessment_band_code")]

    operations = [
        migrations.AddField(
            model_name="taperstep",
            name="note_code",
            field=models.CharField(blank=True, max_length=30),
        ),
        migrations.AddField(
            model_name="taperstep",
            name="note_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(to_codes, to_english, elidable=False),
    ]

from django.db import migrations

# A frozen copy of program.rules.titration.SHIPPED at the time of this migration.
PROTOCOLS = [
    {
        "key": "weekly-90-85",
        "name": "Weekly rule (90/85)",
        "initial_rule": "mean_tst",
        "floor_min": 300,
        "extend_at": 90.0,
        "reduce_below": 85.0,
        "reduce_mode": "step",
        "description": "SE ≥ 90% → 15 minutes more; 85–90% → keep; < 85% → 15 minutes less; "
        "floor 5 hours.",
        "sources": "The weekly rule of session guides (e.g. Perlis et al. 2005), as commonly "
        "summarised (the book was not checked here). Minimum 5 of 7 nights: CBT-i "
        "Coach. Initial window = mean TST of 7 valid nights in the last 14.",
    },
    {
        "key": "older-85-80",
        "name": "Weekly rule for older adults (85/80)",
        "initial_rule": "mean_tst",
        "floor_min": 300,
        "extend_at": 85.0,
        "reduce_below": 80.0,
        "reduce_mode": "step",
        "description": "The weekly rule with both thresholds 5 points lower.",
        "sources": "Behavioral Treatments for Sleep Disorders (2011) ch. 1 lowers the indication "
        "threshold by 5 points for older people; lowering the titration thresholds "
        "alike is common practice, unsourced.",
    },
    {
        "key": "spielman-1987",
        "name": "Spielman 1987",
        "initial_rule": "mean_tst",
        "floor_min": 270,
        "extend_at": 90.0,
        "reduce_below": 85.0,
        "reduce_mode": "to_mean_tst",
        "description": "Window = mean TST, floor 4.5 hours; +15 minutes after a week at SE ≥ 90%; "
        "below 85% back to the week's mean TST.",
        "sources": "Spielman AJ, Saskin P, Thorpy MJ. Sleep 1987;10:45-56. The reduce-to-mean-TST "
        "rule is as reported in summaries; the original was not checked here.",
    },
    {
        "key": "bbti",
        "name": "Brief behavioural treatment (BBTI)",
        "initial_rule": "mean_tst_plus",
        "initial_offset_min": 30,
        "floor_min": 300,
        "extend_at": 90.0,
        "reduce_below": 85.0,
        "reduce_mode": "step",
        "description": "Initial window = mean TST + 30 minutes, then the weekly rule.",
        "sources": "AASM provider fact sheet: Brief Behavioral Treatment for Insomnia (Buysse, "
        "Germain, Troxel).",
    },
    {
        "key": "compression",
        "name": "Sleep compression (gentler)",
        "initial_rule": "compression",
        "floor_min": 300,
        "extend_at": 90.0,
        "reduce_below": 85.0,
        "reduce_mode": "compression",
        "description": "Starts from the current time in bed and steps it down in equal weekly "
        "steps toward the baseline TST, until SE reaches 85%.",
        "sources": "Lichstein KL, Thomas SJ, McCurry SM. Sleep compression. Behavioral "
        "Treatments for Sleep Disorders (2011) ch. 5. The equal step of (TIB − TST)/5 "
        "is a common reading; the chapter's exact step was not checked here.",
    },
]


def ship(apps, schema_editor):
    SleepProtocol = apps.get_model("program", "SleepProtocol")
    for row in PROTOCOLS:
        SleepProtocol.objects.get_or_create(key=row["key"], version=1, defaults=row)


class Migration(migrations.Migration):
    dependencies = [("program", "0004_sleep_window")]
    operations = [migrations.RunPython(ship, migrations.RunPython.noop)]

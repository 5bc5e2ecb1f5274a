"""The migrations that store codes instead of English: every English form the app ever
stored becomes its code, each page shows the same words as before, and the way back
writes the English again."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from program import clinical_text
from program.medication.models import step_message
from program.rules import scoring

PERSON = {"language": "en", "time_zone": "UTC", "name": ""}
BANDS_BEFORE = [("program", "0034_merge_screen_kept_current")]
BANDS_AFTER = [("program", "0035_assessment_band_code")]

# What 0034 stored: every band of every scale, with the English scoring wrote then.
STORED_BANDS = {
    "isi": [
        (3, "No clinically significant insomnia"),
        (10, "Subthreshold insomnia"),
        (18, "Clinical insomnia (moderate)"),
        (25, "Clinical insomnia (severe)"),
    ],
    "phq9": [
        (2, "Minimal"),
        (6, "Mild"),
        (12, "Moderate"),
        (17, "Moderately severe"),
        (22, "Severe"),
    ],
    "gad7": [(2, "Minimal"), (6, "Mild"), (12, "Moderate"), (18, "Severe")],
    "ess": [(5, "Normal range"), (15, "High sleepiness")],
    "psqi": [(3, "Good sleeper"), (9, "Poor sleeper")],
}


def _state(executor: MigrationExecutor, target: list[tuple[str, str]]) -> Any:
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] != "program"]
    return executor.loader.project_state([*others, *target]).apps


@pytest.mark.django_db(transaction=True)
def test_migration_0035_turns_every_stored_band_into_its_code_and_back() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BANDS_BEFORE)
    old = _state(executor, BANDS_BEFORE)
    patient = old.get_model("accounts", "User").objects.create(
        email="p@example.test", role="patient", password="x", **PERSON
    )
    instruments = old.get_model("program", "Instrument").objects
    assessments = old.get_model("program", "Assessment").objects
    stored = []
    for key, rows in STORED_BANDS.items():
        instrument, _created = instruments.get_or_create(
            key=key,
            version=1,
            defaults={
                "name": key,
                "short_name": key,
                "licence": "",
                "recall_period": "",
                "items": [],
                "options": [],
                "is_current": True,
            },
        )
        for total, band in rows:
            stored.append(
                assessments.create(
                    patient=patient,
                    instrument=instrument,
                    occasion="baseline",
                    total=total,
                    band=band,
                    completed_on=date(2026, 11, 2),
                )
            )
    odd = assessments.create(
        patient=patient,
        instrument=instruments.get(key="isi"),
        occasion="week-2",
        total=9,
        band="Some older wording",
        completed_on=date(2026, 11, 9),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(BANDS_AFTER)
    new = _state(executor, BANDS_AFTER).get_model("program", "Assessment").objects
    codes = dict(new.values_list("pk", "band_code"))
    for row in stored:
        scale = scoring.SCALES[row.instrument.key]
        # The code the scoring gives that total today: the same band as stored.
        assert codes[row.pk] == scoring.band_for(row.total, scale.bands).code
        with translation.override("en"):
            assert clinical_text.band_words(codes[row.pk]) == row.band  # the same words
    assert codes[odd.pk] == "Some older wording"  # kept, and shown as written
    with translation.override("fr"):
        assert clinical_text.band_words(codes[stored[2].pk]) == "Insomnie clinique (modérée)"

    executor = MigrationExecutor(connection)
    executor.migrate(BANDS_BEFORE)
    back = _state(executor, BANDS_BEFORE).get_model("program", "Assessment").objects
    assert dict(back.values_list("pk", "band")) == {
        **{row.pk: row.band for row in stored},
        odd.pk: "Some older wording",
    }
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


NOTES_BEFORE = [("program", "0035_assessment_band_code")]
NOTES_AFTER = [("program", "0036_taper_step_note_code")]
LARGE = (
    "A 50% step, more than this plan's 12.5%: the tablets listed make nothing smaller (a "
    "lower strength or a liquid form could). Held twice as long."
)
# What suggest_steps stored, and a clinician's own note (kept as written).
STORED_NOTES = {
    "2 drug-free nights a week": ("drug_free_nights", {"nights": 2}, ""),
    LARGE: ("large_step", {"cut": "50", "percent": "12.5"}, ""),
    "Take with food": ("", {}, "Take with food"),
    "": ("", {}, ""),
}


@pytest.mark.django_db(transaction=True)
def test_migration_0036_turns_every_suggested_step_note_into_its_code_and_back() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(NOTES_BEFORE)
    old = _state(executor, NOTES_BEFORE)
    users = old.get_model("accounts", "User").objects
    patient = users.create(email="p@example.test", role="patient", password="x", **PERSON)
    therapist = users.create(email="t@clinic.test", role="therapist", password="x", **PERSON)
    medication = old.get_model("program", "Medication").objects.create(
        patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=10
    )
    plan = old.get_model("program", "TaperPlan").objects.create(
        patient=patient, medication=medication, start_dose_mg=10, set_by=therapist
    )
    steps = old.get_model("program", "TaperStep").objects
    stored = {
        note: steps.create(plan=plan, starts_on=date(2026, 11, 2 + i), dose_mg=10, note=note).pk
        for i, note in enumerate(STORED_NOTES)
    }
    snapshot = [{"starts_on": "2026-11-02", "dose_mg": "10", "note": n} for n in STORED_NOTES]
    change = old.get_model("program", "TaperPlanChange").objects.create(
        plan=plan, action="drafted", status="draft", steps=snapshot
    )

    executor = MigrationExecutor(connection)
    executor.migrate(NOTES_AFTER)
    new = _state(executor, NOTES_AFTER)
    rows = {s.pk: s for s in new.get_model("program", "TaperStep").objects.all()}
    history = new.get_model("program", "TaperPlanChange").objects.get(pk=change.pk).steps
    for (note, (code, params, own)), kept in zip(STORED_NOTES.items(), history, strict=True):
        row = rows[stored[note]]
        assert (row.note_code, row.note_params, row.note) == (code, params, own)
        assert (kept["note_code"], kept["note_params"], kept["note"]) == (code, params, own)
        message = step_message(code, params)
        with translation.override("en"):  # the same words on the pages as before
            assert " ".join(p for p in (clinical_text.taper_words(message), own) if p) == note
    with translation.override("fr"):
        words = clinical_text.taper_words(step_message("drug_free_nights", {"nights": 2}))
    assert words == "2 nuits sans médicament par semaine"

    executor = MigrationExecutor(connection)
    executor.migrate(NOTES_BEFORE)
    back = _state(executor, NOTES_BEFORE)
    notes = dict(back.get_model("program", "TaperStep").objects.values_list("pk", "note"))
    assert notes == {pk: note for note, pk in stored.items()}
    again = back.get_model("program", "TaperPlanChange").objects.get(pk=change.pk).steps
    assert again == snapshot
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

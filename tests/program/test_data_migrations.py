"""The data migrations, each run on rows as the code of its day stored them.

- 0031: every PHQ-9 risk answer from before the risk workflow gets its alert, acknowledged
  and emailed as it was, so the upgrade loses no urgent flag and sends no email twice
  (docs/clinical-safety.md, H11).
- 0035 and 0036, which store codes instead of English: every English form the app ever
  stored becomes its code, each page shows the same words as before, and the way back
  writes the English again.

The tests walk one database through the migrations in their order (``to``), and the
module's fixture puts it back at the latest at the end. Each test still migrates to where
it starts, so it also passes alone; together they cross each migration about once instead
of walking back from the latest and forward again three times (20 s a pass, now 8 s):
Django renders the project's state for every operation it applies or undoes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone, translation

from program import clinical_text
from program.medication.models import step_message
from program.rules import scoring

PERSON = {"language": "en", "time_zone": "UTC", "name": ""}


def to(target: tuple[str, str]) -> Any:
    """Migrate the program app to ``target`` (every other app stays at its latest) and
    return the models as they were then."""
    state = MigrationExecutor(connection).migrate([target])
    # Render the models afresh: those the walk left were reloaded one operation at a
    # time and may point at older copies of each other.
    state.__dict__.pop("apps", None)
    return state.apps


@pytest.fixture(scope="module", autouse=True)
def back_to_the_latest(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Start from empty tables, as a transactional test leaves them: on PostgreSQL, undoing
    a migration whose data step changes rows of a table it then alters fails ("pending
    trigger events") when the migrations' own rows (the questionnaires) are there."""
    with django_db_blocker.unblock():
        call_command("flush", interactive=False)
    yield
    with django_db_blocker.unblock():
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


RISK_BEFORE = ("program", "0030_diary_submission_key")
RISK_AFTER = ("program", "0031_risk_alerts")


@pytest.mark.django_db(transaction=True)
def test_migration_0031_gives_each_earlier_risk_answer_its_alert() -> None:
    # Every other app as it is now (the users' latest fields), the program before 0031.
    old = to(RISK_BEFORE)
    user_model = old.get_model("accounts", "User")
    instrument_model = old.get_model("program", "Instrument")
    assessment_model = old.get_model("program", "Assessment")
    therapist = user_model.objects.create(
        email="t@clinic.test", role="therapist", password="x", **PERSON
    )
    with_therapist = user_model.objects.create(
        email="a@example.test", role="patient", therapist=therapist, password="x", **PERSON
    )
    alone = user_model.objects.create(
        email="b@example.test", role="patient", password="x", **PERSON
    )
    phq9, _created = instrument_model.objects.get_or_create(
        key="phq9",
        version=1,
        defaults={
            "name": "PHQ-9",
            "short_name": "PHQ-9",
            "licence": "public domain",
            "recall_period": "2 weeks",
            "items": [],
            "options": [],
            "is_current": True,
        },
    )
    now = timezone.now()

    def answer(patient, **extra):
        return assessment_model.objects.create(
            patient=patient,
            instrument=phq9,
            occasion="baseline",
            total=12,
            band="Moderate",
            risk=True,
            completed_on=date(2026, 11, 2),
            **extra,
        )

    sent = answer(with_therapist, email_sent_at=now)
    unsent = answer(with_therapist)
    seen = answer(with_therapist, email_sent_at=now, risk_acknowledged_at=now)
    seen.risk_acknowledged_by = therapist
    seen.save()
    nobody = answer(alone, email_sent_at=now)  # the old task marked it "sent" to nobody
    assessment_model.objects.filter(pk=unsent.pk).update(completed_at=now - timedelta(hours=1))

    new = to(RISK_AFTER)
    alerts = {a.assessment_id: a for a in new.get_model("program", "RiskAlert").objects.all()}
    assert set(alerts) == {sent.pk, unsent.pk, seen.pk, nobody.pk}
    assert all(a.source == "phq9_item9" for a in alerts.values())
    assert alerts[unsent.pk].created_at == now - timedelta(hours=1)
    assert alerts[seen.pk].acknowledged_at == now
    assert alerts[seen.pk].acknowledged_by_id == therapist.pk
    assert alerts[sent.pk].acknowledged_at is None
    notice_model = new.get_model("program", "RiskNotice")
    notices = {n.alert.assessment_id: n for n in notice_model.objects.select_related("alert")}
    assert notices[sent.pk].recipients == ["t@clinic.test"]
    assert notices[sent.pk].email_sent_at == now  # never sent again
    assert notices[unsent.pk].email_sent_at is None  # the tick sends it
    # Nobody was ever told about the patient without a therapist: no email row, so the
    # escalation (to the duty list) takes it up.
    assert nobody.pk not in notices
    assert alerts[nobody.pk].escalated_at is None
    events = new.get_model("program", "RiskAlertEvent").objects
    assert events.filter(kind="raised").count() == 4


BANDS_BEFORE = ("program", "0034_merge_screen_kept_current")
BANDS_AFTER = ("program", "0035_assessment_band_code")

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


@pytest.mark.django_db(transaction=True)
def test_migration_0035_turns_every_stored_band_into_its_code_and_back() -> None:
    old = to(BANDS_BEFORE)
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

    new = to(BANDS_AFTER).get_model("program", "Assessment").objects
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

    back = to(BANDS_BEFORE).get_model("program", "Assessment").objects
    assert dict(back.values_list("pk", "band")) == {
        **{row.pk: row.band for row in stored},
        odd.pk: "Some older wording",
    }


NOTES_BEFORE = ("program", "0035_assessment_band_code")
NOTES_AFTER = ("program", "0036_taper_step_note_code")
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
    old = to(NOTES_BEFORE)
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

    new = to(NOTES_AFTER)
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

    back = to(NOTES_BEFORE)
    notes = dict(back.get_model("program", "TaperStep").objects.values_list("pk", "note"))
    assert notes == {pk: note for note, pk in stored.items()}
    again = back.get_model("program", "TaperPlanChange").objects.get(pk=change.pk).steps
    assert again == snapshot

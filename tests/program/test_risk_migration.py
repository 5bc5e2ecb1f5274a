"""Migration 0031: every PHQ-9 risk answer from before the risk workflow gets its alert,
acknowledged and emailed as it was, so the upgrade loses no urgent flag and sends no
email twice (docs/clinical-safety.md, H11)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("program", "0030_diary_submission_key")]
AFTER = [("program", "0031_risk_alerts")]
PERSON = {"language": "en", "time_zone": "UTC", "name": ""}


@pytest.mark.django_db(transaction=True)
def test_migration_0031_gives_each_earlier_risk_answer_its_alert() -> None:
    executor = MigrationExecutor(connection)
    # Every other app as it is now (the users' latest fields), the program before 0031.
    others = [n for n in executor.loader.graph.leaf_nodes() if n[0] != "program"]
    executor.migrate(BEFORE)
    old = executor.loader.project_state([*others, *BEFORE]).apps
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

    def answer(patient, **extra):  # type: ignore[no-untyped-def]
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

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state([*others, *AFTER]).apps
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

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

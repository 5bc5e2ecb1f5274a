"""Migration 0061 distrusts every kept caseload row once, so the flags' new rules (a
positive screen only while it waits; a reported problem to review) reach rows worked out
before the upgrade at once, not at each patient's next midnight."""

from __future__ import annotations

import importlib

from django.apps import apps

from program.models import CaseloadSummary

recount = importlib.import_module("program.migrations.0061_recount_caseload_flags")


def test_every_kept_row_is_worked_out_again(patient, other_patient) -> None:
    CaseloadSummary.objects.ensure_rows([patient.pk, other_patient.pk])
    CaseloadSummary.objects.update(computed=0, changes=0)
    recount.distrust_every_row(apps, None)
    rows = CaseloadSummary.objects.filter(patient__in=[patient, other_patient])
    assert sorted(rows.values_list("computed", "changes")) == [(0, 1), (0, 1)]

"""The caseload's per-patient summary (program/clinic/summary.py keeps it)."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import models


class CaseloadSummaryManager(models.Manager["CaseloadSummary"]):
    def mark_changed(self, patient_ids: Iterable[int | None]) -> None:
        """Distrust these patients' rows, in the caller's transaction: one UPDATE. For
        workflows that write with ``QuerySet.update`` or ``bulk_create`` (no signals).
        (A patient has a row from sign-up on, ``ensure_rows``; a missing row is never
        trusted.)"""
        ids = sorted({i for i in patient_ids if i is not None})
        if ids:
            self.filter(patient_id__in=ids).update(changes=models.F("changes") + 1)

    def mark_all_changed(self) -> None:
        """Distrust every row: a clinic setting that the flags read has changed (the
        reminder delay after which a waiting decision is flagged)."""
        self.update(changes=models.F("changes") + 1)

    def ensure_rows(self, patient_ids: Iterable[int]) -> None:
        """An untrusted row for each patient that has none yet, so that writes have a
        row to mark from then on."""
        self.bulk_create([self.model(patient_id=i) for i in patient_ids], ignore_conflicts=True)


class CaseloadSummary(models.Model):
    """One patient's caseload row as last worked out from the raw rows
    (``program.clinic.caseload.build_rows``), so that the caseload, its CSV and the
    weekly round sort, filter and cut pages in the database.

    A row is trusted only while ``computed == changes`` and ``valid_until`` is in the
    future. Every write that changes a figure adds one to ``changes`` in its own
    transaction (program/clinic/signals.py); ``valid_until`` is the patient's next local
    midnight (or sooner, when a sleepy check ages out), after which the date alone
    changes the figures. Rows that are not trusted are worked out again before any page
    reads them (program.clinic.summary.refresh)."""

    patient = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="caseload_summary",
    )
    changes = models.PositiveIntegerField(default=0, db_default=0)
    computed = models.PositiveIntegerField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    week = models.PositiveSmallIntegerField(null=True, blank=True)
    programme_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    paused = models.BooleanField(default=False, db_default=False)
    lessons_done = models.PositiveSmallIntegerField(default=0, db_default=0)
    lessons_total = models.PositiveSmallIntegerField(default=0, db_default=0)
    nights_last_7 = models.PositiveSmallIntegerField(default=0, db_default=0)
    se_last = models.FloatField(null=True, blank=True)
    se_change = models.FloatField(null=True, blank=True)
    tst_last = models.FloatField(null=True, blank=True)
    tst_change = models.FloatField(null=True, blank=True)
    isi_latest = models.SmallIntegerField(null=True, blank=True)
    isi_change = models.SmallIntegerField(null=True, blank=True)
    isi_band = models.CharField(max_length=40, blank=True, default="", db_default="")
    pending_recommendations = models.PositiveSmallIntegerField(default=0, db_default=0)
    # The flags as JSON, [[key, {params}], ...], the urgent first (caseload.flag_from
    # words them in the reader's language).
    flags = models.TextField(blank=True, default="[]", db_default="[]")
    flag_count = models.PositiveSmallIntegerField(default=0, db_default=0)
    urgent = models.BooleanField(default=False, db_default=False)

    objects = CaseloadSummaryManager()

    def __str__(self) -> str:
        return f"caseload summary of patient {self.patient_id}"

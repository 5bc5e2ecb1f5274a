"""program.revisions.insert: a new diary night in one statement with its patient's new
revision. It must write the row the ORM's save() writes, renew exactly that patient, and
stand in for save() only while nothing else listens to the model's saves."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.db.models.signals import post_save, pre_save
from django.utils import timezone

from accounts.models import User
from program import revisions
from program.diary import TIME_FIELDS, _apply, check_answers
from program.models import DiaryEntry, NightMedication

ANSWERS = {
    "into_bed": time(23, 5),
    "lights_off": time(23, 20),
    "sleep_latency_min": 25,
    "awakenings": 2,
    "awake_min": 35,
    "final_wake": time(6, 10),
    "out_of_bed": time(6, 40),
    "quality": 2,
    "comments": "Woke at 3 with the neighbour's dog. <b>not bold</b>",
    "nap_count": 1,
    "nap_min": 20,
    "early_wake_min": 30,
    "alcohol_drinks": 1,
    "alcohol_last_at": time(20, 15),
    "caffeine_drinks": 2,
    "caffeine_last_at": time(14, 0),
    "unusual_night": True,
    "unusual_reason": "illness",
}


def night(patient: User, back: int) -> DiaryEntry:
    day = patient.local_today() - timedelta(days=back)
    resolved, check = check_answers(patient, day, ANSWERS)
    assert not check.errors
    entry = DiaryEntry(patient=patient, diary_date=day, time_zone=patient.time_zone, is_late=True)
    _apply(entry, resolved, ANSWERS)
    return entry


def stored(entry: DiaryEntry, *, days_later: int = 0) -> dict[str, object]:
    """The row as stored, its night moved by days_later (to compare two mornings)."""
    row = DiaryEntry.objects.values().get(pk=entry.pk)
    for name in ("id", "entered_at", "updated_at"):
        row.pop(name)
    for name in ("diary_date", *TIME_FIELDS):
        row[name] += timedelta(days=days_later)
    return row


def test_it_writes_the_row_that_save_writes(patient: User) -> None:
    by_orm, by_insert = night(patient, 1), night(patient, 2)
    by_orm.save()
    before = timezone.now()
    revisions.insert(by_insert)
    assert by_insert.pk is not None and by_insert.pk != by_orm.pk
    assert not by_insert._state.adding
    assert stored(by_insert, days_later=1) == stored(by_orm)
    # The clock times, stamps and metrics came back as they were given.
    back = DiaryEntry.objects.get(pk=by_insert.pk)
    assert back.into_bed == by_insert.into_bed and back.final_wake == by_insert.final_wake
    assert back.total_sleep_min == by_insert.total_sleep_min > 0
    assert back.entered_at == by_insert.entered_at >= before
    assert back.updated_at == by_insert.updated_at >= before


def test_it_renews_that_patient_and_no_one_else(patient: User, other_patient: User) -> None:
    patient.refresh_from_db()
    other_patient.refresh_from_db()
    mine, theirs = patient.data_revision, other_patient.data_revision
    counted = revisions.writes_in_this_thread()
    revisions.insert(night(patient, 1))
    patient.refresh_from_db()
    other_patient.refresh_from_db()
    assert patient.data_revision != mine
    assert other_patient.data_revision == theirs
    assert revisions.writes_in_this_thread() == counted + 1


def test_a_refused_row_renews_nobody(patient: User) -> None:
    revisions.insert(night(patient, 1))
    patient.refresh_from_db()
    revision = patient.data_revision
    with pytest.raises(IntegrityError), transaction.atomic():
        revisions.insert(night(patient, 1))  # the same morning: the unique constraint
    patient.refresh_from_db()
    assert patient.data_revision == revision
    assert DiaryEntry.objects.filter(patient=patient).count() == 1


def test_it_takes_only_new_rows_one_step_from_their_patient(patient: User) -> None:
    entry = night(patient, 1)
    revisions.insert(entry)
    with pytest.raises(ValueError, match="new rows"):
        revisions.insert(entry)
    with pytest.raises(ValueError, match="one step"):
        revisions.insert(NightMedication(entry=entry, answer="none"))


@pytest.mark.parametrize("signal", [pre_save, post_save])
def test_no_save_receiver_is_skipped(signal) -> None:  # type: ignore[no-untyped-def]
    """insert() sends no save signal: the revision's own receiver (whose work it does) must
    stay the only one for DiaryEntry, and none may listen to every model. A new receiver
    fails here: call it from program.diary.save_entry, or save the night with save()."""
    listening = {
        key[0]
        for key, *_rest in signal.receivers
        if key[1] in (id(DiaryEntry), id(None))  # lookup key: (receiver or uid, sender)
    }
    expected = {"revision-program.DiaryEntry"} if signal is post_save else set()
    assert listening == expected

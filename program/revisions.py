"""Each person's data revision: a new one after every change to what their pages show.

``User.data_revision`` is a UUID on the user row, which every signed-in request loads
anyway. Any write to a patient's own data gives that patient a new revision, in the
same transaction as the write or after it (never before it), so a page kept under a
revision never shows data older than that revision. ``program.page_cache`` keeps a
patient's own pages under it.

Where the writes are caught:

- ``save()`` and ``delete()`` of each model in ``PATIENT_DATA`` (signals, connected in
  ``program.signals``), with the path from the model to its patient;
- ``QuerySet.update()``, ``bulk_create()`` and ``bulk_update()`` of those models
  (``PatientDataQuerySet``, which every one of them uses; a test holds this);
- shared content that patients' pages show (programmes, weeks, lessons, instruments,
  sleep protocols): everyone gets a new revision, once per transaction;
- the user row itself (name, language, time zone, therapist, deletion request), and a
  therapist's row for their patients (their name is on their patients' pages);
- a therapist's or an admin's deletion, which empties fields on other people's rows
  (``SET_NULL`` sends no save signal): everyone.

``NOT_SHOWN`` lists the models no cached page shows; a test fails for a model in none
of the three lists.
"""

from __future__ import annotations

import functools
import threading
import uuid
from collections.abc import Iterable
from contextlib import nullcontext
from typing import Any

from django.db import connection, models, transaction

# Model label -> the lookup path from the model to its patient (a User).
PATIENT_DATA: dict[str, str] = {
    "program.Assessment": "patient",
    "program.TherapistNote": "patient",
    "program.NoteRevision": "note__patient",
    "program.Enrolment": "patient",
    "program.EnrolmentChange": "enrolment__patient",
    "program.LessonProgress": "enrolment__patient",
    "program.LessonAnswer": "progress__enrolment__patient",
    "program.DiaryEntry": "patient",
    "program.DiaryEntryRevision": "entry__patient",
    "program.Medication": "patient",
    "program.NightMedication": "entry__patient",
    "program.MedicationDose": "entry__patient",
    "program.TaperPlan": "patient",
    "program.TaperStep": "plan__patient",
    "program.TaperPlanChange": "plan__patient",
    "program.Message": "patient",
    "program.SafetyScreen": "patient",
    "program.SleepinessCheck": "patient",
    "program.SleepCourse": "patient",
    "program.Prescription": "course__patient",
    "program.Recommendation": "course__patient",
}

# Content every enrolled patient's pages show: a change renews everyone it reaches.
SHARED_CONTENT: frozenset[str] = frozenset(
    {
        "program.Programme",
        "program.Week",
        "program.Lesson",
        "program.LessonVersion",
        "program.LessonImage",
        "program.Instrument",
        "program.SleepProtocol",
    }
)

# Models no cached page shows, and why.
NOT_SHOWN: dict[str, str] = {
    "program.Delivery": "the log of sent reminders; shown to no patient page",
    # The reminder settings page (not cached) shows these; the worker writes them at every
    # reminder it sends, which would otherwise renew everyone's pages at each tick.
    "program.ReminderPreference": "the reminder settings page, which is not cached",
    "program.ReminderSchedule": "the reminder settings page; advanced by every tick",
    "program.PushSubscription": "the reminder settings page; stamped by every push",
    "program.Invitation": "read before an account exists, and by therapists",
    "program.WorkerHeartbeat": "the health check's",
    "program.Watermark": "how far a periodic job has read",
    "accounts.ApiToken": "the API's credentials, on the settings page (not cached)",
    "accounts.AuditEvent": "the audit page, which is not cached",
    "accounts.User": "its own save renews the revision (program.signals)",
}

_writes = threading.local()


def writes_in_this_thread() -> int:
    """How many renewals this thread has made: a page rendered while it grew is not kept."""
    return getattr(_writes, "count", 0)


def renew(patients: Any) -> None:
    """A new revision for these users: ids, or a subquery of ids."""
    from accounts.models import User

    _writes.count = writes_in_this_thread() + 1
    if isinstance(patients, models.QuerySet):
        User.objects.filter(pk__in=patients).update(data_revision=uuid.uuid4())
        return
    ids = sorted({pk for pk in patients if pk is not None})  # rows locked in one order
    if not ids:
        return
    # One plain statement: every diary night saved comes here, and building the ORM's
    # query cost more than running it.
    with connection.cursor() as cursor:
        cursor.execute(*_revision_update(ids))


def _revision_update(ids: list[int], db: Any = connection) -> tuple[str, list[Any]]:
    from accounts.models import User

    meta, ops = User._meta, db.ops
    field = meta.get_field("data_revision")
    cells = ", ".join(["%s"] * len(ids))
    sql = (
        f"UPDATE {ops.quote_name(meta.db_table)} SET {ops.quote_name(field.column)} = %s "
        f"WHERE {ops.quote_name(meta.pk.column)} IN ({cells})"
    )
    return sql, [field.get_db_prep_value(uuid.uuid4(), db), *ids]


@functools.cache
def _insert_statement(model: type[models.Model], vendor: str) -> tuple[list[Any], str, str]:
    """The fields, the INSERT and the patient's attribute (``patient_id``) for insert()."""
    meta, ops = model._meta, connection.ops
    path = patient_path(model)
    fields = [f for f in meta.local_concrete_fields if not f.primary_key]
    if "__" in path or any(f.generated or f.has_db_default() for f in fields):
        raise ValueError(f"{meta.label}: insert() takes rows whose patient is one step away")
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    cells = ", ".join(["%s"] * len(fields))
    statement = f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) VALUES ({cells})"
    return fields, statement, meta.get_field(path).attname


def insert(obj: models.Model) -> None:
    """Save a new row of a patient-data model whose patient is one step away, and renew
    that patient's revision: on PostgreSQL in the same statement (a data-modifying
    ``WITH``, so one round trip and one commit, and no moment where one is written
    without the other), elsewhere as the ``INSERT`` and then ``renew``.

    Every diary night comes here (``program.diary.save_entry``): the ORM's ``save()``
    spent more building the statement than the database spent running it. The values
    are prepared as the ORM prepares them (each field's ``pre_save``, which stamps
    ``auto_now`` fields, then ``get_db_prep_save``). No save signal is sent: a test
    holds that the revision's is the only receiver for these models, and that the row
    is the one ``save()`` writes. Alone, the statement is its own transaction; inside a
    caller's, it gets a savepoint, so a refused row (a unique constraint) leaves the
    caller's transaction usable."""
    if obj.pk is not None:
        raise ValueError(f"{obj._meta.label} {obj.pk}: insert() takes new rows")
    db = transaction.get_connection()  # the connection itself, not the per-thread proxy
    fields, statement, patient_field = _insert_statement(type(obj), db.vendor)
    values = [f.get_db_prep_save(f.pre_save(obj, True), db) for f in fields]
    patient_id = getattr(obj, patient_field)
    meta, ops = obj._meta, db.ops
    _writes.count = writes_in_this_thread() + 1
    with transaction.atomic() if db.in_atomic_block else nullcontext(), db.cursor() as cursor:
        if db.vendor == "postgresql":
            update, params = _revision_update([patient_id], db)
            pk = ops.quote_name(meta.pk.column)
            cursor.execute(
                f"WITH inserted AS ({statement} RETURNING {pk}), renewed AS ({update}) "
                f"SELECT {pk} FROM inserted",
                [*values, *params],
            )
            obj.pk = cursor.fetchone()[0]
        else:
            cursor.execute(statement, values)
            obj.pk = ops.last_insert_id(cursor, meta.db_table, meta.pk.column)
            cursor.execute(*_revision_update([patient_id], db))
    obj._state.adding = False
    obj._state.db = db.alias


def renew_everyone() -> None:
    """Shared content changed: every person's pages are worked out again.

    Once per transaction: an import saving 200 lessons renews everyone once. A marker
    kept with the transaction's commit hooks says it is done; a rolled-back savepoint
    drops both the renewal and its marker, so the next change renews again."""
    from accounts.models import User

    _writes.count = writes_in_this_thread() + 1
    if everyone_renewed_in_this_transaction():
        return
    User.objects.update(data_revision=uuid.uuid4())
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(_renewed_everyone)


def everyone_renewed_in_this_transaction() -> bool:
    """Whether this transaction has renewed everyone already. A page worked out inside it
    must not be kept (``program.page_cache``): it would be kept under the renewed revision,
    which the transaction's later changes, renewing nobody again, would leave behind. No
    other process sees that revision before the commit, so only this thread could."""
    connection = transaction.get_connection()
    return connection.in_atomic_block and any(
        entry[1] is _renewed_everyone for entry in connection.run_on_commit
    )


def _renewed_everyone() -> None:
    """The marker (does nothing when the transaction commits)."""


def patient_path(model: type[models.Model]) -> str:
    return PATIENT_DATA[model._meta.label]


def patients_of(model: type[models.Model], instances: Iterable[models.Model]) -> Any:
    """The patient ids of these rows: read from the rows where the path is one step,
    else a subquery (the rows must still exist)."""
    path = patient_path(model)
    instances = list(instances)
    if "__" not in path:
        return [getattr(obj, f"{path}_id") for obj in instances]
    pks = [obj.pk for obj in instances if obj.pk is not None]
    return model._base_manager.filter(pk__in=pks).values(path)


class PatientDataQuerySet(models.QuerySet):
    """Bulk writes renew the revisions of the patients whose rows they touch."""

    def update(self, **kwargs: Any) -> int:
        path = patient_path(self.model)
        with transaction.atomic(using=self.db, savepoint=False):
            # Whose rows: read before the update, which may change what the filter matches.
            ids = set(self.values_list(path, flat=True).distinct().order_by())
            count = super().update(**kwargs)
            if count:
                renew(ids)
        return count

    update.alters_data = True  # type: ignore[attr-defined]

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            renew(patients_of(self.model, created))
        return created

    def bulk_update(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> int:
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            count = super().bulk_update(objs, *args, **kwargs)
            renew(patients_of(self.model, objs))
        return count

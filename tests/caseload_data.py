"""Build a caseload fast (bulk inserts) for the query-count test and bench/caseload.py:
N patients of one therapist, each with weeks of diary nights, ISI results, a few
positive screens, sleepiness checks and pending recommendations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import connection, models
from django.utils import timezone

from accounts.models import Role, User
from program.assessments import actions as assessments
from program.models import (
    Assessment,
    DiaryEntry,
    Enrolment,
    Programme,
    Recommendation,
    SafetyScreen,
    SleepCourse,
    SleepinessCheck,
)
from program.sleep_window.actions import default_protocol


def insert_rows(model: type[models.Model], rows: list[dict[str, Any]]) -> None:
    """INSERT ``rows`` (field name to value; the rest take their defaults) in one
    executemany, as bulk_create would, without a model instance and the ORM's per-value
    work for each row: a 2 000-patient caseload's 25 000 diary nights took 6.6 s of CPU
    in bulk_create (with their instances), 1.2 s here. No signals, as with bulk_create,
    and no primary keys back."""
    if not rows:
        return
    now = timezone.now()
    fields = [
        f
        for f in model._meta.concrete_fields
        if not (f.primary_key and isinstance(f, models.AutoField))
    ]
    given = set(rows[0])
    fixed: dict[str, Any] = {}
    for field in fields:
        if field.name in given:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        fixed[field.name] = field.get_db_prep_save(value, connection)
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(f.column) for f in fields),
        ", ".join(["%s"] * len(fields)),
    )
    # Numbers and words go to the driver as they are; dates and times are adapted.
    plain = (int, float, str)
    prepare = [(f.name, f.get_db_prep_save) for f in fields]
    values = [
        [
            fixed[name]
            if name in fixed
            else value
            if type(value := row[name]) in plain
            else prep(value, connection)
            for name, prep in prepare
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def build_caseload(therapist: User, n: int, *, weeks: int = 2, start: int = 0) -> list[User]:
    programme = Programme.objects.default()
    isi = assessments.ensure_instruments()["isi"]
    users = User.objects.bulk_create(
        [
            User(
                email=f"bulk{i}@example.test",
                name=f"Bulk Patient {i:04d}",
                role=Role.PATIENT,
                therapist=therapist,
                time_zone=["Europe/London", "America/New_York", "Asia/Tokyo"][i % 3],
            )
            for i in range(start, start + n)
        ]
    )
    today = datetime.now(UTC).date()
    first = today - timedelta(days=7 * weeks)
    Enrolment.objects.bulk_create(
        [Enrolment(patient=u, programme=programme, start_date=first) for u in users]
    )
    entries = []
    for k, u in enumerate(users):
        for back in range(1, 7 * weeks + 1):
            if (k + back) % 9 == 0:
                continue  # a missed night now and then
            day = today - timedelta(days=back)
            into_bed = datetime.combine(
                day - timedelta(days=1), datetime.min.time(), UTC
            ) + timedelta(hours=22 + (k % 3))
            tib = 480 - (back % 5) * 10
            tst = tib - 60 - (k + back) % 40
            entries.append(
                {
                    "patient": u.pk,
                    "diary_date": day,
                    "time_zone": u.time_zone,
                    "into_bed": into_bed,
                    "lights_off": into_bed,
                    "sleep_latency_min": 30,
                    "awakenings": 1,
                    "awake_min": tib - tst - 30,
                    "final_wake": into_bed + timedelta(minutes=tib),
                    "out_of_bed": into_bed + timedelta(minutes=tib),
                    "quality": 3,
                    "time_in_bed_min": tib,
                    "total_sleep_min": tst,
                    "sleep_efficiency": 100 * tst / tib,
                    "terminal_wake_min": 0,
                }
            )
    insert_rows(DiaryEntry, entries)
    results = []
    for k, u in enumerate(users):
        for w, total in ((0, 19), (2, 15 - k % 4), (4, 10 - k % 3)):
            if w > weeks:
                break
            results.append(
                {
                    "patient": u.pk,
                    "instrument": isi.pk,
                    "occasion": "baseline" if w == 0 else f"week-{w}",
                    "total": total,
                    "band_code": "",
                    "completed_on": first + timedelta(days=7 * w),
                    "source": "clinician",
                }
            )
    insert_rows(Assessment, results)
    protocol = default_protocol()
    courses = SleepCourse.objects.bulk_create(
        [SleepCourse(patient=u, protocol=protocol, status="active") for u in users[::4]]
    )
    Recommendation.objects.bulk_create(
        [
            Recommendation(
                course=c, review_date=today, kind="weekly", proposed_window_min=390, rule="hold"
            )
            for c in courses
        ]
    )
    SafetyScreen.objects.bulk_create(
        [SafetyScreen(patient=u, answers={}, positive=True, decision="pending") for u in users[::7]]
    )
    SleepinessCheck.objects.bulk_create(
        [
            SleepinessCheck(patient=u, week_of=today, dozing=3, unsafe=True, very_sleepy=True)
            for u in users[::11]
        ]
    )
    return users

"""The caseload's week column is the week the patient is actually in: the highest week
the pace rules have opened (required lessons, baseline diary nights, pauses, extensions,
a therapist's advance), the same number as on the patient's own pages — not the
calendar week since the start date. Sorting, filtering and the CSV use the same value."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from program.clinic.caseload import build_rows, sort_rows
from program.curriculum.actions import (
    advance_enrolment,
    extend_week,
    open_lesson,
    pace_summaries,
    pause_enrolment,
    programme_overview,
)
from program.enrolment.actions import enrol
from program.models import DiaryEntry, Enrolment, EnrolmentChange, Lesson, LessonProgress
from tests.conftest import make_user


@pytest.fixture(autouse=True)
def _clock_held_still() -> Iterator[None]:
    """The patients' days in are counted from their own today, and so are the weeks the
    tests read: with the clock running, a patient's midnight passing mid-test (00:00 UTC in
    London's winter, 15:00 for Tokyo) moved a patient on a day, into the next week."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def new_patient(therapist: User, programme, name: str, days_in: int, **extra) -> Enrolment:
    patient = make_user(
        f"{name.lower()}@example.test", Role.PATIENT, name=name, therapist=therapist, **extra
    )
    start = patient.local_today() - timedelta(days=days_in)
    return enrol(patient=patient, programme=programme, start_date=start)


def read_week(enrolment: Enrolment, week: int, *, on_day: int) -> None:
    """The patient finished week ``week``'s lessons on day ``on_day`` of the programme."""
    patient = enrolment.patient
    when = datetime.combine(
        enrolment.start_date + timedelta(days=on_day), time(20), tzinfo=patient.zone
    )
    for lesson in Lesson.objects.filter(week__programme=enrolment.programme, week__number=week):
        progress = open_lesson(enrolment=enrolment, lesson=lesson, language="en")
        LessonProgress.objects.filter(pk=progress.pk).update(completed_at=when)


def keep_diary(enrolment: Enrolment, nights: int) -> None:
    """Valid nights from the start, each entered on its own morning."""
    patient = enrolment.patient
    for i in range(nights):
        morning = enrolment.start_date + timedelta(days=i + 1)
        night = datetime.combine(morning - timedelta(days=1), time(23), tzinfo=patient.zone)
        entry = DiaryEntry.objects.create(
            patient=patient,
            diary_date=morning,
            time_zone=patient.time_zone,
            into_bed=night,
            lights_off=night,
            sleep_latency_min=20,
            awakenings=1,
            awake_min=20,
            final_wake=night + timedelta(hours=7),
            out_of_bed=night + timedelta(hours=7, minutes=15),
            quality=3,
            time_in_bed_min=435,
            total_sleep_min=380,
            sleep_efficiency=87.4,
            terminal_wake_min=15,
        )
        DiaryEntry.objects.filter(pk=entry.pk).update(
            entered_at=datetime.combine(morning, time(8), tzinfo=patient.zone)
        )


@pytest.fixture
def caseload(therapist, programme) -> dict[str, Enrolment]:
    """Patients whose calendar week and pace week differ, in several ways."""
    out = {}
    # Three weeks in, nothing read: still in week 1 (calendar: week 4).
    out["idle"] = new_patient(therapist, programme, "Idle", 22)
    # Read week 1 and kept the baseline diary: week 2 opened on day 7; week 2's lessons
    # are not done, so week 3 waits (calendar: week 3).
    out["steady"] = e = new_patient(therapist, programme, "Steady", 16, time_zone="Asia/Tokyo")
    read_week(e, 1, on_day=2)
    keep_diary(e, 8)
    # Read weeks 1 and 2 on time with the diary: in week 3 (calendar: week 3).
    out["keen"] = e = new_patient(therapist, programme, "Keen", 15)
    read_week(e, 1, on_day=1)
    read_week(e, 2, on_day=8)
    keep_diary(e, 10)
    # Read week 1, no diary at all: week 2 (the sleep-window week) waits for 7 nights.
    out["no_diary"] = e = new_patient(therapist, programme, "Nodiary", 12)
    read_week(e, 1, on_day=1)
    # Everything read, but paused since day 3 before week 2 could open.
    out["paused"] = e = new_patient(therapist, programme, "Paused", 20)
    read_week(e, 1, on_day=1)
    keep_diary(e, 7)
    EnrolmentChange.objects.create(
        enrolment=e, kind="pause", on_date=e.start_date + timedelta(days=3)
    )
    Enrolment.objects.filter(pk=e.pk).update(status="paused")
    # Nothing read, but the therapist opened week 2 today.
    out["advanced"] = e = new_patient(therapist, programme, "Advanced", 3)
    advance_enrolment(enrolment=e, week=2, by=therapist)
    # Read and kept the diary, but week 1 was extended by a week: still week 1.
    out["extended"] = e = new_patient(therapist, programme, "Extended", 9)
    read_week(e, 1, on_day=1)
    keep_diary(e, 8)
    extend_week(enrolment=e, week=1, days=7, by=therapist)  # week 2 opens on day 14
    # Starts next week: week 1 (not open yet), as on the patient's own page.
    out["later"] = new_patient(therapist, programme, "Later", -5)
    return out


EXPECTED = {
    "idle": 1,
    "steady": 2,
    "keen": 3,
    "no_diary": 1,
    "paused": 1,
    "advanced": 2,
    "extended": 1,
    "later": 1,
}


def fresh(enrolments: dict[str, Enrolment]) -> dict[str, Enrolment]:
    return {
        key: Enrolment.objects.select_related("patient", "programme").get(pk=e.pk)
        for key, e in enrolments.items()
    }


def test_the_bulk_week_is_the_week_the_patients_own_pages_show(caseload) -> None:
    enrolments = fresh(caseload)
    summaries = pace_summaries(list(enrolments.values()))
    for key, enrolment in enrolments.items():
        overview = programme_overview(enrolment)
        assert summaries[enrolment.pk].week == overview.current.number == EXPECTED[key], key
        assert summaries[enrolment.pk].lessons_done == overview.done, key


def test_the_calendar_week_would_have_been_wrong(caseload) -> None:
    enrolments = fresh(caseload)
    calendar = {k: e.week_number(e.patient.local_today()) for k, e in enrolments.items()}
    assert calendar["idle"] == 4 and EXPECTED["idle"] == 1
    assert calendar["paused"] == 3 and EXPECTED["paused"] == 1


def test_a_resumed_patient_waits_out_the_unpaused_days_still_owed(caseload, therapist) -> None:
    enrolment = fresh(caseload)["paused"]
    EnrolmentChange.objects.create(
        enrolment=enrolment, kind="resume", on_date=enrolment.patient.local_today()
    )
    Enrolment.objects.filter(pk=enrolment.pk).update(status="active")
    enrolment = fresh({"p": enrolment})["p"]
    summary = pace_summaries([enrolment])[enrolment.pk]
    overview = programme_overview(enrolment)
    # Paused on day 3 with 4 counted days still owed: week 2 opens 4 days after today.
    assert summary.week == overview.current.number == 1
    assert overview.next_locked.state.opens_on == enrolment.patient.local_today() + timedelta(4)


def test_the_caseload_page_sort_filter_and_csv_show_the_pace_week(
    caseload, therapist, therapist_client
) -> None:
    rows = {row.patient.name: row.week for row in build_rows(therapist)}
    assert rows == {e.patient.name: EXPECTED[k] for k, e in caseload.items()}
    by_week = [r.patient.name for r in sort_rows(build_rows(therapist), "week")]
    assert by_week[0] == "Keen" and by_week[1:3] == ["Advanced", "Steady"]

    page = therapist_client.get(reverse("program:caseload") + "?week=2").content.decode()
    assert "Steady" in page and "Advanced" in page
    assert "Idle" not in page and "Keen" not in page

    export = therapist_client.get(reverse("program:caseload_export"))
    table = list(csv.DictReader(io.StringIO(export.getvalue().decode())))
    weeks = {line["patient"]: line["programme week"] for line in table}
    assert weeks["Idle"] == "1" and weeks["Keen"] == "3" and weeks["Steady"] == "2"


def test_pausing_through_the_workflow_holds_the_week(caseload, therapist) -> None:
    enrolment = fresh(caseload)["keen"]
    pause_enrolment(enrolment=enrolment, by=therapist)
    enrolment = fresh({"k": enrolment})["k"]
    assert pace_summaries([enrolment])[enrolment.pk].week == 3  # an open week stays open


def test_the_week_filter_offers_the_programmes_weeks(therapist, patient) -> None:
    """A six-week programme: weeks 1 to 6 to choose from, not 1 to 12 (issue 17)."""
    from django.urls import reverse

    from tests.conftest import client_for

    page = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert '<option value="6">Week 6</option>' in page
    assert '<option value="7">' not in page

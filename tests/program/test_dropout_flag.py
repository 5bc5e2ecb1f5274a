""" "At risk of dropping out" on the caseload and the round (issue 22, part 5): the first
week's signals (program.rules.engagement) as the "slow_start" flag, with its reasons, kept
in the caseload summary and marked by the writes that change it."""

from __future__ import annotations

from datetime import timedelta

from django.test import override_settings
from django.urls import reverse

from program.clinic import round as round_service
from program.clinic import summary
from program.clinic.caseload import build_rows
from program.models import Enrolment
from tests.conftest import client_for
from tests.program.test_caseload_week import keep_diary, read_week


def started_days_ago(patient, days: int) -> Enrolment:
    enrolment = Enrolment.objects.current().get(patient=patient)
    enrolment.start_date = patient.local_today() - timedelta(days=days)
    enrolment.save()
    return enrolment


def flag(patient, key: str):
    (row,) = [r for r in build_rows(patient.therapist) if r.patient.pk == patient.pk]
    return next((f for f in row.flags if f.key == key), None)


def test_few_nights_and_an_open_first_module_are_the_reasons(patient, therapist):
    enrolment = started_days_ago(patient, 9)
    keep_diary(enrolment, 2)  # mornings start+1, start+2: 2 nights in week 1
    slow = flag(patient, "slow_start")
    assert slow is not None
    assert slow.params == {"nights": 2, "days": 9, "module_open": True}
    assert str(slow.label) == (
        "Slow start: 2 diary nights in week 1; first week's lessons not done after 9 days"
    )
    # The round lists the patient as at risk, with the reason in words.
    (card,) = round_service.build(therapist)
    assert card.dropping_out
    page = client_for(therapist).get(reverse("program:round_patient", args=[patient.pk]))
    text = page.content.decode()
    assert "At risk of dropping out:" in text
    assert "slow start: 2 diary nights in week 1" in text


def test_an_engaged_first_week_has_no_flag(patient):
    enrolment = started_days_ago(patient, 8)
    keep_diary(enrolment, 7)
    read_week(enrolment, 1, on_day=3)
    assert flag(patient, "slow_start") is None


def test_the_first_week_is_judged_only_in_weeks_2_and_3(patient):
    enrolment = started_days_ago(patient, 5)
    assert flag(patient, "slow_start") is None  # week 1 is not over
    enrolment.start_date -= timedelta(days=20)  # day 25
    enrolment.save()
    assert flag(patient, "slow_start") is None
    assert flag(patient, "no_diary") is not None  # the gap still shows


def test_a_paused_programme_raises_no_early_flag(patient, therapist):
    from program.curriculum.actions import pause_enrolment

    enrolment = started_days_ago(patient, 9)
    pause_enrolment(enrolment=enrolment, by=therapist)
    assert flag(patient, "slow_start") is None


@override_settings(DROPOUT_MIN_WEEK1_NIGHTS=7, DROPOUT_FIRST_MODULE_DAYS=14)
def test_the_thresholds_are_settings(patient):
    enrolment = started_days_ago(patient, 9)
    keep_diary(enrolment, 6)
    slow = flag(patient, "slow_start")
    assert slow is not None and slow.params == {"nights": 6}


def test_the_kept_row_follows_the_writes(patient, therapist):
    """Reading the first week's lessons takes the reason off the kept row at once."""
    enrolment = started_days_ago(patient, 9)
    keep_diary(enrolment, 7)
    summary.refresh(round_service.patients_for(therapist))
    kept = summary.summaries(round_service.patients_for(therapist)).get(patient=patient)
    assert '["slow_start"' in kept.flags
    read_week(enrolment, 1, on_day=8)  # done on day 8: still late, but no longer open
    summary.refresh(round_service.patients_for(therapist))
    kept.refresh_from_db()
    assert '"module_open": false' in kept.flags
    for progress in enrolment.lesson_progress.all():
        progress.completed_at = progress.completed_at - timedelta(days=6)  # day 2
        progress.save()
    summary.refresh(round_service.patients_for(therapist))
    kept.refresh_from_db()
    assert "slow_start" not in kept.flags


def test_a_patient_whose_programme_has_run_its_course_is_not_dropping_out(patient, therapist):
    """Six weeks done (here opened by the therapist), then no diary: a finished programme,
    not a dropout; in its last week the same gap is still flagged."""
    from program.curriculum.actions import advance_enrolment
    from program.models import EnrolmentChange

    enrolment = started_days_ago(patient, 60)
    weeks = enrolment.programme.weeks
    for week in range(2, weeks + 1):  # each week opened by hand, in order
        advance_enrolment(enrolment=enrolment, week=week, by=therapist)
    last_opened = EnrolmentChange.objects.filter(enrolment=enrolment, kind="advance")
    last_opened.update(on_date=patient.local_today() - timedelta(days=6))
    assert flag(patient, "no_diary") is not None  # day 6 of the last week: still in it
    last_opened.update(on_date=patient.local_today() - timedelta(days=7))
    summary.refresh(type(patient).objects.filter(pk=patient.pk), everyone=True)
    assert flag(patient, "no_diary") is None
    assert flag(patient, "slow_start") is None


def test_a_patient_who_joined_today_is_not_dropping_out(patient, therapist):
    """No diary yet on the day they joined, nor two days later: no night of the programme
    has been missed three times over, so no page says "dropping out"; on day 3 it does."""
    client = client_for(therapist)
    pages = [
        reverse("program:caseload"),
        reverse("program:round"),
        reverse("program:patient_detail", args=[patient.pk]),
    ]
    for days in (0, 2):
        started_days_ago(patient, days)
        assert flag(patient, "no_diary") is None
        for url in pages:
            text = client.get(url).content.decode()
            assert "No diary for 3+ nights" not in text and "no diary for 3+ nights" not in text
    started_days_ago(patient, 3)
    assert flag(patient, "no_diary") is not None
    assert "no diary for 3+ nights" in client.get(reverse("program:round")).content.decode()


def test_a_patient_on_a_break_is_not_dropping_out(patient, therapist):
    """On a break they took themselves (the diary optional) after keeping the diary, a
    patient is shown as on a break on every page, not as dropping out; once back, three
    nights without a diary raise the flag again. One who had gone quiet before the break
    still shows (the review found them vanishing from the round behind a break)."""
    from program.models import DiaryEntry, PatientPause
    from program.today import actions as pauses

    enrolment = started_days_ago(patient, 20)
    keep_diary(enrolment, 15)  # last night recorded on day 15, the break from day 16
    pause = pauses.start(patient, reason="ill", days=7)
    PatientPause.objects.filter(pk=pause.pk).update(
        started_on=enrolment.start_date + timedelta(days=16)
    )
    client = client_for(therapist)
    pages = [
        reverse("program:caseload"),
        reverse("program:round"),
        reverse("program:patient_detail", args=[patient.pk]),
    ]
    assert flag(patient, "no_diary") is None
    assert flag(patient, "patient_pause") is not None
    for url in pages:
        text = client.get(url).content.decode()
        assert "no diary for 3+ nights" not in text.lower()
        assert "At risk of dropping out" not in text
    assert "Paused by the patient" in client.get(pages[2]).content.decode()
    pauses.end(pause)  # back today: the days since the break began are excused
    assert flag(patient, "no_diary") is None
    PatientPause.objects.filter(pk=pause.pk).update(
        ended_on=patient.local_today() - timedelta(days=3)
    )
    assert flag(patient, "no_diary") is not None

    # Quiet for ten days before a break starts today: still "no diary", on the round too.
    DiaryEntry.objects.filter(
        patient=patient, diary_date__gt=enrolment.start_date + timedelta(days=10)
    ).delete()
    PatientPause.objects.all().delete()
    pauses.start(patient, reason="ill", days=7)
    assert flag(patient, "no_diary") is not None
    assert "no diary for 3+ nights" in client.get(pages[1]).content.decode().lower()

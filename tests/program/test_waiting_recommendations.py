"""Recommendations that wait (issue 16 part 6): a recommendation still waiting for a
clinician after RECOMMENDATION_REMIND_AFTER_DAYS reminds the therapist by email, after
as many days again the duty list; each reminder at most once, from the reminder tick;
the patient sees that it waits, and since when."""

from __future__ import annotations

from datetime import UTC, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from program import tasks
from program.models import Prescription, RecommendationReminder
from program.sleep_window import actions as sw
from program.sleep_window import waiting
from tests.conftest import client_for
from tests.program.test_sleep_window import CLEAR, baseline

SUBJECT = "A patient's sleep window is waiting for your decision — sign in"
DUTY = "duty@clinic.test"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def waiting_first_window(patient):
    sw.submit_screen(patient, CLEAR)
    baseline(patient)
    return sw.start(patient, rise_time=time(6, 30))


def tick_at(moment) -> None:
    with time_machine.travel(moment, tick=False):
        tasks.reminder_tick_task()


def to(address: str) -> int:
    return sum(1 for m in mail.outbox if m.to == [address] and m.subject == SUBJECT)


def test_the_therapist_is_reminded_then_the_duty_list_each_once(
    patient, therapist, clinic_admin, settings
) -> None:
    settings.RISK_DUTY_EMAILS = [DUTY]
    recommendation = waiting_first_window(patient)
    made = recommendation.created_at
    tick_at(made + timedelta(days=3) - timedelta(minutes=1))
    assert to(therapist.email) == 0
    tick_at(made + timedelta(days=3, minutes=1))
    assert to(therapist.email) == 1 and to(DUTY) == 0
    body = next(m.body for m in mail.outbox if m.to == [therapist.email])
    assert "has waited 3 days for a clinician's decision" in body
    assert f"/patients/{patient.pk}/sleep-window/" in body
    assert "Pat" not in body  # no health detail, no name
    tick_at(made + timedelta(days=6) - timedelta(minutes=1))
    assert to(DUTY) == 0
    tick_at(made + timedelta(days=6, minutes=1))
    assert to(DUTY) == 1 and to(clinic_admin.email) == 1
    duty_body = next(m.body for m in mail.outbox if m.to == [DUTY])
    assert "Their therapist was reminded by email and has not decided yet." in duty_body
    assert "ask their therapist or reassign the patient" in duty_body
    for days in (7, 9, 20):  # each at most once
        tick_at(made + timedelta(days=days))
    assert (to(therapist.email), to(DUTY), to(clinic_admin.email)) == (1, 1, 1)
    stages = RecommendationReminder.objects.filter(recommendation=recommendation)
    assert sorted(stages.values_list("stage", flat=True)) == ["duty", "therapist"]
    assert all(r.email_sent_at for r in stages)


def test_the_delay_is_a_clinic_setting(patient, therapist, settings) -> None:
    settings.RECOMMENDATION_REMIND_AFTER_DAYS = 1
    recommendation = waiting_first_window(patient)
    tick_at(recommendation.created_at + timedelta(hours=23))
    assert to(therapist.email) == 0
    tick_at(recommendation.created_at + timedelta(days=1, minutes=1))
    assert to(therapist.email) == 1


def test_a_decided_recommendation_reminds_nobody(patient, therapist, clinic_admin) -> None:
    recommendation = waiting_first_window(patient)
    sw.approve(recommendation, by=therapist)
    tick_at(recommendation.created_at + timedelta(days=7))
    assert len([m for m in mail.outbox if m.subject == SUBJECT]) == 0
    assert not RecommendationReminder.objects.exists()


def test_decided_between_the_claim_and_the_email_sends_nothing(patient, therapist) -> None:
    recommendation = waiting_first_window(patient)
    now = recommendation.created_at + timedelta(days=3, minutes=1)
    [pk] = waiting.remind_due(now)
    sw.approve(recommendation, by=therapist)
    assert waiting.send(pk, now) == 0
    assert to(therapist.email) == 0


def test_a_doubled_tick_writes_and_sends_each_reminder_once(patient, therapist) -> None:
    recommendation = waiting_first_window(patient)
    now = recommendation.created_at + timedelta(days=3, minutes=1)
    first = waiting.remind_due(now)
    assert waiting.remind_due(now) == []  # the unique key is the claim
    assert waiting.send(first[0], now) == 1
    assert waiting.send(first[0], now) == 0  # the email's own claim
    assert to(therapist.email) == 1


def test_a_reminder_published_while_the_broker_was_down_goes_out_later(patient, therapist) -> None:
    recommendation = waiting_first_window(patient)
    now = recommendation.created_at + timedelta(days=3, minutes=1)

    def broker_down(pk: int) -> None:
        raise ConnectionError("broker down")

    with time_machine.travel(now, tick=False):
        assert waiting.remind_and_publish(now, broker_down) == 1
    assert to(therapist.email) == 0
    tick_at(now + timedelta(minutes=11))
    assert to(therapist.email) == 1
    tick_at(now + timedelta(minutes=30))
    assert to(therapist.email) == 1


def test_without_a_therapist_the_duty_list_is_reminded_at_once(
    patient, clinic_admin, settings
) -> None:
    settings.RISK_DUTY_EMAILS = [DUTY]
    patient.therapist = None
    patient.save()
    recommendation = waiting_first_window(patient)
    tick_at(recommendation.created_at + timedelta(days=3, minutes=1))
    assert to(DUTY) == 1 and to(clinic_admin.email) == 1
    body = next(m.body for m in mail.outbox if m.to == [DUTY])
    assert "They do not have a therapist in this app, so the decision is the duty list's." in body
    assert "Their therapist was reminded" not in body


def test_the_patient_sees_that_it_waits_and_since_when(patient, therapist) -> None:
    waiting_first_window(patient)
    with time_machine.travel("2026-11-28 10:00Z", tick=False):
        html = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    assert "Your first window is with your therapist" in html
    assert "Waiting since Wednesday 25 November." in html
    with time_machine.travel("2026-11-28 10:00Z", tick=False):
        url = reverse("program:patient_sleep_window", args=[patient.pk])
        html = client_for(therapist).get(url).content.decode()
    assert "Waiting for a decision since Wednesday 25 November." in html


def test_a_weekly_change_says_it_waits_for_the_therapist_since_when(patient, therapist) -> None:
    from tests.program.test_sleep_window import TODAY, night, started

    started(patient, therapist)
    Prescription.objects.update(effective_from=TODAY - timedelta(days=7))
    # A week of 00:15-06:30 with 360 asleep (SE 96%): the window is to grow.
    for after in range(1, 8):
        night(
            patient,
            TODAY + timedelta(days=after),
            into_bed=time(0, 15),
            out=time(6, 30),
            latency=10,
            awake=5,
            final=time(6, 30),
        )
    with time_machine.travel("2026-12-02 09:00Z", tick=False):
        review = sw.weekly_review(sw.course_for(patient), patient.local_today())
        html = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    assert review.proposed_window_min != review.current_window_min
    assert "A change to your window is waiting for your therapist (waiting since Wed 2 Dec)." in (
        html
    )


def test_a_weekly_review_that_keeps_the_window_is_not_called_a_change(patient, therapist) -> None:
    """Was: a review that proposed the same window (here, too few diary nights) told the
    patient "A change to your window is waiting for your therapist"."""
    from tests.program.test_sleep_window import started

    started(patient, therapist)
    with time_machine.travel("2026-12-01 09:00Z", tick=False):
        review = sw.weekly_review(sw.course_for(patient), patient.local_today())
    with time_machine.travel("2026-12-03 09:00Z", tick=False):
        html = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    assert review.status == "pending"
    assert review.proposed_window_min == review.current_window_min
    assert "A change to your window" not in html
    assert (
        "Your weekly review is waiting for your therapist (waiting since Tue 1 Dec). "
        "Until they decide, keep to your current window." in html
    )


def test_the_next_weeks_review_does_not_restart_the_wait(patient, therapist, settings) -> None:
    """Was: the next week's review superseded a waiting one, so with a delay over 3 days the
    duty list was never reached. The new review keeps the first one's start."""
    from datetime import date, datetime

    from tests.program.test_sleep_window import started

    settings.RISK_DUTY_EMAILS = [DUTY]
    settings.RECOMMENDATION_REMIND_AFTER_DAYS = 4
    started(patient, therapist)
    with time_machine.travel("2026-12-02 13:00Z", tick=False):
        first = sw.weekly_review(sw.course_for(patient), date(2026, 12, 2))
    with time_machine.travel("2026-12-09 13:00Z", tick=False):
        second = sw.weekly_review(sw.course_for(patient), date(2026, 12, 9))
    first.refresh_from_db()
    assert first.status == "superseded" and second.status == "pending"
    assert second.waiting_since == datetime(2026, 12, 2, 13, tzinfo=UTC)
    tick_at("2026-12-10 12:59Z")
    assert to(DUTY) == 0
    tick_at("2026-12-10 13:01Z")
    assert to(DUTY) == 1
    body = next(m.body for m in mail.outbox if m.to == [DUTY])
    assert "has waited 8 days" in body
    with time_machine.travel("2026-12-10 14:00Z", tick=False):
        html = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    assert "(waiting since Wed 2 Dec)" in html


def test_the_caseload_flags_a_decision_that_has_waited_too_long(patient, therapist) -> None:
    """JOURNEYS, therapist 6: which recommendations have waited too long. Waiting less
    than the clinic's reminder delay (3 days) is "1 to decide"; from then on the caseload
    flags it with the day it began to wait, as the reminder email does, and the kept row
    turns over by itself at that moment (no write in between)."""
    waiting_first_window(patient)
    caseload = reverse("program:caseload")
    with time_machine.travel("2026-11-28 07:00Z", tick=False):  # 71 hours
        html = client_for(therapist).get(caseload).content.decode()
    assert "1 to decide" in html and "decision waiting since" not in html
    with time_machine.travel("2026-11-28 08:30Z", tick=False):  # the same day, 72.5 hours
        html = client_for(therapist).get(caseload).content.decode()
    assert "Sleep-window decision waiting since Wed 25 Nov" in html
    with time_machine.travel("2026-11-28 08:30Z", tick=False):
        staff = client_for(therapist)
        detail = staff.get(reverse("program:patient_detail", args=[patient.pk])).content.decode()
        this_week = staff.get(reverse("program:round")).content.decode()
    assert "(waiting since Wed 25 Nov)" in detail and "(waiting since Wed 25 Nov)" in this_week
    with time_machine.travel("2026-11-28 09:00Z", tick=False):
        sw.approve(sw.course_for(patient).recommendations.get(), by=therapist)
        html = client_for(therapist).get(caseload).content.decode()
    assert "decision waiting since" not in html

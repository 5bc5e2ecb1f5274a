"""A risk alert or a new-message email published while the broker is down goes out late,
once, when the reminder tick finds it unsent (program.notifications); never twice, and
not at all once it is no longer needed.

(End to end, with Redis really stopped and a real worker: tests/program/test_broker_outage.py.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from program import notifications, tasks
from program.assessments.models import RiskNotice
from program.models import Message
from tests.conftest import client_for

PHQ_RISK = {**{f"phq{i}": "0" for i in range(1, 9)}, "phq9": "2"}
EMAIL_TASKS = (tasks.risk_notice_email_task, tasks.message_email_task)


@contextlib.contextmanager
def broker_down() -> Iterator[None]:
    """Publishing fails, as with Redis stopped (program.publish never lets it fail a
    request)."""

    def down(*args, **kwargs):
        raise OSError("broker down")

    with pytest.MonkeyPatch.context() as patch:
        for task in EMAIL_TASKS:
            patch.setattr(task, "apply_async", down)
        yield


def tick_at(moment) -> None:
    with time_machine.travel(moment, tick=False):
        tasks.reminder_tick_task()


def to(address: str) -> int:
    return sum(1 for m in mail.outbox if m.to == [address])


def answer_with_risk(patient, capture) -> RiskNotice:
    """A PHQ-9 item-9 answer while the broker is down: its alert email, not sent."""
    with broker_down(), capture(execute=True):
        response = client_for(patient).post(
            reverse("program:questionnaire", args=["phq9"]), PHQ_RISK
        )
    assert response.status_code == 302
    return RiskNotice.objects.get(alert__assessment__patient=patient, kind="alert")


def test_a_risk_alert_published_while_the_broker_is_down_goes_out_late_once(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    risk = answer_with_risk(patient, django_capture_on_commit_callbacks)
    assert risk.email_sent_at is None and to(therapist.email) == 0
    written = risk.created_at
    tick_at(written + timedelta(seconds=30))  # too soon: a publish may still be on its way
    assert to(therapist.email) == 0
    tick_at(written + notifications.retry_after() + timedelta(seconds=1))
    assert to(therapist.email) == 1
    assert mail.outbox[-1].subject == "A patient's answer needs a clinician's attention — sign in"
    risk.refresh_from_db()
    assert risk.email_sent_at is not None
    for minutes in (5, 70, 200):  # later ticks send nothing more
        tick_at(written + timedelta(minutes=minutes))
    assert to(therapist.email) == 1


def test_an_alert_that_went_out_at_once_is_not_sent_again(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(patient).post(reverse("program:questionnaire", args=["phq9"]), PHQ_RISK)
    assert to(therapist.email) == 1
    risk = RiskNotice.objects.get(alert__assessment__patient=patient)
    assert risk.email_sent_at is not None
    tick_at(risk.created_at + timedelta(minutes=10))
    assert to(therapist.email) == 1


def test_an_alert_already_acknowledged_or_a_week_old_is_not_sent(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    risk = answer_with_risk(patient, django_capture_on_commit_callbacks)
    client_for(therapist).post(
        reverse("program:acknowledge_alert", args=[patient.pk, risk.alert_id])
    )
    tick_at(risk.created_at + timedelta(minutes=5))
    # A week-old one, never sent: its news is stale (the caseload flag still shows it, and
    # the escalation went to the duty list: nobody here, there is no admin).
    type(risk.alert).objects.filter(pk=risk.alert_id).update(acknowledged_at=None)
    tick_at(risk.created_at + notifications.GIVE_UP_AFTER + timedelta(minutes=1))
    assert to(therapist.email) == 0


def test_a_tick_that_cannot_publish_leaves_the_alert_for_the_next(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    risk = answer_with_risk(patient, django_capture_on_commit_callbacks)
    with broker_down():
        tick_at(risk.created_at + timedelta(minutes=3))  # logs, never raises
    risk.refresh_from_db()
    assert risk.email_queued_at is None and to(therapist.email) == 0
    tick_at(risk.created_at + timedelta(minutes=4))
    assert to(therapist.email) == 1


def test_an_alert_queued_but_lost_with_the_broker_is_queued_again_an_hour_later(
    patient, therapist, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    risk = answer_with_risk(patient, django_capture_on_commit_callbacks)
    lost: list[int] = []
    with pytest.MonkeyPatch.context() as patch:  # published, then gone with Redis's memory
        patch.setattr(
            tasks.risk_notice_email_task, "apply_async", lambda args, **kw: lost.append(1)
        )
        tick_at(risk.created_at + timedelta(minutes=3))
        tick_at(risk.created_at + timedelta(minutes=30))  # not again yet
    assert lost == [1] and to(therapist.email) == 0
    tick_at(risk.created_at + timedelta(minutes=3) + notifications.QUEUE_AGAIN_AFTER)
    assert to(therapist.email) == 1


def test_a_message_sent_while_the_broker_is_down_is_announced_late_unless_read(
    patient, therapist, messages_on, django_capture_on_commit_callbacks
) -> None:
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        client_for(patient).post(reverse("program:messages"), {"text": "Awake at 4 again."})
        client_for(therapist).post(
            reverse("program:patient_messages", args=[patient.pk]), {"text": "Let's talk."}
        )
    first, reply = Message.objects.order_by("pk")
    assert to(therapist.email) == 0 and to(patient.email) == 0
    # The patient reads the reply before the tick: nothing to announce to them.
    client_for(patient).get(reverse("program:messages"))
    assert Message.objects.get(pk=reply.pk).read_at is not None
    tick_at(reply.created_at + timedelta(minutes=3))
    assert to(therapist.email) == 1 and to(patient.email) == 0
    assert "Awake" not in mail.outbox[-1].body
    tick_at(reply.created_at + timedelta(hours=3))
    assert to(therapist.email) == 1 and to(patient.email) == 0
    first.refresh_from_db()
    assert first.email_sent_at is not None  # a read one is simply never announced


def test_the_sweep_reads_only_unsent_rows(patient, therapist, messages_on) -> None:
    """Rows whose email went out are never queued again."""
    now = timezone.now()
    for i in range(3):
        Message.objects.create(patient=patient, sender=patient, text=f"m{i}", email_sent_at=now)
    assert not notifications.messages_to_announce(now + timedelta(minutes=5)).exists()
    assert (
        notifications.queue_again(
            now + timedelta(minutes=5), publish_alert=print, publish_message=print
        )
        == 0
    )

"""The clinic's delays as data (issue 16): a clinic admin sets on /clinic/duty/ how many
working hours an urgent alert may wait for an acknowledgement before it is escalated, and
how many days a sleep-window change may wait for a clinician before the therapist is
reminded (``accounts.duty.delays``). The environment settings are the defaults until the
first save; the escalation and the reminders read what was saved."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from accounts import duty
from accounts.models import AuditEvent, ClinicDelays
from program.risk import actions as risk
from program.sleep_window import waiting
from tests.conftest import client_for
from tests.program.test_risk import ESCALATION_SUBJECT, answer, tick_at, to
from tests.program.test_waiting_recommendations import SUBJECT as WAITING_SUBJECT
from tests.program.test_waiting_recommendations import waiting_first_window

URL = reverse("program:clinic_duty")
DUTY = "duty@clinic.test"
# Monday 7 December 2026, 16:00 in London (GMT: UTC): an hour before the clinic closes.
MONDAY_16 = datetime(2026, 12, 7, 16, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clinic(settings) -> None:
    settings.RISK_DUTY_EMAILS = [DUTY]
    settings.RISK_ESCALATE_AFTER_HOURS = 4
    settings.RECOMMENDATION_REMIND_AFTER_DAYS = 3
    settings.CLINIC_HOURS = "Mon-Fri 09:00-17:00"
    settings.CLINIC_TIME_ZONE = "Europe/London"


def save_delays(client, hours: str, days: str = "3"):
    return client.post(
        URL, {"form": "delays", "escalate_after_hours": hours, "remind_after_days": days}
    )


def test_until_an_admin_saves_the_settings_are_the_delays(clinic_admin) -> None:
    assert duty.delays() == (4.0, 3)
    page = client_for(clinic_admin).get(URL).content.decode()
    assert "escalated to the duty list and the admins after 4 working hours" in page
    assert "reminds the therapist after 3 days" in page
    assert "<code>RISK_ESCALATE_AFTER_HOURS</code>" in page  # where it comes from
    assert 'name="escalate_after_hours" value="4"' in page
    assert 'name="remind_after_days" value="3"' in page


def test_an_admin_sets_2_hours_and_an_alert_escalates_after_2_working_hours_not_before(
    patient, therapist, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    # The pages are read at the same moment: read at the real time, hours or days after,
    # the admin's session would have ended while idle (SESSION_IDLE_TIMEOUT).
    with time_machine.travel(MONDAY_16 - timedelta(hours=1), tick=False):
        admin = client_for(clinic_admin)
        response = save_delays(admin, "2")
        page = admin.get(URL).content.decode()
        alerts = client_for(therapist).get(reverse("program:risk_alerts")).content.decode()
    assert response.status_code == 302 and response.url == URL
    saved = ClinicDelays.objects.get()
    assert (saved.escalate_after_hours, saved.remind_after_days) == (Decimal("2"), 3)
    assert saved.changed_by == clinic_admin
    assert "Saved: an urgent alert nobody acknowledges is escalated after 2 working hours" in page
    assert "escalated to the duty list and the admins after 2 working hours" in page
    assert "Changed 7 Dec 2026 15:00 by" in page
    # The change is in the audit log, by whom.
    assert AuditEvent.objects.filter(actor=clinic_admin, path=URL, action="change").exists()
    # The alerts page states the new delay.
    assert "acknowledges within 2 working hours" in alerts

    with time_machine.travel(MONDAY_16, tick=False):
        _page, alert = answer(patient, "screen", django_capture_on_commit_callbacks)
    assert alert is not None and alert.created_at == MONDAY_16
    # One working hour on Monday (16:00-17:00), one on Tuesday (09:00-10:00).
    assert risk.escalates_at(alert.created_at) == datetime(2026, 12, 8, 10, tzinfo=UTC)
    for moment in (
        MONDAY_16 + timedelta(hours=2, minutes=1),  # 2 clock hours, 1 working hour
        datetime(2026, 12, 8, 9, 59, tzinfo=UTC),
    ):
        tick_at(moment)
        assert to(DUTY, ESCALATION_SUBJECT) == 0, moment
    tick_at(datetime(2026, 12, 8, 10, 1, tzinfo=UTC))
    alert.refresh_from_db()
    assert alert.escalated_at == datetime(2026, 12, 8, 10, 1, tzinfo=UTC)
    assert to(DUTY, ESCALATION_SUBJECT) == 1
    escalation = next(m for m in risk_mail() if m.to == [DUTY])
    assert "2 working hours" in escalation.body
    step = alert.events.get(kind="escalated")
    assert step.detail == "not acknowledged within 2 working hours"


def risk_mail():
    from django.core import mail

    return [m for m in mail.outbox if m.subject == ESCALATION_SUBJECT]


def test_a_waiting_recommendation_follows_the_saved_days(patient, therapist, clinic_admin) -> None:
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        assert save_delays(client_for(clinic_admin), "4", "1").status_code == 302
        assert waiting.remind_after() == timedelta(days=1)
        recommendation = waiting_first_window(patient)
    made = recommendation.created_at
    from django.core import mail

    def reminded() -> int:
        return sum(
            1 for m in mail.outbox if m.to == [therapist.email] and m.subject == WAITING_SUBJECT
        )

    tick_at(made + timedelta(hours=23))
    assert reminded() == 0
    tick_at(made + timedelta(days=1, minutes=1))
    assert reminded() == 1


@pytest.mark.parametrize(
    ("hours", "days", "says"),
    [
        ("0", "3", "Give a number of working hours from 0.25 to 40, e.g. 4 or 0.5."),
        ("41", "3", "Give a number of working hours from 0.25 to 40, e.g. 4 or 0.5."),
        ("four", "3", "Give a number of working hours from 0.25 to 40, e.g. 4 or 0.5."),
        ("", "3", "Give a number of working hours from 0.25 to 40, e.g. 4 or 0.5."),
        ("0.125", "3", "Give the hours to two decimal places at most, e.g. 0.25."),
        ("2", "0", "Give a whole number of days from 1 to 14."),
        ("2", "2.5", "Give a whole number of days from 1 to 14."),
        ("2", "15", "Give a whole number of days from 1 to 14."),
    ],
)
def test_delays_out_of_range_are_refused_with_what_was_typed_kept(
    clinic_admin, hours, days, says
) -> None:
    response = save_delays(client_for(clinic_admin), hours, days)
    page = response.content.decode()
    assert response.status_code == 200 and says in page
    assert f'name="escalate_after_hours" value="{hours}"' in page or not hours
    assert f'name="remind_after_days" value="{days}"' in page
    assert "Your other answers are kept." in page
    assert not ClinicDelays.objects.exists()
    assert duty.delays() == (4.0, 3)

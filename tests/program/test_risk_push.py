"""Risk alerts by web push as well as email (program.risk.actions.push_notice, issue 16):
staff turn alert notifications on for their own devices on the alerts page; each new
alert and each escalation is pushed to the same people it emails who did; a push that
fails never stops the email; and the alert record says which channel reached whom.

The push service is faked at the pywebpush boundary (``pywebpush.webpush``), as a
failing or accepting service would answer.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import pywebpush
from django.core import mail
from django.urls import reverse

from accounts.models import User
from program.assessments.models import RiskAlert, RiskAlertEvent
from program.models import PushSubscription
from tests.conftest import client_for

# The risk tests' settings (an empty duty list unless a test sets one, clock hours).
from tests.program.test_risk import (
    ALERT_SUBJECT,
    DUTY,
    ESCALATION_SUBJECT,
    _no_duty_list_unless_a_test_sets_one,  # noqa: F401
    answer,
    tick_at,
    to,
)


class FakeResponse:
    def __init__(self, status: int) -> None:
        self.status_code = status


@pytest.fixture
def pushed(monkeypatch) -> list[dict]:
    """Every push pywebpush was asked to send: its endpoint and its decoded payload."""
    sent: list[dict] = []

    def webpush(*, subscription_info, data, **kwargs):
        sent.append({"endpoint": subscription_info["endpoint"], **json.loads(data)})

    monkeypatch.setattr(pywebpush, "webpush", webpush)
    return sent


@pytest.fixture
def failing_push(monkeypatch) -> None:
    def webpush(**kwargs):
        raise pywebpush.WebPushException("push service down", response=FakeResponse(503))

    monkeypatch.setattr(pywebpush, "webpush", webpush)


def turn_on(person: User, device: str) -> None:
    response = client_for(person).post(
        reverse("program:alert_push_subscribe"),
        json.dumps(
            {"endpoint": f"https://push.test/{device}", "keys": {"p256dh": "k", "auth": "a"}}
        ),
        content_type="application/json",
    )
    assert response.status_code == 200


def alerts_page(person: User) -> str:
    return client_for(person).get(reverse("program:risk_alerts")).content.decode()


def test_a_new_alert_is_pushed_to_the_therapist_and_the_duty_list_who_turned_it_on(
    patient, therapist, clinic_admin, settings, pushed, django_capture_on_commit_callbacks
) -> None:
    settings.RISK_DUTY_EMAILS = [DUTY]
    turn_on(therapist, "therapist-phone")
    turn_on(therapist, "therapist-laptop")
    turn_on(clinic_admin, "admin-phone")
    _page, alert = answer(patient, "phq9", django_capture_on_commit_callbacks)
    assert alert is not None
    # The email to all three, as before, and the push to every device of those who turned it on.
    assert [to(a) for a in (therapist.email, DUTY, clinic_admin.email)] == [1, 1, 1]
    assert sorted(p["endpoint"] for p in pushed) == [
        "https://push.test/admin-phone",
        "https://push.test/therapist-laptop",
        "https://push.test/therapist-phone",
    ]
    # No health detail on a lock screen; the tap opens the alerts page.
    assert {p["title"] for p in pushed} == {"A patient's answer needs a clinician's attention"}
    assert {p["url"] for p in pushed} == {reverse("program:risk_alerts")}
    assert patient.display_name not in json.dumps(pushed) and "PHQ" not in json.dumps(pushed)
    notice = alert.notices.get()
    assert notice.pushed_to == [clinic_admin.email, therapist.email]
    kinds = list(alert.events.values_list("kind", "detail"))
    assert ("pushed", f"Alert to {therapist.email} (2 devices)") in kinds
    # The alert record says which channel reached whom.
    page = alerts_page(therapist)
    assert "Alert emailed to 3 people" in page
    assert f"and by web push to {clinic_admin.email}, {therapist.email}" in page


def test_the_escalation_is_pushed_too(
    patient, therapist, clinic_admin, settings, pushed, django_capture_on_commit_callbacks
) -> None:
    turn_on(therapist, "therapist-phone")
    turn_on(clinic_admin, "admin-phone")
    _page, alert = answer(patient, "screen", django_capture_on_commit_callbacks)
    assert alert is not None
    pushed.clear()
    tick_at(alert.created_at + timedelta(hours=4, minutes=1))
    # The escalation goes to the duty list and the admins: the admin, not the therapist.
    assert to(clinic_admin.email, ESCALATION_SUBJECT) == 1
    assert [p["endpoint"] for p in pushed] == ["https://push.test/admin-phone"]
    assert pushed[0]["title"] == "Not yet acknowledged: a risk alert is waiting"
    assert alert.notices.get(kind="escalation").pushed_to == [clinic_admin.email]
    detail = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert "escalated to 1 person" in detail.content.decode()
    assert f"and by web push to {clinic_admin.email}." in detail.content.decode()


def test_a_push_that_fails_never_stops_the_email_and_is_not_claimed(
    patient, therapist, clinic_admin, failing_push, django_capture_on_commit_callbacks
) -> None:
    turn_on(therapist, "therapist-phone")
    _page, alert = answer(patient, "phq9", django_capture_on_commit_callbacks)
    assert alert is not None
    assert to(therapist.email) == 1 and to(clinic_admin.email) == 1
    notice = alert.notices.get()
    assert notice.email_sent_at is not None and notice.pushed_to == []
    failed = alert.events.get(kind=RiskAlertEvent.Kind.PUSH_FAILED)
    assert therapist.email in failed.detail
    assert "web push" not in alerts_page(therapist)
    # The subscription stays (a 503 is the service's, not the device's), its failure counted.
    assert PushSubscription.objects.get(user=therapist).failures == 1


def test_nobody_without_a_device_turned_on_is_said_to_be_pushed(
    patient, therapist, clinic_admin, pushed, django_capture_on_commit_callbacks
) -> None:
    _page, alert = answer(patient, "phq9", django_capture_on_commit_callbacks)
    assert alert is not None
    assert pushed == [] and alert.notices.get().pushed_to == []
    assert not alert.events.filter(kind__in=["pushed", "push_failed"]).exists()
    assert "web push" not in alerts_page(therapist)


def test_an_alert_acknowledged_before_it_goes_out_is_neither_emailed_nor_pushed(
    patient, therapist, pushed, django_capture_on_commit_callbacks
) -> None:
    from program import tasks
    from program.risk import actions as risk

    turn_on(therapist, "therapist-phone")
    alert = risk.raise_alert(patient, RiskAlert.Source.PHQ9_ITEM9)
    risk.acknowledge(alert, by=therapist)
    tasks.risk_notice_email_task(alert.notices.get().pk)
    assert pushed == [] and to(therapist.email, ALERT_SUBJECT) == 0


def test_staff_turn_alert_notifications_on_and_off_from_the_alerts_page(
    therapist, other_therapist, settings
) -> None:
    page = alerts_page(therapist)
    assert "Turn on alert notifications on this device" in page
    assert "Not on for any of your devices yet." in page
    turn_on(therapist, "one")
    turn_on(other_therapist, "theirs")
    page = alerts_page(therapist)
    assert "On for 1 of your devices." in page
    response = client_for(therapist).post(reverse("program:alert_push_off"), follow=True)
    assert "Alert notifications are off on all your devices." in response.content.decode()
    assert not PushSubscription.objects.filter(user=therapist).exists()
    # Only their own devices.
    assert PushSubscription.objects.filter(user=other_therapist).exists()
    again = client_for(therapist).post(reverse("program:alert_push_off"), follow=True)
    assert "Alert notifications were not on for any of your devices." in again.content.decode()


def test_a_bad_subscription_is_refused_clearly(therapist) -> None:
    response = client_for(therapist).post(
        reverse("program:alert_push_subscribe"), "not json", content_type="application/json"
    )
    assert response.status_code == 400 and "endpoint and keys" in response.json()["error"]
    assert not PushSubscription.objects.exists()
    assert mail.outbox == []

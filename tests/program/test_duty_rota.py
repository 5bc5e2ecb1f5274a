"""The duty list's rota (issue 16): admins keep it on /clinic/duty/rota/, and alerts,
escalations and problem reports go to the people on duty at the time (the rule itself:
tests/program/test_rota_rules.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.urls import reverse

from program.assessments.models import RiskAlert, RiskNotice
from program.models import RotaLine
from program.risk import actions as risk
from tests.conftest import client_for

# The risk tests' settings (an empty duty list unless a test sets one, clock hours).
from tests.program.test_risk import _no_duty_list_unless_a_test_sets_one  # noqa: F401

SHARED = "duty@clinic.test"
NIGHTS = "nights@clinic.test"
# Monday 2 November 2026, 12:00 GMT; Tuesday 3 November, 23:00 GMT.
MONDAY_NOON = datetime(2026, 11, 2, 12, tzinfo=UTC)
TUESDAY_NIGHT = datetime(2026, 11, 3, 23, tzinfo=UTC)


@pytest.fixture
def rota(settings, clinic_admin) -> None:
    """The shared inbox (no line: always on), a night on-call, and the admin on weekdays."""
    settings.RISK_DUTY_EMAILS = [SHARED, NIGHTS]
    for day in range(7):
        RotaLine.objects.create(member=NIGHTS, weekday=day, starts=time(18), ends=time(8))
    for day in range(5):
        RotaLine.objects.create(
            member=clinic_admin.email, weekday=day, starts=time(8), ends=time(18)
        )


def recipients(patient) -> list[str]:
    alert = risk.raise_alert(patient, RiskAlert.Source.PHQ9_ITEM9)
    return alert.notices.get().recipients


def test_an_alert_goes_to_the_therapist_and_those_on_duty_now(
    patient, therapist, clinic_admin, rota
) -> None:
    with time_machine.travel(MONDAY_NOON, tick=False):
        assert recipients(patient) == [therapist.email, SHARED, clinic_admin.email]
    with time_machine.travel(TUESDAY_NIGHT, tick=False):
        assert recipients(patient) == [therapist.email, SHARED, NIGHTS]


def test_a_rota_gap_tells_the_whole_list_never_nobody(patient, clinic_admin, settings) -> None:
    settings.RISK_DUTY_EMAILS = [NIGHTS]
    RotaLine.objects.create(member=NIGHTS, weekday=0, starts=time(18), ends=time(8))
    RotaLine.objects.create(
        member=clinic_admin.email, first_day=date(2026, 12, 24), last_day=date(2026, 12, 26)
    )
    with time_machine.travel(MONDAY_NOON, tick=False):
        assert risk.on_duty_by_rota() == []
        # The patient has a therapist; the duty part of the list is everyone.
        assert recipients(patient)[1:] == [NIGHTS, clinic_admin.email]


def test_the_escalation_goes_to_those_on_duty_when_it_is_due(
    patient, therapist, clinic_admin, rota
) -> None:
    with time_machine.travel(datetime(2026, 11, 2, 16, tzinfo=UTC), tick=False):
        alert = risk.raise_alert(patient, RiskAlert.Source.PHQ9_ITEM9)
    # Four clock hours later it is 20:00 on Monday: the night on-call, not the admin.
    with time_machine.travel(datetime(2026, 11, 2, 20, 1, tzinfo=UTC), tick=False):
        [notice_id] = risk.escalate_due(datetime(2026, 11, 2, 20, 1, tzinfo=UTC))
    notice = RiskNotice.objects.get(pk=notice_id)
    assert notice.alert == alert and notice.recipients == [SHARED, NIGHTS]


def test_a_problem_report_follows_the_rota(patient, therapist, clinic_admin, rota) -> None:
    from program.adverse_events import actions as reports

    with time_machine.travel(TUESDAY_NIGHT, tick=False):
        assert reports.recipients_for(patient) == [therapist.email, SHARED, NIGHTS]


def test_the_admin_adds_and_removes_lines_and_sees_who_is_on_duty_now(
    clinic_admin, settings
) -> None:
    settings.RISK_DUTY_EMAILS = [SHARED, NIGHTS]
    client = client_for(clinic_admin)
    url = reverse("program:duty_rota")
    with time_machine.travel(TUESDAY_NIGHT, tick=False):
        response = client.post(
            url,
            {
                "member": NIGHTS,
                "kind": "weekly",
                "weekday": "1",
                "starts": "18:00",
                "ends": "08:00",
            },
            follow=True,
        )
        page = response.content.decode()
        line = RotaLine.objects.get()
        assert (line.member, line.weekday, line.starts, line.ends) == (
            NIGHTS,
            1,
            time(18),
            time(8),
        )
        assert "Added to the rota: nights@clinic.test." in page
        assert "Every Tuesday from 18:00 to 08:00 the next morning" in page
        # On duty now: the night line's member, the shared inbox (no line), the admin
        # (no line either).
        assert page.count("on duty now") == 3
    with time_machine.travel(MONDAY_NOON, tick=False):
        page = client.get(url).content.decode()
        assert page.count("on duty now") == 2  # NIGHTS is off on Monday noon
        removed = client.post(reverse("program:duty_rota_delete", args=[line.pk]), follow=True)
    assert not RotaLine.objects.exists()
    assert "Removed from the rota: nights@clinic.test." in removed.content.decode()


def test_bad_lines_are_refused_clearly_and_what_was_typed_stays(clinic_admin, settings) -> None:
    settings.RISK_DUTY_EMAILS = [SHARED]
    client = client_for(clinic_admin)
    url = reverse("program:duty_rota")
    page = client.post(url, {"member": SHARED, "kind": "weekly", "starts": "9am"}).content.decode()
    assert "Choose the day of the week." in page
    assert "Enter a time as hours and minutes, for example 09:00." in page
    assert 'value="9am"' in page
    page = client.post(
        url,
        {"member": SHARED, "kind": "dates", "first_day": "2026-12-26", "last_day": "2026-12-24"},
    ).content.decode()
    assert "The last day is before the first: please check." in page
    page = client.post(url, {"member": "someone@else.test", "kind": "dates"}).content.decode()
    assert "Choose someone on the duty list." in page
    assert not RotaLine.objects.exists()

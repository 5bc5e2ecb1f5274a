"""Every risk path in a browser on a 360 px phone (issue 16, "Done when"): a self-harm
answer on the safety screen and on the PHQ-9, for a patient with a therapist and one
without, reaches a person by email (Django's captured outbox: the live server runs in
this process), is escalated by the reminder tick when nobody acknowledges it (the clock
moved to the working-hours deadline), and the patient's page says only what happened.
And a patient whom nobody can be told about reads that, not "we have alerted".

(The same rules without a browser, case by case: tests/program/test_risk.py.)
"""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Role, User
from program import tasks
from program.assessments.models import RiskAlert
from program.enrolment.actions import enrol
from program.models import Programme
from program.risk import actions as risk
from program.rules.safety import SCREEN
from tests.conftest import make_user

from .conftest import PHONE, TIMEOUT_MS, screenshot
from .test_sign_in_journeys import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DUTY = "oncall@clinic.test"
ALERT_SUBJECT = "A patient's answer needs a clinician's attention — sign in"
ESCALATION_SUBJECT = (
    "Not yet acknowledged: a patient's answer needs a clinician's attention — sign in"
)
TOLD = "We have alerted your care team"
NOT_TOLD = "This app has not been able to pass your answer on to anyone"


@pytest.fixture(autouse=True)
def _clinic(settings) -> None:
    settings.RISK_DUTY_EMAILS = [DUTY]
    settings.RISK_ESCALATE_AFTER_HOURS = 4
    settings.CLINIC_HOURS = "Mon-Fri 09:00-17:00"
    settings.CLINIC_TIME_ZONE = "Europe/London"


def solo(programme: Programme) -> User:
    """Signed up on their own: no therapist."""
    user = make_user("sam@example.test", Role.PATIENT, name="Sam Solo", time_zone="Europe/London")
    enrol(patient=user, programme=programme, start_date=date(2026, 11, 2))
    return user


def answer_self_harm(page, source: str) -> None:
    if source == "screen":
        page.goto("/sleep-window/")
        for question in SCREEN:
            answer = "yes" if question.key == "self_harm" else "no"
            radio = page.locator(f'input[name="{question.key}"][value="{answer}"]')
            if question.key != "older" or radio.count():  # not asked with a date of birth
                radio.check()
        page.locator('form[action$="/sleep-window/screen/"] button[type="submit"]').click()
        page.wait_for_url(re.compile(r"/sleep-window/$"))
    else:
        page.goto("/questionnaires/phq9/")
        for fieldset in page.locator("fieldset.question").all()[:8]:
            fieldset.get_by_text("Not at all", exact=True).click()
        page.locator("fieldset.question").nth(8).get_by_text("Several days", exact=True).click()
        page.get_by_role("button", name="Send my answers").click()
        page.wait_for_url(re.compile(r"/questionnaires/results/\d+/$"))


def sent(address: str, subject: str) -> int:
    return sum(1 for m in mail.outbox if m.to == [address] and m.subject == subject)


@pytest.fixture
def page(browser, live_server):
    """The phone page without the service worker. These journeys run the reminder tick
    with the clock moved hours on, which time_machine does for the whole process, live
    server included: a background fetch of the pages the worker keeps, served meanwhile,
    found the session idle for hours and signed the patient out."""
    context = browser.new_context(viewport=PHONE, base_url=live_server.url, service_workers="block")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def tick_at(moment) -> None:
    with time_machine.travel(moment, tick=False):
        tasks.reminder_tick_task()


@pytest.mark.parametrize("source", ["screen", "phq9"])
@pytest.mark.parametrize("with_therapist", [True, False], ids=["therapist", "no-therapist"])
def test_a_self_harm_answer_reaches_a_person_and_escalates_when_nobody_acknowledges(
    page, source: str, with_therapist: bool, request, programme, therapist, clinic_admin
) -> None:
    patient = request.getfixturevalue("patient") if with_therapist else solo(programme)
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    answer_self_harm(page, source)

    # The crisis lines at once, and only what happened: an email went to people.
    crisis = page.locator('div[role="alert"]').filter(has=page.locator(".crisis-lines"))
    expect(crisis.locator('a[href="tel:116123"]').first).to_be_visible()
    text = page.locator("main").inner_text()
    assert TOLD in text and NOT_TOLD not in text
    assert "Your therapist has been told" not in text
    alert = RiskAlert.objects.get(patient=patient)
    closed = risk.closed_words(alert)  # the clinic's hours while it is closed, else ""
    assert (closed in text) if closed else ("It is closed now" not in text)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    name = f"risk-{source}-{'therapist' if with_therapist else 'no-therapist'}-phone"
    screenshot(page, name)

    # Reached a person by email: the therapist (if any) and the duty list, with no detail.
    assert sent(therapist.email, ALERT_SUBJECT) == (1 if with_therapist else 0)
    assert sent(DUTY, ALERT_SUBJECT) == 1 and sent(clinic_admin.email, ALERT_SUBJECT) == 1
    assert all("self-harm" not in m.body.lower() for m in mail.outbox)

    # Nobody acknowledges: nothing before the working-hours deadline, then once.
    due = risk.escalates_at(alert.created_at)
    assert due - alert.created_at >= timedelta(hours=4)
    tick_at(due - timedelta(minutes=1))
    assert sent(DUTY, ESCALATION_SUBJECT) == 0
    tick_at(due)
    tick_at(due + timedelta(hours=1))
    assert sent(DUTY, ESCALATION_SUBJECT) == 1
    assert sent(clinic_admin.email, ESCALATION_SUBJECT) == 1
    alert.refresh_from_db()
    assert alert.escalated_at == due and alert.acknowledged_at is None

    # The patient's page, later, still says only what happened.
    page.reload()
    text = page.locator("main").inner_text()
    assert TOLD in text and NOT_TOLD not in text, page.url


def test_a_patient_nobody_can_be_told_about_reads_so_and_whom_to_call(
    page, programme, settings
) -> None:
    settings.RISK_DUTY_EMAILS = []  # no therapist, no admin, no duty list
    patient = solo(programme)
    sign_in(page, patient.email)
    page.wait_for_url(re.compile(r"/today/$"))
    answer_self_harm(page, "screen")
    text = page.locator("main").inner_text()
    assert NOT_TOLD in text and TOLD not in text
    expect(page.locator(".crisis-lines").first).to_be_visible()
    assert mail.outbox == []
    screenshot(page, "risk-screen-nobody-phone")

"""The clinic's duty list and opening hours as data (issue 21, the admin journey): a clinic
admin changes them on /clinic/duty/ (``accounts.duty``); the settings are the defaults
until then; every reader (alerts, escalations, the patient's "closed" words) follows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import duty
from accounts.models import AuditEvent, ClinicHours, DutyMember, Role, User
from program.assessments.models import RiskAlert
from program.enrolment.actions import enrol
from program.risk import actions as risk
from program.rules.safety import SCREEN
from tests.conftest import client_for, make_user

URL = reverse("program:clinic_duty")
SCREEN_SELF_HARM = {q.key: "yes" if q.key == "self_harm" else "no" for q in SCREEN}
INBOX = "oncall@clinic.test"


@pytest.fixture(autouse=True)
def _defaults(settings) -> None:
    settings.RISK_DUTY_EMAILS = [INBOX]
    settings.CLINIC_HOURS = "Mon-Fri 09:00-17:00"
    settings.CLINIC_TIME_ZONE = "Europe/London"


def save_list(client, staff: list[str], other: str = ""):
    return client.post(URL, {"form": "duty", "staff": staff, "other": other})


WEEKDAYS_9_TO_5 = dict.fromkeys(range(5), ("09:00", "17:00"))


def hours_data(days: dict[int, tuple[str, str]], zone: str = "Europe/London") -> dict[str, str]:
    """The per-day form's fields: each day given is ticked open with its times."""
    data = {"form": "hours", "time_zone": zone}
    for day, (opens, closes) in days.items():
        data |= {f"open_{day}": "on", f"opens_{day}": opens, f"closes_{day}": closes}
    return data


def save_hours(client, days: dict[int, tuple[str, str]], zone: str = "Europe/London"):
    return client.post(URL, hours_data(days, zone))


# --- The defaults ----------------------------------------------------------------------


def test_until_an_admin_saves_the_settings_are_the_list_and_the_hours(clinic_admin) -> None:
    assert duty.duty_list() == [INBOX, clinic_admin.email]
    assert duty.opening_hours() == ("Mon-Fri 09:00-17:00", "Europe/London")
    page = client_for(clinic_admin).get(URL).content.decode()
    assert "until you save it here" in page and "until you save them here" in page
    # The form starts from what is in force, so saving it unchanged changes nothing.
    assert f'value="{clinic_admin.email}"' in page and "checked" in page
    assert INBOX in page
    # The hours, a day at a time: Monday to Friday ticked, 09:00 to 17:00; the weekend not.
    assert 'name="open_0" id="id_open_0" checked' in page
    assert 'name="open_5" id="id_open_5">' in page
    assert 'name="opens_4" value="09:00"' in page and 'name="closes_4" value="17:00"' in page


# --- Saving the list ------------------------------------------------------------------------


def test_an_admin_saves_the_list_and_it_replaces_the_setting(
    clinic_admin, therapist, other_therapist
) -> None:
    client = client_for(clinic_admin)
    response = save_list(client, [therapist.email, clinic_admin.email], other=INBOX.upper())
    assert response.status_code == 302
    assert sorted(duty.duty_list()) == sorted([therapist.email, clinic_admin.email, INBOX])
    member = DutyMember.objects.get(email=therapist.email)
    assert member.added_by == clinic_admin
    page = client.get(URL).content.decode()
    assert "The duty list is saved" in page and "until you save it here" not in page
    # On the list: the therapist may act for patients without a therapist; the other not.
    assert duty.on_duty(therapist) and not duty.on_duty(other_therapist)
    # Taking someone off removes them.
    save_list(client, [clinic_admin.email])
    assert duty.duty_list() == [clinic_admin.email] and not duty.on_duty(therapist)


def test_saving_is_in_the_audit_log(clinic_admin, therapist) -> None:
    save_list(client_for(clinic_admin), [therapist.email])
    save_hours(client_for(clinic_admin), dict.fromkeys(range(5), ("08:00", "18:00")))
    client_for(clinic_admin).post(
        URL, {"form": "delays", "escalate_after_hours": "2", "remind_after_days": "3"}
    )
    changes = AuditEvent.objects.filter(actor=clinic_admin, path=URL, action="change")
    assert changes.count() == 3
    audit = client_for(clinic_admin).get(reverse("program:clinic_audit")).content.decode()
    assert URL in audit


def test_the_list_may_not_be_emptied_and_says_why(clinic_admin, therapist) -> None:
    client = client_for(clinic_admin)
    save_list(client, [therapist.email])
    response = save_list(client, [], other=INBOX)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Keep at least one active therapist or admin on the duty list" in page
    assert "Nothing was changed" in page
    # What was typed is still there, and the list is as it was.
    assert INBOX in page
    assert duty.duty_list() == [therapist.email]


@pytest.mark.parametrize(
    ("other", "says"),
    [
        ("not an address", "These are not email addresses: not an address"),
        ("a@b.test, nope@", "These are not email addresses: nope@"),
    ],
)
def test_an_address_that_is_not_one_is_refused_and_kept(clinic_admin, other, says) -> None:
    response = save_list(client_for(clinic_admin), [clinic_admin.email], other=other)
    page = response.content.decode()
    assert response.status_code == 200 and says in page
    assert other.split(",")[0] in page  # nothing typed lost
    assert not DutyMember.objects.exists()


def test_a_patient_or_a_deactivated_account_cannot_be_on_the_list(
    clinic_admin, patient, other_therapist
) -> None:
    client = client_for(clinic_admin)
    page = save_list(client, [clinic_admin.email], other=patient.email).content.decode()
    assert "belongs to a patient" in page
    other_therapist.is_active = False
    other_therapist.save(update_fields=["is_active"])
    page = save_list(client, [clinic_admin.email], other=other_therapist.email).content.decode()
    assert "belongs to a deactivated account" in page
    # Not offered among the people to tick either, so not choosable.
    page = save_list(client, [other_therapist.email]).content.decode()
    assert "Select a valid choice" in page
    assert not DutyMember.objects.exists()


def test_every_problem_with_the_list_is_told_in_one_submit(clinic_admin, patient, settings):
    """Nobody ticked, a bad address, a patient's address and an inbox: the three problems
    at once, not one per submit; and the delays' source reads as a sentence."""
    client = client_for(clinic_admin)
    typed = f"not-an-email, {patient.email}, oncall@clinic.example"
    page = save_list(client, [], other=typed).content.decode()
    assert "These are not email addresses: not-an-email." in page
    assert f"{patient.email} belongs to a patient" in page
    assert "Keep at least one active therapist or admin on the duty list" in page
    assert typed in page and not DutyMember.objects.exists()
    assert "days. from the server" not in page
    assert "These delays come from the server's settings" in page


def test_a_deactivated_member_is_no_longer_emailed_and_the_admins_cover_an_empty_list(
    clinic_admin, therapist
) -> None:
    save_list(client_for(clinic_admin), [therapist.email])
    therapist.is_active = False
    therapist.save(update_fields=["is_active"])
    # Nobody left who can be told: the active admins are, rather than nobody.
    assert duty.duty_list() == [clinic_admin.email]
    page = client_for(clinic_admin).get(URL).content.decode()
    assert clinic_admin.email in page


def test_deactivating_the_last_person_on_the_list_warns_the_admin(clinic_admin, therapist) -> None:
    client = client_for(clinic_admin)
    save_list(client, [therapist.email], other=INBOX)
    url = reverse("program:clinic_staff_deactivate", args=[therapist.pk])
    page = client.post(url, follow=True).content.decode()
    assert "Nobody left on the duty list can sign in" in page
    assert duty.duty_list() == [INBOX]
    # With another person on it, no warning.
    other = make_user("second@clinic.test", Role.THERAPIST)
    save_list(client, [other.email, clinic_admin.email])
    url = reverse("program:clinic_staff_deactivate", args=[other.pk])
    assert "Nobody left" not in client.post(url, follow=True).content.decode()


# --- The promise: the newly added person is told ----------------------------------------------


def test_a_patient_without_a_therapist_reaches_the_newly_added_duty_person(
    clinic_admin, programme, django_capture_on_commit_callbacks
) -> None:
    newcomer = make_user("new.duty@clinic.test", Role.THERAPIST, name="Nia New")
    save_list(client_for(clinic_admin), [newcomer.email])
    solo = make_user("solo@example.test", Role.PATIENT, name="Solo")
    enrol(patient=solo, programme=programme, start_date=solo.local_today())
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(solo).post(
            reverse("program:sleep_window_screen"), SCREEN_SELF_HARM, follow=True
        )
    alert = RiskAlert.objects.get(patient=solo)
    notice = alert.notices.get()
    # The saved list only: not the setting's inbox, not the admin who was not ticked.
    assert notice.recipients == [newcomer.email]
    assert [m.to for m in mail.outbox] == [[newcomer.email]]
    assert str(risk.TOLD) in response.content.decode()
    # The newcomer sees it and may acknowledge it.
    alerts = client_for(newcomer).get(reverse("program:risk_alerts")).content.decode()
    assert "Solo" in alerts and risk.can_acknowledge(newcomer, solo)


# --- The hours ----------------------------------------------------------------------------


def test_an_admin_changes_the_hours_and_the_escalation_clock_follows(clinic_admin) -> None:
    client = client_for(clinic_admin)
    # Every day from 00:00 to 00:00 (midnight): always open.
    response = save_hours(client, dict.fromkeys(range(7), ("00:00", "00:00")), "America/Toronto")
    assert response.status_code == 302
    saved = ClinicHours.objects.get()
    assert (saved.hours, saved.time_zone, saved.changed_by) == (
        "Mon-Sun 00:00-24:00",
        "America/Toronto",
        clinic_admin,
    )
    page = client.get(URL).content.decode()
    assert "The clinic&#x27;s hours are saved: every day and night" in page
    # Saturday 10:00 UTC: open all day now, so 4 working hours are 4 clock hours.
    saturday = datetime(2026, 12, 5, 10, tzinfo=UTC)
    assert risk.escalates_at(saturday) == datetime(2026, 12, 5, 14, tzinfo=UTC)
    assert risk.clinic_hours().zone.key == "America/Toronto"


def test_the_closed_words_follow_the_saved_hours(clinic_admin, patient) -> None:
    save_hours(client_for(clinic_admin), {5: ("10:00", "12:00")})
    alert = RiskAlert.objects.create(patient=patient, source="screen_self_harm")
    with time_machine.travel(datetime(2026, 12, 7, 12, tzinfo=UTC), tick=False):  # a Monday
        words = risk.closed_words(alert)
    assert "Saturday, 10:00–12:00" in words and "Saturday 12 December at 10:00" in words


def test_the_days_picked_are_saved_as_the_hours_the_clock_reads(clinic_admin) -> None:
    client = client_for(clinic_admin)
    days = dict.fromkeys(range(4), ("08:30", "18:00")) | {4: ("08:30", "16:00")}
    assert save_hours(client, days).status_code == 302
    assert ClinicHours.objects.get().hours == "Mon-Thu 08:30-18:00; Fri 08:30-16:00"
    page = client.get(URL).content.decode()
    assert "Monday to Thursday, 08:30–18:00; Friday, 08:30–16:00" in page
    # Shown again as picked: Friday's own closing time, Saturday closed.
    assert 'name="closes_4" value="16:00"' in page and 'name="open_5" id="id_open_5">' in page
    # A day ticked closed again: its times, if any, are ignored.
    data = hours_data(WEEKDAYS_9_TO_5) | {"opens_6": "10:00", "closes_6": "12:00"}
    assert client.post(URL, data).status_code == 302
    assert ClinicHours.objects.get().hours == "Mon-Fri 09:00-17:00"


@pytest.mark.parametrize(
    ("days", "says", "kept"),
    [
        (
            {0: ("17:00", "09:00")},
            "On Monday the clinic closes before it opens",
            'name="opens_0" value="17:00"',
        ),
        ({2: ("09:00", "")}, "Give the time the clinic closes on Wednesday.", 'value="09:00"'),
        (
            {3: ("9 am", "17:00")},
            "Enter a time as hours and minutes, for example 09:00.",
            'value="9 am"',
        ),
        ({}, "Tick at least one day the clinic is open", 'name="open_0" id="id_open_0">'),
    ],
)
def test_hours_that_do_not_read_are_refused_and_kept(clinic_admin, days, says, kept) -> None:
    response = save_hours(client_for(clinic_admin), days)
    page = response.content.decode()
    assert response.status_code == 200 and says in page, page
    assert kept in page  # nothing typed lost
    assert "Your other answers are kept" in page or not days
    assert not ClinicHours.objects.exists()
    assert duty.opening_hours() == ("Mon-Fri 09:00-17:00", "Europe/London")


def test_an_unknown_time_zone_is_refused(clinic_admin) -> None:
    page = save_hours(client_for(clinic_admin), WEEKDAYS_9_TO_5, "Mars/Olympus").content
    assert "Choose the clinic&#x27;s time zone from the list." in page.decode()
    assert not ClinicHours.objects.exists()


def test_saved_hours_that_no_longer_read_fall_back_to_the_settings(db) -> None:
    ClinicHours.objects.create(hours="whenever", time_zone="Europe/London")
    assert risk.clinic_hours_words().startswith("Monday to Friday, 09:00–17:00")


# --- Queries --------------------------------------------------------------------------------


def test_the_duty_page_reads_a_fixed_number_of_queries(clinic_admin) -> None:
    client = client_for(clinic_admin)

    def queries() -> int:
        client.get(URL)  # the session's first read
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL).status_code == 200
        return len(ctx.captured_queries)

    def grow(start: int, n: int) -> None:
        people = [
            make_user(f"d{i}@clinic.test", Role.THERAPIST, name=f"D {i}")
            for i in range(start, start + n)
        ]
        duty.save_duty_list(
            [clinic_admin.email, *(p.email for p in people), f"inbox{start}@clinic.test"],
            by=clinic_admin,
        )

    grow(0, 1)
    few = queries()
    grow(1, 40)
    User.objects.filter(email="d3@clinic.test").update(is_active=False)
    many = queries()
    assert few == many <= 10, (few, many)  # the delays row is the tenth

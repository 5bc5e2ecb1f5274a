"""Hardening (issue 18): the link in reminder emails shows only the choices, works for
REMINDER_LINK_VALID_DAYS, and stops working when the choices are saved, the person signs
out everywhere else, or their password changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail, signing
from django.test import Client
from django.urls import reverse

from accounts.models import User
from program.models import ReminderPreference
from program.reminders import actions as reminders
from tests.conftest import PASSWORD, client_for

CHOICES = {"diary": "on", "email": "on", "wind_down": "on", "wind_down_minutes": "45"}


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2026, 11, 25, 6, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def link_for(user) -> str:
    """The link an email sent now would hold (the user as the sender loads them)."""
    fresh = User.objects.select_related("reminder_preference").get(pk=user.pk)
    return reverse("program:manage_reminders", args=[reminders.manage_token(fresh)])


def is_invalid(response) -> bool:
    return response.status_code == 404 and "This link no longer works" in (
        response.content.decode()
    )


def test_the_link_shows_the_choices_and_nothing_about_the_person(patient, clock) -> None:
    reminders.refresh_schedules(patient)
    assert patient.reminder_schedules.exists()  # there are reminder times to give away
    page = Client().get(link_for(patient))
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="diary"' in text and "Stop all reminders" in text
    assert patient.email not in text
    assert "Next reminders" not in text
    assert "Europe/London" not in text and "Europe/London".replace("_", " ") not in text
    assert "without signing in" in text


def test_signed_in_the_page_still_shows_the_next_reminders(patient, clock) -> None:
    reminders.refresh_schedules(patient)
    text = client_for(patient).get(reverse("program:reminder_settings")).content.decode()
    assert "Next reminders" in text and "Europe/London" in text


def test_saving_through_the_link_moves_to_a_new_link_and_the_old_one_stops(patient) -> None:
    old = link_for(patient)
    client = Client()
    assert client.get(old).status_code == 200  # opening it changes nothing
    assert client.get(old).status_code == 200
    response = client.post(old, CHOICES)
    assert response.status_code == 302
    new = response["Location"]
    assert new != old and new.startswith("/reminders/manage/")
    assert ReminderPreference.objects.get(user=patient).wind_down_minutes == 45
    assert "Your reminder choices are saved." in client.get(new).content.decode()
    assert is_invalid(Client().get(old))


def test_stopping_all_through_the_link_also_moves_to_a_new_link(patient) -> None:
    old = link_for(patient)
    response = Client().post(old, {"stop_all": "1"})
    assert not ReminderPreference.objects.get(user=patient).email
    assert Client().get(response["Location"]).status_code == 200
    assert is_invalid(Client().get(old))


def test_saving_on_the_settings_page_revokes_the_emailed_links(patient) -> None:
    old = link_for(patient)
    client_for(patient).post(reverse("program:reminder_settings"), CHOICES)
    assert is_invalid(Client().get(old))
    assert Client().get(link_for(patient)).status_code == 200  # the next email's link


def test_signing_out_everywhere_else_revokes_the_emailed_links(patient) -> None:
    here, elsewhere = Client(), Client()
    for client in (here, elsewhere):
        client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})
    old = link_for(patient)
    assert Client().get(old).status_code == 200
    here.post(reverse("usersessions_list"))
    assert elsewhere.get(reverse("program:patient_home")).status_code == 302  # signed out
    assert is_invalid(Client().get(old))


def test_a_new_password_revokes_the_emailed_links(patient) -> None:
    old = link_for(patient)
    patient.set_password("a brand new passphrase")
    patient.save()
    assert is_invalid(Client().get(old))


def test_the_link_works_for_reminder_link_valid_days(patient, settings) -> None:
    assert settings.REMINDER_LINK_VALID_DAYS == 14
    start = datetime(2026, 11, 25, 6, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        link = link_for(patient)
        traveller.move_to(start + timedelta(days=13, hours=23))
        assert Client().get(link).status_code == 200
        traveller.move_to(start + timedelta(days=14, minutes=1))
        assert is_invalid(Client().get(link))
        settings.REMINDER_LINK_VALID_DAYS = 30
        assert Client().get(link).status_code == 200


def test_a_link_of_the_old_kind_shows_the_invalid_page_with_a_way_to_sign_in(patient) -> None:
    old_kind = signing.dumps({"u": patient.pk}, salt=reminders.SIGNING_SALT)
    response = Client().get(reverse("program:manage_reminders", args=[old_kind]))
    assert is_invalid(response)
    text = response.content.decode()
    assert "14 days" in text
    assert reverse("account_login") + "?next=" + reverse("program:reminder_settings") in text
    assert patient.email not in text


def test_the_link_in_a_reminder_email_opens_the_page(patient, clock) -> None:
    reminders.refresh_schedules(patient)
    clock.move_to(datetime(2026, 11, 25, 7, 30, 20, tzinfo=UTC))
    reminders.deliver(reminders.tick()[0])
    path = re.search(r"/reminders/manage/[^/\s]+/", mail.outbox[0].body).group(0)
    assert Client().get(path).status_code == 200
    # Also for someone whose choices were saved before the email went out.
    client_for(patient).post(reverse("program:reminder_settings"), CHOICES)
    assert is_invalid(Client().get(path))

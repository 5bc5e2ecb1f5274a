"""The messages of a patient without an active therapist are emailed to the duty list, and
also wait in the app: the risk alerts page (for those on the duty list) and the clinic
overview list the patient with their unread messages and a link to the thread, until
someone who answers them opens it. Nobody else sees the list."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Role, User
from program.clinic import actions as clinic
from program.messaging import actions as messaging
from tests.conftest import client_for

HEADING = "patient without a therapist has unread messages"


@pytest.fixture
def on_duty(other_therapist: User, settings) -> User:
    settings.RISK_DUTY_EMAILS = [other_therapist.email]
    return other_therapist


def alone(patient: User) -> User:
    User.objects.filter(pk=patient.pk).update(therapist=None)
    patient.refresh_from_db()
    return patient


def write(patient: User, *texts: str) -> None:
    for text in texts:
        messaging.send(patient=patient, sender=patient, text=text)


def queue(user: User, page: str = "program:risk_alerts") -> str:
    """The list of unread messages on ``page`` as ``user`` sees it, or "" without one."""
    html = client_for(user).get(reverse(page)).content.decode()
    found = re.search(r"<section[^>]*messages-waiting-heading.*?</section>", html, re.S)
    return found.group(0) if found else ""


def test_the_duty_list_sees_unread_messages_with_a_link_to_the_thread(
    patient, therapist, on_duty, clinic_admin, messages_on
) -> None:
    write(alone(patient), "Is anyone there?", "I slept two hours.")
    thread = reverse("program:patient_messages", args=[patient.pk])
    for person, page in (
        (on_duty, "program:risk_alerts"),
        (clinic_admin, "program:risk_alerts"),
        (clinic_admin, "program:clinic_home"),
    ):
        shown = queue(person, page)
        assert f"1 {HEADING}" in shown, (person.email, page)
        assert f'<a href="{thread}">Pat Patient</a>: 2 unread messages' in shown
        assert "(waiting since " in shown
        assert "two hours" not in shown  # what they wrote is in the thread, not the list
    # A therapist not on the duty list: the patient is not theirs, nor is the list.
    assert queue(therapist) == ""
    assert (
        "Pat Patient"
        not in client_for(therapist).get(reverse("program:risk_alerts")).content.decode()
    )


def test_the_patient_leaves_the_list_once_someone_who_answers_opens_the_thread(
    patient, on_duty, clinic_admin, messages_on
) -> None:
    write(alone(patient), "Is anyone there?")
    duty = client_for(on_duty)
    thread = reverse("program:patient_messages", args=[patient.pk])
    duty.get(thread)  # read
    assert queue(on_duty) == "" and queue(clinic_admin, "program:clinic_home") == ""
    duty.post(thread, {"text": "Yes: Dr Field, on duty."})  # the answer is not waiting
    assert queue(on_duty) == ""
    write(patient, "Thank you. And the naps?")  # a new message waits again
    assert f"1 {HEADING}" in queue(on_duty)
    assert ": 1 unread message " in queue(on_duty)


def test_only_patients_without_an_active_therapist_are_listed(
    patient,
    other_patient,
    outsider_patient,
    therapist,
    other_therapist,
    on_duty,
    clinic_admin,
    messages_on,
) -> None:
    write(patient, "To my therapist.")  # Dr Ward is active: her round shows it
    write(outsider_patient, "To Dr Field.")  # Dr Field is active (and on duty)
    assert queue(clinic_admin) == ""
    clinic.deactivate(member=therapist, by=clinic_admin)  # Pat and Olly: the duty list's
    write(other_patient, "Hello?")
    shown = queue(clinic_admin)
    assert "2 patients without a therapist have unread messages" in shown
    # The longest waiting first.
    assert shown.index("Pat Patient") < shown.index("Olly Other")
    assert "Ola Outsider" not in shown
    # A therapist who is no longer a therapist is nobody's therapist either.
    User.objects.filter(pk=other_therapist.pk).update(role=Role.ADMIN)
    assert "Ola Outsider" in queue(clinic_admin)


def test_a_thread_that_shows_nothing_is_not_listed(patient, on_duty, messages_on) -> None:
    """Messages switched off for the programme: the thread page shows none, so opening it
    could never take the patient off the list."""
    write(alone(patient), "Is anyone there?")
    messages_on.messages_enabled = False
    messages_on.save(update_fields=["messages_enabled"])
    assert queue(on_duty) == ""

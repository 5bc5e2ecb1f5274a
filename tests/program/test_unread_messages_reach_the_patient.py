"""A patient finds their therapist's new messages without the email: Today says how many
are unread and leads to them."""

from __future__ import annotations

from django.urls import reverse

from program.messaging import actions as messaging
from tests.conftest import client_for


def test_today_says_how_many_therapist_messages_are_unread_and_links_to_them(
    patient, therapist, messages_on
) -> None:
    messaging.send(patient=patient, sender=therapist, text="How did the new window go?")
    messaging.send(patient=patient, sender=therapist, text="And the naps?")
    messaging.send(patient=patient, sender=patient, text="My own, not unread for me.")
    client = client_for(patient)
    today = client.get(reverse("program:patient_home"))
    assert today.context["unread_messages"] == 2
    page = today.content.decode()
    assert "You have 2 unread messages from your therapist." in page
    assert f'<a href="{reverse("program:messages")}">You have 2 unread' in page
    # Read on the messages page: Today says nothing more about them.
    client.get(reverse("program:messages"))
    assert "unread message" not in client.get(reverse("program:patient_home")).content.decode()


def test_one_unread_message_is_said_in_the_singular(patient, therapist, messages_on) -> None:
    messaging.send(patient=patient, sender=therapist, text="Hello")
    page = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert "You have 1 unread message from your therapist." in page

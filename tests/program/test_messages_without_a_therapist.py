"""A patient whose therapist was deactivated, or who has none, writes to the clinic's duty
list: Today no longer names the old therapist, the messages page says who reads, the
message is emailed to the duty list, and someone on it reads and answers it."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from accounts.models import User
from program.clinic import actions as clinic
from program.models import Message
from tests.conftest import client_for


def _deactivate(therapist: User, clinic_admin: User) -> None:
    clinic.deactivate(member=therapist, by=clinic_admin)


def test_today_does_not_name_a_deactivated_therapist(
    patient, therapist, clinic_admin, messages_on
) -> None:
    _deactivate(therapist, clinic_admin)
    page = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert "Dr Tess Ward" not in page
    assert "Send them a message" not in page
    assert "You have no therapist assigned at the moment." in page
    assert "Write to your clinic" in page


def test_the_message_of_a_deactivated_therapists_patient_is_emailed_to_the_duty_list(
    patient,
    therapist,
    other_therapist,
    clinic_admin,
    messages_on,
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    settings.RISK_DUTY_EMAILS = [other_therapist.email]
    _deactivate(therapist, clinic_admin)
    client = client_for(patient)
    page = client.get(reverse("program:messages")).content.decode()
    assert "Messages with your clinic" in page
    assert "Messages with your therapist" not in page
    assert "each message you send here is emailed to your clinic's duty team" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("program:messages"), {"text": "I keep waking at 4am."}, follow=True
        )
    assert "Message sent." in response.content.decode()
    told = sorted(address for m in mail.outbox for address in m.to)
    # The duty list (the configured address and the active admin), never the old account.
    assert told == sorted([other_therapist.email, clinic_admin.email])
    assert therapist.email not in told
    assert all("4am" not in m.body for m in mail.outbox)
    link = reverse("program:patient_messages", args=[patient.pk])
    assert all(link in m.body for m in mail.outbox)


def test_a_patient_without_a_therapist_is_answered_by_the_duty_list(
    patient,
    therapist,
    other_therapist,
    clinic_admin,
    messages_on,
    settings,
    django_capture_on_commit_callbacks,
) -> None:
    settings.RISK_DUTY_EMAILS = [other_therapist.email]
    User.objects.filter(pk=patient.pk).update(therapist=None)
    patient.refresh_from_db()
    client_for(patient).post(reverse("program:messages"), {"text": "Is anyone there?"})
    url = reverse("program:patient_messages", args=[patient.pk])
    # A therapist on the duty list opens the thread the email links to, and answers.
    duty = client_for(other_therapist)
    assert "Is anyone there?" in duty.get(url).content.decode()
    assert Message.objects.get().read_at is not None
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        duty.post(url, {"text": "Yes: Dr Field here, from the duty list."})
    assert [m.to for m in mail.outbox] == [[patient.email]]
    page = client_for(patient).get(reverse("program:messages")).content.decode()
    assert "Dr Field here" in page
    # A therapist who is not on the duty list still cannot open it.
    settings.RISK_DUTY_EMAILS = []
    assert client_for(therapist).get(url).status_code == 404


def test_with_nobody_to_read_the_patient_is_told_and_nothing_is_sent(
    patient, therapist, messages_on, settings
) -> None:
    # No therapist, no duty list and no active clinic admin: nobody at all.
    settings.RISK_DUTY_EMAILS = []
    User.objects.filter(pk=patient.pk).update(therapist=None)
    patient.refresh_from_db()
    client = client_for(patient)
    page = client.get(reverse("program:messages")).content.decode()
    assert "nobody at your clinic is set up to read messages here" in page
    assert "<textarea" not in page
    response = client.post(reverse("program:messages"), {"text": "Hello?"}, follow=True)
    assert "Message sent." not in response.content.decode()
    assert not Message.objects.exists()
    assert not mail.outbox

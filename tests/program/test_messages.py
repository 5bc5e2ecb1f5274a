"""Secure messages: switched on per programme, the patient and their own therapist only,
emails that say only that a message is waiting."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from program.models import Message
from tests.conftest import client_for


def test_messages_are_off_unless_the_programme_switches_them_on(patient, therapist) -> None:
    client = client_for(patient)
    page = client.get(reverse("program:messages")).content.decode()
    assert "not switched on" in page
    client.post(reverse("program:messages"), {"text": "Hello?"})
    assert not Message.objects.exists()


def test_a_patient_and_their_therapist_exchange_messages_by_content_free_email(
    patient, therapist, messages_on, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        client_for(patient).post(reverse("program:messages"), {"text": "I keep waking at 4am."})
    assert mail.outbox[-1].to == [therapist.email]
    assert "4am" not in mail.outbox[-1].body and "4am" not in mail.outbox[-1].subject
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert "Unread message" in caseload
    url = reverse("program:patient_messages", args=[patient.pk])
    therapist_client = client_for(therapist)
    assert "I keep waking at 4am." in therapist_client.get(url).content.decode()
    assert Message.objects.get().read_at is not None
    assert (
        "Unread message" not in therapist_client.get(reverse("program:caseload")).content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):
        therapist_client.post(url, {"text": "Let's talk about it on Thursday."})
    assert mail.outbox[-1].to == [patient.email]
    assert "Thursday" not in mail.outbox[-1].body
    assert "Thursday" in client_for(patient).get(reverse("program:messages")).content.decode()


def test_no_one_else_reads_or_writes_in_the_thread(
    patient, other_patient, other_therapist, clinic_admin, messages_on
) -> None:
    client_for(patient).post(reverse("program:messages"), {"text": "private words"})
    assert (
        "private words"
        not in client_for(other_patient).get(reverse("program:messages")).content.decode()
    )
    url = reverse("program:patient_messages", args=[patient.pk])
    assert client_for(other_therapist).get(url).status_code == 404
    admin = client_for(clinic_admin)
    assert "private words" in admin.get(url).content.decode()  # admins read the record (audited)
    admin.post(url, {"text": "from the admin"})
    assert Message.objects.count() == 1  # but do not write in the thread

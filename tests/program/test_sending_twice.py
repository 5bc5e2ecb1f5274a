"""Back after sending a message or a note, then Send again (or a double tap): the same
form is recognised by its key, recorded and emailed once, and the person is told it was
already sent. A new message typed into an old page is still sent."""

from __future__ import annotations

import re

from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from accounts.models import AuditEvent
from program.models import Message, TherapistNote
from tests.conftest import client_for


def key_on(page: str) -> str:
    found = re.search(r'name="submission_key" value="([^"]+)"', page)
    assert found, "the form carries no submission key"
    return found.group(1)


def said(response) -> list[str]:
    """What the page a send led to said (each send followed, so each page's own)."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_a_message_sent_again_from_the_same_form_is_sent_once(
    patient, therapist, messages_on, django_capture_on_commit_callbacks
) -> None:
    for sender, url in (
        (therapist, reverse("program:patient_messages", args=[patient.pk])),
        (patient, reverse("program:messages")),
    ):
        client = client_for(sender)
        page = client.get(url).content.decode()
        assert 'autocomplete="off"' in page and "data-draft-once" in page
        form = {"text": f"See you Thursday, from {sender.pk}.", "submission_key": key_on(page)}
        outbox = len(mail.outbox)
        with django_capture_on_commit_callbacks(execute=True):
            first = client.post(url, form, follow=True)
        assert said(first) == ["Message sent."]
        with django_capture_on_commit_callbacks(execute=True):
            again = client.post(url, form, follow=True)  # Back, then Send again
        assert again.redirect_chain == [(url, 302)]
        (words,) = said(again)
        assert words.startswith("This message was already sent on ")
        assert words.endswith(": it is in the conversation below. It was not sent again.")
        assert Message.objects.filter(sender=sender, text=form["text"]).count() == 1
        assert len(mail.outbox) == outbox + 1  # one email, for the one message
        # The page after sending offers a fresh form, with a key of its own.
        assert key_on(client.get(url).content.decode()) != form["submission_key"]
        # The trail: the first send changed the record, the second only looked at it.
        if sender == therapist:
            events = AuditEvent.objects.filter(actor=therapist, path=url, method="POST")
            assert sorted(events.values_list("action", flat=True)) == ["change", "view"]


def test_a_new_message_typed_into_an_old_page_is_sent(patient, messages_on) -> None:
    client = client_for(patient)
    url = reverse("program:messages")
    key = key_on(client.get(url).content.decode())
    client.post(url, {"text": "First.", "submission_key": key}, follow=True)
    another = client.post(url, {"text": "Something else.", "submission_key": key}, follow=True)
    assert said(another) == ["Message sent."]
    assert list(Message.objects.values_list("text", flat=True)) == ["First.", "Something else."]


def test_a_note_saved_again_from_the_same_form_is_added_once(patient, therapist) -> None:
    client = client_for(therapist)
    page = client.get(reverse("program:patient_detail", args=[patient.pk])).content.decode()
    url = reverse("program:add_note", args=[patient.pk])
    form = {"text": "Discussed the naps.", "submission_key": key_on(page)}
    assert said(client.post(url, form, follow=True)) == ["Note saved."]
    (words,) = said(client.post(url, form, follow=True))
    assert words.startswith("This note was already saved on ")
    assert words.endswith(": it is in the list below. It was not added again.")
    assert TherapistNote.objects.filter(patient=patient).count() == 1
    # Other words in that old form are a note of their own.
    client.post(url, {**form, "text": "And the caffeine."})
    assert TherapistNote.objects.filter(patient=patient).count() == 2

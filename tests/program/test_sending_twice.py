"""Back after sending a message or a note, then Send again (or a double tap): the same
form is recognised by its key, recorded and emailed once. A message sent twice answers
"Message sent." both times (a double click shows the second answer only, so it must say
what happened: sent, once); a note answers "Note saved." both times, for the same reason.
A new message typed into an old page is still sent."""

from __future__ import annotations

import re

import pytest
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
            again = client.post(url, form, follow=True)  # a double click's second send
        assert again.redirect_chain == [(url, 302)]
        # What the browser shows after a double click is this second answer.
        assert said(again) == ["Message sent."]
        assert again.content.decode().count(form["text"]) == 1  # in the thread, once
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
    # Again (a double click: the browser shows this answer only): saved, once.
    assert said(client.post(url, form, follow=True)) == ["Note saved."]
    assert TherapistNote.objects.filter(patient=patient).count() == 1
    # Other words in that old form are a note of their own.
    client.post(url, {**form, "text": "And the caffeine."})
    assert TherapistNote.objects.filter(patient=patient).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_double_click_on_send_says_sent_to_both_and_stores_one_message(
    patient, therapist, messages_on
) -> None:
    """A double click: the two sends arrive at the same instant, the database keeps one
    (its unique key), and both answer "Message sent." (the browser shows the second).
    PostgreSQL only: SQLite's test database runs one writer at a time."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's test database is one connection)")
    for sender, url in (
        (therapist, reverse("program:patient_messages", args=[patient.pk])),
        (patient, reverse("program:messages")),
    ):
        key = key_on(client_for(sender).get(url).content.decode())
        form = {"text": f"Twice at once, from {sender.pk}.", "submission_key": key}
        clients = [client_for(sender) for _ in range(4)]
        start = threading.Barrier(len(clients))
        answers: list[list[str]] = []
        errors: list[BaseException] = []

        def send(client, form=form, url=url, start=start, answers=answers, errors=errors):
            try:
                start.wait()
                answers.append(said(client.post(url, form, follow=True)))
            except BaseException as error:
                errors.append(error)
            finally:
                connection.close()

        threads = [threading.Thread(target=send, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors
        assert answers == [["Message sent."]] * len(clients)
        assert Message.objects.filter(sender=sender, text=form["text"]).count() == 1

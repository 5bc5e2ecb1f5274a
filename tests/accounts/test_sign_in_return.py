"""Where signing in returns to after a form was sent with the session ended
(``accounts.http.page_to_return_to``): the form's page, named by the browser's Referer;
without one, the address the form was sent to, where the sign-in page's script finds the
draft sent there and returns to its page instead (static/js/app.js, "drafts";
tests/browser/test_drafts_after_sign_out.py)."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from program.models import TherapistNote


def test_a_note_sent_signed_out_is_sent_to_sign_in_then_back_to_its_page(patient) -> None:
    page = reverse("program:patient_detail", args=[patient.pk])
    notes = reverse("program:add_note", args=[patient.pk])
    client = Client()
    login = reverse("account_login")

    answer = client.post(
        notes, {"text": "Ask about naps."}, HTTP_REFERER=f"http://testserver{page}"
    )
    assert answer.status_code == 302
    assert answer["Location"] == f"{login}?next={page}"

    # Another site's page is never returned to: the form's own address then.
    answer = client.post(
        notes, {"text": "Ask about naps."}, HTTP_REFERER="https://elsewhere.example/"
    )
    assert answer["Location"] == f"{login}?next={notes}"

    answer = client.post(notes, {"text": "Ask about naps."})
    assert answer["Location"] == f"{login}?next={notes}"
    assert not TherapistNote.objects.exists()

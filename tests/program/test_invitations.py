"""A therapist invites a patient; the single-use link creates the account and enrolment."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from program.enrolment.actions import invite_patient
from program.models import Enrolment, Invitation, hash_token
from tests.conftest import client_for

GOOD = {
    "name": "Nina New",
    "time_zone": "Australia/Sydney",
    "date_of_birth": "1980-06-15",
    "password1": "sleep is coming back 9",
    "password2": "sleep is coming back 9",
    "consent": "on",
}


@pytest.fixture
def issued(therapist, programme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return invite_patient(therapist=therapist, email="Nina@Example.test", programme=programme)


def test_inviting_emails_a_single_use_link_and_stores_only_its_hash(issued) -> None:
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nina@example.test"]
    assert issued.token in message.body
    assert issued.token in message.alternatives[0][0]
    invitation = Invitation.objects.get()
    assert invitation.token_hash == hash_token(issued.token)
    assert issued.token not in str(Invitation.objects.values().get())
    assert invitation.sent_at is not None


def test_the_invite_form_sends_an_invitation(
    therapist, programme, django_capture_on_commit_callbacks
):
    client = client_for(therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("program:invite"), {"email": "newbie@example.test", "programme": programme.pk}
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http\S+/invite/\S+/", mail.outbox[0].body).group(0)
    assert Client().get(link.split("8000", 1)[-1]).status_code == 200
    # The list says until when it is valid, with the year (it may be next year's date).
    from django.utils.formats import date_format

    from program.models import Invitation

    until = date_format(
        Invitation.objects.get(email="newbie@example.test").expires_at.astimezone(therapist.zone),
        "j M Y",
    )
    assert f"until {until}" in client.get(reverse("program:invite")).content.decode()


def test_the_invite_form_refuses_an_address_that_already_has_an_account(
    therapist, patient, programme
) -> None:
    response = client_for(therapist).post(
        reverse("program:invite"), {"email": patient.email, "programme": programme.pk}
    )
    assert response.status_code == 200
    assert b"already has an account" in response.content
    assert patient.email.encode() in response.content  # what was typed is kept


def test_accepting_creates_a_verified_patient_on_the_therapists_caseload(issued, therapist):
    client = Client()
    response = client.post(issued.path, GOOD)
    assert response.status_code == 302
    # First the optional "About you" checklist (tests/program/test_situational_lessons.py).
    assert response["Location"] == reverse("program:about_you") + "?welcome=1"
    patient = User.objects.get(email="nina@example.test")
    assert patient.therapist == therapist
    assert patient.time_zone == "Australia/Sydney"
    assert patient.consent_given_at is not None
    assert patient.check_password(GOOD["password1"])
    assert EmailAddress.objects.get(user=patient).verified
    enrolment = Enrolment.objects.get(patient=patient)
    assert enrolment.start_date == patient.local_today()
    assert client.get(reverse("program:patient_home")).status_code == 200  # signed in
    assert client_for(therapist).get(reverse("program:caseload")).content.count(b"Nina New") == 1


def test_a_link_works_only_once(issued) -> None:
    assert Client().post(issued.path, GOOD).status_code == 302
    again = Client().post(issued.path, GOOD)
    assert again.status_code == 410
    assert b"already been used" in again.content
    assert User.objects.filter(email="nina@example.test").count() == 1


def test_an_expired_link_is_refused_with_a_clear_message(issued) -> None:
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().get(issued.path)
    assert response.status_code == 410
    assert b"expired" in response.content


def test_a_withdrawn_or_mangled_link_is_refused(issued, therapist) -> None:
    client_for(therapist).post(reverse("program:revoke_invitation", args=[issued.invitation.pk]))
    assert b"withdrawn" in Client().get(issued.path).content
    assert Client().get("/invite/not-a-real-token/").status_code == 410


def test_resending_makes_the_old_link_stop_working(
    issued, therapist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(therapist).post(
            reverse("program:resend_invitation", args=[issued.invitation.pk])
        )
    assert Client().get(issued.path).status_code == 410
    assert len(mail.outbox) == 2
    assert Invitation.objects.pending().count() == 1


def test_inviting_an_address_again_says_the_earlier_invitation_was_replaced(
    issued, therapist, programme, django_capture_on_commit_callbacks
) -> None:
    client = client_for(therapist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("program:invite"),
            {"email": "nina@example.test", "programme": programme.pk},
            follow=True,
        )
    assert (
        "A new invitation was sent to nina@example.test. It replaces the earlier one, whose "
        "link no longer works." in response.content.decode()
    )
    assert Client().get(issued.path).status_code == 410
    assert len(mail.outbox) == 2
    assert Invitation.objects.pending().count() == 1
    # A first invitation to another address says only that it was sent.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("program:invite"),
            {"email": "omar@example.test", "programme": programme.pk},
            follow=True,
        )
    assert "Invitation sent to omar@example.test." in response.content.decode()
    assert "replaces" not in response.content.decode()


def test_an_invitation_replaced_while_the_mail_service_is_down_says_both(
    issued, therapist, programme, monkeypatch
) -> None:
    from program.enrolment import actions
    from program.publish import Published

    monkeypatch.setattr(actions, "publish_on_commit", lambda *args: Published(ok=False))
    response = client_for(therapist).post(
        reverse("program:invite"),
        {"email": "nina@example.test", "programme": programme.pk},
        follow=True,
    )
    html = response.content.decode()
    assert "could not be queued" in html
    assert "It replaces the earlier invitation to nina@example.test" in html
    assert Client().get(issued.path).status_code == 410


def test_a_mistake_in_the_form_keeps_what_was_typed(issued) -> None:
    response = Client().post(issued.path, {**GOOD, "password2": "something else"})
    assert response.status_code == 200
    assert b"do not match" in response.content
    assert b'value="Nina New"' in response.content
    assert b'value="Australia/Sydney" selected' in response.content
    assert not User.objects.filter(email="nina@example.test").exists()


def test_consent_is_required(issued) -> None:
    response = Client().post(issued.path, {k: v for k, v in GOOD.items() if k != "consent"})
    assert response.status_code == 200
    assert b"We need your agreement" in response.content


def test_a_weak_password_is_refused_with_the_reason(issued) -> None:
    response = Client().post(
        issued.path, {**GOOD, "password1": "12345678", "password2": "12345678"}
    )
    assert response.status_code == 200
    assert b"too short" in response.content or b"too common" in response.content


def test_an_unknown_time_zone_is_refused(issued) -> None:
    response = Client().post(issued.path, {**GOOD, "time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert b"Select a valid choice" in response.content


def test_an_invitation_read_in_french_is_in_french_and_so_is_the_new_account(issued) -> None:
    """Before sign-in the page follows the browser's language; the account keeps it."""
    client = Client(HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    page = client.get(issued.path)
    assert page["Content-Language"] == "fr"
    assert '<html lang="fr"' in page.content.decode()
    assert client.post(issued.path, GOOD).status_code == 302
    assert User.objects.get(email="nina@example.test").language == "fr"


def test_a_signed_in_user_s_own_language_wins_over_the_browser_s(patient) -> None:
    client = client_for(patient)  # patient.language is English
    page = client.get(reverse("program:patient_home"), HTTP_ACCEPT_LANGUAGE="fr")
    assert page["Content-Language"] == "en"
    assert '<html lang="en"' in page.content.decode()


def test_the_invite_form_says_a_staff_address_is_a_staff_members_not_a_patients(
    therapist, other_therapist, clinic_admin, programme
) -> None:
    for staff in (other_therapist, clinic_admin):
        response = client_for(therapist).post(
            reverse("program:invite"), {"email": staff.email.upper(), "programme": programme.pk}
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "belongs to a member of the clinic&#x27;s staff" in page
        assert "move the patient" not in page
        assert not Invitation.objects.filter(email__iexact=staff.email).exists()

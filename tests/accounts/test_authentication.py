"""Email login through allauth: verification, rate limits, reset, idle sessions."""

from __future__ import annotations

import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import Role, User
from tests.conftest import PASSWORD, client_for, make_user


def login(client: Client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def test_a_patient_logs_in_with_email_and_lands_on_today(patient: User) -> None:
    client = Client()
    response = login(client, "PAT@example.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home"))["Location"] == reverse("program:patient_home")


def test_an_unverified_address_cannot_log_in(db: None) -> None:
    User.objects.create_user(email="new@example.test", password=PASSWORD)  # no EmailAddress
    client = Client()
    response = login(client, "new@example.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert "_auth_user_id" not in client.session
    assert len(mail.outbox) == 1  # a fresh confirmation link


def test_a_wrong_password_says_so_without_revealing_whether_the_account_exists(
    patient: User,
) -> None:
    wrong = login(Client(), patient.email, "not the password")
    unknown = login(Client(), "nobody@example.test", "not the password")
    assert wrong.status_code == unknown.status_code == 200
    assert b"not correct" in wrong.content
    assert b"not correct" in unknown.content


def test_repeated_failed_logins_are_rate_limited(patient: User) -> None:
    client = Client()
    for _ in range(5):
        login(client, patient.email, "guess")
    response = login(client, patient.email, PASSWORD)  # even the right password now waits
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert "_auth_user_id" not in client.session


def test_password_reset_emails_a_link_and_the_new_password_works(patient: User) -> None:
    client = Client()
    client.post(reverse("account_reset_password"), {"email": patient.email})
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/password/reset/key/" in line).strip()
    path = link.split("://", 1)[-1].split("/", 1)[1]
    response = client.get("/" + path, follow=True)
    form_url = response.redirect_chain[-1][0] if response.redirect_chain else "/" + path
    response = client.post(
        form_url, {"password1": "a brand new secret 42", "password2": "a brand new secret 42"}
    )
    assert response.status_code == 302
    assert login(Client(), patient.email, "a brand new secret 42").status_code == 302


def test_a_session_ends_after_the_idle_timeout(patient: User, settings) -> None:
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    with time_machine.travel("2026-11-25 09:00Z", tick=False) as traveller:
        client = client_for(patient)
        assert client.get(reverse("program:patient_home")).status_code == 200
        traveller.shift(29 * 60)
        assert client.get(reverse("program:patient_home")).status_code == 200
        traveller.shift(31 * 60)
        response = client.get(reverse("program:patient_home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_open_sign_up_is_closed_unless_the_clinic_allows_it(db: None) -> None:
    response = Client().get(reverse("account_signup"))
    assert b"Joining is by invitation" in response.content
    assert b"<form" not in response.content.split(b"<main", 1)[1].split(b"</main>", 1)[0]


@override_settings(ALLOW_SELF_SIGNUP=True)
def test_open_sign_up_creates_a_patient_in_their_time_zone(db: None) -> None:
    response = Client().post(
        reverse("account_signup"),
        {
            "email": "self@example.test",
            "password1": "a long enough secret 7",
            "password2": "a long enough secret 7",
            "time_zone": "Asia/Tokyo",
            "date_of_birth": "1975-01-31",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="self@example.test")
    assert user.role == Role.PATIENT
    assert user.time_zone == "Asia/Tokyo"
    assert user.consent_given_at is not None
    assert user.enrolments.get().programme.is_default  # self-enrolled in the programme
    assert len(mail.outbox) == 1  # verification is mandatory


def test_a_superuser_made_by_the_command_can_sign_in(db: None) -> None:
    from django.core.management import call_command

    call_command("createsuperuser", email="boss@clinic.test", interactive=False)
    user = User.objects.get(email="boss@clinic.test")
    user.set_password(PASSWORD)
    user.save()
    assert user.role == Role.ADMIN
    assert login(Client(), "boss@clinic.test").status_code == 302
    assert user.emailaddress_set.get().verified


def test_friendly_error_pages(patient) -> None:
    missing = client_for(patient).get("/no-such-page/")
    assert missing.status_code == 404
    assert b"We could not find that page" in missing.content
    forbidden = client_for(patient).get(reverse("program:caseload"))
    assert forbidden.status_code == 403
    assert b"This page is not open to you" in forbidden.content


def test_an_address_that_only_takes_a_form_shows_a_page_when_opened(
    therapist: User, patient: User
) -> None:
    """A note's address answers POST only: opened, it says so in the site's layout (it was an
    empty answer, a blank page), in the person's language, and changes nothing."""
    note = reverse("program:add_note", args=[patient.pk])
    opened = client_for(therapist).get(note)
    assert opened.status_code == 405
    assert opened["Allow"] == "POST"
    assert b"Nothing to show at this address" in opened.content
    assert b"opening it saved or changed nothing" in opened.content
    User.objects.filter(pk=therapist.pk).update(language="fr")
    assert "Rien à afficher à cette adresse" in client_for(therapist).get(note).content.decode()
    from program.models import TherapistNote

    assert not TherapistNote.objects.exists()


def test_users_created_by_commands_can_log_in(db: None) -> None:
    make_user("made@example.test", Role.PATIENT)
    assert login(Client(), "made@example.test").status_code == 302


# --- Where signing in brings someone back to ------------------------------------------


def signing_in_then(response) -> str:
    """The page a redirect to the sign-in page returns to."""
    from urllib.parse import parse_qs, urlsplit

    location = urlsplit(response["Location"])
    assert location.path == reverse("account_login")
    return parse_qs(location.query)["next"][0]


def test_a_form_sent_after_the_session_ended_returns_to_its_page_after_sign_in(
    therapist: User, patient: User, settings
) -> None:
    """The note's address answers POST only: back there after signing in would be a 405.
    The sign-in page is told the page the form was on, where the note comes back."""
    page = reverse("program:patient_detail", args=[patient.pk])
    note = reverse("program:add_note", args=[patient.pk])
    sent = Client().post(note, {"text": "x"}, headers={"referer": f"http://testserver{page}?a=1"})
    assert sent.status_code == 302
    assert signing_in_then(sent) == page + "?a=1"
    # A page of another site is no page to return to: the request's own address is.
    elsewhere = Client().post(note, {"text": "x"}, headers={"referer": f"https://evil.test{page}"})
    assert signing_in_then(elsewhere) == note
    # A referrer that names no page of this site's own is not followed either.
    odd = Client().post(note, {"text": "x"}, headers={"referer": "http://testserver//evil.test/"})
    assert signing_in_then(odd) == note
    # A page asked for is returned to, with its query, whatever page linked to it.
    asked = Client().get(page + "?tab=notes", headers={"referer": "http://testserver/caseload/"})
    assert signing_in_then(asked) == page + "?tab=notes"
    # The idle timeout (here before the session cookie's age) says the same for a form
    # sent after it.
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_COOKIE_AGE = 24 * 60 * 60
    with time_machine.travel("2026-11-25 09:00Z", tick=False) as traveller:
        client = client_for(therapist)
        assert client.get(page).status_code == 200
        traveller.shift(31 * 60)
        idle = client.post(note, {"text": "x"}, headers={"referer": f"http://testserver{page}"})
        assert signing_in_then(idle) == page
        signed_out = client.get(idle["Location"])
    assert b"You were signed out after a period of inactivity." in signed_out.content
    from program.models import TherapistNote

    assert not TherapistNote.objects.exists()

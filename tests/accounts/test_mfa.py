"""Therapists and admins must use a second factor before they see patient data."""

from __future__ import annotations

from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.test import Client
from django.urls import reverse

from accounts.models import Role, User
from tests.conftest import PASSWORD, TOTP_SECRET, client_for, make_user


def code_for(secret: str) -> str:
    import time

    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def current_code() -> str:
    return code_for(TOTP_SECRET)


def test_a_therapist_without_an_authenticator_is_sent_to_set_one_up(db: None) -> None:
    therapist = make_user("new.therapist@clinic.test", Role.THERAPIST, mfa=False)
    client = Client()
    client.post(reverse("account_login"), {"login": therapist.email, "password": PASSWORD})
    for url in (reverse("program:caseload"), reverse("accounts:profile"), reverse("home")):
        response = client.get(url, follow=False)
        if response["Location"] == reverse("program:caseload"):  # home forwards first
            response = client.get(response["Location"])
        assert response.status_code == 302
        assert response["Location"] == reverse("mfa_activate_totp")
    # Setting up the app is the way through (allauth asks for the password again first).
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(response["Location"], {"password": PASSWORD})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": code_for(secret)})
    assert response.status_code == 302
    assert client.get(reverse("program:caseload")).status_code == 200


def test_an_admin_without_an_authenticator_cannot_open_the_django_admin(db: None) -> None:
    admin = make_user("new.admin@clinic.test", Role.ADMIN, mfa=False)
    response = client_for(admin).get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")


def test_patients_are_not_asked_for_a_second_factor(patient: User) -> None:
    assert client_for(patient).get(reverse("program:patient_home")).status_code == 200


def test_a_therapist_logs_in_with_password_then_code(therapist: User) -> None:
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": therapist.email, "password": PASSWORD}
    )
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session  # a wrong code is refused
    response = client.post(reverse("mfa_authenticate"), {"code": current_code()})
    assert response.status_code == 302
    assert client.get(reverse("program:caseload")).status_code == 200


def test_staff_cannot_remove_their_authenticator_app(therapist: User, patient: User) -> None:
    totp = Authenticator.objects.get(user=therapist, type=Authenticator.Type.TOTP)
    assert get_adapter().can_delete_authenticator(totp) is False
    own = make_user("mfa.patient@example.test", Role.PATIENT, mfa=True)
    patient_totp = Authenticator.objects.get(user=own, type=Authenticator.Type.TOTP)
    assert get_adapter().can_delete_authenticator(patient_totp) is True


def test_the_django_admin_login_is_allauths(db: None) -> None:
    response = Client().get(reverse("admin:login"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))

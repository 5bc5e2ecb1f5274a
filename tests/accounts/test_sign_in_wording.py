"""The sign-in pages are the app's own: its words, in sentence case, and no offer of
what the clinic has switched off (open sign-up is off unless ALLOW_SELF_SIGNUP).

allauth's defaults ("Sign In", "Remember Me:", "Two-Factor Authentication", "please
sign up first") are replaced by templates/account, templates/mfa, templates/usersessions
and the elements in templates/allauth.
"""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import Role, User
from tests.conftest import PASSWORD, TOTP_SECRET, client_for, make_user

# allauth's own wording, none of which may show on the app's pages.
ALLAUTH_WORDING = [
    "Sign In",
    "Sign Up",
    "sign up",
    "Signup",
    "Remember Me",
    "Two-Factor",
    "Email:",
    "Password:",
    "Code:",
    "Confirm Access",
    "Password Reset",
    "Change Password",
    "Bad Token",
    "Recovery Codes",
    "Authenticator App",
    "Verify Your Email",
    "Confirm Email Address",
    "Menu:",
]


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main_of(response)))


def assert_the_apps_own(response) -> None:
    assert response.status_code == 200
    main = main_of(response)
    found = [words for words in ALLAUTH_WORDING if words in main]
    assert not found, f"allauth's wording on the page: {found}"
    assert "placeholder=" not in main  # the label says it; no grey copy in the box


def current_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


def reauthenticated(user: User) -> Client:
    client = client_for(user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    return client


# --- Sign in, and nothing about a sign-up that is closed ------------------------------


def test_the_sign_in_page_uses_the_apps_words(db: None) -> None:
    response = Client().get(reverse("account_login"))
    assert_the_apps_own(response)
    text = text_of(response)
    assert "Sign in" in text
    for label in ("Email", "Password", "Remember me on this device"):
        assert re.search(rf"<label for=\"id_\w+\">{label}</label>", main_of(response))
    assert "Forgot your password?" in text
    assert '<button type="submit">Sign in</button>' in main_of(response)


def test_while_sign_up_is_closed_the_sign_in_page_offers_no_sign_up(db: None) -> None:
    response = Client().get(reverse("account_login"))
    main = main_of(response)
    assert reverse("account_signup") not in main
    assert "create an account" not in main.lower()
    assert "New here? Your therapist sends you an invitation by email." in text_of(response)


@override_settings(ALLOW_SELF_SIGNUP=True)
def test_where_the_clinic_opens_sign_up_the_sign_in_page_links_to_it(db: None) -> None:
    response = Client().get(reverse("account_login"))
    assert f'href="{reverse("account_signup")}"' in main_of(response)
    assert "Create an account" in text_of(response)
    assert "invitation" not in text_of(response)


def test_the_closed_sign_up_page_says_joining_is_by_invitation(db: None) -> None:
    response = Client().get(reverse("account_signup"))
    assert_the_apps_own(response)
    text = text_of(response)
    assert "Joining is by invitation" in text
    assert "Your therapist sends you an invitation by email." in text
    assert "<form" not in main_of(response)


@override_settings(ALLOW_SELF_SIGNUP=True)
def test_the_open_sign_up_page_uses_the_apps_words(db: None) -> None:
    response = Client().get(reverse("account_signup"))
    assert_the_apps_own(response)
    main = main_of(response)
    for label in ("Email", "Choose a password", "The same password again", "Your time zone"):
        assert f">{label}</label>" in main
    assert "Create my account</button>" in main


def test_a_wrong_password_is_said_above_the_form_and_the_email_is_kept(patient: User) -> None:
    response = Client().post(
        reverse("account_login"), {"login": patient.email, "password": "not it"}
    )
    assert_the_apps_own(response)
    main = main_of(response)
    assert 'role="alert"' in main and "not correct" in main
    assert f'value="{patient.email}"' in main
    assert 'type="password" name="password" id="id_password" autocomplete' in main  # no value


# --- "Remember me on this device" does what its help says -----------------------------


@pytest.mark.parametrize("remember", [True, False])
def test_remember_me_keeps_the_session_past_closing_the_browser(
    patient: User, remember: bool
) -> None:
    client = Client()
    data = {"login": patient.email, "password": PASSWORD}
    if remember:
        data["remember"] = "on"
    assert client.post(reverse("account_login"), data).status_code == 302
    assert client.session.get_expire_at_browser_close() is not remember
    # Either way the idle timeout still ends it (tests/accounts/test_authentication.py).


# --- Password reset ---------------------------------------------------------------


def test_the_password_reset_pages_use_the_apps_words(patient: User) -> None:
    client = Client()
    request_page = client.get(reverse("account_reset_password"))
    assert_the_apps_own(request_page)
    assert "Reset your password" in text_of(request_page)
    assert ">Email</label>" in main_of(request_page)
    assert "Email me a link</button>" in main_of(request_page)

    done = client.post(reverse("account_reset_password"), {"email": patient.email}, follow=True)
    assert_the_apps_own(done)
    assert "Check your email" in text_of(done)

    link = next(line for line in mail.outbox[0].body.splitlines() if "/password/reset/key/" in line)
    key_page = client.get("/" + link.strip().split("://", 1)[-1].split("/", 1)[1], follow=True)
    assert_the_apps_own(key_page)
    assert "Choose a new password" in text_of(key_page)
    assert ">New password</label>" in main_of(key_page)
    assert ">The same password again</label>" in main_of(key_page)

    changed = client.post(
        key_page.redirect_chain[-1][0],
        {"password1": "a brand new secret 42", "password2": "a brand new secret 42"},
        follow=True,
    )
    assert_the_apps_own(changed)
    assert "Your password is changed" in text_of(changed)


def test_a_used_or_wrong_reset_link_says_so_and_offers_a_new_one(db: None) -> None:
    response = Client().get(
        reverse("account_reset_password_from_key", kwargs={"uidb36": "zz", "key": "nope"})
    )
    assert_the_apps_own(response)
    assert "This link does not work" in text_of(response)
    assert f'href="{reverse("account_reset_password")}"' in main_of(response)


def test_the_email_about_an_unknown_address_offers_no_closed_sign_up(db: None) -> None:
    Client().post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    (message,) = mail.outbox
    assert message.subject.endswith("No account with this address")
    assert reverse("account_signup") not in message.body
    assert "sign up" not in message.body.lower()
    assert "invitation from their therapist" in message.body


@override_settings(ALLOW_SELF_SIGNUP=True)
def test_where_sign_up_is_open_the_unknown_address_email_links_to_it(db: None) -> None:
    Client().post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    (message,) = mail.outbox
    assert reverse("account_signup") in message.body


# --- Email confirmation -----------------------------------------------------------


def test_the_email_confirmation_pages_use_the_apps_words(db: None) -> None:
    User.objects.create_user(email="new@example.test", password=PASSWORD)  # unconfirmed
    client = Client()
    sent = client.post(
        reverse("account_login"), {"login": "new@example.test", "password": PASSWORD}, follow=True
    )
    assert_the_apps_own(sent)
    assert "Check your email" in text_of(sent)
    assert "We have sent a link to new@example.test to confirm it." in text_of(sent)
    assert mail.outbox[0].to == ["new@example.test"]
    link = next(line for line in mail.outbox[0].body.splitlines() if "/confirm-email/" in line)
    confirm = client.get("/" + link.strip().split("://", 1)[-1].split("/", 1)[1])
    assert_the_apps_own(confirm)
    assert "Confirm your email address" in text_of(confirm)
    assert "new@example.test" in text_of(confirm)
    assert "Confirm my email address</button>" in main_of(confirm)


def test_an_expired_confirmation_link_says_how_to_get_a_new_one(db: None) -> None:
    response = Client().get(reverse("account_confirm_email", kwargs={"key": "not-a-key"}))
    assert_the_apps_own(response)
    assert "This link has expired or has been used already." in text_of(response)
    assert f'href="{reverse("account_login")}"' in main_of(response)


# --- Two-step sign-in -------------------------------------------------------------


def test_the_second_step_asks_for_the_code_in_the_apps_words(therapist: User) -> None:
    client = Client()
    client.post(reverse("account_login"), {"login": therapist.email, "password": PASSWORD})
    response = client.get(reverse("mfa_authenticate"))
    assert_the_apps_own(response)
    main = main_of(response)
    assert "<h1>Two-step sign-in</h1>" in main
    assert ">Code from your authenticator app</label>" in main
    assert 'autocomplete="one-time-code"' in main and 'inputmode="numeric"' in main
    assert "recovery codes" in text_of(response)
    assert '<button type="submit">Sign in</button>' in main

    wrong = client.post(reverse("mfa_authenticate"), {"code": "123456"})
    assert_the_apps_own(wrong)
    assert 'aria-invalid="true"' in main_of(wrong)
    assert '<a href="#id_code">Code from your authenticator app</a>' in main_of(wrong)


def test_a_recovery_code_signs_in_as_the_second_step_says(therapist: User) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    codes = RecoveryCodes.activate(therapist).generate_codes()
    client = Client()
    client.post(reverse("account_login"), {"login": therapist.email, "password": PASSWORD})
    response = client.post(reverse("mfa_authenticate"), {"code": codes[0]})
    assert response.status_code == 302
    assert client.get(reverse("program:caseload")).status_code == 200


def test_setting_up_the_authenticator_app_uses_the_apps_words(db: None) -> None:
    fresh = make_user("fresh@clinic.test", Role.THERAPIST, mfa=False)
    client = client_for(fresh)
    reauthenticate = client.get(reverse("mfa_activate_totp"), follow=True)
    assert_the_apps_own(reauthenticate)
    assert "Confirm it is you" in text_of(reauthenticate)
    assert ">Your password</label>" in main_of(reauthenticate)

    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse("mfa_activate_totp"))
    assert_the_apps_own(response)
    main = main_of(response)
    assert "<h1>Set up two-step sign-in</h1>" in main
    assert ">Setup key</p>" in main
    assert ">Code from your authenticator app</label>" in main
    assert 'alt="QR code to scan with your authenticator app"' in main
    assert "Turn on two-step sign-in</button>" in main


def test_the_recovery_codes_and_the_overview_use_the_apps_words(therapist: User) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(therapist)
    client = reauthenticated(therapist)
    overview = client.get(reverse("mfa_index"))
    assert_the_apps_own(overview)
    assert "Two-step sign-in" in text_of(overview)
    assert "Recovery codes" in text_of(overview)
    codes = client.get(reverse("mfa_view_recovery_codes"))
    assert_the_apps_own(codes)
    assert ">Your unused codes</label>" in main_of(codes)
    generate = client.get(reverse("mfa_generate_recovery_codes"))
    assert_the_apps_own(generate)
    assert "Make new recovery codes" in text_of(generate)


def test_staff_are_not_offered_to_turn_off_what_their_role_needs(therapist: User) -> None:
    client = reauthenticated(therapist)
    overview = client.get(reverse("mfa_index"))
    assert reverse("mfa_deactivate_totp") not in main_of(overview)
    assert "Your role needs two-step sign-in, so it stays on." in text_of(overview)
    page = client.get(reverse("mfa_deactivate_totp"))
    assert_the_apps_own(page)
    assert "<form" not in main_of(page)


def test_turning_it_off_stops_the_recovery_codes_as_the_page_says(db: None) -> None:
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    patient = make_user("careful@example.test", Role.PATIENT, mfa=True)
    RecoveryCodes.activate(patient)
    client = reauthenticated(patient)
    page = client.get(reverse("mfa_deactivate_totp"))
    assert_the_apps_own(page)
    assert "your recovery codes stop working" in text_of(page)
    assert client.post(reverse("mfa_deactivate_totp")).status_code == 302
    assert not Authenticator.objects.filter(user=patient).exists()


def test_the_other_account_pages_use_the_apps_words(patient: User) -> None:
    client = reauthenticated(patient)
    for name, heading in [
        ("account_change_password", "Change your password"),
        ("account_email", "Email addresses"),
        ("usersessions_list", "Where you are signed in"),
        ("account_logout", "Sign out"),
    ]:
        response = client.get(reverse(name))
        assert_the_apps_own(response)
        assert f"<h1>{heading}</h1>" in main_of(response), name
    assert ">Current password</label>" in main_of(client.get(reverse("account_change_password")))


# --- What allauth says after an action, in the app's words ---------------------------


def test_the_messages_after_signing_in_and_out_are_the_apps(patient: User) -> None:
    client = Client()
    signed_in = client.post(
        reverse("account_login"), {"login": patient.email, "password": PASSWORD}, follow=True
    )
    assert "You are signed in." in text_of(signed_in)
    assert "Successfully" not in text_of(signed_in)
    signed_out = client.post(reverse("account_logout"), follow=True)
    assert "You are signed out." in text_of(signed_out)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db(transaction=True)  # allauth adds the message once the change commits
def test_turning_on_two_step_sign_in_says_so_and_does_it() -> None:
    fresh = make_user("fresh@clinic.test", Role.THERAPIST, mfa=False)
    client = reauthenticated(fresh)
    client.get(reverse("mfa_activate_totp"))
    secret = client.session["mfa.totp.secret"]
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    response = client.post(reverse("mfa_activate_totp"), {"code": code}, follow=True)
    assert "Two-step sign-in is on." in text_of(response)
    assert Authenticator.objects.filter(user=fresh, type=Authenticator.Type.TOTP).exists()

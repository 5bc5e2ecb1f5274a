"""Security checks across the app: guessing ids, XSS, CSRF, open redirects,
account enumeration, session fixation, security headers."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from program.diary.actions import save_entry
from program.models import DiaryEntry
from tests.conftest import PASSWORD, client_for
from tests.nights import night_answers

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def night(patient, comments: str = ""):
    return save_entry(
        patient=patient,
        diary_date=patient.local_today(),
        changed_by=patient,
        answers=night_answers(comments=comments),
    ).entry


def test_free_text_is_escaped_wherever_it_is_shown(patient, therapist) -> None:
    patient.name = XSS
    patient.save()
    night(patient, comments=XSS)
    client_for(patient).post(
        reverse("program:diary_edit", args=[patient.local_today()]),
        {
            "diary_date": patient.local_today().isoformat(),
            "into_bed": "23:00",
            "lights_off": "23:00",
            "sleep_latency_min": "10",
            "awakenings": "1",
            "awake_min": "10",
            "final_wake": "06:00",
            "out_of_bed": "06:30",
            "quality": "3",
            "comments": XSS + " changed",
        },
    )
    pages = [
        (client_for(patient), reverse("program:patient_home")),
        (client_for(patient), reverse("program:diary")),
        (client_for(therapist), reverse("program:caseload")),
        (client_for(therapist), reverse("program:patient_detail", args=[patient.pk])),
        (client_for(therapist), reverse("program:patient_diary", args=[patient.pk])),
    ]
    for client, url in pages:
        html = client.get(url).content.decode()
        assert "<script>alert" not in html, url
        assert "onerror=alert" not in html or "onerror=alert(1)&gt;" in html, url


def test_every_page_sends_a_content_security_policy_without_inline_scripts(patient) -> None:
    response = client_for(patient).get(reverse("program:patient_home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy  # plus a nonce on pages that use one
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_health_pages_and_api_answers_may_not_be_stored(patient) -> None:
    """No browser disk cache or proxy keeps a page or an API answer (issue 18): each says
    no-store, unless the view chose its own header (lesson images: private)."""
    from accounts.tokens import issue_token

    night(patient)
    client = client_for(patient)
    for url in (
        reverse("program:diary"),
        reverse("program:diary_new") + "?date=2026-01-01",
        reverse("program:my_data_json"),
        reverse("program:patient_home"),
        reverse("account_login"),
    ):
        response = client.get(url)
        assert "no-store" in response["Cache-Control"], url
    _, token = issue_token(patient, "phone")
    api = Client().get(f"/api/v1/patients/{patient.pk}/diary", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert api.status_code == 200
    assert api["Cache-Control"] == "no-store"
    refused = Client().get(f"/api/v1/patients/{patient.pk}/diary")
    assert refused["Cache-Control"] == "no-store"


def test_forms_refuse_a_post_without_a_csrf_token(patient) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.post(reverse("program:diary_new"), {"diary_date": "2026-11-25"})
    assert response.status_code == 403
    assert not DiaryEntry.objects.exists()
    # In the site's layout and words: nothing saved, and how to send it again; the form is
    # not written back (a forged one lands here too).
    page = response.content.decode()
    assert "This form had expired" in page and "Nothing was saved" in page
    assert 'class="site-header"' in page or "<nav" in page
    assert "2026-11-25" not in page


def test_an_expired_form_kept_by_no_draft_does_not_promise_back_shows_it(patient) -> None:
    """Where the browser kept no draft (a file upload, no script), the page said "Use your
    browser's Back button to see what you typed": with the session gone, Back leads to the
    sign-in page. It now says to copy what Back still shows, if it does."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient, backend="allauth.account.auth_backends.AuthenticationBackend")
    page = client.post(reverse("program:diary_new"), {}).content.decode()
    assert "Back button to see what you typed" not in page
    assert "If your browser's Back button still shows what you typed" in page


def test_an_expired_form_is_explained_in_the_patients_language(patient) -> None:
    patient.language = "fr"
    patient.save()
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.post(reverse("program:about_you"), {"situations": ["shift_work"]})
    assert response.status_code == 403
    assert "Ce formulaire avait expiré" in response.content.decode()


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:alert(1)"],
)
def test_login_never_redirects_off_site(patient, target: str) -> None:
    response = Client().post(
        f"{reverse('account_login')}?next={target}", {"login": patient.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "evil" not in location and "javascript" not in location


def test_password_reset_does_not_reveal_who_has_an_account(patient) -> None:
    known = Client().post(reverse("account_reset_password"), {"email": patient.email})
    unknown = Client().post(reverse("account_reset_password"), {"email": "nobody@example.test"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # Both addresses get an email; only the real account's contains a reset link.
    assert sorted(m.to[0] for m in mail.outbox) == sorted([patient.email, "nobody@example.test"])


def test_signing_in_gives_a_new_session_key(patient) -> None:
    client = Client()
    client.get(reverse("account_login"))
    client.cookies["sessionid"] = "attacker-chosen-session-key"
    client.post(reverse("account_login"), {"login": patient.email, "password": PASSWORD})
    assert client.cookies["sessionid"].value != "attacker-chosen-session-key"


def test_guessing_another_patients_ids_reveals_nothing(patient, outsider_patient, therapist):
    entry = night(outsider_patient)
    client = client_for(therapist)
    for url in (
        reverse("program:patient_detail", args=[outsider_patient.pk]),
        reverse("program:patient_diary", args=[outsider_patient.pk]),
        reverse("program:patient_sleep_window", args=[outsider_patient.pk]),
        f"/api/v1/patients/{outsider_patient.pk}/diary",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert outsider_patient.email.encode() not in response.content
    # And a patient cannot edit another patient's entry by its date.
    other = client_for(patient).get(
        reverse("program:diary_edit", args=[entry.diary_date.isoformat()])
    )
    assert other.status_code == 404  # their own diary has no such entry
    assert DiaryEntry.objects.get(pk=entry.pk).comments == ""

"""Crisis contacts as clinic data (issue 16 part 3): the patient's country chooses the
lines on every page's footer and in every crisis message; clinic admins keep them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from accounts.models import AuditEvent, Role, User
from program.enrolment.actions import invite_patient
from program.models import CrisisContact
from program.rules.safety import SCREEN
from tests.conftest import client_for, make_user

PHQ_RISK = {**{f"phq{i}": "0" for i in range(1, 9)}, "phq9": "2"}
SCREEN_SELF_HARM = {q.key: "yes" if q.key == "self_harm" else "no" for q in SCREEN}
ELSEWHERE = "In another country, call your local emergency number."
NO_LINES = "Call your local emergency number now."
PATIENT_PAGES = [
    "program:patient_home",
    "program:diary",
    "program:sleep_window",
    "program:programme",
    "program:progress",
    "accounts:profile",
]


@pytest.fixture
def french_patient(patient) -> User:
    patient.country = "FR"
    patient.language = "fr"
    patient.save(update_fields=["country", "language"])
    return patient


def footer(page: str) -> str:
    match = re.search(r'<p class="crisis-footer".*?</p>', page, re.S)
    assert match, "no crisis line in the footer"
    return match.group(0)


def crisis_box(page: str) -> str:
    """The crisis message shown after a self-harm answer (screen or PHQ-9)."""
    match = re.search(
        r'<div class="(?:crisis|message message-error)" role="alert">.*?</div>', page, re.S
    )
    assert match, "no crisis message"
    return match.group(0)


def flashed(page: str) -> str:
    match = re.search(r'<div class="messages" role="status">.*?</div>', page, re.S)
    return match.group(0) if match else ""


def answer(patient: User, source: str, capture) -> str:
    client = client_for(patient)
    with capture(execute=True):
        if source == "screen":
            url, data = reverse("program:sleep_window_screen"), SCREEN_SELF_HARM
        else:
            url, data = reverse("program:questionnaire", args=["phq9"]), PHQ_RISK
        response = client.post(url, data, follow=True)
    assert response.status_code == 200
    return response.content.decode()


# --- What the patient sees ---------------------------------------------------------


def test_the_shipped_defaults_cover_the_countries_of_the_issue(db) -> None:
    shipped = set(CrisisContact.objects.active().values_list("country", "phone"))
    for line in [
        ("GB", "116 123"), ("GB", "111"), ("IE", "116 123"), ("US", "988"), ("CA", "988"),
        ("FR", "3114"), ("DE", "0800 111 0 111"), ("DE", "0800 111 0 222"), ("ES", "024"),
        ("NL", "113"), ("NL", "0800-0113"), ("AU", "13 11 14"),
    ]:  # fmt: skip
        assert line in shipped, line
    assert CrisisContact.objects.filter(last_checked__isnull=True).count() == 0


def test_an_emptied_table_gets_the_shipped_lines_again(french_patient) -> None:
    """A database flushed (or made without the data migration) never shows no numbers."""
    CrisisContact.objects.all().delete()
    shown = footer(client_for(french_patient).get(reverse("program:diary")).content.decode())
    assert "tel:3114" in shown
    assert CrisisContact.objects.count() == 12


def test_a_french_patient_sees_3114_in_the_footer_of_every_page(french_patient) -> None:
    client = client_for(french_patient)
    for name in PATIENT_PAGES:
        shown = footer(client.get(reverse(name)).content.decode())
        assert 'href="tel:3114"' in shown, name
        assert "116 123" not in shown and "988" not in shown, name
        assert 'href="tel:15"' in shown and 'href="tel:112"' in shown, name  # emergency
        assert ELSEWHERE not in shown, name  # they said where they live


@pytest.mark.parametrize("source", ["screen", "phq9"])
def test_a_french_patient_sees_3114_in_the_crisis_message(
    source, french_patient, django_capture_on_commit_callbacks
) -> None:
    page = answer(french_patient, source, django_capture_on_commit_callbacks)
    box = crisis_box(page)
    assert 'href="tel:3114"' in box and "116 123" not in box
    assert "116 123" not in flashed(page)  # nor a flashed copy with another country's
    assert '<html lang="fr">' in page


def test_a_patient_who_has_not_said_sees_the_clinic_s_country_and_the_generic_line(
    patient, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CLINIC_DEFAULT_COUNTRY = "FR"
    assert patient.country == ""
    page = answer(patient, "phq9", django_capture_on_commit_callbacks)
    for shown in (footer(page), crisis_box(page)):
        assert "tel:3114" in shown
        assert "These numbers are for this country: France. " + ELSEWHERE in shown
    assert reverse("accounts:profile") in footer(page)  # "Set your country"


def test_a_patient_in_another_country_is_not_shown_another_country_s_numbers(
    patient, django_capture_on_commit_callbacks
) -> None:
    patient.country = "ZZ"
    patient.save(update_fields=["country"])
    page = answer(patient, "phq9", django_capture_on_commit_callbacks)
    for shown in (footer(page), crisis_box(page)):
        assert "tel:" not in shown and NO_LINES in shown


def test_a_line_for_one_language_is_shown_to_patients_of_that_language(patient) -> None:
    CrisisContact.objects.create(
        country="CA", language="fr", name="Ligne", phone="1 866 277 3553", emergency_number="911"
    )
    patient.country = "CA"
    patient.save(update_fields=["country"])
    english = footer(client_for(patient).get(reverse("program:diary")).content.decode())
    assert "tel:988" in english and "1 866 277 3553" not in english
    patient.language = "fr"
    patient.save(update_fields=["language"])
    french = footer(client_for(patient).get(reverse("program:diary")).content.decode())
    assert "tel:988" in french and "tel:18662773553" in french


def test_a_translation_that_lost_a_placeholder_still_shows_the_number(
    french_patient, monkeypatch
) -> None:
    from program.crisis import actions as crisis_contacts

    monkeypatch.setattr(crisis_contacts, "gettext", lambda msgid: "{nom} : appelez le {numero}")
    shown = footer(client_for(french_patient).get(reverse("program:diary")).content.decode())
    assert 'call <a href="tel:3114">3114</a>' in shown  # the English, never a 500


def test_visitors_see_the_clinic_s_country(db, settings) -> None:
    settings.CLINIC_DEFAULT_COUNTRY = "AU"
    shown = footer(Client().get(reverse("account_login")).content.decode())
    assert "tel:131114" in shown and "tel:000" in shown and ELSEWHERE in shown
    assert 'or text <a href="sms:0477131114">0477 13 11 14</a> (24/7)' in shown


# --- The patient's country -----------------------------------------------------------


def test_the_country_is_asked_when_the_account_is_made(
    therapist, programme, settings, django_capture_on_commit_callbacks
) -> None:
    settings.CLINIC_DEFAULT_COUNTRY = "IE"
    with django_capture_on_commit_callbacks(execute=True):
        issued = invite_patient(therapist=therapist, email="new@example.test", programme=programme)
    form = Client().get(issued.path).content.decode()
    assert re.search(r'<option value="IE" selected>Ireland</option>', form)  # the suggestion
    response = Client().post(
        issued.path,
        {
            "time_zone": "Europe/Paris",
            "country": "FR",
            "date_of_birth": "1980-05-17",
            "password1": "sleep is coming back 9",
            "password2": "sleep is coming back 9",
            "consent": "on",
        },
        follow=True,
    )
    assert User.objects.get(email="new@example.test").country == "FR"
    assert "tel:3114" in footer(response.content.decode())


def test_open_sign_up_asks_the_country_too(db, settings) -> None:
    settings.ALLOW_SELF_SIGNUP = True
    settings.CLINIC_DEFAULT_COUNTRY = "NL"
    form = Client().get(reverse("account_signup")).content.decode()
    assert '<option value="NL" selected>Netherlands</option>' in form
    response = Client().post(
        reverse("account_signup"),
        {
            "email": "self@example.test",
            "password1": "a long enough secret 7",
            "password2": "a long enough secret 7",
            "time_zone": "Europe/Madrid",
            "country": "ES",
            "date_of_birth": "1980-05-17",
            "consent": "on",
        },
    )
    assert response.status_code == 302
    assert User.objects.get(email="self@example.test").country == "ES"


def test_the_country_can_be_changed_in_settings(patient) -> None:
    client = client_for(patient)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert "Not said: show the clinic" in page
    response = client.post(
        reverse("accounts:profile"),
        {"name": patient.name, "time_zone": patient.time_zone, "language": "en", "country": "DE"},
        follow=True,
    )
    patient.refresh_from_db()
    assert patient.country == "DE"
    shown = footer(response.content.decode())
    assert "tel:08001110111" in shown and "tel:08001110222" in shown and "tel:112" in shown
    refused = client.post(
        reverse("accounts:profile"),
        {"name": patient.name, "time_zone": patient.time_zone, "language": "en", "country": "XX"},
    )
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    patient.refresh_from_db()
    assert patient.country == "DE"


# --- The clinic admin keeps them ------------------------------------------------------


def edit_data(contact: CrisisContact, **changes: object) -> dict[str, object]:
    data = {
        "country": contact.country,
        "language": contact.language,
        "name": contact.name,
        "phone": contact.phone,
        "text_number": contact.text_number,
        "hours": contact.hours,
        "emergency_number": contact.emergency_number,
        "url": contact.url,
        "order": contact.order,
        "is_active": "on" if contact.is_active else "",
        "last_checked": contact.last_checked.isoformat(),
    }
    data.update(changes)
    return data


def test_an_admin_changes_a_contact_and_every_page_shows_the_new_one(
    french_patient, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    line = CrisisContact.objects.get(country="FR")
    admin = client_for(clinic_admin)
    response = admin.post(
        reverse("program:crisis_contact_edit", args=[line.pk]),
        edit_data(line, phone="01 45 39 40 00", last_checked="2026-12-06"),
        follow=True,
    )
    page = response.content.decode()
    assert (
        "Saved: Numéro national de prévention du suicide, 01 45 39 40 00. "
        "Patients in France see it now." in page
    )
    patient = client_for(french_patient)
    for name in PATIENT_PAGES:
        shown = footer(patient.get(reverse(name)).content.decode())
        assert "tel:0145394000" in shown and "tel:3114" not in shown, name
    box = crisis_box(answer(french_patient, "phq9", django_capture_on_commit_callbacks))
    assert "tel:0145394000" in box and "tel:3114" not in box
    line.refresh_from_db()
    assert line.updated_by == clinic_admin
    # In the audit trail, as a change made on a clinic page.
    assert AuditEvent.objects.filter(
        actor=clinic_admin,
        action="change",
        path=reverse("program:crisis_contact_edit", args=[line.pk]),
    ).exists()


def test_an_admin_adds_a_line_for_a_new_country(patient, clinic_admin) -> None:
    data = {
        "country": "BE", "language": "", "name": "Centre de Prévention du Suicide",
        "phone": "0800 32 123", "text_number": "", "hours": "24/7", "emergency_number": "112",
        "url": "", "order": "1", "is_active": "on", "last_checked": "2026-12-06",
    }  # fmt: skip
    response = client_for(clinic_admin).post(reverse("program:crisis_contact_new"), data)
    assert response.status_code == 302
    patient.country = "BE"
    patient.save(update_fields=["country"])
    shown = footer(client_for(patient).get(reverse("program:diary")).content.decode())
    assert (
        'Centre de Prévention du Suicide: call <a href="tel:080032123">0800 32 123</a> (24/7)'
        in shown
    )


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"phone": "call us"}, "is not a phone number"),
        ({"phone": ""}, "This field is required."),
        ({"name": ""}, "This field is required."),
        ({"emergency_number": "15 / nine"}, "is not a phone number"),
        ({"country": "XX"}, "Select a valid choice"),
        ({"name": "Sama\x00ritans"}, "control character"),
        # Two days on: tomorrow in the furthest time zone from the server's.
        (
            {"last_checked": (timezone.localdate() + timedelta(days=2)).isoformat()},
            "This day has not come yet",
        ),
    ],
)
def test_a_wrong_contact_is_refused_with_a_clear_message_and_nothing_is_lost(
    changes, error, clinic_admin
) -> None:
    line = CrisisContact.objects.get(country="GB", order=1)
    data = edit_data(line, hours="Every day, all day", **changes)
    response = client_for(clinic_admin).post(
        reverse("program:crisis_contact_edit", args=[line.pk]), data
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert "Every day, all day" in page  # what was typed is kept
    line.refresh_from_db()
    assert line.phone == "116 123" and line.hours == "24/7"


def test_stopping_a_line_hides_it_and_says_when_a_country_has_none_left(
    french_patient, clinic_admin
) -> None:
    line = CrisisContact.objects.get(country="FR")
    admin = client_for(clinic_admin)
    url = reverse("program:crisis_contact_active", args=[line.pk])
    page = admin.post(url, {"active": "0"}, follow=True).content.decode()
    assert "is no longer shown to patients" in page
    assert "Patients in France now see no crisis line" in page
    shown = footer(client_for(french_patient).get(reverse("program:diary")).content.decode())
    with translation.override("fr"):  # the French patient reads the sentence in French
        no_lines = gettext(NO_LINES)
    assert "3114" not in shown and no_lines in shown
    admin.post(url, {"active": "1"})
    shown = footer(client_for(french_patient).get(reverse("program:diary")).content.decode())
    assert "tel:3114" in shown
    assert CrisisContact.objects.filter(pk=line.pk).exists()  # never deleted


def test_the_admin_page_lists_every_country_and_the_clinic_s_country(clinic_admin) -> None:
    page = client_for(clinic_admin).get(reverse("program:crisis_contacts")).content.decode()
    for name in ("France", "Germany", "Spain", "Netherlands", "Australia", "Canada", "Ireland"):
        assert f">{name}</h2>" in page
    assert "see the lines of the clinic's country, United Kingdom," in page
    home = client_for(clinic_admin).get(reverse("program:clinic_home")).content.decode()
    assert reverse("program:crisis_contacts") in home


def test_superusers_edit_them_in_the_django_admin_too(clinic_admin) -> None:
    client = client_for(clinic_admin)
    assert client.get(reverse("admin:program_crisiscontact_changelist")).status_code == 200
    line = CrisisContact.objects.get(country="ES")
    url = reverse("admin:program_crisiscontact_change", args=[line.pk])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("role", [Role.PATIENT, Role.THERAPIST])
def test_only_clinic_admins_reach_the_crisis_contacts_page(role, db) -> None:
    user = make_user(f"{role}@example.test", role)
    line = CrisisContact.objects.get(country="FR")
    client = client_for(user)
    assert client.get(reverse("program:crisis_contacts")).status_code == 403
    response = client.post(
        reverse("program:crisis_contact_edit", args=[line.pk]), edit_data(line, phone="999 999")
    )
    assert response.status_code == 403
    line.refresh_from_db()
    assert line.phone == "3114"


# --- Cost ---------------------------------------------------------------------------


def test_the_crisis_lines_cost_one_query_per_page_whatever_the_data(
    french_patient, django_capture_on_commit_callbacks
) -> None:
    def contact_queries(client, url: str) -> int:
        client.get(url)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return sum("crisiscontact" in q["sql"] for q in ctx.captured_queries)

    answer(french_patient, "phq9", django_capture_on_commit_callbacks)
    result = reverse(
        "program:questionnaire_result", args=[french_patient.assessments.get(risk=True).pk]
    )
    client = client_for(french_patient)
    pages = [reverse(name) for name in PATIENT_PAGES] + [result]
    assert [contact_queries(client, url) for url in pages] == [1] * len(pages)
    CrisisContact.objects.bulk_create(
        CrisisContact(
            country="FR", name=f"Ligne {i}", phone=f"0800 {i:03d}", emergency_number="112"
        )
        for i in range(30)
    )
    assert [contact_queries(client, url) for url in pages] == [1] * len(pages)

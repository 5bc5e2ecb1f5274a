"""Someone on the duty list opens the messages and the sleep window of a patient without
an active therapist (they answer and decide for them: rescreen.get_patient_for_decider),
but not the patient's page, which stays their therapist's and the clinic admins'
(accounts.access.get_patient_for). Every link those two pages show opens for whoever is
shown it: the way back leads a duty therapist to the duty list's queues, not to a 404."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import User
from tests.conftest import client_for

PAGES = ("program:patient_messages", "program:patient_sleep_window")


@pytest.fixture
def alone(patient: User, messages_on) -> User:
    """The patient, without a therapist: the duty list's."""
    User.objects.filter(pk=patient.pk).update(therapist=None)
    patient.refresh_from_db()
    return patient


@pytest.fixture
def on_duty(other_therapist: User, settings) -> User:
    """A therapist whose address is on the duty list."""
    settings.RISK_DUTY_EMAILS = [other_therapist.email]
    return other_therapist


def links_on(html: str) -> list[str]:
    """The app's own links on a page (not mail or anchors within it)."""
    return sorted(set(re.findall(r'<a href="(/[^"#?]*)', html)))


def back_link(html: str) -> str:
    found = re.search(r'<a href="([^"]+)">← ', html)
    assert found, "the page has no way back"
    return found.group(1)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("who", ["duty therapist", "clinic admin"])
def test_every_link_the_duty_list_is_shown_for_a_patient_without_a_therapist_opens(
    page, who, alone, on_duty, clinic_admin
) -> None:
    person = on_duty if who == "duty therapist" else clinic_admin
    client = client_for(person)
    response = client.get(reverse(page, args=[alone.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    for link in links_on(html):
        assert client.get(link).status_code == 200, f"{who} on {page}: {link}"
    # The way back: the patient's page for an admin, who may read the whole record; the
    # duty list's queues for a therapist on it, who may not.
    expected = (
        reverse("program:risk_alerts")
        if who == "duty therapist"
        else reverse("program:patient_detail", args=[alone.pk])
    )
    assert back_link(html) == expected


@pytest.mark.parametrize("page", PAGES)
def test_the_own_therapist_goes_back_to_the_patients_page(page, patient, therapist) -> None:
    html = client_for(therapist).get(reverse(page, args=[patient.pk])).content.decode()
    assert back_link(html) == reverse("program:patient_detail", args=[patient.pk])


def test_who_opens_which_page_of_a_patient_without_a_therapist(
    alone, on_duty, therapist, clinic_admin
) -> None:
    """The duty therapist: the thread and the window, never the whole record. A therapist
    who is not on the duty list: none of them. The clinic admin: all."""
    urls = {
        "record": reverse("program:patient_detail", args=[alone.pk]),
        "messages": reverse("program:patient_messages", args=[alone.pk]),
        "window": reverse("program:patient_sleep_window", args=[alone.pk]),
        "alerts": reverse("program:risk_alerts"),
    }
    expected = {
        on_duty: {"record": 404, "messages": 200, "window": 200, "alerts": 200},
        therapist: {"record": 404, "messages": 404, "window": 404, "alerts": 200},
        clinic_admin: {"record": 200, "messages": 200, "window": 200, "alerts": 200},
        alone: {"record": 403, "messages": 403, "window": 403, "alerts": 403},
    }
    for person, statuses in expected.items():
        client = client_for(person)
        seen = {name: client.get(url).status_code for name, url in urls.items()}
        assert seen == statuses, person.email


def test_a_patient_with_a_therapist_is_not_the_duty_lists(patient, on_duty, messages_on) -> None:
    client = client_for(on_duty)
    for name in ("program:patient_detail", *PAGES):
        assert client.get(reverse(name, args=[patient.pk])).status_code == 404, name


def test_a_therapist_reaches_the_risk_alerts_from_the_menu(therapist: User) -> None:
    """The alerts page (their patients' alerts, the duty list's queues when on duty, and
    where alerts are turned on for their phone) is in a therapist's menu, not only in
    emails and on a patient's page."""
    html = client_for(therapist).get(reverse("program:caseload")).content.decode()
    menu = html.split("<nav", 1)[1].split("</nav>", 1)[0]
    assert f'href="{reverse("program:risk_alerts")}"' in menu

"""A therapist or admin who was invited and has not accepted the invitation yet (no
password, never signed in: ``accounts.access.invitation_pending``) is given no patients and
put on no duty list: an alert for a risk answer sent there would reach nobody who has ever
signed in. Every place a therapist is chosen refuses them by name and keeps what the
admin typed; the choices show them marked and not choosable."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import duty
from accounts.models import DutyMember, User
from accounts.services import reassign_patient
from program.clinic import actions
from program.enrolment.actions import invite_patient
from tests.conftest import client_for

SAYS = "Dr Sam Reed has not accepted their invitation yet"


@pytest.fixture
def invited(clinic_admin) -> User:
    actions.invite_staff(
        email="sam.reed@clinic.test", role="therapist", name="Dr Sam Reed", invited_by=clinic_admin
    )
    return User.objects.get(email="sam.reed@clinic.test")


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _option(page: str, value: object) -> str:
    return re.search(rf'<option value="{value}"[^>]*>[^<]*</option>', page).group(0)


def test_the_overview_lists_them_marked_and_not_choosable(admin_client, invited, patient) -> None:
    page = admin_client.get(reverse("program:clinic_home")).content.decode()
    option = _option(page, invited.pk)
    assert " disabled" in option
    assert "Dr Sam Reed (has not accepted their invitation yet)" in option


def test_moving_a_patient_to_them_is_refused_by_name_and_the_search_kept(
    admin_client, invited, therapist, patient
) -> None:
    url = reverse("program:reassign", args=[patient.pk])
    response = admin_client.post(url, {"therapist": invited.pk, "back": "q=Pat&page=1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("program:clinic_home") + "?q=Pat&page=1"
    said = _messages(admin_client.get(response["Location"]))
    assert any(SAYS in m for m in said), said
    patient.refresh_from_db()
    assert patient.therapist == therapist
    with pytest.raises(ValueError, match=SAYS):
        reassign_patient(patient=patient, therapist=invited)


def test_a_whole_caseload_does_not_move_to_them(admin_client, invited, therapist, patient) -> None:
    url = reverse("program:clinic_staff_member", args=[therapist.pk])
    page = admin_client.get(url).content.decode()
    assert " disabled" in _option(page, invited.pk)
    for action, field in (
        ("program:clinic_staff_move_caseload", "move-move_to"),
        ("program:clinic_staff_deactivate", "deactivate-move_to"),
    ):
        response = admin_client.post(
            reverse(action, args=[therapist.pk]), {field: invited.pk}, follow=True
        )
        assert any(SAYS in m for m in _messages(response)), action
    therapist.refresh_from_db()
    patient.refresh_from_db()
    assert therapist.is_active and patient.therapist == therapist
    with pytest.raises(actions.StaffError, match=SAYS):
        actions.move_caseload(from_therapist=therapist, to_therapist=invited)


def test_they_cannot_be_ticked_or_typed_onto_the_duty_list(clinic_admin, invited) -> None:
    client = client_for(clinic_admin)
    url = reverse("program:clinic_duty")
    page = client.get(url).content.decode()
    box = re.search(rf'<input[^>]*value="{invited.email}"[^>]*>', page).group(0)
    assert " disabled" in box
    assert "Dr Sam Reed (Therapist, sam.reed@clinic.test) (has not accepted" in page
    for staff, other in (([invited.email], "oncall@clinic.test"), ([], invited.email)):
        response = client.post(url, {"form": "duty", "staff": staff, "other": other})
        page = response.content.decode()
        assert response.status_code == 200
        assert "has not accepted their invitation yet" in page
        assert other in page  # what was typed is kept
    assert not DutyMember.objects.exists()
    assert invited.email not in duty.duty_list()


def test_once_signed_in_they_can_be_chosen(admin_client, clinic_admin, invited, patient) -> None:
    invited.set_password("a calm night 2026")
    invited.last_login = timezone.now()
    invited.save()
    page = admin_client.get(reverse("program:clinic_home")).content.decode()
    assert " disabled" not in _option(page, invited.pk)
    admin_client.post(reverse("program:reassign", args=[patient.pk]), {"therapist": invited.pk})
    patient.refresh_from_db()
    assert patient.therapist == invited
    response = admin_client.post(
        reverse("program:clinic_duty"), {"form": "duty", "staff": [invited.email], "other": ""}
    )
    assert response.status_code == 302 and duty.duty_list() == [invited.email]


def test_the_django_admin_gives_no_patient_or_invitation_to_them(
    admin_client, invited, therapist, patient, programme
) -> None:
    url = reverse("admin:accounts_user_change", args=[patient.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k != "password"}
    data |= {
        "therapist": invited.pk,
        "emailaddress_set-TOTAL_FORMS": "0",
        "emailaddress_set-INITIAL_FORMS": "0",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert SAYS in response.content.decode()
    patient.refresh_from_db()
    assert patient.therapist == therapist
    # Saving the patient with the therapist they have is still possible.
    data["therapist"] = therapist.pk
    assert admin_client.post(url, data).status_code == 302
    # Nor is a patient's invitation handed to them, so that accepting it would.
    issued = invite_patient(therapist=therapist, email="new@patient.test", programme=programme)
    url = reverse("admin:program_invitation_change", args=[issued.invitation.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data |= {"therapist": invited.pk, "expires_at_0": "2099-01-01", "expires_at_1": "00:00"}
    response = admin_client.post(url, data)
    assert response.status_code == 200 and SAYS in response.content.decode()
    data["therapist"] = therapist.pk
    assert admin_client.post(url, data).status_code == 302

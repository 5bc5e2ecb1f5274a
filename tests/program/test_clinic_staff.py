"""The clinic admin's own pages (issue 21): staff, invitations, deactivation and
reassignment, the duty list and settings, programmes, the audit log."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role, User
from program.assessments.models import RiskAlert
from program.clinic import actions
from program.models import Programme
from program.risk.actions import raise_alert
from tests.conftest import PASSWORD, client_for, make_user


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- Staff list and invitations ----------------------------------------------------------


def test_the_staff_page_lists_therapists_and_admins_with_their_caseloads(
    admin_client, therapist, other_therapist, clinic_admin, patient, other_patient, outsider_patient
) -> None:
    page = admin_client.get(reverse("program:clinic_staff"))
    members = {m.email: m for m in page.context["members"]}
    assert set(members) == {therapist.email, other_therapist.email, clinic_admin.email}
    assert members[therapist.email].patient_count == 2
    assert members[other_therapist.email].patient_count == 1
    assert patient.email not in page.content.decode()


def test_inviting_a_therapist_sends_an_email_whose_link_sets_a_password(
    admin_client, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("program:clinic_staff"),
            {"email": "Sam.Reed@Clinic.test", "name": "Dr Sam Reed", "role": "therapist"},
            follow=True,
        )
    assert "Invitation sent to sam.reed@clinic.test." in _messages(response)[0]
    new = User.objects.get(email="sam.reed@clinic.test")
    assert new.role == Role.THERAPIST and new.is_active and not new.has_usable_password()
    assert actions.invitation_pending(new)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam.reed@clinic.test"]
    assert "Ada Admin has made you an account" in message.body
    link = re.search(r"https?://\S+/password/reset/key/\S+", message.body).group(0)
    assert link in message.alternatives[0][0]
    # The link is allauth's own "choose a new password" page; once used, it is spent.
    visitor = Client()
    form_page = visitor.get(urlsplit(link).path, follow=True)
    assert form_page.status_code == 200
    assert "password1" in form_page.context["form"].fields
    set_password_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link
    done = visitor.post(
        urlsplit(set_password_url).path,
        {"password1": "a calm night 2026", "password2": "a calm night 2026"},
    )
    assert done.status_code == 302
    new.refresh_from_db()
    assert new.check_password("a calm night 2026")
    assert not actions.invitation_pending(new)


def test_an_address_that_has_an_account_is_refused_and_the_form_kept(
    admin_client, therapist
) -> None:
    response = admin_client.post(
        reverse("program:clinic_staff"),
        {"email": therapist.email.upper(), "name": "Tess Again", "role": "admin"},
    )
    assert response.status_code == 200
    assert "This address already has an account" in response.content.decode()
    assert 'value="Tess Again"' in response.content.decode()
    assert mail.outbox == []


def test_a_staff_invitation_can_be_sent_again_until_they_sign_in(
    admin_client, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        actions.invite_staff(email="new@clinic.test", role="admin", invited_by=clinic_admin)
    new = User.objects.get(email="new@clinic.test")
    url = reverse("program:clinic_staff_resend", args=[new.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, follow=True)
    assert "A new invitation was sent to new@clinic.test." in _messages(response)
    assert len(mail.outbox) == 2
    new.last_login = timezone.now()
    new.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url, follow=True)
    assert len(mail.outbox) == 2
    assert "has already signed in" in _messages(response)[0]


# --- Deactivating, reactivating, reassigning ---------------------------------------------


def test_a_deactivated_therapists_patients_fall_to_the_duty_list(
    admin_client, clinic_admin, therapist, patient, other_patient, settings
) -> None:
    settings.RISK_DUTY_EMAILS = ["duty@clinic.test"]
    response = admin_client.post(
        reverse("program:clinic_staff_deactivate", args=[therapist.pk]),
        {"deactivate-move_to": ""},
        follow=True,
    )
    assert "Their 2 patients are listed as needing a therapist" in _messages(response)[0]
    therapist.refresh_from_db()
    assert not therapist.is_active
    assert set(actions.needing_a_therapist()) == {patient, other_patient}
    # Nobody is left with nobody: an alert for them goes to the duty list.
    alert = raise_alert(patient, RiskAlert.Source.SCREEN_SELF_HARM)
    assert alert.therapist is None
    assert alert.notices.get().recipients == ["duty@clinic.test", clinic_admin.email]
    # The overview flags them, and the filter lists them.
    home = admin_client.get(reverse("program:clinic_home") + "?needs=1")
    assert home.context["unassigned"] == 2
    assert {p.pk for p in home.context["page"]} == {patient.pk, other_patient.pk}
    # They can no longer sign in.
    assert not Client().login(email=therapist.email, password=PASSWORD)
    assert client_for(therapist).get(reverse("program:caseload")).status_code == 302


def test_deactivating_can_move_the_patients_at_once(
    admin_client, therapist, other_therapist, patient, other_patient
) -> None:
    response = admin_client.post(
        reverse("program:clinic_staff_deactivate", args=[therapist.pk]),
        {"deactivate-move_to": other_therapist.pk},
        follow=True,
    )
    assert "Their 2 patients are now with Dr Otto Field." in _messages(response)[0]
    assert set(User.objects.caseload_of(other_therapist)) >= {patient, other_patient}
    assert not actions.needing_a_therapist().exists()


def test_reactivating_lets_them_sign_in_again(admin_client, therapist) -> None:
    actions.deactivate(member=therapist, by=make_user("a2@clinic.test", Role.ADMIN))
    response = admin_client.post(
        reverse("program:clinic_staff_reactivate", args=[therapist.pk]), follow=True
    )
    assert "Dr Tess Ward can sign in again." in _messages(response)
    therapist.refresh_from_db()
    assert therapist.is_active
    assert Client().login(email=therapist.email, password=PASSWORD)


def test_an_admin_cannot_deactivate_themselves_or_the_last_admin(
    admin_client, clinic_admin
) -> None:
    response = admin_client.post(
        reverse("program:clinic_staff_deactivate", args=[clinic_admin.pk]), follow=True
    )
    assert "You cannot deactivate your own account." in _messages(response)
    clinic_admin.refresh_from_db()
    assert clinic_admin.is_active
    # Only one active admin left: the clinic keeps them.
    other = make_user("other.admin@clinic.test", Role.ADMIN)
    User.objects.filter(pk=other.pk).update(is_active=False)
    with pytest.raises(actions.StaffError, match="at least one active admin"):
        actions.deactivate(member=clinic_admin, by=other)


def test_all_of_a_therapists_patients_move_to_another(
    admin_client, therapist, other_therapist, patient, other_patient
) -> None:
    response = admin_client.post(
        reverse("program:clinic_staff_move_caseload", args=[therapist.pk]),
        {"move-move_to": other_therapist.pk},
        follow=True,
    )
    assert "2 patients moved from Dr Tess Ward to Dr Otto Field." in _messages(response)
    assert not User.objects.caseload_of(therapist).exists()
    # To themselves, or to nobody: refused, nothing moves.
    response = admin_client.post(
        reverse("program:clinic_staff_move_caseload", args=[other_therapist.pk]),
        {"move-move_to": other_therapist.pk},
        follow=True,
    )
    assert "Choose an active therapist from the list." in _messages(response)
    assert User.objects.caseload_of(other_therapist).count() == 2


def test_moving_a_patient_names_the_new_and_previous_therapist_in_the_audit_log(
    admin_client, clinic_admin, therapist, other_therapist, patient
) -> None:
    """The overview's "Move to": the log says to whom the patient moved, and from whom,
    in its words; so does the patient's own record of who changed it."""
    url = reverse("program:reassign", args=[patient.pk])
    response = admin_client.post(url, {"therapist": other_therapist.pk}, follow=True)
    assert "Pat Patient is now with Dr Otto Field." in _messages(response)
    event = AuditEvent.objects.get(patient=patient, path=url)
    assert (event.actor, event.action) == (clinic_admin, "change")
    assert event.detail["therapist_id"] == other_therapist.pk
    assert event.detail["previous_id"] == therapist.pk
    log = admin_client.get(reverse("program:clinic_audit"), {"patient": "Pat"}).content.decode()
    assert "Changed: the therapist (now Dr Otto Field, previously Dr Tess Ward)" in log
    privacy = client_for(patient).get(reverse("accounts:privacy")).content.decode()
    assert "Changed your therapist (now Dr Otto Field, previously Dr Tess Ward)" in privacy
    # A patient who had no therapist: only the new one is named.
    patient.therapist = None
    patient.save()
    admin_client.post(url, {"therapist": therapist.pk})
    log = admin_client.get(reverse("program:clinic_audit"), {"patient": "Pat"}).content.decode()
    assert "Changed: the therapist (now Dr Tess Ward)" in log


def test_the_staff_member_page_shows_the_caseload(admin_client, therapist, patient) -> None:
    page = admin_client.get(reverse("program:clinic_staff_member", args=[therapist.pk]))
    assert page.status_code == 200
    assert patient.display_name in page.content.decode()
    assert (
        admin_client.get(reverse("program:clinic_staff_member", args=[patient.pk])).status_code
        == 404
    )


# --- The duty list and settings ----------------------------------------------------------


def test_the_duty_page_shows_who_is_on_the_list_and_where_to_change_it(
    admin_client, clinic_admin, settings
) -> None:
    settings.RISK_DUTY_EMAILS = ["Duty@Clinic.test"]
    settings.CLINIC_HOURS = "Mon-Fri 08:00-18:00"
    page = admin_client.get(reverse("program:clinic_duty")).content.decode()
    assert "duty@clinic.test" in page and clinic_admin.email in page
    assert "RISK_DUTY_EMAILS" in page and "Monday to Friday, 08:00–18:00" in page


# --- Programmes -----------------------------------------------------------------------------


def _programme_data(programme: Programme, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": programme.name,
        "slug": programme.slug,
        "description": programme.description,
        "weeks": programme.weeks,
        "pace_days": programme.pace_days,
        "require_previous_lessons": "on",
        "isi_weeks": "[2, 4, 6]",
        "restriction_phq9_weeks": "[2, 4]",
        "follow_up_weeks": programme.follow_up_weeks,
        "is_active": "on",
        "is_default": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_programmes_settings_are_saved(admin_client, programme) -> None:
    url = reverse("program:clinic_programme_edit", args=[programme.pk])
    response = admin_client.post(
        url, _programme_data(programme, sleep_window_auto_apply="on", pace_days=10), follow=True
    )
    assert f"Saved the settings of {programme.name}." in _messages(response)
    programme.refresh_from_db()
    assert programme.sleep_window_auto_apply and programme.pace_days == 10


def test_bad_programme_settings_save_nothing_and_keep_what_was_typed(
    admin_client, programme
) -> None:
    url = reverse("program:clinic_programme_edit", args=[programme.pk])
    response = admin_client.post(
        url, _programme_data(programme, isi_weeks="[2, 9]", pace_days=12, name="Renamed")
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Please correct the highlighted field below. Your other answers are kept." in body
    assert "choose weeks from 1 to 6" in body
    assert 'value="Renamed"' in body and 'value="12"' in body
    programme.refresh_from_db()
    assert programme.pace_days == 7 and programme.name != "Renamed"
    response = admin_client.post(url, _programme_data(programme, isi_weeks="two and four"))
    assert "Enter a valid JSON." in response.content.decode()


def test_a_second_default_programme_is_refused_with_a_clear_message(
    admin_client, programme
) -> None:
    other = Programme.objects.create(name="Short course", slug="short", weeks=4)
    url = reverse("program:clinic_programme_edit", args=[other.pk])
    response = admin_client.post(url, _programme_data(other, isi_weeks="[2, 4]", is_default="on"))
    assert f"“{programme.name}” is the default programme" in response.content.decode()
    other.refresh_from_db()
    assert not other.is_default


# --- The audit log ----------------------------------------------------------------------------


def _event(actor: User, patient: User | None, path: str, when, action: str = "view") -> None:
    event = AuditEvent(
        actor=actor,
        actor_role=actor.role,
        patient=patient,
        action=action,
        path=path,
        method="GET" if action == "view" else "POST",
        status=200,
    )
    event.save()
    AuditEvent.objects.filter(pk=event.pk).update(created_at=when)


def test_the_audit_log_filters_by_patient_staff_member_and_date(
    admin_client, therapist, other_therapist, patient, outsider_patient
) -> None:
    now = timezone.now()
    _event(therapist, patient, f"/patients/{patient.pk}/diary/", now - timedelta(days=3))
    _event(therapist, patient, f"/patients/{patient.pk}/notes/", now - timedelta(days=1), "change")
    _event(other_therapist, outsider_patient, f"/patients/{outsider_patient.pk}/", now)
    url = reverse("program:clinic_audit")

    def paths(query: dict) -> set[str]:
        return {e.path for e in admin_client.get(url, query).context["page"]}

    everything = paths({})
    assert len({p for p in everything if p.startswith("/patients/")}) == 3
    assert paths({"patient": patient.name[:4]}) == {
        f"/patients/{patient.pk}/diary/",
        f"/patients/{patient.pk}/notes/",
    }
    assert paths({"actor": other_therapist.pk}) == {f"/patients/{outsider_patient.pk}/"}
    two_days_ago = (now - timedelta(days=2)).date().isoformat()
    assert f"/patients/{patient.pk}/diary/" not in paths({"since": two_days_ago})
    assert paths({"until": two_days_ago, "actor": therapist.pk}) == {
        f"/patients/{patient.pk}/diary/"
    }
    page = admin_client.get(url, {"actor": therapist.pk}).content.decode()
    assert "Changed" in page and "Viewed" in page


def test_a_wrong_audit_filter_says_so(admin_client) -> None:
    response = admin_client.get(
        reverse("program:clinic_audit"), {"since": "2026-12-05", "until": "2026-12-01"}
    )
    assert response.status_code == 200
    assert "Choose a date on or after the “From” date." in response.content.decode()
    assert 'value="2026-12-05"' in response.content.decode()


def test_the_audit_log_is_paged(admin_client, therapist, patient) -> None:
    now = timezone.now()
    for i in range(60):
        _event(therapist, patient, f"/patients/{patient.pk}/x{i}/", now - timedelta(minutes=i))
    first = admin_client.get(reverse("program:clinic_audit"), {"actor": therapist.pk})
    assert len(first.context["page"]) == 50
    assert f"actor={therapist.pk}&amp;page=2" in first.content.decode()
    second = admin_client.get(reverse("program:clinic_audit"), {"actor": therapist.pk, "page": 2})
    assert len(second.context["page"]) == 10


def test_the_overview_sends_no_job_to_the_django_admin(admin_client, therapist, patient) -> None:
    body = admin_client.get(reverse("program:clinic_home")).content.decode()
    main = body.split("<main", 1)[1].split("</main>", 1)[0]
    assert 'href="/admin/' not in main
    for name in ("clinic_staff", "clinic_programmes", "clinic_duty", "clinic_audit"):
        assert f'href="{reverse(f"program:{name}")}"' in main, name


def test_the_patients_needing_a_therapist_stay_filtered_from_page_to_page(
    admin_client, therapist, programme
) -> None:
    for i in range(55):
        make_user(f"n{i}@example.test", Role.PATIENT, therapist=therapist)
    therapist.is_active = False
    therapist.save()
    page = admin_client.get(reverse("program:clinic_home"), {"needs": "1"})
    assert page.context["page"].paginator.count == 55
    assert "needs=1&amp;page=2" in page.content.decode()


def test_a_refused_move_is_logged_as_a_view(admin_client, clinic_admin, patient) -> None:
    """ "Move to" with no therapist chosen moves nobody: the trail does not say "Changed"."""
    url = reverse("program:reassign", args=[patient.pk])
    response = admin_client.post(url, {"therapist": ""}, follow=True)
    assert "Choose a therapist from the list." in _messages(response)
    event = AuditEvent.objects.get(patient=patient, path=url)
    assert event.action == "view"


def test_moving_a_whole_caseload_is_in_each_patients_trail(
    admin_client, clinic_admin, therapist, other_therapist, patient, other_patient
) -> None:
    """ "Move all their patients" and a deactivation that moves them: one change in each
    moved patient's trail naming both therapists, as a move of one patient is; a refused
    move is a view."""
    url = reverse("program:clinic_staff_move_caseload", args=[therapist.pk])
    admin_client.post(url, {"move-move_to": other_therapist.pk})
    events = AuditEvent.objects.filter(actor=clinic_admin, path=url)
    assert sorted(events.values_list("patient_id", "action")) == sorted(
        [(patient.pk, "change"), (other_patient.pk, "change")]
    )
    assert {e.detail["previous_id"] for e in events} == {therapist.pk}
    privacy = client_for(patient).get(reverse("accounts:privacy")).content.decode()
    assert "Changed your therapist (now Dr Otto Field, previously Dr Tess Ward)" in privacy
    # Back again by deactivating the second therapist, moving both.
    url = reverse("program:clinic_staff_deactivate", args=[other_therapist.pk])
    admin_client.post(url, {"deactivate-move_to": therapist.pk})
    log = admin_client.get(reverse("program:clinic_audit"), {"patient": "Pat"}).content.decode()
    assert "Changed: the therapist (now Dr Tess Ward, previously Dr Otto Field)" in log
    # Refused (to the same therapist): nobody moved, and the trail says no change.
    url = reverse("program:clinic_staff_move_caseload", args=[therapist.pk])
    admin_client.post(url, {"move-move_to": therapist.pk})
    kinds = AuditEvent.objects.filter(path=url).values_list("action", flat=True)
    assert sorted(kinds) == ["change", "change", "view"]


def test_a_refused_clinic_form_is_logged_as_a_view_and_a_saved_one_as_a_change(
    admin_client, clinic_admin, therapist, programme
) -> None:
    """The audit log says "Changed" only where something was: an invitation to an address
    with an account, an emptied duty list, a wrong crisis line, programme or risk flag, and
    a rota line with no one on it saved nothing."""
    crisis = reverse("program:crisis_contact_new")
    refused = [
        (reverse("program:clinic_staff"), {"email": therapist.email, "role": "therapist"}),
        (reverse("program:clinic_duty"), {"form": "duty", "staff": [], "other": ""}),
        (reverse("program:clinic_duty"), {"form": "delays", "escalate_after_hours": "-1"}),
        (crisis, {"country": "GB", "name": "Line", "phone": "call us", "hours": "24/7"}),
        (
            reverse("program:clinic_programme_edit", args=[programme.pk]),
            _programme_data(programme, isi_weeks="two and four"),
        ),
        (reverse("program:risk_flag_new_phrase"), {"phrase": ""}),
        (reverse("program:duty_rota"), {"member": ""}),
    ]
    for url, data in refused:
        response = admin_client.post(url, data)
        assert response.status_code == 200, url  # the form again, to be corrected
    events = AuditEvent.objects.filter(actor=clinic_admin, method="POST")
    assert sorted(set(events.values_list("action", flat=True))) == ["view"]
    assert events.count() == len(refused)
    admin_client.post(
        reverse("program:clinic_staff"), {"email": "new@clinic.test", "role": "admin"}
    )
    assert events.filter(action="change").count() == 1

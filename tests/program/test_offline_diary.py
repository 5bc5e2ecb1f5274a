"""The installable diary that works offline (docs/offline.md): the manifest and its icons,
the pages the service worker may keep for their user, and the endpoint that takes a night
kept on the phone, once."""

from __future__ import annotations

import json
import re
from datetime import time, timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import Image

from accounts.models import User
from program.diary.actions import save_entry
from program.models import DiaryEntry
from program.offline import OWNER_HEADER
from tests.live_app import DIARY_NIGHT
from tests.nights import night_answers

from ..conftest import client_for

pytestmark = pytest.mark.django_db

STATIC = settings.BASE_DIR / "static"


def queued_night(patient: User, key: str = "k" * 22, **changes: str) -> dict[str, str]:
    """A night as static/js/offline.js sends it: the form's fields, its key, its user."""
    return {
        **DIARY_NIGHT,
        "diary_date": patient.local_today().isoformat(),
        "submission_key": key,
        "queued_by": str(patient.pk),
        **changes,
    }


def test_the_manifest_has_what_a_phone_needs_to_install_the_app(db) -> None:
    response = Client().get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == settings.SITE_NAME
    assert manifest["short_name"]
    assert manifest["start_url"] == reverse("program:patient_home")
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert re.fullmatch(r"#[0-9a-f]{6}", manifest["theme_color"])
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes


def test_every_icon_of_the_manifest_exists_at_its_stated_size(db) -> None:
    manifest = json.loads(Client().get("/manifest.webmanifest").content)
    for icon in manifest["icons"]:
        path = STATIC / icon["src"].split("/static/", 1)[1]
        assert path.exists(), icon["src"]
        if icon["type"] == "image/png":
            width, height = Image.open(path).size
            assert f"{width}x{height}" == icon["sizes"]


def test_patient_pages_link_the_manifest_and_staff_pages_do_not(
    patient: User, therapist: User
) -> None:
    page = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert f'<link rel="manifest" href="{reverse("web_manifest")}">' in page
    assert 'id="offline-status"' in page
    staff = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert 'rel="manifest"' not in staff
    assert "offline.js" not in staff


@pytest.mark.parametrize(
    "name", ["program:patient_home", "program:diary", "program:diary_new", "program:programme"]
)
def test_the_offline_pages_are_marked_as_their_users(patient: User, name: str) -> None:
    response = client_for(patient).get(reverse(name))
    assert response.status_code == 200
    assert response[OWNER_HEADER] == str(patient.pk)


def test_a_page_that_showed_a_message_is_not_kept(patient: User) -> None:
    client = client_for(patient)
    saved = client.post(reverse("program:diary_new"), queued_night(patient), follow=True)
    assert b"Saved." in saved.content  # the diary page that says so...
    assert OWNER_HEADER not in saved  # ...would say it again offline
    assert client.get(reverse("program:diary"))[OWNER_HEADER] == str(patient.pk)


def test_keeping_a_complete_diary_form_leaves_no_message_for_the_next_page(
    patient: User,
) -> None:
    """With every morning filled, the new night's form sends the patient to the diary with
    "complete… Well done". The service worker asks for that form in the background on every
    patient page to keep it: that must not put the line on the next page the patient opens."""
    from program.diary.actions import BACKFILL_DAYS
    from program.offline import KEEP_HEADER

    today = patient.local_today()
    for days in range(BACKFILL_DAYS + 1):
        save_entry(
            patient=patient,
            diary_date=today - timedelta(days=days),
            answers=night_answers(),
            changed_by=patient,
            enforce_backfill=False,
        )
    client = client_for(patient)
    kept = client.get(reverse("program:diary_new"), headers={KEEP_HEADER: "1"})
    assert kept.status_code == 302
    assert b"complete for the past week" not in client.get(reverse("program:patient_home")).content
    opened = client.get(reverse("program:diary_new"), follow=True)
    assert b"Your diary is complete for the past week. Well done." in opened.content
    worker = (STATIC / "js" / "sw.js").read_text()
    assert f'headers: {{ "{KEEP_HEADER}": "1" }}' in worker


def test_the_service_worker_knows_the_sign_out_and_sign_in_addresses(db) -> None:
    worker = (STATIC / "js" / "sw.js").read_text()
    assert f'var LOGOUT = "{reverse("account_logout")}";' in worker
    assert f'var LOGIN = "{reverse("account_login")}";' in worker
    assert f'"{OWNER_HEADER}"' in worker


def test_the_endpoint_gives_the_user_signed_in_and_a_fresh_token(patient: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient, backend="allauth.account.auth_backends.AuthenticationBackend")
    # A kept page's token from hours ago, or from before signing in again, is refused...
    stale = client.post(
        reverse("program:diary_offline"), queued_night(patient), HTTP_X_CSRFTOKEN="x" * 64
    )
    assert stale.status_code == 403
    # ...and the token the endpoint gives now is taken.
    answer = client.get(reverse("program:diary_offline")).json()
    assert answer["user"] == patient.pk
    sent = client.post(
        reverse("program:diary_offline"), queued_night(patient), HTTP_X_CSRFTOKEN=answer["csrf"]
    )
    assert sent.status_code == 200
    assert sent.json()["status"] == "saved"
    assert DiaryEntry.objects.filter(patient=patient).count() == 1


def test_a_night_sent_twice_is_saved_once(patient: User) -> None:
    client = client_for(patient)
    first = client.post(reverse("program:diary_offline"), queued_night(patient))
    again = client.post(reverse("program:diary_offline"), queued_night(patient))
    assert first.json()["status"] == "saved"
    assert "Saved." in first.json()["messages"]
    assert again.status_code == 200
    assert again.json()["status"] == "already_saved"
    entry = DiaryEntry.objects.get(patient=patient)
    assert entry.submission_key == "k" * 22
    assert first.json()["diary_date"] == again.json()["diary_date"] == entry.diary_date.isoformat()


def test_the_same_night_with_another_key_is_not_saved_twice(patient: User) -> None:
    client = client_for(patient)
    client.post(reverse("program:diary_offline"), queued_night(patient))
    other = client.post(reverse("program:diary_offline"), queued_night(patient, key="z" * 22))
    assert other.status_code == 400
    assert other.json()["status"] == "invalid"
    assert DiaryEntry.objects.filter(patient=patient).count() == 1


def test_a_night_typed_by_another_user_on_this_phone_is_refused(
    patient: User, other_patient: User
) -> None:
    night = queued_night(patient, queued_by=str(other_patient.pk))
    response = client_for(patient).post(reverse("program:diary_offline"), night)
    assert response.status_code == 409
    assert not DiaryEntry.objects.exists()


def test_a_night_the_server_refuses_comes_back_with_the_reasons(patient: User) -> None:
    night = queued_night(patient, awake_min="", into_bed="25:99")
    response = client_for(patient).post(reverse("program:diary_offline"), night)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["into_bed"] and errors["awake_min"]
    assert not DiaryEntry.objects.exists()


def test_a_night_without_a_key_is_refused(patient: User) -> None:
    night = queued_night(patient, submission_key="")
    response = client_for(patient).post(reverse("program:diary_offline"), night)
    assert response.status_code == 400
    assert not DiaryEntry.objects.exists()


def test_sending_a_night_costs_the_same_with_a_long_diary(patient: User) -> None:
    client = client_for(patient)
    today = patient.local_today()

    def cost(key: str) -> int:
        DiaryEntry.objects.filter(patient=patient, diary_date=today).delete()
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(reverse("program:diary_offline"), queued_night(patient, key))
        assert response.json()["status"] == "saved"
        return len(ctx)

    cost("w" * 22)  # the first request of a session reads more (the session, the crisis lines)
    short = cost("a" * 22)
    for days in range(10, 70):
        save_entry(
            patient=patient,
            diary_date=today - timedelta(days=days),
            answers=night_answers(into_bed=time(22, days % 60)),
            changed_by=patient,
            enforce_backfill=False,
        )
    assert cost("b" * 22) == short

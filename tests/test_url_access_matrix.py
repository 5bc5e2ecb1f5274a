"""Every URL of ours, walked as every persona: who gets 200, a login redirect, 403 or 404.

A new URL pattern fails ``test_every_url_is_in_the_matrix`` until a row here
says who may open it. No patient's data may reach a therapist who is not theirs.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from program.models import Lesson
from program.services import invite_patient

from .conftest import client_for

PERSONAS = ["anonymous", "patient", "other_patient", "therapist", "other_therapist", "admin"]
LOGIN = "login"  # a redirect to the login page
HOME = "home"  # a redirect elsewhere (the user's own home)


@dataclass
class Row:
    name: str
    method: str
    expect: dict[str, int | str]
    args: str = ""  # which fixture object provides the URL argument
    data: dict | None = None  # what a POST sends


ROWS = [
    Row(
        "home",
        "get",
        {
            "anonymous": 200,
            "patient": HOME,
            "other_patient": HOME,
            "therapist": HOME,
            "other_therapist": HOME,
            "admin": HOME,
        },
    ),
    Row("healthz", "get", dict.fromkeys(PERSONAS, 200)),
    Row(
        "accounts:profile",
        "get",
        {
            "anonymous": LOGIN,
            "patient": 200,
            "other_patient": 200,
            "therapist": 200,
            "other_therapist": 200,
            "admin": 200,
        },
    ),
    Row(
        "program:patient_home",
        "get",
        {
            "anonymous": LOGIN,
            "patient": 200,
            "other_patient": 200,
            "therapist": 403,
            "other_therapist": 403,
            "admin": 403,
        },
    ),
    Row(
        "program:programme",
        "get",
        {
            "anonymous": LOGIN,
            "patient": 200,
            "other_patient": 200,
            "therapist": 403,
            "other_therapist": 403,
            "admin": 403,
        },
    ),
    Row(
        "program:week",
        "get",
        {
            "anonymous": LOGIN,
            "patient": 200,
            "other_patient": 200,
            "therapist": 403,
            "other_therapist": 403,
            "admin": 403,
        },
        args="week",
    ),
    # Lessons are the programme's content, not a patient's data: both patients (in the
    # same programme) may read an open one; their progress and answers stay their own.
    Row(
        "program:lesson",
        "get",
        {
            "anonymous": LOGIN,
            "patient": 200,
            "other_patient": 200,
            "therapist": 403,
            "other_therapist": 403,
            "admin": 403,
        },
        args="lesson",
    ),
    Row(
        "program:lesson_answer",
        "post",
        {
            "anonymous": LOGIN,
            "patient": HOME,
            "other_patient": HOME,
            "therapist": 403,
            "other_therapist": 403,
            "admin": 403,
        },
        args="lesson_part",
        data={"text": "I would have more energy.", "share": "on"},
    ),
    Row(
        "program:lesson_done",
        "post",
        {
            "anonymous": LOGIN,
            "patient": HOME,
            "other_patient": HOME,
            "therapist": 403,
            "other_therapist": 403,
            "admin": 403,
        },
        args="lesson",
    ),
    Row(
        "program:adjust_pace",
        "post",
        {
            "anonymous": LOGIN,
            "patient": 403,
            "other_patient": 403,
            "therapist": HOME,
            "other_therapist": 404,
            "admin": HOME,
        },
        args="patient",
        data={"action": "pause"},
    ),
    Row(
        "program:caseload",
        "get",
        {
            "anonymous": LOGIN,
            "patient": 403,
            "other_patient": 403,
            "therapist": 200,
            "other_therapist": 200,
            "admin": 403,
        },
    ),
    Row(
        "program:invite",
        "get",
        {
            "anonymous": LOGIN,
            "patient": 403,
            "other_patient": 403,
            "therapist": 200,
            "other_therapist": 200,
            "admin": 403,
        },
    ),
    Row(
        "program:revoke_invitation",
        "post",
        {
            "anonymous": LOGIN,
            "patient": 403,
            "other_patient": 403,
            "therapist": HOME,
            "other_therapist": 404,
            "admin": 403,
        },
        args="invitation",
    ),
    Row(
        "program:resend_invitation",
        "post",
        {
            "anonymous": LOGIN,
            "patient": 403,
            "other_patient": 403,
            "therapist": HOME,
            "other_therapist": 404,
            "admin": 403,
        },
        args="invitation",
    ),
    Row(
        "program:patient_detail",
        "get",
        {
            "anonymous": LOGIN,
            "patient": 403,
            "other_patient": 403,
            "therapist": 200,
            "other_therapist": 404,
            "admin": 200,
        },
        args="patient",
    ),
    Row(
        "program:accept_invitation",
        "get",
        {
            "anonymous": 200,
            "patient": HOME,
            "other_patient": HOME,
            "therapist": HOME,
            "other_therapist": HOME,
            "admin": HOME,
        },
        args="token",
    ),
    Row(
        "program:clinic_home",
        "get",
        {
            "anonymous": LOGIN,
            "patient": 403,
            "other_patient": 403,
            "therapist": 403,
            "other_therapist": 403,
            "admin": 200,
        },
    ),
    Row(
        "program:reassign",
        "post",
        {
            "anonymous": LOGIN,
            "patient": 403,
            "other_patient": 403,
            "therapist": 403,
            "other_therapist": 403,
            "admin": HOME,
        },
        args="patient",
    ),
    Row(
        "admin:index",
        "get",
        {
            "anonymous": LOGIN,
            "patient": 403,
            "other_patient": 403,
            "therapist": 403,
            "other_therapist": 403,
            "admin": 200,
        },
    ),
]


def _our_url_names() -> set[str]:
    """Named URLs of this project, leaving out allauth's (tested by allauth) and the
    admin's inner pages (gated as a whole by admin:index's row)."""
    names: set[str] = set()

    def walk(patterns: list, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin" or "allauth" in str(entry.urlconf_name):
                    continue
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(namespace + entry.name)

    walk(get_resolver().url_patterns)
    return names


def test_every_url_is_in_the_matrix() -> None:
    covered = {row.name for row in ROWS}
    missing = _our_url_names() - covered
    assert not missing, f"URLs with no access row: {sorted(missing)}"


@pytest.fixture
def world(
    patient,
    other_patient,
    outsider_patient,
    therapist,
    other_therapist,
    clinic_admin,
    programme,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        issued = invite_patient(therapist=therapist, email="new@example.test", programme=programme)
    first_lesson = Lesson.objects.filter(week__programme=programme, week__number=1).first()
    return {
        "users": {
            "anonymous": None,
            "patient": patient,
            "other_patient": other_patient,
            "therapist": therapist,
            "other_therapist": other_therapist,
            "admin": clinic_admin,
        },
        "args": {
            "patient": [patient.pk],
            "invitation": [issued.invitation.pk],
            "token": [issued.token],
            "week": [1],
            "lesson": [first_lesson.pk],
            "lesson_part": [first_lesson.pk, "hopes"],
            "": [],
        },
        "therapist": therapist,
    }


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
@pytest.mark.parametrize("persona", PERSONAS)
def test_access(row: Row, persona: str, world: dict) -> None:
    user = world["users"][persona]
    client = client_for(user)
    url = reverse(row.name, args=world["args"][row.args])
    data = {"therapist": world["therapist"].pk} if row.name == "program:reassign" else {}
    data = row.data or data
    response = getattr(client, row.method)(url, data)
    if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
        # The admin sends everyone it refuses to its login view, which is
        # allauth's (secure_admin_login): a login redirect or a 403.
        response = client.get(response["Location"])
    expected = row.expect[persona]
    if expected == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == HOME:
        assert response.status_code == 302, response.status_code
        assert not response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, (
            f"{persona} {row.method.upper()} {url}: {response.status_code}, expected {expected}"
        )

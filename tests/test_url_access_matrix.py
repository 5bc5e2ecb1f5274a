"""Every URL of ours, walked as every persona: who gets 200, a login redirect, 403 or 404.

A new URL pattern fails ``test_every_url_is_in_the_matrix`` until a row here
says who may open it. No patient's data may reach a therapist who is not theirs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from program import assessments, sleep_window
from program.diary import save_entry
from program.medication import confirm_plan, create_draft
from program.models import Lesson, LessonImage, Medication, Recommendation
from program.reminders import manage_token
from program.safety import SCREEN
from program.services import current_enrolment, invite_patient

from .conftest import client_for

SCREEN_KEYS = [q.key for q in SCREEN]
# A 1×1 GIF.
TINY_GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
PERSONAS = ["anonymous", "patient", "other_patient", "therapist", "other_therapist", "admin"]
LOGIN = "login"  # a redirect to the login page
HOME = "home"  # a redirect elsewhere (the user's own home)


@dataclass
class Row:
    name: str
    method: str
    expect: dict[str, int | str]
    args: str = ""  # which fixture object provides the URL argument


def row(name: str, method: str, *expect: int | str, args: str = "") -> Row:
    """Expected outcomes in PERSONAS order: anonymous, patient, other_patient,
    therapist, other_therapist, admin."""
    return Row(name, method, dict(zip(PERSONAS, expect, strict=True)), args)


# fmt: off
ROWS = [
    #   url name                       method  anon   patient other_p therapist other_t admin
    row("home",                        "get",  200,   HOME,   HOME,   HOME,     HOME,   HOME),
    row("healthz",                     "get",  200,   200,    200,    200,      200,    200),
    row("accounts:profile",            "get",  LOGIN, 200,    200,    200,      200,    200),
    row("accounts:privacy",            "get",  LOGIN, 200,    200,    200,      200,    200),
    row("accounts:api_tokens",         "get",  LOGIN, 200,    200,    200,      200,    200),
    row("program:patient_home",        "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:diary",               "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:diary_new",           "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:diary_edit",          "get",  LOGIN, 200,    404,    403,      403,    403,
        args="diary_date"),
    row("program:diary_export",        "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:sleep_window",        "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:sleep_window_screen", "post", LOGIN, 200,    200,    403,      403,    403),
    row("program:sleep_window_start",  "post", LOGIN, 200,    200,    403,      403,    403),
    row("program:sleep_window_sleepiness", "post", LOGIN, 200, 200,   403,      403,    403),
    row("program:sleep_window_pause",  "post", LOGIN, HOME,   HOME,   403,      403,    403),
    row("program:sleep_window_calendar_link", "post", LOGIN, HOME, HOME, 403,   403,    403),
    # The feed's secret token is its only key: whoever holds the link may read it.
    row("program:calendar_feed",       "get",  200,   200,    200,    200,      200,    200,
        args="calendar_token"),
    row("program:patient_sleep_window", "get", LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:decide_recommendation", "post", LOGIN, 403,  403,    200,      404,    404,
        args="recommendation"),
    row("program:decide_screen",       "post", LOGIN, 403,    403,    HOME,     404,    404,
        args="screen"),
    row("program:sleep_window_action", "post", LOGIN, 403,    403,    HOME,     404,    404,
        args="patient"),
    row("program:my_data",             "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:my_data_json",        "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:my_data_zip",         "get",  LOGIN, 200,    200,    403,      403,    403),
    # A wrong (here: no) password changes nothing and goes back to the page.
    row("program:delete_account",      "post", LOGIN, HOME,   HOME,   403,      403,    403),
    row("program:reminder_settings",   "get",  LOGIN, 200,    200,    200,      200,    200),
    # The signed link in reminder emails is its own key (the patient's, here).
    row("program:manage_reminders",    "get",  200,   200,    200,    200,      200,    200,
        args="manage_token"),
    row("program:medicines",           "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:medicine_edit",       "get",  LOGIN, 200,    404,    403,      403,    403,
        args="medication"),
    row("program:patient_medication",  "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:taper_plan_new",      "get",  LOGIN, 403,    403,    200,      404,    403,
        args="patient"),
    row("program:taper_plan_edit",     "get",  LOGIN, 403,    403,    200,      404,    403,
        args="plan"),
    row("program:taper_plan_action",   "post", LOGIN, 403,    403,    HOME,     404,    403,
        args="plan"),
    row("program:programme",           "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:week",                "get",  LOGIN, 200,    200,    403,      403,    403,
        args="week"),
    # Lessons are the programme's content, not a patient's data: both patients (in the
    # same programme) may read an open one; their progress and answers stay their own.
    row("program:lesson",              "get",  LOGIN, 200,    200,    403,      403,    403,
        args="lesson"),
    row("program:lesson_answer",       "post", LOGIN, HOME,   HOME,   403,      403,    403,
        args="lesson_part"),
    row("program:lesson_done",         "post", LOGIN, HOME,   HOME,   403,      403,    403,
        args="lesson"),
    # Uploaded lesson pictures: the programme's content, for anyone signed in (the admin's
    # preview shows them too); the content hash in the URL is not a secret.
    row("program:lesson_image",        "get",  LOGIN, 200,    200,    200,      200,    200,
        args="lesson_image"),
    row("program:adjust_pace",         "post", LOGIN, 403,    403,    HOME,     404,    HOME,
        args="patient"),
    # An empty subscription is refused (400) for anyone signed in.
    row("program:push_subscribe",      "post", LOGIN, 400,    400,    400,      400,    400),
    row("service_worker",              "get",  200,   200,    200,    200,      200,    200),
    row("program:caseload",            "get",  LOGIN, 403,    403,    200,      200,    403),
    row("program:invite",              "get",  LOGIN, 403,    403,    200,      200,    403),
    row("program:revoke_invitation",   "post", LOGIN, 403,    403,    HOME,     404,    403,
        args="invitation"),
    row("program:resend_invitation",   "post", LOGIN, 403,    403,    HOME,     404,    403,
        args="invitation"),
    row("program:patient_detail",      "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:patient_diary",       "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:diary_import",        "get",  LOGIN, 403,    403,    200,      404,    403,
        args="patient"),
    row("program:accept_invitation",   "get",  200,   HOME,   HOME,   HOME,     HOME,   HOME,
        args="token"),
    row("program:clinic_home",         "get",  LOGIN, 403,    403,    403,      403,    200),
    row("program:reassign",            "post", LOGIN, 403,    403,    403,      403,    HOME,
        args="patient"),
    row("program:progress",            "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:messages",            "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:patient_messages",    "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:questionnaire",       "get",  LOGIN, 200,    200,    403,      403,    403,
        args="instrument"),
    row("program:questionnaire_result", "get", LOGIN, 200,    404,    403,      403,    403,
        args="assessment"),
    row("program:record_result",       "post", LOGIN, 403,    403,    HOME,     404,    403,
        args="patient"),
    # The patient's own therapist acknowledges a risk answer; an admin is not their clinician.
    row("program:acknowledge_risk",    "post", LOGIN, 403,    403,    HOME,     404,    404,
        args="risk"),
    row("program:patient_summary",     "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:patient_summary_pdf", "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    # Notes are private to the care team: never the patient.
    row("program:add_note",            "post", LOGIN, 403,    403,    HOME,     404,    403,
        args="patient"),
    row("program:edit_note",           "get",  LOGIN, 403,    403,    200,      404,    403,
        args="note"),
    row("program:caseload_export",     "get",  LOGIN, 403,    403,    200,      200,    403),
    row("admin:index",                 "get",  LOGIN, 403,    403,    403,      403,    200),
]
# fmt: on


def _our_url_names() -> set[str]:
    """Named URLs of this project, leaving out allauth's (tested by allauth) and the
    admin's inner pages (gated as a whole by admin:index's row)."""
    names: set[str] = set()

    def walk(patterns: list, namespace: str = "") -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace in ("admin", "api-v1") or "allauth" in str(entry.urlconf_name):
                    continue  # the API has its own table in tests/program/test_api.py
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
    settings,
    tmp_path,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    with django_capture_on_commit_callbacks(execute=False):
        issued = invite_patient(therapist=therapist, email="new@example.test", programme=programme)
    today = patient.local_today()
    first_lesson = Lesson.objects.filter(week__programme=programme, week__number=1).first()
    image = LessonImage(
        lesson=first_lesson,
        alt_text="A grey square",
        file=SimpleUploadedFile("square.gif", TINY_GIF, "image/gif"),
    )
    image.save()
    save_entry(
        patient=patient,
        diary_date=today,
        changed_by=patient,
        answers={
            "into_bed": time(23),
            "lights_off": time(23),
            "final_wake": time(6),
            "out_of_bed": time(6, 30),
            "sleep_latency_min": 10,
            "awakenings": 1,
            "awake_min": 10,
            "quality": 3,
        },
    )
    screen, _ = sleep_window.submit_screen(patient, dict.fromkeys(SCREEN_KEYS, False))
    course = sleep_window.course_for(patient)
    recommendation = Recommendation.objects.create(
        course=course, review_date=today, kind="initial", proposed_window_min=360, rule="initial"
    )
    medicine = Medication.objects.create(
        patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
    )
    plan = create_draft(
        patient=patient,
        medication=medicine,
        template_key="morin04",
        start_dose=Decimal(10),
        start_on=today,
        strengths=[Decimal(2), Decimal(5)],
        scored=[],
        by=therapist,
    )
    confirm_plan(plan=plan, by=therapist)
    instruments = assessments.ensure_instruments()
    enrolment = current_enrolment(patient)
    risk = assessments.submit(
        patient=patient,
        instrument=instruments["phq9"],
        answers={f"phq{i}": 1 for i in range(1, 10)},
        occasion=assessments.Occasion("phq9", "baseline", enrolment.start_date),
        enrolment=enrolment,
        today=today,
    )
    note = assessments.add_note(patient=patient, author=therapist, text="Matrix note")
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
            "lesson_image": [image.pk, image.digest, image.extension],
            "diary_date": [today.isoformat()],
            "calendar_token": [course.calendar_token],
            "manage_token": [manage_token(patient)],
            "recommendation": [patient.pk, recommendation.pk],
            "screen": [patient.pk, screen.pk],
            "medication": [medicine.pk],
            "plan": [patient.pk, plan.pk],
            "instrument": ["gad7"],  # due at baseline, not yet filled
            "assessment": [risk.pk],
            "risk": [patient.pk, risk.pk],
            "note": [patient.pk, note.pk],
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
    data = {
        "program:reassign": {"therapist": world["therapist"].pk},
        "program:taper_plan_action": {"action": "pause", "reason": "matrix"},
        "program:lesson_answer": {"text": "I would have more energy.", "share": "on"},
        "program:adjust_pace": {"action": "pause"},
    }.get(row.name, {})
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

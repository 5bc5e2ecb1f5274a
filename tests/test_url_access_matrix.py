"""Every URL of ours, walked as every persona: who gets 200, a login redirect, 403 or 404.

A new URL pattern fails ``test_every_url_is_in_the_matrix`` until a row here
says who may open it. No patient's data may reach a therapist who is not theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import pytest
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import AuditEvent, Role, User
from program.assessments import actions as assessments
from program.diary.actions import save_entry
from program.enrolment.actions import current_enrolment, invite_patient
from program.medication.actions import confirm_plan, create_draft
from program.models import (
    AdverseEvent,
    AudioRecording,
    CrisisContact,
    Delivery,
    Lesson,
    LessonImage,
    LessonVersion,
    Medication,
    MoodCheck,
    Recommendation,
    RiskRule,
    RotaLine,
    WorkerHeartbeat,
)
from program.reminders.actions import manage_token
from program.rules.safety import SCREEN
from program.sleep_window import actions as sleep_window
from tests.audio_files import mp3
from tests.nights import night_answers
from tests.taper_plans import enter_drug_free_nights

from .conftest import (
    client_for,
    ensure_programme,
    make_user,
    module_data,
    new_clinic_admin,
    new_other_patient,
    new_other_therapist,
    new_outsider_patient,
    new_patient,
    new_therapist,
)

SCREEN_KEYS = [q.key for q in SCREEN]
# A 1×1 GIF.
TINY_GIF = bytes.fromhex(
    "47494638396101000100800000000000ffffff21f90401000000002c00000000010001000002024401003b"
)
PERSONAS = ["anonymous", "patient", "other_patient", "therapist", "other_therapist", "admin"]
LOGIN = "login"  # a redirect to the login page
HOME = "home"  # a redirect elsewhere (the user's own home)
REAUTH = "reauth"  # a redirect to type the password again first (allauth's reauthentication)


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
    # Guided exercises (program.exercises): each patient records and sees only their own;
    # an empty record is shown again with its error (the therapist sees counts on
    # program:patient_detail).
    row("program:exercises",           "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:exercise",            "get",  LOGIN, 200,    200,    403,      403,    403,
        args="exercise_kind"),
    row("program:exercise_record",     "post", LOGIN, 200,    200,    403,      403,    403,
        args="exercise_kind"),
    # The mindful body scan (issue 22): the same page and record, a kind with a hyphen.
    row("program:exercise",            "get",  LOGIN, 200,    200,    403,      403,    403,
        args="body_scan"),
    row("program:exercise_record",     "post", LOGIN, 200,    200,    403,      403,    403,
        args="body_scan"),
    row("program:diary_new",           "get",  LOGIN, 200,    200,    403,      403,    403),
    # The offline diary: who is signed in, with a fresh CSRF token (docs/offline.md).
    row("program:diary_offline",       "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:diary_edit",          "get",  LOGIN, 200,    404,    403,      403,    403,
        args="diary_date"),
    row("program:diary_export",        "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:sleep_window",        "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:sleep_window_screen", "post", LOGIN, 200,    200,    403,      403,    403),
    row("program:sleep_window_start",  "post", LOGIN, 200,    200,    403,      403,    403),
    row("program:sleep_window_sleepiness", "post", LOGIN, 200, 200,   403,      403,    403),
    row("program:sleep_window_mood",   "post", LOGIN, 200,    200,    403,      403,    403),
    row("program:sleep_window_pause",  "post", LOGIN, HOME,   HOME,   403,      403,    403),
    # A break the patient takes themselves (issue 22, part 5).
    row("program:pause",               "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:pause",               "post", LOGIN, 200,    200,    403,      403,    403),
    row("program:pause_resume",        "post", LOGIN, HOME,   HOME,   403,      403,    403),
    # The summary of before and after, the patient's own (JOURNEYS, patient 8).
    row("program:programme_summary",   "get",  LOGIN, 200,    200,    403,      403,    403),
    # "Something has changed": the patient's own screen opens again.
    row("program:sleep_window_changed", "post", LOGIN, HOME,  HOME,   403,      403,    403),
    row("program:sleep_window_calendar_link", "post", LOGIN, HOME, HOME, 403,   403,    403),
    # The feed's secret token is its only key: whoever holds the link may read it.
    row("program:calendar_feed",       "get",  200,   200,    200,    200,      200,    200,
        args="calendar_token"),
    row("program:patient_sleep_window", "get", LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:decide_recommendation", "post", LOGIN, 403,  403,    200,      404,    404,
        args="recommendation"),
    # An empty decision shows the page again with the form's errors. The admin decides
    # only for a patient without a therapist (tests/program/test_rescreen.py).
    row("program:decide_screen",       "post", LOGIN, 403,    403,    200,      404,    404,
        args="screen"),
    row("program:sleep_window_action", "post", LOGIN, 403,    403,    HOME,     404,    404,
        args="patient"),
    row("program:sleep_window_mood_reviewed", "post", LOGIN, 403, 403,  HOME,     404,    404,
        args="mood_check"),
    # The optional "About you" checklist (program.rules.situations): the patient's own.
    row("program:about_you",           "get",  LOGIN, 200,    200,    403,      403,    403),
    # Nothing ticked is a valid answer (none apply): saved, back to the page.
    row("program:about_you",           "post", LOGIN, 302,    302,    403,      403,    403),
    row("program:my_data",             "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:my_data_ready",       "get",  LOGIN, REAUTH, REAUTH, 403,      403,    403),
    row("program:my_data_json",        "get",  LOGIN, REAUTH, REAUTH, 403,      403,    403),
    row("program:my_data_zip",         "get",  LOGIN, REAUTH, REAUTH, 403,      403,    403),
    row("program:my_data_fhir",        "get",  LOGIN, REAUTH, REAUTH, 403,      403,    403),
    row("program:research_consent",    "post", LOGIN, 302,    302,    403,      403,    403),
    # A wrong (here: no) password changes nothing: the page again, the error at the field.
    row("program:delete_account",      "post", LOGIN, 200,    200,    403,      403,    403),
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
    # Recordings (a lesson's or an exercise's), like the lesson images: anyone signed in.
    row("program:recording",           "get",  LOGIN, 200,    200,    200,      200,    200,
        args="recording"),
    row("program:adjust_pace",         "post", LOGIN, 403,    403,    HOME,     404,    HOME,
        args="patient"),
    # An empty subscription is refused (400) for anyone signed in.
    row("program:push_subscribe",      "post", LOGIN, 400,    400,    400,      400,    400),
    row("service_worker",              "get",  200,   200,    200,    200,      200,    200),
    row("web_manifest",                "get",  200,   200,    200,    200,      200,    200),
    row("program:caseload",            "get",  LOGIN, 403,    403,    200,      200,    403),
    # The weekly round: a therapist's own patients, the clinic's for an admin (who reads
    # and acknowledges alerts but decides no sleep window or screen).
    row("program:round",               "get",  LOGIN, 403,    403,    200,      200,    200),
    row("program:round_patient",       "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:round_decide_recommendation", "post", LOGIN, 403, 403, 200,   404,    404,
        args="recommendation"),
    row("program:round_decide_screen", "post", LOGIN, 403,    403,    HOME,     404,    404,
        args="screen"),
    row("program:round_acknowledge",   "post", LOGIN, 403,    403,    HOME,     404,    HOME,
        args="alert"),
    # A draft taper plan confirmed in place: the patient's own therapist only.
    row("program:round_confirm_plan",  "post", LOGIN, 403,    403,    HOME,     404,    404,
        args="plan"),
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
    row("program:device_import",       "get",  LOGIN, 200,    200,    403,      403,    403),
    row("program:patient_device_import", "get", LOGIN, 403,   403,    200,      404,    403,
        args="patient"),
    row("program:device_visibility",   "post", LOGIN, 403,    403,    HOME,     404,    403,
        args="patient"),
    # The therapist's threshold for flagging nights (a clinic admin sees the page, sets nothing).
    row("program:device_flag",         "post", LOGIN, 403,    403,    HOME,     404,    403,
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
    # Results from another system's FHIR file: the patient's own therapist (an empty
    # upload shows the form again with its error).
    row("program:import_fhir",         "get",  LOGIN, 403,    403,    200,      404,    403,
        args="patient"),
    row("program:import_fhir",         "post", LOGIN, 403,    403,    200,      404,    403,
        args="patient"),
    row("program:record_result",       "post", LOGIN, 403,    403,    HOME,     404,    403,
        args="patient"),
    # A risk alert: the patient's own therapist acknowledges it, and so may the duty list
    # and the clinic admins (program.risk.actions); another therapist is told it does not exist.
    row("program:acknowledge_alert",   "post", LOGIN, 403,    403,    HOME,     404,    HOME,
        args="alert"),
    # Every alert email links here: a therapist sees their own patients' alerts (none, for
    # other_therapist), the duty list and the admins every patient's.
    row("program:risk_alerts",         "get",  LOGIN, 403,    403,    200,      200,    200),
    # Staff turn risk alert pushes on for their own devices (an empty body: 400) or off for
    # all of them; patients turn theirs on from their reminders (program:push_subscribe).
    row("program:alert_push_subscribe", "post", LOGIN, 403,   403,    400,      400,    400),
    row("program:alert_push_off",      "post", LOGIN, 403,    403,    HOME,     HOME,   HOME),
    # The clinic's risk flags (phrases, questionnaire items) are kept by its admins only.
    row("program:risk_flags",          "get",  LOGIN, 403,    403,    403,      403,    200),
    row("program:risk_flag_new_phrase", "get", LOGIN, 403,    403,    403,      403,    200),
    row("program:risk_flag_new_item",  "get",  LOGIN, 403,    403,    403,      403,    200),
    row("program:risk_flag_edit",      "get",  LOGIN, 403,    403,    403,      403,    200,
        args="risk_rule"),
    row("program:risk_flag_edit",      "post", LOGIN, 403,    403,    403,      403,    200,
        args="risk_rule"),  # an empty form: shown again with its errors
    # The clinic's crisis contacts (shown to every patient) are kept by its admins only.
    row("program:crisis_contacts",     "get",  LOGIN, 403,    403,    403,      403,    200),
    row("program:crisis_contact_new",  "get",  LOGIN, 403,    403,    403,      403,    200),
    row("program:crisis_contact_edit", "get",  LOGIN, 403,    403,    403,      403,    200,
        args="crisis_contact"),
    row("program:crisis_contact_edit", "post", LOGIN, 403,    403,    403,      403,    200,
        args="crisis_contact"),  # an empty form: shown again with its errors
    row("program:crisis_contact_active", "post", LOGIN, 403,  403,    403,      403,    HOME,
        args="crisis_contact"),
    row("program:patient_summary",     "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:patient_summary_pdf", "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:patient_fhir",        "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    # Notes are private to the care team: never the patient.
    row("program:add_note",            "post", LOGIN, 403,    403,    HOME,     404,    403,
        args="patient"),
    row("program:edit_note",           "get",  LOGIN, 403,    403,    200,      404,    403,
        args="note"),
    row("program:caseload_export",     "get",  LOGIN, 403,    403,    200,      200,    403),
    row("admin:index",                 "get",  LOGIN, 403,    403,    403,      403,    200),
    # Asked once before sleep restriction; an empty form is shown again with its errors.
    row("program:sleep_window_birth_date", "post", LOGIN, 200, 200,   403,      403,    403),
    # About this software: for everyone, signed in or not (every footer links to it).
    row("program:about",               "get",  200,   200,    200,    200,      200,    200),
    row("program:report_problem",      "get",  LOGIN, 200,    200,    403,      403,    403),
    # Adverse events (program.adverse_events.actions): a therapist's own patients', every
    # patient's for the duty list and the admins (other_therapist sees an empty list).
    row("program:adverse_events",      "get",  LOGIN, 403,    403,    200,      200,    200),
    row("program:adverse_events_export", "get", LOGIN, 403,   403,    200,      200,    200),
    # Clinic outcomes (program.clinic.outcomes): a therapist's own caseload (other_therapist
    # sees an empty one), the whole clinic or one therapist's for an admin.
    row("program:clinic_outcomes",     "get",  LOGIN, 403,    403,    200,      200,    200),
    row("program:research_export",     "get",  LOGIN, 403,    403,    403,      403,    200),
    row("program:research_export_download", "get", LOGIN, 403, 403,  403,      403,    200),
    row("program:clinic_outcomes_export", "get", LOGIN, 403,  403,    200,      200,    200),
    row("program:adverse_event_new",   "get",  LOGIN, 403,    403,    200,      404,    200,
        args="patient"),
    row("program:adverse_event_review", "post", LOGIN, 403,   403,    HOME,     404,    HOME,
        args="adverse_event"),
    # The curriculum in the clinic's own pages (program.curriculum.admin_views): admins only.
    row("program:curriculum",          "get",  LOGIN, 403,    403,    403,      403,    200),
    row("program:curriculum_export",   "get",  LOGIN, 403,    403,    403,      403,    200),
    row("program:curriculum_import",   "get",  LOGIN, 403,    403,    403,      403,    200),
    row("program:exercise_recordings", "get",  LOGIN, 403,    403,    403,      403,    200),
    # An empty upload is shown again with its errors.
    row("program:exercise_recordings", "post", LOGIN, 403,    403,    403,      403,    200),
    row("program:curriculum_recording_delete", "get", LOGIN, 403, 403, 403,     403,    200,
        args="exercise_recording"),
    row("program:curriculum_recording_delete", "post", LOGIN, 403, 403, 403,    403,    HOME,
        args="exercise_recording"),
    row("program:curriculum_required", "post", LOGIN, 403,    403,    403,      403,    HOME,
        args="lesson_language"),
    row("program:curriculum_lesson",   "get",  LOGIN, 403,    403,    403,      403,    200,
        args="lesson_language"),
    # An empty form is shown again with its errors.
    row("program:curriculum_lesson",   "post", LOGIN, 403,    403,    403,      403,    200,
        args="lesson_language"),
    row("program:curriculum_compare",  "get",  LOGIN, 403,    403,    403,      403,    200,
        args="lesson_language"),
    # Whom a lesson is for (program.rules.situations): saved, back to the editor.
    row("program:curriculum_situations", "post", LOGIN, 403,  403,    403,      403,    HOME,
        args="lesson_language"),
    # Without a draft (publish) or the page's fingerprint (restore): back to the editor.
    row("program:curriculum_publish",  "post", LOGIN, 403,    403,    403,      403,    HOME,
        args="lesson_language"),
    row("program:curriculum_push",     "post", LOGIN, 403,    403,    403,      403,    HOME,
        args="lesson_version"),
    row("program:curriculum_restore",  "post", LOGIN, 403,    403,    403,      403,    HOME,
        args="lesson_version"),
    # The clinic admin's own pages (program.clinic.staff_views): admins only.
    row("program:clinic_staff",        "get",  LOGIN, 403,    403,    403,      403,    200),
    # An empty invitation is shown again with its errors.
    row("program:clinic_staff",        "post", LOGIN, 403,    403,    403,      403,    200),
    row("program:clinic_staff_member", "get",  LOGIN, 403,    403,    403,      403,    200,
        args="staff_member"),
    row("program:clinic_staff_deactivate", "post", LOGIN, 403, 403,   403,      403,    HOME,
        args="staff_member"),
    row("program:clinic_staff_reactivate", "post", LOGIN, 403, 403,   403,      403,    HOME,
        args="staff_member"),
    row("program:clinic_staff_move_caseload", "post", LOGIN, 403, 403, 403,     403,    HOME,
        args="staff_member"),
    row("program:clinic_staff_resend", "post", LOGIN, 403,    403,    403,      403,    HOME,
        args="staff_member"),
    row("program:clinic_duty",         "get",  LOGIN, 403,    403,    403,      403,    200),
    # An empty post (no form named): the page again, nothing saved (the duty list and the
    # hours' own forms: tests/program/test_duty_list.py).
    row("program:clinic_duty",         "post", LOGIN, 403,    403,    403,      403,    200),
    row("program:duty_rota",           "get",  LOGIN, 403,    403,    403,      403,    200),
    # An empty line: shown again with its errors, nothing saved.
    row("program:duty_rota",           "post", LOGIN, 403,    403,    403,      403,    200),
    row("program:duty_rota_delete",    "post", LOGIN, 403,    403,    403,      403,    HOME,
        args="rota_line"),
    row("program:clinic_programmes",   "get",  LOGIN, 403,    403,    403,      403,    200),
    row("program:clinic_programme_edit", "get", LOGIN, 403,   403,    403,      403,    200,
        args="programme"),
    # An empty form: shown again with its errors, nothing saved.
    row("program:clinic_programme_edit", "post", LOGIN, 403,  403,    403,      403,    200,
        args="programme"),
    row("program:clinic_audit",        "get",  LOGIN, 403,    403,    403,      403,    200),
]
# fmt: on


def _our_url_names() -> set[str]:
    """Named URLs of this project, leaving out allauth's (tested by allauth) and the
    admin's (walked page by page by test_admin_pages and test_admin_custom_pages)."""
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


@pytest.fixture(scope="module")
def shared_world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[dict]:
    """The world every row is walked in, built once for this module (about half a second
    each, for some 850 rows) in a transaction that is rolled back after the last test
    here. Each test still runs in its own savepoint (``world``), so whatever a row
    writes (a login, an audit row, a post) is undone before the next row reads it."""
    media = override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media"))
    media.enable()
    try:
        # No on-commit work (the invitation's email, a risk alert's) ever runs.
        with module_data(django_db_blocker):
            yield _build_world()
    finally:
        media.disable()


@pytest.fixture
def world(shared_world: dict, db: None) -> dict:
    """The shared world, in this test's own savepoint."""
    return shared_world


def _build_world() -> dict:
    """The personas (as in tests/conftest.py), and a real object behind every URL
    argument of the matrix."""
    programme = ensure_programme()
    therapist = new_therapist()
    other_therapist = new_other_therapist()
    clinic_admin = new_clinic_admin()
    patient = new_patient(therapist, programme)
    other_patient = new_other_patient(therapist, programme)
    outsider_patient = new_outsider_patient(other_therapist, programme)
    issued = invite_patient(therapist=therapist, email="new@example.test", programme=programme)
    today = patient.local_today()
    first_lesson = Lesson.objects.filter(week__programme=programme, week__number=1).first()
    image = LessonImage(
        lesson=first_lesson,
        alt_text="A grey square",
        file=SimpleUploadedFile("square.gif", TINY_GIF, "image/gif"),
    )
    image.save()
    recording = AudioRecording.objects.create(
        exercise="breathing",
        title="Breathe with me",
        transcript="In, and out.",
        file=SimpleUploadedFile("breathe.mp3", mp3(), "audio/mpeg"),
    )
    save_entry(
        patient=patient,
        diary_date=today,
        changed_by=patient,
        answers=night_answers(),
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
    enter_drug_free_nights(plan, therapist)
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
    mood_check = MoodCheck.objects.create(
        patient=patient, week_of=today, question="Matrix question", elevated=True
    )
    event = AdverseEvent.objects.create(
        patient=patient,
        kind=AdverseEvent.Kind.PATIENT_REPORT,
        what_happened="Fell on the stairs while sleepy",
        happened_on=today,
        seriousness=AdverseEvent.Seriousness.MODERATE,
        reported_by=patient,
        reporter_role="patient",
    )
    users = {
        "anonymous": None,
        "patient": patient,
        "other_patient": other_patient,
        "therapist": therapist,
        "other_therapist": other_therapist,
        "admin": clinic_admin,
    }
    return {
        "users": users,
        "sessions": _signed_in_once(users),
        "args": {
            "patient": [patient.pk],
            "invitation": [issued.invitation.pk],
            "token": [issued.token],
            "week": [1],
            "exercise_kind": ["breathing"],
            "body_scan": ["body-scan"],
            "lesson": [first_lesson.pk],
            "lesson_part": [first_lesson.pk, "hopes"],
            "lesson_image": [image.pk, image.digest, image.extension],
            "recording": [recording.pk, recording.digest, recording.extension],
            "exercise_recording": [recording.pk],
            "lesson_language": [first_lesson.pk, "en"],
            "lesson_version": [
                first_lesson.pk,
                "en",
                first_lesson.versions.get(language="en", number=1).pk,
            ],
            "diary_date": [today.isoformat()],
            "calendar_token": [course.calendar_token],
            "manage_token": [manage_token(patient)],
            "recommendation": [patient.pk, recommendation.pk],
            "screen": [patient.pk, screen.pk],
            "medication": [medicine.pk],
            "plan": [patient.pk, plan.pk],
            "instrument": ["gad7"],  # due at baseline, not yet filled
            "assessment": [risk.pk],
            "alert": [patient.pk, risk.risk_alerts.get().pk],
            "note": [patient.pk, note.pk],
            "crisis_contact": [CrisisContact.objects.get(country="FR").pk],
            "risk_rule": [
                RiskRule.objects.get_or_create(kind="phrase", phrase="end my life")[0].pk
            ],
            "mood_check": [patient.pk, mood_check.pk],
            "adverse_event": [patient.pk, event.pk],
            "staff_member": [other_therapist.pk],
            "rota_line": [
                RotaLine.objects.create(
                    member="duty@clinic.test", first_day=today, last_day=today
                ).pk
            ],
            "programme": [programme.pk],
            "": [],
        },
        "therapist": therapist,
        "outsider_patient": outsider_patient,
    }


def _signed_in_once(users: dict) -> dict[str, str]:
    """Each persona's session key, signed in once into the module's transaction: a
    test's requests may change its session (a sign-out, the idle timer's stamp), and the
    test's savepoint undoes that before the next test opens it again."""
    return {
        persona: client_for(user).cookies[settings.SESSION_COOKIE_NAME].value
        for persona, user in users.items()
        if user is not None
    }


def client_of(world: dict, persona: str) -> Client:
    """A new client (no cookies but the session) signed in as ``persona``."""
    client = Client()
    if key := world["sessions"].get(persona):
        client.cookies[settings.SESSION_COOKIE_NAME] = key
    return client


@pytest.mark.parametrize("row", ROWS, ids=lambda r: r.name)
@pytest.mark.parametrize("persona", PERSONAS)
def test_access(row: Row, persona: str, world: dict) -> None:
    client = client_of(world, persona)
    url = reverse(row.name, args=world["args"][row.args])
    data = {
        "program:reassign": {"therapist": world["therapist"].pk},
        "program:taper_plan_action": {"action": "pause", "reason": "matrix"},
        "program:lesson_answer": {"text": "I would have more energy.", "share": "on"},
        "program:adjust_pace": {"action": "pause"},
        "program:adverse_event_review": {"note": "Called the patient; no harm."},
        "program:device_flag": {"threshold": "45"},
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
    elif expected == REAUTH:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith(reverse("account_reauthenticate"))
    elif expected == HOME:
        assert response.status_code == 302, response.status_code
        assert not response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected, (
            f"{persona} {row.method.upper()} {url}: {response.status_code}, expected {expected}"
        )


# --- The Django admin, page by page --------------------------------------------------------
#
# Generated from admin.site._registry: every registered ModelAdmin's changelist, add, change,
# history and delete pages (with a real object, the patient's own where the model has one),
# walked as each persona. Only the clinic admin (staff, with MFA) gets in; what they may do
# on each page is written out below, so a new ModelAdmin fails until someone says what the
# clinic admin may do with it. Every 200 is in the audit trail, against the patient when
# the object is theirs.

ADMIN_PERSONAS = [
    "anonymous",
    "patient",
    "other_patient",
    "outsider_patient",
    "therapist",
    "other_therapist",
    "admin_without_mfa",  # a clinic admin who has not set up two-factor authentication yet
    "clinic_admin",
]
ADMIN_PAGES = ("changelist", "add", "change", "history", "delete")
OK, NO = 200, 403


def admin_row(changelist: int, add: int, change: int, history: int, delete: int) -> dict:
    """The clinic admin's outcome on each page (the others are always refused)."""
    return dict(zip(ADMIN_PAGES, (changelist, add, change, history, delete), strict=True))


# fmt: off
ADMIN_ROWS = {
    #                            changelist add change history delete
    "accounts.user":            admin_row(OK, OK, OK, OK, OK),
    # The audit trail is append-only: readable (the change page shows it read-only), never
    # added, changed or deleted by hand.
    "accounts.auditevent":      admin_row(OK, NO, OK, OK, NO),
    "mfa.authenticator":        admin_row(OK, OK, OK, OK, OK),
    "usersessions.usersession": admin_row(OK, OK, OK, OK, OK),
    "program.week":             admin_row(OK, OK, OK, OK, OK),
    "program.lesson":           admin_row(OK, OK, OK, OK, OK),
    # The object is a published version: it cannot be deleted (nor saved: read-only page).
    "program.lessonversion":    admin_row(OK, OK, OK, OK, NO),
    "program.programme":        admin_row(OK, OK, OK, OK, OK),
    "program.enrolment":        admin_row(OK, OK, OK, OK, OK),
    "program.invitation":       admin_row(OK, OK, OK, OK, OK),
    # Written by the workers: only looked at.
    "program.workerheartbeat":  admin_row(OK, NO, OK, OK, NO),
    "program.sleepprotocol":    admin_row(OK, OK, OK, OK, OK),
    # Made by the patient's workflows, and the reminder tick: their owner is read-only, so
    # an "add" form could only fail.
    "program.sleepcourse":      admin_row(OK, NO, OK, OK, OK),
    "program.safetyscreen":     admin_row(OK, NO, OK, OK, OK),
    "program.delivery":         admin_row(OK, NO, OK, OK, OK),
    "program.instrument":       admin_row(OK, OK, OK, OK, OK),
    # Results are entered by the patient or their therapist, not in the admin.
    "program.assessment":       admin_row(OK, NO, OK, OK, OK),
    "program.medication":       admin_row(OK, OK, OK, OK, OK),
    # Taper plans belong to the prescriber's workflow: read-only here.
    "program.taperplan":        admin_row(OK, NO, OK, OK, NO),
    # Crisis contacts are never deleted, only no longer shown (their history stays).
    "program.crisiscontact":    admin_row(OK, OK, OK, OK, NO),
}
# fmt: on

# Admin URLs that are not a ModelAdmin's standard five: (name, args, clinic admin's outcome).
# FOUND: a redirect (302) for the clinic admin too.
FOUND = 302
ADMIN_CUSTOM = [
    ("admin:index", "", OK),
    ("admin:app_list", "app:program", OK),
    ("admin:app_list", "app:accounts", OK),
    ("admin:password_change", "", OK),
    ("admin:password_change_done", "", OK),
    # Setting a user's password by hand (UserAdmin's own page).
    ("admin:auth_user_password_change", "user", OK),
    ("admin:jsi18n", "", OK),
    # Without its query parameters the autocomplete refuses (it is fed by the admin's forms).
    ("admin:autocomplete", "", NO),
    ("admin:view_on_site", "view_on_site", 404),  # users have no page on the site
    ("admin:program_lessonversion_preview", "lesson_version", OK),
    ("admin:program_lessonversion_compare", "lesson_version", OK),
    # Already published: back to the version's page.
    ("admin:program_lessonversion_publish", "lesson_version", FOUND),
    ("admin:program_lessonversion_push", "lesson_version", OK),
    ("admin:program_lessonversion_restore", "lesson_version", OK),
    # Makes (or finds) the English draft and opens it.
    ("admin:program_lessonversion_start_draft", "draft", FOUND),
]
# Not walked: logging in and out are allauth's (tests/accounts/).
ADMIN_NOT_WALKED = {"admin:login", "admin:logout"}


def _admin_url_names() -> set[str]:
    names: set[str] = set()
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == "admin":

            def walk(patterns: list) -> None:
                for inner in patterns:
                    if isinstance(inner, URLResolver):
                        walk(inner.url_patterns)
                    elif inner.name:
                        names.add(f"admin:{inner.name}")

            walk(entry.url_patterns)
    return names


def _standard_admin_urls() -> set[str]:
    return {
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{page}"
        for model in admin.site._registry
        for page in ADMIN_PAGES
    }


def test_every_model_admin_is_in_the_admin_matrix() -> None:
    registered = {model._meta.label_lower for model in admin.site._registry}
    assert registered == set(ADMIN_ROWS), (
        f"ModelAdmins with no row: {sorted(registered - set(ADMIN_ROWS))}; "
        f"rows with no ModelAdmin: {sorted(set(ADMIN_ROWS) - registered)}"
    )


def test_every_admin_url_is_walked() -> None:
    covered = _standard_admin_urls() | {name for name, _, _ in ADMIN_CUSTOM} | ADMIN_NOT_WALKED
    # The autocomplete's per-model lookups are none of ours: none are registered.
    missing = _admin_url_names() - covered
    assert not missing, f"admin URLs with no row: {sorted(missing)}"


@pytest.fixture(scope="module")
def shared_admin_world(shared_world, django_db_blocker) -> dict:
    """Built once, into the module's transaction (shared_world), before the first admin
    test's own savepoint opens."""
    with django_db_blocker.unblock():
        return _build_admin_world(shared_world)


@pytest.fixture
def admin_world(shared_admin_world: dict, db: None) -> dict:
    """The shared admin world, in this test's own savepoint."""
    return shared_admin_world


def _build_admin_world(world: dict) -> dict:
    """A real object for every registered model: the patient's own where the model
    belongs to a patient, so the audit trail can name them."""
    patient = world["users"]["patient"]
    Group.objects.create(name="Night staff")
    WorkerHeartbeat.objects.create(name="matrix", seen_at=timezone.now())
    Delivery.objects.create(
        user=patient, kind="diary", local_date=patient.local_today(), due_at=timezone.now()
    )
    UserSession.objects.create(
        user=patient, ip="127.0.0.1", session_key="matrix-session", user_agent="matrix"
    )
    AuditEvent.objects.create(
        actor=world["therapist"],
        actor_role="therapist",
        patient=patient,
        action="view",
        path="/x/",
        method="GET",
        status=200,
    )
    objects = {}
    for model in admin.site._registry:
        fields = {f.name for f in model._meta.concrete_fields}
        manager = model._default_manager
        if model is User:
            obj = patient
        elif "patient" in fields:
            obj = manager.filter(patient=patient).first()
        elif "user" in fields:
            obj = manager.filter(user=patient).first() or manager.first()
        elif model is LessonVersion:
            obj = manager.filter(status="published").first()
        else:
            obj = manager.first()
        assert obj is not None, f"admin_world needs a {model._meta.label} to walk its pages"
        objects[model._meta.label_lower] = obj
    version = objects["program.lessonversion"]
    users = {
        **world["users"],
        "outsider_patient": world["outsider_patient"],
        "clinic_admin": world["users"]["admin"],
        "admin_without_mfa": make_user("new.admin@clinic.test", Role.ADMIN, mfa=False),
    }
    return {
        "users": users,
        "sessions": _signed_in_once(users),
        "objects": objects,
        "args": {
            "": [],
            "app:program": ["program"],
            "app:accounts": ["accounts"],
            "view_on_site": [ContentType.objects.get_for_model(User).pk, patient.pk],
            "lesson_version": [version.pk],
            "user": [patient.pk],
            "draft": [version.lesson_id, "en"],
        },
        "patient": patient,
    }


def _refused(response, persona: str) -> str | None:
    """None when the admin refused as it should; else what went wrong."""
    if response.status_code == 302 and response["Location"].startswith("/admin/login/"):
        return None  # to the admin's login (allauth's): refused, whoever asked
    if response.status_code == 302 and response["Location"].startswith(reverse("account_login")):
        return None
    if response.status_code == 403:
        return None
    # Staff reach nothing but two-factor set-up until it is done.
    mfa_first = response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")
    if persona == "admin_without_mfa" and mfa_first:
        return None
    return f"{persona}: {response.status_code} {response.get('Location', '')}"


def _walk(url: str, expected: int, world: dict, failures: list[str], patient_id=None) -> None:
    for persona in ADMIN_PERSONAS:
        response = client_of(world, persona).get(url)
        if persona != "clinic_admin":
            problem = _refused(response, persona)
            if problem:
                failures.append(f"GET {url} {problem}")
            continue
        if response.status_code != expected:
            failures.append(f"GET {url} clinic_admin: {response.status_code}, expected {expected}")
            continue
        if expected == OK:
            event = AuditEvent.objects.filter(actor=world["users"][persona], path=url).last()
            if event is None:
                failures.append(f"GET {url}: no audit event")
            elif event.patient_id != patient_id:
                failures.append(f"GET {url}: audited for {event.patient_id}, not {patient_id}")


@pytest.mark.parametrize("label", sorted(ADMIN_ROWS))
def test_admin_pages(label: str, admin_world: dict) -> None:
    obj = admin_world["objects"][label]
    app_label, model_name = label.split(".")
    patient = admin_world["patient"]
    # Whose data the object is, for the audit trail.
    owner = getattr(obj, "patient_id", None) or getattr(obj, "user_id", None)
    if isinstance(obj, User):
        owner = obj.pk
    owner = owner if owner == patient.pk else None
    failures: list[str] = []
    for page, expected in ADMIN_ROWS[label].items():
        args = [obj.pk] if page in ("change", "history", "delete") else []
        url = reverse(f"admin:{app_label}_{model_name}_{page}", args=args)
        _walk(url, expected, admin_world, failures, owner if args else None)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(("name", "args", "expected"), ADMIN_CUSTOM, ids=lambda v: str(v))
def test_admin_custom_pages(name: str, args: str, expected: int, admin_world: dict) -> None:
    failures: list[str] = []
    _walk(reverse(name, args=admin_world["args"][args]), expected, admin_world, failures)
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("label", sorted(k for k, v in ADMIN_ROWS.items() if v["add"] == OK))
def test_an_empty_admin_add_form_is_an_error_page_not_a_500(label: str, admin_world: dict) -> None:
    """Where the clinic admin may add, posting the form empty shows its errors (or, where
    every field is optional, saves): never an exception."""
    app_label, model_name = label.split(".")
    client = client_of(admin_world, "clinic_admin")
    response = client.post(reverse(f"admin:{app_label}_{model_name}_add"), {})
    assert response.status_code in (200, 302), response.status_code

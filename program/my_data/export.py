"""Everything the app holds about a patient, for them to download (JSON or CSV).

Built from the models themselves (Django's serialiser), so a new field is
included without anyone remembering to add it; a new model that points at a person
must be listed here or left out on purpose in tests/program/test_my_data.py.
Left out: password hashes, secrets (API token hashes, the calendar link's token,
push keys) and the care team's private notes and own records of adverse events, which
the clinic provides on request (the patient's own problem reports are included).

Risk alerts raised about the patient are included with their trail (raised, emailed,
acknowledged, escalated: what, when, by whom as an account number), so a patient can see
what the app did with a risk answer; the alert emails' own address lists (``RiskNotice``)
are left out, as staff data: the trail says how many addresses each email went to.
"""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

from allauth.account.models import EmailAddress
from allauth.usersessions.models import UserSession
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import ApiToken, AuditEvent, ResearchConsentChange, User
from program import models as m
from program import spreadsheet
from program.assessments.models import RiskAlert, RiskAlertEvent

SECRET_FIELDS = {
    "password",
    "token_hash",
    "calendar_token",
    "p256dh",
    "auth",
    "endpoint",
    "claim_token",
    "session_key",  # a sign-in session's key would let its holder in
}
# Secret in one model only: ``data`` is what allauth keeps inside a session, but a lesson
# answer's ``data`` is what the patient wrote, theirs to download.
SECRET_FIELDS_OF: dict[type[Any], set[str]] = {UserSession: {"data"}}


def _querysets(patient: User) -> dict[str, QuerySet[Any]]:
    return {
        "account": User.objects.filter(pk=patient.pk),
        "email_addresses": EmailAddress.objects.filter(user=patient),
        # Where and on what they are signed in (address, browser, when last seen).
        "sign_in_sessions": UserSession.objects.filter(user=patient),
        "research_consent": ResearchConsentChange.objects.filter(patient=patient),
        "enrolments": m.Enrolment.objects.filter(patient=patient),
        "pace_changes": m.EnrolmentChange.objects.filter(enrolment__patient=patient),
        "lessons": m.LessonProgress.objects.filter(enrolment__patient=patient),
        "lesson_answers": m.LessonAnswer.objects.filter(progress__enrolment__patient=patient),
        # The "About you" checklist (program.rules.situations).
        "situations": m.PatientSituations.objects.filter(patient=patient),
        "diary": m.DiaryEntry.objects.filter(patient=patient),
        "diary_changes": m.DiaryEntryRevision.objects.filter(entry__patient=patient),
        "medicines": m.Medication.objects.filter(patient=patient),
        "night_medication": m.NightMedication.objects.filter(entry__patient=patient),
        "doses": m.MedicationDose.objects.filter(entry__patient=patient),
        "taper_plans": m.TaperPlan.objects.filter(patient=patient),
        "taper_steps": m.TaperStep.objects.filter(plan__patient=patient),
        "taper_plan_changes": m.TaperPlanChange.objects.filter(plan__patient=patient),
        "safety_screens": m.SafetyScreen.objects.filter(patient=patient),
        "sleepiness_checks": m.SleepinessCheck.objects.filter(patient=patient),
        # The weekly elevated-mood question: each row carries the question and
        # "validated": false (our own wording, not a validated questionnaire).
        "mood_checks": m.MoodCheck.objects.filter(patient=patient),
        "sleep_window": m.SleepCourse.objects.filter(patient=patient),
        "sleep_window_prescriptions": m.Prescription.objects.filter(course__patient=patient),
        "sleep_window_reviews": m.Recommendation.objects.filter(course__patient=patient),
        "questionnaires": m.Assessment.objects.filter(patient=patient),
        "messages": m.Message.objects.filter(patient=patient),
        "exercises": m.ExerciseSession.objects.filter(patient=patient),
        "breaks": m.PatientPause.objects.filter(patient=patient),
        # Sleep periods imported from a watch or phone, and whether they are hidden from you.
        "device_sleep": m.DeviceSleepPeriod.objects.filter(patient=patient),
        "device_sleep_setting": m.DeviceSleepSetting.objects.filter(patient=patient),
        "problems_reported": m.AdverseEvent.objects.filter(patient=patient, reported_by=patient),
        "risk_alerts": RiskAlert.objects.filter(patient=patient),
        "risk_alert_trail": RiskAlertEvent.objects.filter(alert__patient=patient),
        "reminder_choices": m.ReminderPreference.objects.filter(user=patient),
        "reminders_sent": m.Delivery.objects.filter(user=patient),
        "come_back_notes_sent": m.ComebackReminder.objects.filter(patient=patient),
        "api_tokens": ApiToken.objects.filter(user=patient),
        "who_opened_my_record": AuditEvent.objects.filter(patient=patient),
    }


def _rows(queryset: QuerySet[Any]) -> list[dict[str, Any]]:
    rows = []
    secret = SECRET_FIELDS | SECRET_FIELDS_OF.get(queryset.model, set())
    for item in serializers.serialize("python", queryset):
        fields = {k: v for k, v in item["fields"].items() if k not in secret}
        rows.append({"id": item["pk"], **fields})
    return rows


def export(patient: User) -> dict[str, Any]:
    data: dict[str, Any] = {
        "exported_at": timezone.now(),
        # In the language the patient reads the service in, as the page they download from.
        "about": _(
            "Everything this service holds about you. Your therapist's private notes "
            "are kept by your clinic; ask them for a copy."
        ),
    }
    for name, queryset in _querysets(patient).items():
        data[name] = _rows(queryset)
    return data


def export_json(patient: User) -> bytes:
    return json.dumps(export(patient), cls=DjangoJSONEncoder, indent=2).encode()


def export_zip(patient: User) -> bytes:
    """One CSV file per kind of record, in a zip."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, rows in export(patient).items():
            if not isinstance(rows, list):
                continue
            out = io.StringIO()
            columns = sorted({key for row in rows for key in row}) or ["id"]
            writer = spreadsheet.DictWriter(out, fieldnames=columns)
            writer.writeheader()
            for row in rows:
                writer.writerow(
                    {
                        k: json.dumps(v, cls=DjangoJSONEncoder) if isinstance(v, dict | list) else v
                        for k, v in row.items()
                    }
                )
            archive.writestr(f"{name}.csv", out.getvalue())
    return buffer.getvalue()

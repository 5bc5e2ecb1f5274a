from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render

from accounts.access import patient_required
from accounts.http import AuthenticatedHttpRequest
from program.assessments import actions as assessments
from program.curriculum.actions import exercises_this_week, programme_overview
from program.exercises.content import EXERCISES
from program.medication.views import patient_card
from program.models import Assessment, DiaryEntry, Enrolment, Prescription, SleepCourse


@patient_required
def patient_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient = request.user
    # The therapist comes with the enrolment (one join, not a query of its own).
    enrolment = (
        Enrolment.objects.current()
        .select_related("programme", "patient__therapist")
        .filter(patient=patient)
        .first()
    )
    therapist = enrolment.patient.therapist if enrolment else patient.therapist
    today = patient.local_today()
    overview = None
    if enrolment:
        enrolment.patient = patient
        overview = programme_overview(enrolment, today=today)
    this_week = overview.current if overview else None
    # The sleep window's prescriptions with their course, newest first, read once: tonight's
    # window, and the first window's evening for the PHQ-9 of restriction weeks.
    prescriptions = list(
        Prescription.objects.filter(course__patient=patient).select_related("course")
    )
    course = prescriptions[0].course if prescriptions else None
    window = (
        next(
            (p for p in prescriptions if p.effective_from <= today),
            None,
        )
        if course is not None and course.status == SleepCourse.Status.ACTIVE
        else None
    )
    done = list(Assessment.objects.for_patient(patient).select_related("instrument"))
    restriction = assessments.restriction_of(prescriptions) if enrolment else None
    # The instruments are read only when a questionnaire is due (whichever the outcome).
    due = []
    if any(
        assessments.due(enrolment, today, done, restriction, key)
        for key in assessments.OUTCOME_KEYS
    ):
        instruments = assessments.current_instruments()
        occasions = assessments.due(
            enrolment, today, done, restriction, assessments.outcome_key(instruments)
        )
        due = [
            instruments[o.key]
            for o in occasions
            if o.key in instruments and instruments[o.key].can_be_filled
        ]
    ctx = {
        "messages_enabled": bool(enrolment and enrolment.programme.messages_enabled),
        "questionnaires_due": due,
        "enrolment": enrolment,
        "today": today,
        # The latest week the pace rules have opened (program.rules.unlocking).
        "week": this_week.number
        if this_week
        else (enrolment.week_number(today) if enrolment else None),
        "this_week": this_week,
        "overview": overview,
        "exercises": exercises_this_week(overview) if overview else [],
        "relaxation": EXERCISES.values(),
        "therapist": therapist,
        "last_entry": DiaryEntry.objects.for_patient(patient).order_by("-diary_date").first(),
        "window": window,
        "medication": patient_card(patient, today),
    }
    return render(request, "program/patient_home.html", ctx)

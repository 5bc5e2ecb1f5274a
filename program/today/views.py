from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import active_therapist, patient_required
from accounts.http import AuthenticatedHttpRequest
from program.assessments import actions as assessments
from program.curriculum.actions import exercises_this_week, programme_overview
from program.curriculum.situations import with_situations
from program.diary import actions as diary
from program.exercises.content import EXERCISES
from program.medication import actions as medication
from program.medication.views import patient_card
from program.messaging import actions as messaging
from program.models import Assessment, DiaryEntry, Enrolment, Prescription, SleepCourse
from program.offline import kept_offline
from program.rules import engagement
from program.rules.rescreen import Due
from program.sleep_window import rescreen
from program.today import actions as pauses
from program.today.forms import PauseForm


@patient_required
@kept_offline
def patient_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    patient = request.user
    # The therapist comes with the enrolment (one join, not a query of its own), and so do
    # the latest break, the latest night and whether a taper plan is in force.
    # The patient's situations, which the overview reads, come with it too.
    enrolment = (
        with_situations(Enrolment.objects.current())
        .select_related("programme", "patient__therapist")
        .annotate(
            latest_pause=pauses.latest_values(),
            last_night=diary.last_night_values(),
            has_plan=medication.has_current_plan(),
            unread_messages=messaging.unread_by_patient(),
            last_screen_at=rescreen.latest_screen_at(),
        )
        .filter(patient=patient)
        .first()
    )
    if enrolment is not None:
        # A break whose end date has come is over (the reminder tick ends it too).
        latest_pause = pauses.latest_from(patient, enrolment.latest_pause)
        last_entry = diary.last_night_from(patient, enrolment.last_night)
        has_plan = enrolment.has_plan
    else:
        latest_pause = pauses.latest(patient)
        last_entry = DiaryEntry.objects.for_patient(patient).order_by("-diary_date").first()
        has_plan = True
    pause = latest_pause if latest_pause and latest_pause.ended_on is None else None
    # A deactivated therapist is nobody's therapist: the duty list looks after the
    # patient (program.clinic.actions) and reads their messages (program.messaging).
    therapist = active_therapist(enrolment.patient if enrolment else patient)
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
    # The safety screen due again (every 4 weeks, or after "Something has changed"): the
    # window is not made shorter until it is answered, so Today asks for it.
    rescreen_due = (
        rescreen.due_after(
            patient,
            course,
            enrolment.last_screen_at,
            today,
            [p for p in prescriptions if p.course_id == course.pk],
        )
        if window is not None and course is not None and enrolment is not None
        else Due.NO
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
    messages_enabled = bool(enrolment and enrolment.programme.messages_enabled)
    ctx = {
        "messages_enabled": messages_enabled,
        # The therapist's messages not yet read, counted with the enrolment.
        "unread_messages": enrolment.unread_messages if enrolment and messages_enabled else 0,
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
        "last_entry": last_entry,
        "window": window,
        "rescreen_due": rescreen_due is not Due.NO,
        # The window set aside (illness, travel) by its own "Pause": Today says so.
        "window_paused": course
        if course is not None and course.status == SleepCourse.Status.PAUSED
        else None,
        "medication": patient_card(patient, today) if has_plan else {"plan": None},
        "pause": pause,
        "finished": bool(overview and overview.finished),
    }
    welcome = (
        engagement.welcome_back(
            today=today,
            last_night=last_entry.diary_date if last_entry is not None else None,
            pause_started_on=latest_pause.started_on if latest_pause else None,
            pause_ended_on=latest_pause.ended_on if latest_pause else None,
            gap_days=settings.WELCOME_BACK_GAP_DAYS,
        )
        if enrolment is not None and enrolment.status == Enrolment.Status.ACTIVE
        else None
    )
    if ctx["finished"] and window is None and welcome and welcome.kind == engagement.GAP:
        # After the programme, with no sleep window to review from it, the diary is their
        # choice, not "the one thing to do first".
        welcome = None
    ctx["welcome"] = welcome
    return render(request, "program/patient_home.html", ctx)


@patient_required
def pause(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Take a break ("I'm ill", "I'm travelling"): the weeks and the sleep window wait."""
    patient = request.user
    if pauses.open_pause(patient) is not None:
        return redirect("program:patient_home")
    form = PauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            started = pauses.start(
                patient, reason=form.cleaned_data["reason"], days=form.cleaned_data["days"]
            )
        except pauses.PauseError as error:
            form.add_error(None, str(error))
        else:
            said = _("Your programme is paused until %(day)s. Rest well.") % {
                "day": date_format(started.ends_on, "LONG_WEEKDAY_DAY_MONTH_FORMAT")
            }
            if pauses.therapist_is_told(patient):
                said += " " + _("Your therapist has been told.")
            messages.success(request, said)
            return redirect("program:patient_home")
    return render(
        request,
        "program/pause.html",
        {"form": form, "therapist_told": pauses.therapist_is_told(patient)},
    )


@patient_required
@require_POST
def resume(request: AuthenticatedHttpRequest) -> HttpResponse:
    pause = pauses.open_pause(request.user)
    if pause is None:
        messages.info(request, _("Your programme is not paused."))
    else:
        pauses.end(pause)
        messages.success(request, _("Welcome back: your programme is on again."))
    return redirect("program:patient_home")

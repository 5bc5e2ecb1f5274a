from django.urls import path

from .views import (
    clinic,
    diary,
    invitations,
    lessons,
    medication,
    patient,
    reminders,
    sleep_window,
    therapist,
)

app_name = "program"

urlpatterns = [
    path("today/", patient.patient_home, name="patient_home"),
    path("diary/", diary.diary_home, name="diary"),
    path("diary/new/", diary.diary_new, name="diary_new"),
    path("diary/<str:diary_date>/edit/", diary.diary_edit, name="diary_edit"),
    path("diary/export.csv", diary.diary_export, name="diary_export"),
    path("patients/<int:patient_id>/diary/", diary.patient_diary, name="patient_diary"),
    path("patients/<int:patient_id>/diary/import/", diary.diary_import, name="diary_import"),
    path("sleep-window/", sleep_window.sleep_window, name="sleep_window"),
    path("sleep-window/screen/", sleep_window.submit_screen, name="sleep_window_screen"),
    path("sleep-window/start/", sleep_window.start_window, name="sleep_window_start"),
    path("sleep-window/sleepiness/", sleep_window.sleepiness_check, name="sleep_window_sleepiness"),
    path("sleep-window/pause/", sleep_window.patient_pause, name="sleep_window_pause"),
    path(
        "sleep-window/calendar-link/",
        sleep_window.new_calendar_link,
        name="sleep_window_calendar_link",
    ),
    path("calendar/<str:token>.ics", sleep_window.calendar, name="calendar_feed"),
    path(
        "patients/<int:patient_id>/sleep-window/",
        sleep_window.patient_sleep_window,
        name="patient_sleep_window",
    ),
    path(
        "patients/<int:patient_id>/sleep-window/recommendations/<int:recommendation_id>/",
        sleep_window.decide_recommendation,
        name="decide_recommendation",
    ),
    path(
        "patients/<int:patient_id>/sleep-window/screens/<int:screen_id>/",
        sleep_window.decide_screen,
        name="decide_screen",
    ),
    path(
        "patients/<int:patient_id>/sleep-window/action/",
        sleep_window.course_action,
        name="sleep_window_action",
    ),
    path("reminders/", reminders.reminder_settings, name="reminder_settings"),
    path("reminders/manage/<str:token>/", reminders.manage_reminders, name="manage_reminders"),
    path("reminders/push/subscribe/", reminders.push_subscribe, name="push_subscribe"),
    path("medicines/", medication.medicines, name="medicines"),
    path("medicines/<int:medication_id>/", medication.medicine_edit, name="medicine_edit"),
    path(
        "patients/<int:patient_id>/medication/",
        medication.patient_medication,
        name="patient_medication",
    ),
    path(
        "patients/<int:patient_id>/medication/plans/new/",
        medication.taper_plan_new,
        name="taper_plan_new",
    ),
    path(
        "patients/<int:patient_id>/medication/plans/<int:plan_id>/",
        medication.taper_plan_edit,
        name="taper_plan_edit",
    ),
    path(
        "patients/<int:patient_id>/medication/plans/<int:plan_id>/action/",
        medication.taper_plan_action,
        name="taper_plan_action",
    ),
    path("programme/", lessons.programme, name="programme"),
    path("programme/week/<int:number>/", lessons.week, name="week"),
    path("lessons/<int:lesson_id>/", lessons.lesson, name="lesson"),
    path(
        "lessons/<int:lesson_id>/parts/<slug:part_key>/",
        lessons.lesson_answer,
        name="lesson_answer",
    ),
    path("lessons/<int:lesson_id>/done/", lessons.lesson_done, name="lesson_done"),
    path("caseload/", therapist.caseload, name="caseload"),
    path("caseload/invite/", invitations.invite, name="invite"),
    path(
        "caseload/invitations/<int:invitation_id>/revoke/",
        invitations.revoke_invitation,
        name="revoke_invitation",
    ),
    path(
        "caseload/invitations/<int:invitation_id>/resend/",
        invitations.resend_invitation,
        name="resend_invitation",
    ),
    path("patients/<int:patient_id>/", therapist.patient_detail, name="patient_detail"),
    path("patients/<int:patient_id>/pace/", therapist.adjust_pace, name="adjust_pace"),
    path("invite/<str:token>/", invitations.accept, name="accept_invitation"),
    path("clinic/", clinic.clinic_home, name="clinic_home"),
    path("clinic/patients/<int:patient_id>/reassign/", clinic.reassign, name="reassign"),
]

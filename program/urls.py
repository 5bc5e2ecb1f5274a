from django.urls import path

from .views import (
    assessments,
    clinic,
    diary,
    invitations,
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
    path("progress/", assessments.progress, name="progress"),
    path("questionnaires/<slug:key>/", assessments.questionnaire, name="questionnaire"),
    path(
        "questionnaires/results/<int:assessment_id>/",
        assessments.questionnaire_result,
        name="questionnaire_result",
    ),
    path(
        "patients/<int:patient_id>/assessments/record/",
        assessments.record_result,
        name="record_result",
    ),
    path(
        "patients/<int:patient_id>/assessments/<int:assessment_id>/acknowledge/",
        assessments.acknowledge_risk,
        name="acknowledge_risk",
    ),
    path("patients/<int:patient_id>/summary/", therapist.patient_summary, name="patient_summary"),
    path(
        "patients/<int:patient_id>/summary.pdf",
        therapist.patient_summary_pdf,
        name="patient_summary_pdf",
    ),
    path("patients/<int:patient_id>/notes/", therapist.add_note, name="add_note"),
    path("patients/<int:patient_id>/notes/<int:note_id>/", therapist.edit_note, name="edit_note"),
    path("caseload/", therapist.caseload, name="caseload"),
    path("caseload/export.csv", therapist.caseload_export, name="caseload_export"),
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
    path("invite/<str:token>/", invitations.accept, name="accept_invitation"),
    path("clinic/", clinic.clinic_home, name="clinic_home"),
    path("clinic/patients/<int:patient_id>/reassign/", clinic.reassign, name="reassign"),
]

from django.urls import path

from program import about
from program.adverse_events import views as adverse_events
from program.assessments import views as assessments
from program.clinic import admin_views as clinic
from program.clinic import outcome_views, round_views, staff_urls
from program.clinic import views as therapist
from program.crisis import views as crisis
from program.curriculum import admin_views as curriculum
from program.curriculum import views as lessons
from program.diary import views as diary
from program.enrolment import views as invitations
from program.exercises import views as exercises
from program.medication import views as medication
from program.messaging import views as messages
from program.my_data import views as my_data
from program.reminders import views as reminders
from program.research import views as research
from program.risk import views as risk
from program.sleep_window import views as sleep_window
from program.today import finished
from program.today import views as patient
from program.wearables import views as wearables

app_name = "program"

urlpatterns = [
    path("today/", patient.patient_home, name="patient_home"),
    path("exercises/", exercises.exercises, name="exercises"),
    path("exercises/<slug:kind>/", exercises.exercise, name="exercise"),
    path("exercises/<slug:kind>/done/", exercises.record, name="exercise_record"),
    path("today/pause/", patient.pause, name="pause"),
    path("today/resume/", patient.resume, name="pause_resume"),
    path("today/summary/", finished.summary, name="programme_summary"),
    path("diary/", diary.diary_home, name="diary"),
    path("diary/new/", diary.diary_new, name="diary_new"),
    path("diary/offline/", diary.diary_offline, name="diary_offline"),
    path("diary/<str:diary_date>/edit/", diary.diary_edit, name="diary_edit"),
    path("diary/export.csv", diary.diary_export, name="diary_export"),
    path("patients/<int:patient_id>/diary/", diary.patient_diary, name="patient_diary"),
    path("patients/<int:patient_id>/diary/import/", diary.diary_import, name="diary_import"),
    path("diary/device/", wearables.device_import, name="device_import"),
    path(
        "patients/<int:patient_id>/diary/device/",
        wearables.patient_device_import,
        name="patient_device_import",
    ),
    path(
        "patients/<int:patient_id>/diary/device/visibility/",
        wearables.device_visibility,
        name="device_visibility",
    ),
    path(
        "patients/<int:patient_id>/diary/device/flag/",
        wearables.device_flag,
        name="device_flag",
    ),
    path("sleep-window/", sleep_window.sleep_window, name="sleep_window"),
    path("sleep-window/screen/", sleep_window.submit_screen, name="sleep_window_screen"),
    path("sleep-window/start/", sleep_window.start_window, name="sleep_window_start"),
    path("sleep-window/date-of-birth/", sleep_window.birth_date, name="sleep_window_birth_date"),
    path("sleep-window/sleepiness/", sleep_window.sleepiness_check, name="sleep_window_sleepiness"),
    path("sleep-window/mood/", sleep_window.mood_check, name="sleep_window_mood"),
    path("sleep-window/pause/", sleep_window.patient_pause, name="sleep_window_pause"),
    path("sleep-window/changed/", sleep_window.report_change, name="sleep_window_changed"),
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
        "patients/<int:patient_id>/sleep-window/mood/<int:check_id>/reviewed/",
        sleep_window.review_mood,
        name="sleep_window_mood_reviewed",
    ),
    path(
        "patients/<int:patient_id>/sleep-window/action/",
        sleep_window.course_action,
        name="sleep_window_action",
    ),
    path("my-data/", my_data.my_data_page, name="my_data"),
    path("my-data/download/", my_data.download_ready, name="my_data_ready"),
    path("my-data/download.json", my_data.download_json, name="my_data_json"),
    path("my-data/download.zip", my_data.download_zip, name="my_data_zip"),
    path("my-data/download.fhir.json", my_data.download_fhir, name="my_data_fhir"),
    path("my-data/delete/", my_data.delete_account, name="delete_account"),
    path("my-data/research/", my_data.research_consent, name="research_consent"),
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
    path("about-you/", lessons.about_you, name="about_you"),
    path("programme/week/<int:number>/", lessons.week, name="week"),
    path("lessons/<int:lesson_id>/", lessons.lesson, name="lesson"),
    path(
        "lessons/<int:lesson_id>/parts/<slug:part_key>/",
        lessons.lesson_answer,
        name="lesson_answer",
    ),
    path("lessons/<int:lesson_id>/done/", lessons.lesson_done, name="lesson_done"),
    # The markup allow-list (program.curriculum.markup.IMAGE_PATH_PREFIXES) knows this prefix.
    path(
        "lesson-images/<int:image_id>/<slug:digest>.<slug:extension>",
        lessons.lesson_image,
        name="lesson_image",
    ),
    # The markup allow-list (program.curriculum.markup.AUDIO_PATH_PREFIXES) knows this prefix.
    path(
        "recordings/<int:recording_id>/<slug:digest>.<slug:extension>",
        lessons.recording,
        name="recording",
    ),
    path("progress/", assessments.progress, name="progress"),
    path("messages/", messages.my_messages, name="messages"),
    path("patients/<int:patient_id>/messages/", messages.patient_messages, name="patient_messages"),
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
        "patients/<int:patient_id>/assessments/import-fhir/",
        assessments.import_fhir,
        name="import_fhir",
    ),
    path(
        "patients/<int:patient_id>/alerts/<int:alert_id>/acknowledge/",
        risk.acknowledge_alert,
        name="acknowledge_alert",
    ),
    path("patients/<int:patient_id>/summary/", therapist.patient_summary, name="patient_summary"),
    path(
        "patients/<int:patient_id>/summary.pdf",
        therapist.patient_summary_pdf,
        name="patient_summary_pdf",
    ),
    path("patients/<int:patient_id>/record.fhir.json", therapist.patient_fhir, name="patient_fhir"),
    path("patients/<int:patient_id>/notes/", therapist.add_note, name="add_note"),
    path("patients/<int:patient_id>/notes/<int:note_id>/", therapist.edit_note, name="edit_note"),
    path("round/", round_views.round_list, name="round"),
    path("round/<int:patient_id>/", round_views.round_patient, name="round_patient"),
    path(
        "round/<int:patient_id>/recommendations/<int:recommendation_id>/",
        round_views.round_decide_recommendation,
        name="round_decide_recommendation",
    ),
    path(
        "round/<int:patient_id>/screens/<int:screen_id>/",
        round_views.round_decide_screen,
        name="round_decide_screen",
    ),
    path(
        "round/<int:patient_id>/plans/<int:plan_id>/confirm/",
        round_views.round_confirm_plan,
        name="round_confirm_plan",
    ),
    path(
        "round/<int:patient_id>/alerts/<int:alert_id>/acknowledge/",
        round_views.round_acknowledge,
        name="round_acknowledge",
    ),
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
    path("patients/<int:patient_id>/pace/", therapist.adjust_pace, name="adjust_pace"),
    path("invite/<str:token>/", invitations.accept, name="accept_invitation"),
    path("about/", about.about, name="about"),
    path("report-a-problem/", adverse_events.report_problem, name="report_problem"),
    path(
        "patients/<int:patient_id>/adverse-events/new/",
        adverse_events.adverse_event_new,
        name="adverse_event_new",
    ),
    path(
        "patients/<int:patient_id>/adverse-events/<int:event_id>/review/",
        adverse_events.adverse_event_review,
        name="adverse_event_review",
    ),
    path("clinic/adverse-events/", adverse_events.adverse_events, name="adverse_events"),
    path(
        "clinic/adverse-events/export.csv",
        adverse_events.adverse_events_export,
        name="adverse_events_export",
    ),
    path("clinic/", clinic.clinic_home, name="clinic_home"),
    path("clinic/outcomes/", outcome_views.outcomes_page, name="clinic_outcomes"),
    path(
        "clinic/outcomes/export.csv", outcome_views.outcomes_export, name="clinic_outcomes_export"
    ),
    path("clinic/research-export/", research.research_export, name="research_export"),
    path(
        "clinic/research-export/download.zip",
        research.research_export_download,
        name="research_export_download",
    ),
    path("clinic/alerts/", risk.risk_alerts, name="risk_alerts"),
    path("clinic/alerts/push/subscribe/", risk.alert_push_subscribe, name="alert_push_subscribe"),
    path("clinic/alerts/push/off/", risk.alert_push_off, name="alert_push_off"),
    path("clinic/duty/rota/", risk.duty_rota, name="duty_rota"),
    path("clinic/duty/rota/<int:line_id>/delete/", risk.duty_rota_delete, name="duty_rota_delete"),
    path("clinic/risk-flags/", risk.risk_flags, name="risk_flags"),
    path("clinic/risk-flags/new-phrase/", risk.risk_flag_new_phrase, name="risk_flag_new_phrase"),
    path("clinic/risk-flags/new-item/", risk.risk_flag_new_item, name="risk_flag_new_item"),
    path("clinic/risk-flags/<int:rule_id>/", risk.risk_flag_edit, name="risk_flag_edit"),
    path("clinic/crisis-contacts/", crisis.crisis_contacts, name="crisis_contacts"),
    path("clinic/crisis-contacts/new/", crisis.crisis_contact_new, name="crisis_contact_new"),
    path(
        "clinic/crisis-contacts/<int:contact_id>/",
        crisis.crisis_contact_edit,
        name="crisis_contact_edit",
    ),
    path(
        "clinic/crisis-contacts/<int:contact_id>/active/",
        crisis.crisis_contact_active,
        name="crisis_contact_active",
    ),
    path("clinic/patients/<int:patient_id>/reassign/", clinic.reassign, name="reassign"),
    # The curriculum, edited by the clinic's admins (program.curriculum.admin_views).
    path("clinic/curriculum/", curriculum.curriculum, name="curriculum"),
    path("clinic/curriculum/export/", curriculum.curriculum_export, name="curriculum_export"),
    path("clinic/curriculum/import/", curriculum.curriculum_import, name="curriculum_import"),
    path(
        "clinic/curriculum/exercises/",
        curriculum.exercise_recordings,
        name="exercise_recordings",
    ),
    path(
        "clinic/curriculum/recordings/<int:recording_id>/delete/",
        curriculum.recording_delete,
        name="curriculum_recording_delete",
    ),
    path(
        "clinic/curriculum/lessons/<int:lesson_id>/<str:language>/required/",
        curriculum.lesson_required,
        name="curriculum_required",
    ),
    path(
        "clinic/curriculum/lessons/<int:lesson_id>/<str:language>/",
        curriculum.lesson_edit,
        name="curriculum_lesson",
    ),
    path(
        "clinic/curriculum/lessons/<int:lesson_id>/<str:language>/publish/",
        curriculum.lesson_publish,
        name="curriculum_publish",
    ),
    path(
        "clinic/curriculum/lessons/<int:lesson_id>/<str:language>/situations/",
        curriculum.lesson_situations,
        name="curriculum_situations",
    ),
    path(
        "clinic/curriculum/lessons/<int:lesson_id>/<str:language>/compare/",
        curriculum.lesson_compare,
        name="curriculum_compare",
    ),
    path(
        "clinic/curriculum/lessons/<int:lesson_id>/<str:language>/versions/<int:version_id>/push/",
        curriculum.lesson_push,
        name="curriculum_push",
    ),
    path(
        "clinic/curriculum/lessons/<int:lesson_id>/<str:language>/versions/<int:version_id>/restore/",
        curriculum.lesson_restore,
        name="curriculum_restore",
    ),
    *staff_urls.urlpatterns,
]

from django.urls import path

from .views import clinic, invitations, lessons, patient, therapist

app_name = "program"

urlpatterns = [
    path("today/", patient.patient_home, name="patient_home"),
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

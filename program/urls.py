from django.urls import path

from .views import clinic, diary, invitations, medication, patient, therapist

app_name = "program"

urlpatterns = [
    path("today/", patient.patient_home, name="patient_home"),
    path("diary/", diary.diary_home, name="diary"),
    path("diary/new/", diary.diary_new, name="diary_new"),
    path("diary/<str:diary_date>/edit/", diary.diary_edit, name="diary_edit"),
    path("diary/export.csv", diary.diary_export, name="diary_export"),
    path("patients/<int:patient_id>/diary/", diary.patient_diary, name="patient_diary"),
    path("patients/<int:patient_id>/diary/import/", diary.diary_import, name="diary_import"),
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
    path("invite/<str:token>/", invitations.accept, name="accept_invitation"),
    path("clinic/", clinic.clinic_home, name="clinic_home"),
    path("clinic/patients/<int:patient_id>/reassign/", clinic.reassign, name="reassign"),
]

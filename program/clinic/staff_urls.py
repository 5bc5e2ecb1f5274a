"""The clinic admin's own pages, under /clinic/ (in the ``program`` namespace)."""

from django.urls import path

from program.clinic import staff_views as views

urlpatterns = [
    path("clinic/staff/", views.staff, name="clinic_staff"),
    path("clinic/staff/<int:member_id>/", views.staff_member, name="clinic_staff_member"),
    path(
        "clinic/staff/<int:member_id>/deactivate/",
        views.staff_deactivate,
        name="clinic_staff_deactivate",
    ),
    path(
        "clinic/staff/<int:member_id>/reactivate/",
        views.staff_reactivate,
        name="clinic_staff_reactivate",
    ),
    path(
        "clinic/staff/<int:member_id>/move-patients/",
        views.staff_move_caseload,
        name="clinic_staff_move_caseload",
    ),
    path("clinic/staff/<int:member_id>/resend/", views.staff_resend, name="clinic_staff_resend"),
    path("clinic/duty/", views.duty, name="clinic_duty"),
    path("clinic/programmes/", views.programmes, name="clinic_programmes"),
    path(
        "clinic/programmes/<int:programme_id>/",
        views.programme_edit,
        name="clinic_programme_edit",
    ),
    path("clinic/audit/", views.audit_log, name="clinic_audit"),
]

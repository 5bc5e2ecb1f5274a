from django.contrib import admin

from .models import Enrolment, Invitation, Programme, WorkerHeartbeat


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["name", "weeks", "is_active", "is_default"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["patient", "programme", "start_date", "status"]
    list_filter = ["status", "programme"]
    list_select_related = ["patient", "programme"]
    autocomplete_fields = ["patient"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "therapist", "programme", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["therapist", "programme"]
    readonly_fields = ["token_hash", "created_at", "sent_at", "accepted_at", "accepted_by"]
    exclude: list[str] = []


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "seen_at"]

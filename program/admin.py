from django.contrib import admin

from . import admin_curriculum  # noqa: F401  (registers the curriculum's admin)
from .models import Enrolment, EnrolmentChange, Invitation, Programme, WorkerHeartbeat


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "weeks",
        "pace_days",
        "require_previous_lessons",
        "is_active",
        "is_default",
    ]
    prepopulated_fields = {"slug": ["name"]}


class EnrolmentChangeInline(admin.TabularInline):
    model = EnrolmentChange
    extra = 0
    fields = ["kind", "week", "days", "on_date", "made_by", "made_at"]
    readonly_fields = ["made_by", "made_at"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["patient", "programme", "start_date", "status"]
    list_filter = ["status", "programme"]
    list_select_related = ["patient", "programme"]
    autocomplete_fields = ["patient"]
    inlines = [EnrolmentChangeInline]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "therapist", "programme", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["therapist", "programme"]
    readonly_fields = ["token_hash", "created_at", "sent_at", "accepted_at", "accepted_by"]
    exclude: list[str] = []


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "seen_at"]

from typing import ClassVar

from django import forms
from django.contrib import admin

from accounts.forms import TherapistSignedInCheck
from program.crisis.forms import CrisisContactForm
from program.curriculum import admin as admin_curriculum  # noqa: F401  (registers the curriculum's admin)
from program.models import (
    Assessment,
    CrisisContact,
    Delivery,
    Enrolment,
    EnrolmentChange,
    Instrument,
    Invitation,
    Medication,
    Prescription,
    Programme,
    SafetyScreen,
    SleepCourse,
    SleepProtocol,
    TaperPlan,
    TaperStep,
    WorkerHeartbeat,
)


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


class InvitationAdminForm(TherapistSignedInCheck, forms.ModelForm):
    class Meta:
        model = Invitation
        fields = "__all__"  # noqa: DJ007  (the admin's own choice of fields applies)


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    form = InvitationAdminForm
    list_display = ["email", "therapist", "programme", "created_at", "expires_at", "accepted_at"]
    list_select_related = ["therapist", "programme"]
    readonly_fields = ["token_hash", "created_at", "sent_at", "accepted_at", "accepted_by"]
    exclude: ClassVar[list[str]] = []


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    """Written by the workers every minute (/healthz reads it): only to look at."""

    list_display = ["name", "seen_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(SleepProtocol)
class SleepProtocolAdmin(admin.ModelAdmin):
    """Protocols are data. A protocol in use is never edited in place: "Save as new"
    makes the next version, and existing prescriptions keep pointing at theirs."""

    list_display = [
        "name",
        "key",
        "version",
        "floor_min",
        "extend_at",
        "reduce_below",
        "reduce_mode",
        "is_active",
    ]
    list_filter = ["is_active", "key"]
    save_as = True

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and SleepCourse.objects.filter(protocol=obj).exists():
            # In use: only retiring it is allowed; "Save as new" for a new version.
            return [f.name for f in obj._meta.fields if f.name not in ("is_active",)]
        return []


class PrescriptionInline(admin.TabularInline):
    model = Prescription
    extra = 0
    can_delete = False
    readonly_fields = [
        "window_min",
        "rise_time",
        "effective_from",
        "source",
        "rule",
        "figures",
        "reason",
        "set_by",
        "created_at",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(SleepCourse)
class SleepCourseAdmin(admin.ModelAdmin):
    list_display = ["patient", "protocol", "status", "rise_time", "titration_weekday"]
    list_filter = ["status", "protocol"]
    list_select_related = ["patient", "protocol"]
    readonly_fields = ["patient", "calendar_token", "created_at", "updated_at"]
    inlines = [PrescriptionInline]

    def has_add_permission(self, request):
        # Made by the patient's sleep-window workflow; its patient cannot be chosen here.
        return False


@admin.register(SafetyScreen)
class SafetyScreenAdmin(admin.ModelAdmin):
    list_display = ["patient", "positive", "decision", "completed_at", "decided_by"]
    list_filter = ["positive", "decision"]
    list_select_related = ["patient", "decided_by"]
    readonly_fields = ["patient", "answers", "positive", "completed_at"]

    def has_add_permission(self, request):
        # Answered by the patient; its patient and answers are read-only here.
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """The reminder outbox: failed, interrupted and skipped sends are visible here."""

    list_display = ["user", "kind", "local_date", "due_at", "status", "attempts", "sent_at", "note"]
    list_filter = ["status", "kind"]
    list_select_related = ["user"]
    date_hierarchy = "due_at"
    readonly_fields = [
        "user",
        "kind",
        "local_date",
        "due_at",
        "attempts",
        "claimed_at",
        "sent_at",
        "created_at",
    ]

    def has_add_permission(self, request):
        # Written by the reminder tick; its person and timing are read-only here.
        return False


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """Questionnaires. Licensed wording is loaded with ``manage.py load_instrument_wording``
    (README); scoring is the app's (program/rules/scoring.py) and is not edited here."""

    list_display = ["name", "key", "version", "wording_loaded", "is_current"]
    readonly_fields = ["key", "version", "items", "options", "wording_loaded", "wording_source"]


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    list_display = ["patient", "instrument", "occasion", "total", "band", "risk", "completed_on"]
    list_filter = ["instrument", "risk"]
    readonly_fields = [
        "patient",
        "instrument",
        "answers",
        "total",
        "band_code",
        "band_rank",
        "risk",
    ]

    def has_add_permission(self, request):
        # Entered by the patient or their therapist; its patient is read-only here.
        return False


class TaperStepInline(admin.TabularInline):
    model = TaperStep
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Medication)
class MedicationAdmin(admin.ModelAdmin):
    list_display = ["patient", "name", "usual_dose_mg", "active"]
    list_filter = ["active"]
    list_select_related = ["patient"]
    search_fields = ["name", "patient__email"]


@admin.register(TaperPlan)
class TaperPlanAdmin(admin.ModelAdmin):
    """Read-only here: plans are set, confirmed and changed by the clinician on the
    patient's medication page, where every change keeps its reason."""

    list_display = ["patient", "medication", "status", "start_dose_mg", "confirmed_at"]
    list_filter = ["status"]
    list_select_related = ["patient", "medication"]
    inlines = [TaperStepInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CrisisContact)
class CrisisContactAdmin(admin.ModelAdmin):
    """Also on /clinic/crisis-contacts/, the page clinic admins use."""

    form = CrisisContactForm
    list_display = ["country", "name", "phone", "emergency_number", "is_active", "last_checked"]
    list_filter = ["country", "is_active"]
    readonly_fields = ["updated_at", "updated_by"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # untick "shown to patients" instead: the line's history stays

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

from importlib import import_module

from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group

from .forms import TherapistSignedInCheck
from .models import AuditEvent, User

# One accounts section: a person's addresses are edited inline on their user (below), and
# roles, not groups, say what someone may do (accounts.access), so neither has a page.
# Their apps come after this one: importing their admin modules registers them now
# (autodiscovery finds them imported already), so they can be taken off.
import_module("allauth.account.admin")
import_module("django.contrib.auth.admin")
admin.site.unregister(EmailAddress)
admin.site.unregister(Group)


class EmailAddressInline(admin.TabularInline):
    model = EmailAddress
    extra = 0
    fields = ["email", "verified", "primary"]


class UserChangeWithTherapistForm(TherapistSignedInCheck, UserChangeForm):
    pass


class UserCreationWithTherapistForm(TherapistSignedInCheck, AdminUserCreationForm):
    pass


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeWithTherapistForm
    add_form = UserCreationWithTherapistForm
    ordering = ["email"]
    list_display = ["email", "name", "role", "therapist", "time_zone", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    list_select_related = ["therapist"]
    search_fields = ["email", "name"]
    autocomplete_fields = ["therapist"]
    inlines = [EmailAddressInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("name", "time_zone", "date_of_birth")}),
        ("Role and care team", {"fields": ("role", "therapist", "is_active")}),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "role", "therapist", "time_zone", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # Users an admin creates never went through sign-up: mark their address
        # verified, or mandatory verification would lock them out.
        from .services import ensure_verified_email

        ensure_verified_email(obj)


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is append-only; old events leave only by the retention purge."""

    list_display = ["created_at", "actor", "actor_role", "patient", "action", "path", "ip"]
    list_filter = ["action", "actor_role"]
    search_fields = ["path", "actor__email", "patient__email"]
    list_select_related = ["actor", "patient"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

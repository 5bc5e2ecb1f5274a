from allauth.account.models import EmailAddress
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from .models import User


class EmailAddressInline(admin.TabularInline):
    model = EmailAddress
    extra = 0
    fields = ["email", "verified", "primary"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "role", "therapist", "time_zone", "is_active", "last_login"]
    list_filter = ["role", "is_active"]
    list_select_related = ["therapist"]
    search_fields = ["email", "name"]
    autocomplete_fields = ["therapist"]
    inlines = [EmailAddressInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("name", "time_zone")}),
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

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        # Users an admin creates never went through sign-up: mark their address
        # verified, or mandatory verification would lock them out.
        from .services import ensure_verified_email

        ensure_verified_email(obj)

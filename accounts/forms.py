from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.http import HttpRequest

from .models import User
from .timezones import available_time_zones


class TimeZoneField(forms.ChoiceField):
    """A select of IANA zones; static/js/timezone.js preselects the browser's own."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", "Your time zone")
        kwargs.setdefault(
            "help_text",
            "Diary times and reminders follow this zone. We suggest the one your device uses.",
        )
        super().__init__(
            choices=[(name, name.replace("_", " ")) for name in available_time_zones()],
            initial="UTC",
            **kwargs,  # type: ignore[arg-type]
        )
        self.widget.attrs["data-browser-timezone"] = "true"


class SignupForm(AllauthSignupForm):
    """Open sign-up (only where ALLOW_SELF_SIGNUP is set) asks for a time zone."""

    time_zone = TimeZoneField()

    def save(self, request: HttpRequest) -> User:
        user: User = super().save(request)
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["time_zone"])
        return user


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField()

    class Meta:
        model = User
        fields = ["name", "time_zone", "language"]

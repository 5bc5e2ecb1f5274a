from __future__ import annotations

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from .models import User
from .timezones import available_time_zones


class TimeZoneField(forms.ChoiceField):
    """A select of IANA zones; static/js/timezone.js preselects the browser's own."""

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("label", _("Your time zone"))
        kwargs.setdefault(
            "help_text",
            _("Diary times and reminders follow this zone. We suggest the one your device uses."),
        )
        super().__init__(
            choices=[(name, name.replace("_", " ")) for name in available_time_zones()],
            initial="UTC",
            **kwargs,  # type: ignore[arg-type]
        )
        self.widget.attrs["data-browser-timezone"] = "true"


class SignupForm(AllauthSignupForm):
    """Open sign-up (only where ALLOW_SELF_SIGNUP is set) asks for a time zone and consent."""

    time_zone = TimeZoneField()
    consent = forms.BooleanField(
        label=(
            _(
                "I agree that this service stores my sleep diary and answers to support my "
                "treatment, and that the clinic's therapists can see them."
            )
        ),
        error_messages={"required": _("We need your agreement to look after your data.")},
    )

    def save(self, request: HttpRequest) -> User:
        user: User = super().save(request)
        user.time_zone = self.cleaned_data["time_zone"]
        user.consent_given_at = timezone.now()
        user.save(update_fields=["time_zone", "consent_given_at"])
        # Self-enrolment (where the clinic allows open sign-up) is the program app's
        # business: accounts calls it through a setting, never by import.
        for hook in settings.ACCOUNTS_SIGNED_UP_HOOKS:
            import_string(hook)(user)
        return user


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField()

    class Meta:
        model = User
        fields = ["name", "time_zone", "language"]
        # The model's own verbose names, here so that they are translated.
        labels = {"name": _("Name"), "language": _("Language")}

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from accounts.forms import BirthDateField, CountryField, TimeZoneField
from accounts.models import User
from program.models import Programme


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Patient's email address"))
    name = forms.CharField(
        label=_("Patient's name"),
        required=False,
        max_length=150,
        help_text=_("Optional: used to greet them in the email."),
    )
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.active(), empty_label=None, label=_("Programme")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        default = Programme.objects.active().filter(is_default=True).first()
        if default:
            self.fields["programme"].initial = default.pk


class AcceptInvitationForm(forms.Form):
    has_passwords = True  # the error summary asks to type passwords again

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        help_text=_("How you would like to be addressed. You can leave it empty."),
    )
    time_zone = TimeZoneField()
    country = CountryField()
    date_of_birth = BirthDateField()
    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    consent = forms.BooleanField(
        label=(
            _(
                "I agree that this service stores my sleep diary and answers to support my "
                "treatment, and that my therapist can see them."
            )
        ),
        error_messages={"required": _("We need your agreement to look after your data.")},
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(
                    str(p1), User(email=self.email, name=str(cleaned.get("name") or ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned

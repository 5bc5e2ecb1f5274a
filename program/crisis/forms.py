"""The clinic admin's form for one crisis contact (/clinic/crisis-contacts/)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.countries import country_choices
from accounts.text import refuse_control_characters
from program.models import CrisisContact


def _language_choices() -> list[tuple[str, str]]:
    return [("", str(_("Every language"))), *settings.LANGUAGES]


class CrisisContactForm(forms.ModelForm):
    country = forms.ChoiceField(label=_("Country"), choices=lambda: country_choices(other=False))
    language = forms.ChoiceField(
        label=_("Language"),
        choices=_language_choices,
        required=False,
        help_text=_(
            "Only for patients who use this language. Leave “Every language” unless the "
            "country has a line per language."
        ),
    )

    class Meta:
        model = CrisisContact
        fields = [
            "country",
            "language",
            "name",
            "phone",
            "text_number",
            "hours",
            "emergency_number",
            "url",
            "order",
            "is_active",
            "last_checked",
        ]
        labels = {
            "name": _("Name of the line"),
            "phone": _("Phone number"),
            "text_number": _("Number to text"),
            "hours": _("Hours"),
            "emergency_number": _("Emergency number"),
            "url": _("Website"),
            "order": _("Display order"),
            "is_active": _("Shown to patients"),
            "last_checked": _("Last checked against its official source"),
        }
        help_texts = {
            "hours": _("As patients should read it, e.g. 24/7."),
            "order": _("Lines of a country are shown from the lowest number."),
        }
        widgets = {"last_checked": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args: Any, today: date | None = None, **kwargs: Any) -> None:
        """``today``: the admin's own date, the latest a number can have been checked (the
        server's, in the Django admin)."""
        super().__init__(*args, **kwargs)
        self.today = today = today or timezone.localdate()
        self.fields["last_checked"].widget.attrs["max"] = today.isoformat()
        for name in ("name", "hours", "phone", "text_number", "emergency_number"):
            self.fields[name].validators.append(refuse_control_characters)

    def clean_last_checked(self) -> date:
        # A date to come would pass for a recent check for years: the page is where the
        # clinic sees which numbers are due to be checked again.
        checked: date = self.cleaned_data["last_checked"]
        if checked > self.today:
            raise forms.ValidationError(
                _("This day has not come yet: give the day the number was last checked.")
            )
        return checked

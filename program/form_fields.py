from __future__ import annotations

import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from program.rules import clock

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ClockInput(forms.TimeInput):
    """A text box for a clock time: people type "23:15", "11:15 pm" or "23h15" (read by
    ``program.rules.clock``), and a time the server could not read comes back as typed."""

    def __init__(self) -> None:
        super().__init__(
            attrs={
                "class": "clock",
                "autocomplete": "off",
                "spellcheck": "false",
                "inputmode": "text",
                "size": "8",
            },
            format="%H:%M",
        )


class ClockField(forms.TimeField):
    """A clock time, as people write it (``program.rules.clock.parse_clock``: 24-hour, 12-hour
    with am/pm, dotted and spaced forms, "23h15"); failing that, the language's own
    formats (Django's)."""

    default_error_messages = {
        "invalid": _("Enter a time like 23:15 or 11:15 pm."),
    }

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            parsed = clock.parse_clock(value)
            if parsed is not None:
                return parsed
        return super().to_python(value)


def time_field(
    label: StrOrPromise, *, required: bool = True, help_text: StrOrPromise = ""
) -> forms.TimeField:
    return ClockField(label=label, required=required, help_text=help_text, widget=ClockInput())


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def minutes_field(
    label: StrOrPromise,
    *,
    required: bool = True,
    max_value: int = 24 * 60,
    help_text: StrOrPromise = "",
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=max_value,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "short"}),
        error_messages={
            "min_value": _("This can't be negative."),
            "max_value": _("That is more than a whole day: check the number."),
        },
    )


# A dose is typed as text, read in the reader's language (``localize``): a number input
# in a browser set to English dropped the comma of a French "7,5" and sent "75".
MG = forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "short"})


def mg_field(
    label: StrOrPromise, *, required: bool = True, help_text: StrOrPromise = ""
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=Decimal(10000),
        decimal_places=3,
        required=required,
        help_text=help_text,
        widget=MG,
        localize=True,
        error_messages={
            "min_value": _("This can't be negative."),
            "max_decimal_places": _("Give the dose to at most 3 decimal places."),
        },
    )


YES_NO = [("yes", _("Yes")), ("no", _("No"))]


def conditional[FieldT: forms.Field](field: FieldT) -> FieldT:
    """``field``, as one that only some answers need (the form's ``clean`` says which, and
    the help text says when): its label does not say "(optional)"
    (templates/jinja2/forms/field.html reads ``conditional``)."""
    # An attribute of the app's own, which Django's Field does not declare.
    field.conditional = True  # type: ignore[attr-defined]
    return field


def new_submission_key() -> str:
    """A form's own key (``submission_key_field``)."""
    return secrets.token_urlsafe(16)


def submission_key_field() -> forms.CharField:
    """The hidden key a form carries so that the same form sent again (Back then Send, a
    double tap, a retry) is recognised as sent (``program.submissions``, the diary's
    ``AlreadySaved``); the view gives each form it shows a key of its own
    (``new_submission_key``)."""
    return forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

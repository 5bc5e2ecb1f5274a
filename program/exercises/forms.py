from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from program.exercises.actions import MAX_SECONDS
from program.exercises.content import BREATH_DEFAULTS, BREATH_IN, BREATH_MINUTES, BREATH_OUT


class BreathingForm(forms.Form):
    """The rhythm the patient chose (read from the page's address, kept nowhere)."""

    inhale = forms.IntegerField(
        label=_("Breathe in for (seconds)"), min_value=BREATH_IN[0], max_value=BREATH_IN[1]
    )
    exhale = forms.IntegerField(
        label=_("Breathe out for (seconds)"), min_value=BREATH_OUT[0], max_value=BREATH_OUT[1]
    )
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=BREATH_MINUTES[0], max_value=BREATH_MINUTES[1]
    )

    def rhythm(self) -> dict[str, int]:
        """The valid choices, the usual ones where a choice is missing or out of bounds."""
        chosen = dict(BREATH_DEFAULTS)
        if self.is_bound:
            self.is_valid()
            for name in chosen:
                if name in self.cleaned_data and self.cleaned_data[name] is not None:
                    chosen[name] = self.cleaned_data[name]
        return chosen


class RecordForm(forms.Form):
    """What the page sends when an exercise ends: the seconds practised (the timer fills
    them) or, without the timer, the minutes the patient says they spent."""

    seconds = forms.IntegerField(
        required=False, min_value=1, max_value=MAX_SECONDS, widget=forms.HiddenInput
    )
    minutes = forms.IntegerField(
        label=_("How many minutes did you practise?"),
        required=False,
        min_value=1,
        max_value=MAX_SECONDS // 60,
        widget=forms.NumberInput(attrs={"class": "short"}),
    )
    completed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("seconds") and not cleaned.get("minutes") and not self.errors:
            self.add_error("minutes", _("Please say how many minutes you practised."))
        return cleaned

    def practised_seconds(self) -> int:
        return self.cleaned_data.get("seconds") or self.cleaned_data["minutes"] * 60

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User


class ReassignForm(forms.Form):
    therapist = forms.ModelChoiceField(
        queryset=User.objects.therapists().active(), label=_("Therapist")
    )


class PaceForm(forms.Form):
    """A therapist's change to a patient's pace (see program.curriculum.actions)."""

    action = forms.ChoiceField(
        choices=[
            ("pause", _("Pause")),
            ("resume", _("Resume")),
            ("extend", _("Extend this week")),
            ("advance", _("Open the next week now")),
        ]
    )
    days = forms.IntegerField(min_value=1, max_value=28, required=False, label=_("Days"))


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note (private to the care team)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
    )


class PlanConfirmForm(forms.Form):
    """Confirming a draft taper plan on the round (program.clinic.round_views)."""

    reason = forms.CharField(
        label=_("Note for the plan's history"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

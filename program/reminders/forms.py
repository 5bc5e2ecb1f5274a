from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.access import is_patient, is_therapist
from accounts.models import User
from program.form_fields import TIME


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        from program.models import ReminderPreference

        model = ReminderPreference
        fields = [
            "diary",
            "diary_time",
            "wind_down",
            "wind_down_minutes",
            "digest",
            "new_week",
            "questionnaire",
            "comeback",
            "email",
            "push",
            "quiet_start",
            "quiet_end",
        ]
        # The model's own verbose names, here so that they are translated.
        labels = {
            "diary": _("Morning diary reminder"),
            "diary_time": _("Time for the diary reminder"),
            "wind_down": _("Evening wind-down reminder"),
            "wind_down_minutes": _("Minutes before bedtime"),
            "digest": _("Weekly caseload digest"),
            "new_week": _("When a new programme week opens"),
            "questionnaire": _("When a questionnaire is due"),
            "comeback": _("A gentle note when I have been away a few days"),
            "email": _("By email"),
            "push": _("By notification on my devices"),
            "quiet_start": _("Quiet hours from"),
            "quiet_end": _("Quiet hours until"),
        }
        widgets = {
            "diary_time": TIME,
            "quiet_start": TIME,
            "quiet_end": TIME,
            "wind_down_minutes": forms.NumberInput(attrs={"class": "short"}),
        }

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not is_therapist(user):
            del self.fields["digest"]
        if not is_patient(user):
            for name in (
                "diary",
                "diary_time",
                "wind_down",
                "wind_down_minutes",
                "new_week",
                "questionnaire",
                "comeback",
            ):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("quiet_start"), cleaned.get("quiet_end")
        if bool(start) != bool(end):
            self.add_error(
                "quiet_end" if start else "quiet_start",
                _("Give both ends of your quiet hours, or neither."),
            )
        minutes = cleaned.get("wind_down_minutes")
        if minutes is not None and not 15 <= minutes <= 180:
            self.add_error("wind_down_minutes", _("Choose between 15 and 180 minutes."))
        return cleaned

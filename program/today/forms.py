from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from program.today.models import PatientPause


class PauseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why are you taking a break?"),
        choices=PatientPause.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why you are taking a break.")},
    )
    days = forms.IntegerField(
        label=_("For how many days?"),
        min_value=1,
        initial=7,
        error_messages={
            "required": _("Say for how many days."),
            "invalid": _("Enter a number of days."),
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        most = settings.PATIENT_PAUSE_MAX_DAYS
        field = cast(forms.IntegerField, self.fields["days"])
        field.max_value = most
        field.validators.append(forms.IntegerField(max_value=most).validators[-1])
        field.help_text = _("Up to %(max)s days. You can come back sooner.") % {"max": most}
        field.widget.attrs.update({"min": 1, "max": most})

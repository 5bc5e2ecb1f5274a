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
            "min_value": _("A break lasts at least one day. Please choose 1 or more."),
            "max_value": _(
                "A break can last up to %(limit_value)s days. Please choose %(limit_value)s "
                "or fewer: you can always come back sooner."
            ),
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

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _


class QuestionnaireForm(forms.Form):
    """One radio group per item of an instrument (its licensed or free wording)."""

    def __init__(self, instrument: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(str(o["value"]), o["label"]) for o in instrument.options]
        for number, item in enumerate(instrument.items, 1):
            self.fields[item["key"]] = forms.TypedChoiceField(
                label=f"{number}. {item['text']}",
                choices=choices,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please choose an answer.")},
            )


OCCASIONS = [
    ("baseline", _("Baseline")),
    ("week-2", _("End of week 2")),
    ("week-4", _("End of week 4")),
    ("week-6", _("End of week 6")),
    ("follow-up", _("Follow-up")),
    ("other", _("Other")),
]


class RecordResultForm(forms.Form):
    """A total entered by a clinician from a licensed paper form or an earlier result."""

    instrument = forms.ChoiceField(label=_("Questionnaire"), choices=[])
    total = forms.IntegerField(label=_("Total score"), min_value=0, max_value=28)
    completed_on = forms.DateField(
        label=_("Filled in on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    occasion = forms.ChoiceField(label=_("When in the programme"), choices=OCCASIONS)

    def __init__(self, instruments: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instruments = instruments
        cast(forms.ChoiceField, self.fields["instrument"]).choices = [
            (k, i.short_name) for k, i in instruments.items()
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        instrument = self.instruments.get(data.get("instrument", ""))
        total = data.get("total")
        if instrument and total is not None and total > instrument.scale.max_total:
            self.add_error(
                "total",
                _("A %(name)s total is at most %(max)s.")
                % {"name": instrument.short_name, "max": instrument.scale.max_total},
            )
        return data


class FhirImportForm(forms.Form):
    """A FHIR JSON file of questionnaire results from another system (fhir_import)."""

    file = forms.FileField(
        label=_("FHIR file (JSON)"),
        help_text=_(
            "A Bundle or a single QuestionnaireResponse or Observation, as another system "
            "or this app's FHIR download writes it; at most 2 MB."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,application/fhir+json"}),
    )
    occasion = forms.ChoiceField(
        label=_("These results are from"), choices=OCCASIONS, initial="other"
    )

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import formats
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from program import clinical_text
from program.form_fields import DATE, MG, conditional, mg_field, time_field
from program.medication.actions import DoseIn
from program.medication.models import parse_strengths, step_message
from program.models import Medication, MedicationAnswer
from program.rules import taper
from program.rules.taper import TEMPLATES


class NightMedicationMixin(forms.Form):
    """The diary's medication question, shown only when the patient lists medicines:
    its fields are made for a form that asks it (the others do not copy and drop them)."""

    medication_fields = (
        "medication_answer",
        "other_medication",
        "other_dose_mg",
        "other_taken_at",
    )
    # Sent by a form that showed the question (templates/program/diary_form.html), so
    # that an unanswered question is still asked again.
    medication_asked = "medication_asked"
    medication_markers = (medication_asked, *medication_fields)

    def setup_medication(self, medicines: list[Medication], usual_help: str) -> None:
        self.has_medication = bool(medicines)
        if not medicines:
            return
        other_medication = forms.ModelChoiceField(
            label=_("Which medicine?"),
            queryset=Medication.objects.filter(pk__in=[m.pk for m in medicines]),
            required=False,
            initial=medicines[0].pk,
        )
        other_medication.choices = [("", "—"), *((m.pk, m.name) for m in medicines)]  # no query
        self.fields.update(
            medication_answer=forms.ChoiceField(
                label=_("Sleep medicine last night"),
                choices=MedicationAnswer.choices,
                widget=forms.RadioSelect,
                help_text=usual_help,
                error_messages={"required": _("Say whether you took a sleep medicine last night.")},
            ),
            # Needed once "Something different" is chosen (clean_medication): not "(optional)".
            other_medication=conditional(other_medication),
            other_dose_mg=conditional(mg_field(_("How much? (mg)"), required=False)),
            other_taken_at=time_field(_("At what time?"), required=False),
        )

    def clean_medication(self, cleaned: dict[str, Any]) -> None:
        if not getattr(self, "has_medication", False):
            return
        if cleaned.get("medication_answer") == MedicationAnswer.OTHER:
            if not cleaned.get("other_medication"):
                self.add_error("other_medication", _("Choose the medicine you took."))
            if cleaned.get("other_dose_mg") in (None, ""):
                self.add_error("other_dose_mg", _("Give how many mg you took (0 if none)."))

    def medication_answers(self) -> tuple[str | None, DoseIn | None]:
        if not getattr(self, "has_medication", False):
            return None, None
        answer = self.cleaned_data.get("medication_answer") or None
        other = None
        if answer == MedicationAnswer.OTHER:
            other = DoseIn(
                self.cleaned_data["other_medication"],
                self.cleaned_data["other_dose_mg"],
                self.cleaned_data.get("other_taken_at"),
            )
        return answer, other


class StrengthsField(forms.CharField):
    """Tablet strengths in mg, typed as '2, 5'."""

    def to_python(self, value: Any) -> list[Decimal]:  # type: ignore[override]  # strengths, not text
        text = super().to_python(value)
        try:
            # Where the language writes 3,75, that is one strength (its hint says so).
            decimal_comma = formats.get_format("DECIMAL_SEPARATOR") == ","
            return parse_strengths(text or "", decimal_comma=decimal_comma)
        except (ValueError, ArithmeticError) as error:
            raise forms.ValidationError(
                _("Give tablet strengths in mg as numbers separated by commas, e.g. 2, 5.")
            ) from error


class MedicationForm(forms.ModelForm):
    strengths = StrengthsField(
        label=_("Tablet strengths you have (mg)"),
        required=False,
        help_text=_("As on the box, separated by commas, e.g. 2, 5."),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )

    class Meta:
        model = Medication
        fields = ["name", "usual_dose_mg"]
        localized_fields = ["usual_dose_mg"]  # "7,5" in French is 7.5, never 75
        labels = {"name": _("Medicine"), "usual_dose_mg": _("Your usual dose each night (mg)")}
        help_texts = {"name": _("Choose from the list or type its name.")}
        widgets = {
            "name": forms.TextInput(
                attrs={"list": "common-sleep-medicines", "autocomplete": "off"}
            ),
            "usual_dose_mg": MG,
        }

    def __init__(self, *args: Any, before_plan: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if before_plan:
            # While a taper plan runs, "my usual dose" (the diary's answer) is the plan's
            # current step; the dose kept here is the one from before the plan.
            self.fields["usual_dose_mg"].label = _("Your dose each night before the plan (mg)")
            self.fields["usual_dose_mg"].help_text = _(
                "While your plan runs, “My usual dose” in your diary means the current step "
                "of your plan."
            )
        if self.instance.pk:
            self.fields["strengths"].initial = self.instance.strengths_display
            if not self.is_bound and self.instance.usual_dose_mg is not None:
                # 10, not the column's 10.000 (and 7,5 in French)
                self.initial["usual_dose_mg"] = Decimal(taper.plain(self.instance.usual_dose_mg))
        dose = cast(forms.DecimalField, self.fields["usual_dose_mg"])
        dose.min_value = Decimal(0)  # type: ignore[assignment]  # the stubs say int; a Decimal is right

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def save(self, commit: bool = True) -> Medication:
        self.instance.strengths_mg = [f"{s.normalize():f}" for s in self.cleaned_data["strengths"]]
        return super().save(commit)


class TaperPlanNewForm(forms.Form):
    medication = forms.ModelChoiceField(
        label=_("Medicine"), queryset=Medication.objects.none(), empty_label=None
    )
    template = forms.ChoiceField(
        label=_("Suggest steps from"),
        choices=[
            (
                t.key,
                format_lazy(
                    "{} — {}",
                    clinical_text.template_text_lazy(t.name),
                    clinical_text.template_text_lazy(t.source),
                ),
            )
            for t in TEMPLATES.values()
        ],
        widget=forms.RadioSelect,
        initial="morin04",
    )
    start_dose_mg = mg_field(_("Starting dose each night (mg)"))
    start_on = forms.DateField(
        label=_("First night of the plan"), widget=DATE, help_text=_("Step 1 begins that evening.")
    )
    strengths = StrengthsField(
        label=_("Tablet strengths available (mg)"),
        help_text=_("Doses are rounded to what these tablets make, e.g. 2, 5."),
    )
    scored = StrengthsField(
        label=_("Scored tablets that may be halved (mg)"),
        required=False,
        help_text=_("Leave empty if none may be split."),
    )

    def __init__(self, *args: Any, medicines: list[Medication], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["medication"])
        field.queryset = Medication.objects.filter(pk__in=[m.pk for m in medicines])
        field.choices = [
            (m.pk, f"{m.name} {clinical_text.dose(m.usual_dose_mg)}") for m in medicines
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        strengths = cleaned.get("strengths") or []
        if "strengths" in cleaned and not strengths:
            self.add_error("strengths", _("List at least one tablet strength."))
        for value in cleaned.get("scored") or []:
            if value not in strengths:
                self.add_error(
                    "scored",
                    _("%(dose)s is not among the tablet strengths.")
                    % {"dose": clinical_text.dose(value)},
                )
        if cleaned.get("start_dose_mg") is not None and cleaned["start_dose_mg"] <= 0:
            self.add_error("start_dose_mg", _("The starting dose must be more than 0 mg."))
        return cleaned


class TaperStepForm(forms.Form):
    starts_on = forms.DateField(label=_("From the evening of"), widget=DATE)
    dose_mg = mg_field(_("Dose (mg)"))
    drug_free_nights = forms.IntegerField(
        label=_("Drug-free nights a week"),
        min_value=0,
        max_value=7,
        initial=0,
        widget=forms.NumberInput(attrs={"class": "short", "inputmode": "numeric"}),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    # The suggestion's note, kept as its code and figures (shown beside the clinician's
    # own note, in the reader's language).
    note_code = forms.CharField(required=False, widget=forms.HiddenInput)
    note_params = forms.JSONField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        # Not typed by anyone: a code or figures that do not fit are dropped, not refused.
        message = step_message(data.get("note_code") or "", data.get("note_params"))
        if (
            message is not None
            and message.code is taper.Note.DRUG_FREE_TO_SET
            and data.get("drug_free_nights") is not None
        ):
            message = None  # the clinician entered the nights the draft left to them
        data["message"] = message
        return data

    def message_words(self) -> str:
        """The suggestion's note in the active language, for the step editor."""
        params = self["note_params"].value()
        if isinstance(params, str):
            try:
                params = json.loads(params)
            except ValueError:
                params = None
        return clinical_text.taper_words(step_message(self["note_code"].value() or "", params))


TaperStepFormSet = forms.formset_factory(TaperStepForm, extra=1, can_delete=True, max_num=80)


class TaperPlanDetailsForm(forms.Form):
    prescriber = forms.CharField(
        label=_("Prescriber who agreed the plan"), max_length=150, required=False
    )
    conversion_note = forms.CharField(
        label=_("Conversion used, if switching from another medicine"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The app has no dose-equivalence table: write the conversion you used."),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(
        label=_("Why this change?"),
        required=False,
        max_length=1000,
        help_text=_("Kept in the plan's history. Needed once the plan is confirmed."),
    )
    allow_increase = forms.BooleanField(
        label=_("I mean to raise the dose at a step (e.g. after withdrawal symptoms)"),
        required=False,
    )
    # The plan as the page showed it (actions.plan_version): a change made since refuses.
    # Kept with what was typed (static/js/app.js, "drafts"): steps that come back after a
    # sign-in are the ones typed on that version, not on whatever a colleague saved since.
    seen = forms.CharField(widget=forms.HiddenInput(attrs={"data-draft-keep": ""}), required=False)

    def __init__(self, *args: Any, confirmed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if confirmed:
            # A confirmed plan changes only with a reason (``update_steps`` refuses one
            # without): the field says so, rather than "(optional)".
            reason = self.fields["reason"]
            reason.required = True
            reason.help_text = _("Kept in the plan's history.")
            reason.error_messages["required"] = _(
                "Say why the confirmed plan changes: it is kept in the plan's history."
            )


class TaperPlanActionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[
            ("pause", _("Pause")),
            ("slow", _("Slow down")),
            ("resume", _("Resume")),
            ("end", _("End")),
        ]
    )
    factor = forms.TypedChoiceField(
        label=_("Spread the remaining steps"),
        coerce=Decimal,
        choices=[
            ("1.5", _("1.5 × as far apart")),
            ("2", _("2 × as far apart")),
            ("3", _("3 × as far apart")),
        ],
        initial="2",
        required=False,
    )
    reason = forms.CharField(label=_("Reason"), max_length=1000, required=False)
    # The plan as the page showed it (actions.plan_version): a change made since refuses.
    seen = forms.CharField(widget=forms.HiddenInput, required=False)

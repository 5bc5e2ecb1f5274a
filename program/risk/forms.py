"""The clinic admin's forms for its risk flags (/clinic/risk-flags/)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from accounts.text import refuse_control_characters
from program.form_fields import conditional
from program.models import Instrument, RiskRule, RotaLine
from program.rules import risk_flags


class PhraseRuleForm(forms.ModelForm):
    class Meta:
        model = RiskRule
        fields = ["phrase", "note", "is_active"]
        labels = {
            "phrase": _("Words to look for"),
            "note": _("Why (for your colleagues)"),
            "is_active": _("On: start the risk workflow when a patient writes these words"),
        }
        help_texts = {
            "phrase": _(
                "Whole words, in any case: “end my life” also finds “End my life.” but "
                "“die” does not find “diet”. Looked for in patients' messages and diary notes."
            ),
        }

    def clean_phrase(self) -> str:
        phrase = " ".join(str(self.cleaned_data["phrase"]).split())
        refuse_control_characters(phrase)
        if not risk_flags.valid_phrase(phrase):
            raise forms.ValidationError(
                _("Type at least %(n)s letters: shorter words match too much.")
                % {"n": risk_flags.MIN_PHRASE}
            )
        same = risk_flags.normalise(phrase)
        others = RiskRule.objects.filter(kind=RiskRule.Kind.PHRASE).exclude(pk=self.instance.pk)
        if any(risk_flags.normalise(p) == same for p in others.values_list("phrase", flat=True)):
            raise forms.ValidationError(_("This phrase is already on the list."))
        return phrase

    def save(self, commit: bool = True) -> RiskRule:
        self.instance.kind = RiskRule.Kind.PHRASE
        return super().save(commit)


def item_choices() -> list[tuple[str, str]]:
    """ "phq9/phq9_3" → "PHQ-9 item 3: <its words>", for every current instrument."""
    choices = [("", "—")]
    for instrument in Instrument.objects.current().order_by("key"):
        for n, item in enumerate(instrument.items, start=1):
            text = str(item.get("text", ""))
            short = text if len(text) <= 70 else text[:69] + "…"
            label = f"{instrument.short_name} {_('item')} {n}" + (f": {short}" if short else "")
            choices.append((f"{instrument.key}/{item['key']}", label))
    return choices


class ItemRuleForm(forms.ModelForm):
    question = forms.ChoiceField(label=_("Questionnaire item"), choices=item_choices)

    class Meta:
        model = RiskRule
        fields = ["threshold", "note", "is_active"]
        labels = {
            "threshold": _("Answer at or above (the item's score)"),
            "note": _("Why (for your colleagues)"),
            "is_active": _("On: start the risk workflow when a patient answers this"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["threshold"].required = True
        if self.instance.pk:
            self.initial["question"] = f"{self.instance.instrument}/{self.instance.item}"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        question, threshold = data.get("question"), data.get("threshold")
        if not question or threshold is None:
            return data
        key, item = str(question).split("/", 1)
        instrument = Instrument.objects.current().filter(key=key).first()
        if instrument is None:
            self.add_error("question", _("This questionnaire is no longer in use."))
            return data
        values = [int(o["value"]) for o in instrument.options]
        if not 1 <= threshold <= max(values):
            self.add_error(
                "threshold",
                _("Choose a score from 1 to %(max)s, the highest answer to this item.")
                % {"max": max(values)},
            )
        others = RiskRule.objects.filter(kind=RiskRule.Kind.ITEM, instrument=key, item=item)
        if others.exclude(pk=self.instance.pk).exists():
            self.add_error("question", _("This item already has a rule: edit that one."))
        self.instance.instrument, self.instance.item = key, item
        return data

    def save(self, commit: bool = True) -> RiskRule:
        self.instance.kind = RiskRule.Kind.ITEM
        return super().save(commit)


class RotaLineForm(forms.Form):
    """A line of the duty list's rota (/clinic/duty/rota/): a weekly shift, or dates."""

    WEEKLY, DATES = "weekly", "dates"

    member = forms.ChoiceField(
        label=_("Who"),
        error_messages={
            "required": _("Choose who is on duty."),
            "invalid_choice": _("Choose someone on the duty list."),
        },
    )
    kind = forms.ChoiceField(
        label=_("When"),
        choices=[
            (WEEKLY, _("Every week, on a day and between two times")),
            (DATES, _("All day, from one date to another")),
        ],
        widget=forms.RadioSelect,
        initial=WEEKLY,
        error_messages={"required": _("Choose every week or dates.")},
    )
    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[("", "—"), *((str(i), day) for i, day in WEEKDAYS.items())],
        coerce=int,
        required=False,
    )
    starts = forms.TimeField(
        label=_("From"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Enter a time as hours and minutes, for example 09:00.")},
    )
    ends = forms.TimeField(
        label=_("To"),
        required=False,
        help_text=_("At or before the start: the shift runs overnight into the next day."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Enter a time as hours and minutes, for example 17:00.")},
    )
    first_day = forms.DateField(
        label=_("First day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a full date, for example 2026-12-24.")},
    )
    last_day = forms.DateField(
        label=_("Last day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Enter a full date, for example 2026-12-26.")},
    )

    def __init__(self, *args: Any, members: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ChoiceField, self.fields["member"])
        field.choices = [("", "—"), *((m, m) for m in members)]
        # Needed for one kind of line or the other (``clean``): not "(optional)".
        for name in ("weekday", "starts", "ends", "first_day", "last_day"):
            conditional(self.fields[name])
        self.fields["weekday"].help_text = _("For every week.")
        self.fields["first_day"].help_text = _("For dates.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == self.WEEKLY:
            if data.get("weekday") in (None, ""):
                self.add_error("weekday", _("Choose the day of the week."))
            for name in ("starts", "ends"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Enter a time, for example 09:00."))
        elif data.get("kind") == self.DATES:
            for name in ("first_day", "last_day"):
                if data.get(name) is None and name not in self.errors:
                    self.add_error(name, _("Enter a date, for example 2026-12-24."))
            first, last = data.get("first_day"), data.get("last_day")
            if first and last and last < first:
                self.add_error("last_day", _("The last day is before the first: please check."))
        return data

    def save(self, *, by: Any) -> RotaLine:
        data = self.cleaned_data
        weekly = data["kind"] == self.WEEKLY
        return RotaLine.objects.create(
            member=data["member"],
            weekday=data["weekday"] if weekly else None,
            starts=data["starts"] if weekly else None,
            ends=data["ends"] if weekly else None,
            first_day=None if weekly else data["first_day"],
            last_day=None if weekly else data["last_day"],
            created_by=by,
        )

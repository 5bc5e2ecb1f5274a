"""The clinic admin's forms for its risk flags (/clinic/risk-flags/)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.text import refuse_control_characters
from program.models import Instrument, RiskRule
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

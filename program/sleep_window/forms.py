from __future__ import annotations

from typing import Any, Self, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import BirthDateField
from program import clinical_text
from program.form_fields import YES_NO, conditional, time_field
from program.models import SafetyScreen, SleepProtocol
from program.rules import age, mood, safety, titration


class BirthDateForm(forms.Form):
    """A date of birth asked before sleep restriction (program.sleep_window.views)."""

    date_of_birth = BirthDateField(check_adult=False)


class SafetyScreenForm(forms.Form):
    """The screen before sleep restriction (program.rules.safety.SCREEN). ``years``: the
    patient's age from their date of birth, when known. Then "Are you 65 or older?" is
    not asked again (the date of birth, asked at sign-up, answers it)."""

    def __init__(self, *args: Any, years: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.years = years
        for question in safety.SCREEN:
            if question.key == "older" and years is not None:
                continue
            self.fields[question.key] = forms.ChoiceField(
                label=clinical_text.screen_question(question.key),
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please answer yes or no.")},
            )

    def answers(self) -> dict[str, bool]:
        return {
            q.key: (
                age.older_adult(self.years)
                if q.key not in self.fields
                else self.cleaned_data[q.key] == "yes"
            )
            for q in safety.SCREEN
        }


class RiseTimeForm(forms.Form):
    rise_time = time_field(
        _("What time will you get up every day, weekends included?"),
        help_text=_(
            "Choose a time you can keep seven days a week. Your bedtime is worked out from it."
        ),
    )


class SleepinessForm(forms.Form):
    dozing = forms.TypedChoiceField(
        label=clinical_text.DOZING_QUESTION,
        coerce=int,
        choices=[(n, clinical_text.DOZING_CHOICES[n]) for n in safety.DOZING_SCALE],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose an answer.")},
    )
    unsafe = forms.ChoiceField(
        label=clinical_text.UNSAFE_QUESTION,
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please answer yes or no.")},
    )


class MoodForm(forms.Form):
    """The weekly elevated-mood question (program.rules.mood; not a validated questionnaire)."""

    elevated = forms.ChoiceField(
        label=clinical_text.translated_lazy(mood.ELEVATED_MOOD_QUESTION),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please answer yes or no.")},
    )


class RecommendationDecisionForm(forms.Form):
    action = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("edit", _("Change")), ("reject", _("Reject"))],
        widget=forms.RadioSelect,
        label=_("Your decision"),
    )
    window_min = forms.IntegerField(
        label=_("Window (minutes), if you change it"),
        required=False,
        min_value=180,
        max_value=720,
        widget=forms.NumberInput(attrs={"class": "short"}),
    )
    outside_protocol = forms.BooleanField(
        label=_("I mean this window, although it is outside the protocol's range"),
        required=False,
    )
    reason = conditional(
        forms.CharField(
            label=_("Reason"),
            help_text=_(
                "Needed if you change the window or reject it. The patient reads the reason "
                "for a changed window beside it."
            ),
            required=False,
            widget=forms.Textarea(attrs={"rows": 2}),
            max_length=1000,
        )
    )

    def __init__(self, *args: Any, rules: titration.Protocol | None = None, **kwargs: Any):
        """``rules``: the protocol of the recommendation's course, whose floor and ceiling
        a changed window is checked against (the box above confirms one outside them)."""
        super().__init__(*args, **kwargs)
        self.rules = rules
        if rules is not None:
            self.fields["outside_protocol"].help_text = _(
                "Only for a window outside %(floor)s to %(ceiling)s, this protocol's range."
            ) % {
                "floor": clinical_text.duration(rules.floor_min),
                "ceiling": clinical_text.duration(rules.ceiling_min),
            }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        window = cleaned.get("window_min")
        if action == "edit" and not window:
            self.add_error("window_min", _("Give the window you want, in minutes."))
        elif (
            action == "edit"
            and self.rules is not None
            and window is not None
            and not self.rules.in_range(window)
            and not cleaned.get("outside_protocol")
        ):
            # A window below the floor (or above the ceiling) is the clinician's to set,
            # never by a slip of the keyboard: it goes live only once they say they mean it.
            self.add_error(
                "outside_protocol",
                _(
                    "%(window)s is outside this protocol's range (%(floor)s to %(ceiling)s). "
                    "Tick the box if you mean it; the patient sees it as soon as it is set."
                )
                % {
                    "window": clinical_text.duration(window),
                    "floor": clinical_text.duration(self.rules.floor_min),
                    "ceiling": clinical_text.duration(self.rules.ceiling_min),
                },
            )
        if action in ("edit", "reject") and not (cleaned.get("reason") or "").strip():
            self.add_error(
                "reason",
                _("Say why, so the patient's record explains the change.")
                if action == "edit"
                else _("Say why, so the patient's record explains why the window stays as it is."),
            )
        return cleaned


class ScreenDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        widget=forms.RadioSelect,
        choices=[
            ("allowed", _("Sleep restriction may go ahead")),
            ("compression", _("Only the gentler sleep compression")),
            ("not_allowed", _("No sleep restriction: follow the rest of the programme")),
        ],
    )
    note = forms.CharField(
        label=_("Note for the record"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, strict: bool = False, **kwargs: Any) -> None:
        """``strict``: a safety-critical job or untreated sleep apnoea (safety.STRICT_KEYS)
        is cleared only with a typed reason, and compression is offered first."""
        super().__init__(*args, **kwargs)
        self.strict = strict
        if strict:
            decision = cast(forms.ChoiceField, self.fields["decision"])
            choices = dict(cast(list[tuple[str, str]], decision.choices))
            decision.choices = [
                ("compression", choices["compression"]),
                ("allowed", choices["allowed"]),
                ("not_allowed", choices["not_allowed"]),
            ]
            self.fields["note"].label = _("Your reason")

    @classmethod
    def for_screen(cls, screen: SafetyScreen | None, *args: Any, **kwargs: Any) -> Self:
        """The form for ``screen``'s answers: strict where they hold a safety-critical job
        or untreated sleep apnoea (``safety.strict_answers``)."""
        strict = bool(screen and safety.strict_answers(screen.answers))
        return cls(*args, strict=strict, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            self.strict
            and data.get("decision") in ("allowed", "compression")
            and not (data.get("note") or "").strip()
        ):
            self.add_error(
                "note",
                _(
                    "Say why sleep restriction is safe for this patient: it cannot be "
                    "cleared without a reason."
                ),
            )
        return data


class CourseSettingsForm(forms.Form):
    protocol = forms.ModelChoiceField(
        queryset=SleepProtocol.objects.none(), empty_label=None, label=_("Protocol")
    )
    titration_weekday = forms.TypedChoiceField(
        label=_("Weekly review day"),
        coerce=int,
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        protocol = cast(forms.ModelChoiceField, self.fields["protocol"])
        protocol.queryset = SleepProtocol.objects.filter(is_active=True)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

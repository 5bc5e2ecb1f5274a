from __future__ import annotations

from datetime import date, timedelta
from typing import Any, cast

from django import forms
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.text import refuse_control_characters
from program.diary import actions as diary_service
from program.diary.models import Quality
from program.form_fields import DATE, minutes_field, submission_key_field, time_field
from program.medication.forms import NightMedicationMixin
from program.models import DiaryEntry, Medication, UnusualReason
from program.rules import sleep


class MorningField(forms.TypedChoiceField):
    """The mornings a diary entry can be for. An answer is checked against their dates
    alone; the labels (day names in the reader's language) are worked out only when the
    list is shown, so a saved night costs none."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(coerce=date.fromisoformat, **kwargs)
        self.offered: frozenset[str] = frozenset()

    def offer(self, dates: list[date], today: date) -> None:
        self.offered = frozenset(d.isoformat() for d in dates)
        self.choices = lambda: [(d.isoformat(), _date_label(d, today)) for d in dates]

    def valid_value(self, value: Any) -> bool:
        return str(value) in self.offered


class DiaryEntryForm(NightMedicationMixin):
    """The Consensus Sleep Diary's items [Carney et al., SLEEP 2012;35:287], as a form.

    Clock times follow the diary's rule (evening times belong to the night
    before the morning's date); a day-sleeper can give explicit dates instead.
    The rules themselves live in program.rules.sleep and program.diary.actions.
    """

    diary_date = MorningField(
        label=_("Which morning is this for?"),
        help_text=_("The date you woke up, as the diary counts nights by their morning."),
    )
    into_bed = time_field(_("What time did you get into bed?"))
    lights_off = time_field(_("What time did you try to go to sleep?"))
    sleep_latency_min = minutes_field(_("How long did it take you to fall asleep? (minutes)"))
    awakenings = forms.IntegerField(
        label=_("How many times did you wake up, not counting your final awakening?"),
        min_value=0,
        max_value=99,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "short"}),
        error_messages={"min_value": _("This can't be negative.")},
    )
    awake_min = minutes_field(_("In total, how long did these awakenings last? (minutes)"))
    final_wake = time_field(_("What time was your final awakening?"))
    out_of_bed = time_field(_("What time did you get out of bed for the day?"))
    quality = forms.TypedChoiceField(
        label=_("How would you rate the quality of your sleep?"),
        coerce=int,
        choices=Quality.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how well you slept.")},
    )
    # Expanded items.
    nap_count = forms.IntegerField(
        label=_("Naps or dozing yesterday (how many times)"),
        min_value=0,
        max_value=20,
        required=False,
        widget=forms.NumberInput(attrs={"class": "short"}),
    )
    nap_min = minutes_field(_("Minutes of naps or dozing in total"), required=False)
    early_wake_min = minutes_field(
        _("Did you wake earlier than you wanted? By how many minutes?"), required=False
    )
    alcohol_drinks = forms.IntegerField(
        label=_("Alcoholic drinks yesterday"),
        min_value=0,
        max_value=50,
        required=False,
        widget=forms.NumberInput(attrs={"class": "short"}),
    )
    alcohol_last_at = time_field(_("Time of the last one"), required=False)
    caffeine_drinks = forms.IntegerField(
        label=_("Caffeinated drinks yesterday (coffee, tea, cola)"),
        min_value=0,
        max_value=50,
        required=False,
        widget=forms.NumberInput(attrs={"class": "short"}),
    )
    caffeine_last_at = time_field(_("Time of the last one"), required=False)
    unusual_night = forms.BooleanField(
        label=_("This night was unusual (illness, travel, a shift)"),
        required=False,
        help_text=_("It stays in your diary but is left out when your sleep window is worked out."),
    )
    unusual_reason = forms.ChoiceField(
        label=_("What made it unusual?"),
        required=False,
        choices=[("", _("—")), *UnusualReason.choices],
    )
    comments = forms.CharField(
        label=_("Anything else about the night?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        validators=[refuse_control_characters],
    )
    # Day-sleepers: explicit dates override the evening/morning rule.
    into_bed_date = forms.DateField(label=_("Date you got into bed"), required=False, widget=DATE)
    lights_off_date = forms.DateField(
        label=_("Date you tried to sleep"), required=False, widget=DATE
    )
    final_wake_date = forms.DateField(
        label=_("Date of your final awakening"), required=False, widget=DATE
    )
    out_of_bed_date = forms.DateField(
        label=_("Date you got out of bed"), required=False, widget=DATE
    )

    # A new night's form carries a key of its own: the same form sent again (Back then
    # Save, a double tap, a retry) is recognised as saved (program.diary.actions.AlreadySaved).
    submission_key = submission_key_field()
    # Asked only when another night this week has exactly the same four times.
    same_times_confirmed = forms.BooleanField(
        label=_("These are two different nights with the same times: save this one too"),
        required=False,
    )

    core_fields = ("diary_date", *diary_service.CORE_FIELDS)
    more_fields = (
        "nap_count",
        "nap_min",
        "early_wake_min",
        "alcohol_drinks",
        "alcohol_last_at",
        "caffeine_drinks",
        "caffeine_last_at",
        "unusual_night",
        "unusual_reason",
        "comments",
    )
    date_fields = ("into_bed_date", "lights_off_date", "final_wake_date", "out_of_bed_date")

    def __init__(
        self,
        *args: Any,
        patient: User,
        dates: list[date],
        editing: DiaryEntry | None = None,
        medicines: list[Medication] | None = None,
        usual_help: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.setup_medication(medicines or [], usual_help)
        self.patient = patient
        self.editing = editing
        self.same_times_as: date | None = None
        self.already_saved: date | None = None
        field = self.fields["diary_date"]
        self.offer_dates(dates)
        field.error_messages["invalid_choice"] = _(
            "That morning can't be chosen: it already has an entry, or it is outside the "
            "past week. Choose one of the mornings listed."
        )
        if editing is not None:
            field.disabled = True

    def offer_dates(self, dates: list[date]) -> None:
        """The mornings the date question lists."""
        cast(MorningField, self.fields["diary_date"]).offer(dates, self.patient.local_today())

    def chosen_morning(self) -> str:
        """The morning this form saves, in words ("Yesterday, Tuesday 1 December"), shown
        beside the Save button; "" when none of the offered mornings is chosen."""
        value = str(self["diary_date"].value() or "")
        if value not in cast(MorningField, self.fields["diary_date"]).offered:
            return ""
        return _date_label(date.fromisoformat(value), self.patient.local_today())

    def answers(self) -> dict[str, Any]:
        """Cleaned answers in the shape program.diary.actions expects (explicit dates applied)."""
        data = dict(self.cleaned_data)
        data.pop("submission_key", None)
        data.pop("same_times_confirmed", None)
        zone = self.patient.zone
        for name in ("into_bed", "lights_off", "final_wake", "out_of_bed"):
            day = data.pop(f"{name}_date", None)
            if day and data.get(name):
                data[name] = sleep.local_datetime(day, data[name], zone)
        for name in ("nap_count", "nap_min", "early_wake_min", "alcohol_drinks", "caffeine_drinks"):
            data[name] = data.get(name) or 0
        return data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        self.clean_medication(cleaned)
        needed = (
            "diary_date",
            "into_bed",
            "lights_off",
            "sleep_latency_min",
            "awakenings",
            "awake_min",
            "final_wake",
            "out_of_bed",
        )
        if any(cleaned.get(name) is None for name in needed):
            return cleaned  # field errors already say what is missing
        answers = self.answers()
        diary_date = cleaned["diary_date"]
        errors: dict[str, str] = {}
        if self.editing is None:
            # A morning with an entry is not among the choices (the view lists the
            # missing ones); one saved since by another tab is caught by save_entry.
            errors.update(diary_service.date_errors(self.patient, diary_date))
        _entry, check = diary_service.check_answers(self.patient, diary_date, answers)
        errors.update(check.errors)
        if not errors and self.editing is None and not cleaned.get("same_times_confirmed"):
            same = diary_service.same_times_as(self.patient, diary_date, answers)
            key = cleaned.get("submission_key")
            if same is not None and key and same[1] == key:
                self.already_saved = same[0]  # this very form, sent again: see the view
            elif same is not None:
                self.same_times_as = same[0]
                errors["same_times_confirmed"] = _(
                    "Your diary for %(day)s has exactly these times. Is this the same night? "
                    "If it is, it is already saved and there is nothing to do. If it is "
                    "another night that happened to have the same times, tick the box "
                    "and save again."
                ) % {"day": date_format(same[0], "LONG_WEEKDAY_DAY_MONTH_FORMAT")}
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
        self.warnings = check.warnings
        return cleaned


def _date_label(day: date, today: date) -> str:
    # Day and month names in the active language (Django's, not the C locale's).
    named = date_format(day, "LONG_WEEKDAY_DAY_MONTH_FORMAT")
    if day == today:
        return _("Today, %(day)s") % {"day": named}
    if day == today - timedelta(days=1):
        return _("Yesterday, %(day)s") % {"day": named}
    return _("%(day)s (late)") % {"day": named}

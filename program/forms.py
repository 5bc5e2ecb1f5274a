from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.forms import BirthDateField, CountryField, TimeZoneField
from accounts.models import User
from accounts.text import refuse_control_characters

from . import clinical_text, clock, mood, safety, sleep, taper
from . import diary as diary_service
from .medication import DoseIn
from .models import DiaryEntry, Medication, MedicationAnswer, Programme, UnusualReason
from .models.diary import Quality
from .models.medication import parse_strengths
from .taper import TEMPLATES


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("Patient's email address"))
    name = forms.CharField(
        label=_("Patient's name"),
        required=False,
        max_length=150,
        help_text=_("Optional: used to greet them in the email."),
    )
    programme = forms.ModelChoiceField(
        queryset=Programme.objects.active(), empty_label=None, label=_("Programme")
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        default = Programme.objects.active().filter(is_default=True).first()
        if default:
            self.fields["programme"].initial = default.pk


class AcceptInvitationForm(forms.Form):
    has_passwords = True  # the error summary asks to type passwords again

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        help_text=_("How you would like to be addressed. You can leave it empty."),
    )
    time_zone = TimeZoneField()
    country = CountryField()
    date_of_birth = BirthDateField()
    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("The same password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )
    consent = forms.BooleanField(
        label=(
            _(
                "I agree that this service stores my sleep diary and answers to support my "
                "treatment, and that my therapist can see them."
            )
        ),
        error_messages={"required": _("We need your agreement to look after your data.")},
    )

    def __init__(self, *args: object, email: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.email = email

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            try:
                password_validation.validate_password(
                    str(p1), User(email=self.email, name=str(cleaned.get("name") or ""))
                )
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class BirthDateForm(forms.Form):
    """A date of birth asked before sleep restriction (program.views.sleep_window)."""

    date_of_birth = BirthDateField(check_adult=False)


class ReassignForm(forms.Form):
    therapist = forms.ModelChoiceField(
        queryset=User.objects.therapists().active(), label=_("Therapist")
    )


# --- Sleep diary -------------------------------------------------------------------

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class ClockInput(forms.TimeInput):
    """A text box for a clock time: people type "23:15", "11:15 pm" or "23h15" (read by
    ``program.clock``), and a time the server could not read comes back as typed."""

    def __init__(self) -> None:
        super().__init__(
            attrs={
                "class": "clock",
                "autocomplete": "off",
                "spellcheck": "false",
                "inputmode": "text",
                "size": "8",
            },
            format="%H:%M",
        )


class ClockField(forms.TimeField):
    """A clock time, as people write it (``program.clock.parse_clock``: 24-hour, 12-hour
    with am/pm, dotted and spaced forms, "23h15"); failing that, the language's own
    formats (Django's)."""

    default_error_messages = {
        "invalid": _("Enter a time like 23:15 or 11:15 pm."),
    }

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            parsed = clock.parse_clock(value)
            if parsed is not None:
                return parsed
        return super().to_python(value)


def time_field(label: str, *, required: bool = True, help_text: str = "") -> forms.TimeField:
    return ClockField(label=label, required=required, help_text=help_text, widget=ClockInput())


DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def minutes_field(
    label: str, *, required: bool = True, max_value: int = 24 * 60, help_text: str = ""
) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=max_value,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "short"}),
        error_messages={
            "min_value": _("This can't be negative."),
            "max_value": _("That is more than a whole day: check the number."),
        },
    )


MG = forms.NumberInput(attrs={"inputmode": "decimal", "step": "any", "class": "short"})


def mg_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        min_value=Decimal(0),
        max_value=Decimal(10000),
        decimal_places=3,
        required=required,
        help_text=help_text,
        widget=MG,
        error_messages={
            "min_value": _("This can't be negative."),
            "max_decimal_places": _("Give the dose to at most 3 decimal places."),
        },
    )


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
            other_medication=other_medication,
            other_dose_mg=mg_field(_("How much? (mg)"), required=False),
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
    The rules themselves live in program.sleep and program.diary.
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
    # Save, a double tap, a retry) is recognised as saved (program.diary.AlreadySaved).
    submission_key = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)
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
        self.fields["diary_date"].offer(dates, self.patient.local_today())  # type: ignore[attr-defined]

    def chosen_morning(self) -> str:
        """The morning this form saves, in words ("Yesterday, Tuesday 1 December"), shown
        beside the Save button; "" when none of the offered mornings is chosen."""
        value = str(self["diary_date"].value() or "")
        if value not in self.fields["diary_date"].offered:  # type: ignore[attr-defined]
            return ""
        return _date_label(date.fromisoformat(value), self.patient.local_today())

    def answers(self) -> dict[str, Any]:
        """Cleaned answers in the shape program.diary expects (explicit dates applied)."""
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
                    "another night that happened to have the same times, tick the box below "
                    "and save again."
                ) % {"day": date_format(same[0], "l j F")}
        for name, message in errors.items():
            self.add_error(name if name in self.fields else None, message)
        self.warnings = check.warnings
        return cleaned


def _date_label(day: date, today: date) -> str:
    # Day and month names in the active language (Django's, not the C locale's).
    named = date_format(day, "l j F")
    if day == today:
        return _("Today, %(day)s") % {"day": named}
    if day == today - timedelta(days=1):
        return _("Yesterday, %(day)s") % {"day": named}
    return _("%(day)s (late)") % {"day": named}


# --- Sleep window --------------------------------------------------------------------

YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class SafetyScreenForm(forms.Form):
    """The screen before sleep restriction (program.safety.SCREEN)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for question in safety.SCREEN:
            self.fields[question.key] = forms.ChoiceField(
                label=clinical_text.translated(question.text),
                choices=YES_NO,
                widget=forms.RadioSelect,
                error_messages={"required": _("Please answer yes or no.")},
            )

    def answers(self) -> dict[str, bool]:
        return {q.key: self.cleaned_data[q.key] == "yes" for q in safety.SCREEN}


class RiseTimeForm(forms.Form):
    rise_time = time_field(
        _("What time will you get up every day, weekends included?"),
        help_text=_(
            "Choose a time you can keep seven days a week. Your bedtime is worked out from it."
        ),
    )


class SleepinessForm(forms.Form):
    dozing = forms.TypedChoiceField(
        label=clinical_text.translated_lazy(safety.DOZING_QUESTION),
        coerce=int,
        choices=[(n, clinical_text.translated_lazy(label)) for n, label in safety.DOZING_CHOICES],
        widget=forms.RadioSelect,
        error_messages={"required": _("Please choose an answer.")},
    )
    unsafe = forms.ChoiceField(
        label=clinical_text.translated_lazy(safety.UNSAFE_QUESTION),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Please answer yes or no.")},
    )


class MoodForm(forms.Form):
    """The weekly elevated-mood question (program.mood; not a validated questionnaire)."""

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
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("Needed if you change the window or reject it."),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=1000,
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if action == "edit" and not cleaned.get("window_min"):
            self.add_error("window_min", _("Give the window you want, in minutes."))
        if action in ("edit", "reject") and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", _("Say why, so the patient's record explains the change."))
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
            choices = dict(self.fields["decision"].choices)
            self.fields["decision"].choices = [
                ("compression", choices["compression"]),
                ("allowed", choices["allowed"]),
                ("not_allowed", choices["not_allowed"]),
            ]
            self.fields["note"].label = _("Your reason")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
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
    protocol = forms.ModelChoiceField(queryset=None, empty_label=None, label=_("Protocol"))  # type: ignore[arg-type]
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
        from .models import SleepProtocol

        self.fields["protocol"].queryset = SleepProtocol.objects.filter(is_active=True)  # type: ignore[attr-defined]


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class ReminderPreferenceForm(forms.ModelForm):
    class Meta:
        from .models import ReminderPreference

        model = ReminderPreference
        fields = [
            "diary",
            "diary_time",
            "wind_down",
            "wind_down_minutes",
            "digest",
            "new_week",
            "questionnaire",
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
        if user.role != "therapist":
            del self.fields["digest"]
        if user.role != "patient":
            for name in (
                "diary",
                "diary_time",
                "wind_down",
                "wind_down_minutes",
                "new_week",
                "questionnaire",
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


# --- Sleep medication ----------------------------------------------------------------


class StrengthsField(forms.CharField):
    """Tablet strengths in mg, typed as '2, 5'."""

    def to_python(self, value: Any) -> list[Decimal]:  # type: ignore[override]
        text = super().to_python(value)
        try:
            return parse_strengths(text or "")
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
        labels = {"name": _("Medicine"), "usual_dose_mg": _("Your usual dose each night (mg)")}
        help_texts = {"name": _("Choose from the list or type its name.")}
        widgets = {
            "name": forms.TextInput(
                attrs={"list": "common-sleep-medicines", "autocomplete": "off"}
            ),
            "usual_dose_mg": MG,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["strengths"].initial = self.instance.strengths_display
            if not self.is_bound and self.instance.usual_dose_mg is not None:
                # 10, not the column's 10.000
                self.initial["usual_dose_mg"] = taper.plain(self.instance.usual_dose_mg)
        self.fields["usual_dose_mg"].min_value = Decimal(0)

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
                    clinical_text.taper_message_lazy(t.name),
                    clinical_text.taper_message_lazy(t.source),
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
        field = self.fields["medication"]
        field.queryset = Medication.objects.filter(pk__in=[m.pk for m in medicines])
        field.choices = [(m.pk, str(m)) for m in medicines]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        strengths = cleaned.get("strengths") or []
        if "strengths" in cleaned and not strengths:
            self.add_error("strengths", _("List at least one tablet strength."))
        for value in cleaned.get("scored") or []:
            if value not in strengths:
                self.add_error("scored", f"{value.normalize():f} mg is not among the strengths.")
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


class PaceForm(forms.Form):
    """A therapist's change to a patient's pace (see program.curriculum)."""

    action = forms.ChoiceField(
        choices=[
            ("pause", _("Pause")),
            ("resume", _("Resume")),
            ("extend", _("Extend this week")),
            ("advance", _("Open the next week now")),
        ]
    )
    days = forms.IntegerField(min_value=1, max_value=28, required=False, label=_("Days"))


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


class RecordResultForm(forms.Form):
    """A total entered by a clinician from a licensed paper form or an earlier result."""

    instrument = forms.ChoiceField(choices=[])
    total = forms.IntegerField(min_value=0, max_value=28)
    completed_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    occasion = forms.ChoiceField(
        choices=[
            ("baseline", _("Baseline")),
            ("week-2", _("End of week 2")),
            ("week-4", _("End of week 4")),
            ("week-6", _("End of week 6")),
            ("follow-up", _("Follow-up")),
            ("other", _("Other")),
        ]
    )

    def __init__(self, instruments: dict[str, Any], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instruments = instruments
        self.fields["instrument"].choices = [(k, i.short_name) for k, i in instruments.items()]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        instrument = self.instruments.get(data.get("instrument", ""))
        total = data.get("total")
        if instrument and total is not None and total > instrument.scale.max_total:
            self.add_error(
                "total", f"A {instrument.short_name} total is at most {instrument.scale.max_total}."
            )
        return data


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note (private to the care team)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
    )

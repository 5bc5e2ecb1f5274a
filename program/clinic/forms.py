from __future__ import annotations

from datetime import time
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from accounts.access import invitation_pending, is_patient, is_therapist
from accounts.models import ESCALATE_HOURS_RANGE, REMIND_DAYS_RANGE, Role, User
from accounts.services import NOT_SIGNED_IN_THERAPIST
from accounts.timezones import available_time_zones
from program.form_fields import submission_key_field
from program.models import Programme
from program.risk.actions import hours_words
from program.rules import working_hours

# A staff member offered but not choosable yet (``accounts.access.invitation_pending``).
NOT_SIGNED_IN_LABEL = _("%(name)s (has not accepted their invitation yet)")


class _NotSignedInDisabledSelect(forms.Select):
    """A therapist who has not accepted their invitation is listed, marked, but disabled."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        person = getattr(option["value"], "instance", None)
        if person is not None and invitation_pending(person):
            option["attrs"]["disabled"] = True
        return option


class TherapistChoiceField(forms.ModelChoiceField):
    """An active therapist to give patients to. One invited who has not signed in yet is
    shown marked and not choosable, and refused by name if sent anyway: the alerts of
    patients given to them would reach nobody who has ever signed in."""

    widget = _NotSignedInDisabledSelect

    def __init__(self, queryset: Any = None, **kwargs: Any) -> None:
        if queryset is None:
            queryset = User.objects.therapists().active().order_by("name", "email")
        super().__init__(queryset, **kwargs)

    def label_from_instance(self, obj: Any) -> str:
        if invitation_pending(obj):
            return str(NOT_SIGNED_IN_LABEL % {"name": obj.display_name})
        return str(obj)

    def clean(self, value: Any) -> Any:
        therapist = super().clean(value)
        if therapist is not None and invitation_pending(therapist):
            raise ValidationError(
                NOT_SIGNED_IN_THERAPIST % {"name": therapist.display_name}, code="not_signed_in"
            )
        return therapist


def refusal(form: forms.Form, field: str, otherwise: str) -> str:
    """Why ``form`` was refused, for a page that redirects: a therapist chosen who has not
    accepted their invitation is named with the reason; any other choice gets
    ``otherwise``."""
    for error in form.errors.as_data().get(field, []):
        if error.code == "not_signed_in":
            return " ".join(error.messages)
    return otherwise


class ReassignForm(forms.Form):
    therapist = TherapistChoiceField(label=_("Therapist"))


class PaceForm(forms.Form):
    """A therapist's change to a patient's pace (see program.curriculum.actions)."""

    action = forms.ChoiceField(
        choices=[
            ("pause", _("Pause")),
            ("resume", _("Resume")),
            ("extend", _("Extend this week")),
            ("advance", _("Open the next week now")),
        ]
    )
    days = forms.IntegerField(min_value=1, max_value=28, required=False, label=_("Days"))


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note (private to the care team)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=10000,
    )
    # A new note's form carries a key of its own: the same form sent again (Back then
    # Save, a double tap) is recognised as saved (program.assessments.actions.add_note).
    submission_key = submission_key_field()


class StaffInviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address"))
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=150,
        help_text=_("As colleagues and patients will see it, e.g. “Dr Sam Reed”."),
    )
    role = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.THERAPIST.value, Role.THERAPIST.label),
            (Role.ADMIN.value, Role.ADMIN.label),
        ],
        initial=Role.THERAPIST.value,
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("This address already has an account: find it in the list below.")
            )
        return email


def _therapist_choices(exclude: User | None = None) -> forms.ModelChoiceField:
    queryset = User.objects.therapists().active().order_by("name", "email")
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude.pk)
    return TherapistChoiceField(
        queryset=queryset, label=_("Move their patients to"), empty_label=_("Choose a therapist")
    )


class MoveCaseloadForm(forms.Form):
    """All of a therapist's patients to another therapist."""

    def __init__(self, *args: Any, member: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["move_to"] = _therapist_choices(exclude=member)


class DeactivateForm(forms.Form):
    """Deactivate a staff account; a therapist's patients may move at the same time."""

    def __init__(self, *args: Any, member: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if is_therapist(member):
            field = _therapist_choices(exclude=member)
            field.required = False
            field.label = _("On deactivating, their patients go to")
            field.empty_label = str(_("Nobody yet: the duty list looks after them"))
            self.fields["move_to"] = field


class ProgrammeForm(forms.ModelForm):
    """The programme's settings: the Django admin's form for Programme (every editable
    field, the model's own validation), with clearer messages where that one is terse."""

    class Meta:
        model = Programme
        fields = [
            "name",
            "slug",
            "description",
            "weeks",
            "pace_days",
            "require_previous_lessons",
            "sleep_window_auto_apply",
            "isi_weeks",
            "restriction_phq9_weeks",
            "follow_up_weeks",
            "messages_enabled",
            "is_active",
            "is_default",
        ]
        labels = {
            "sleep_window_auto_apply": _("Self-guided sleep window"),
            "isi_weeks": _("ISI weeks"),
            "restriction_phq9_weeks": _("PHQ-9 weeks of sleep restriction"),
            "follow_up_weeks": _("Follow-up ISI after (weeks)"),
            "messages_enabled": _("Secure messages"),
            "is_active": _("Offered to new patients"),
            "is_default": _("Default programme"),
            "require_previous_lessons": _("Previous week's lessons first"),
            "pace_days": _("Days per week"),
        }
        widgets = {
            "isi_weeks": forms.TextInput(),
            "restriction_phq9_weeks": forms.TextInput(),
            "description": forms.Textarea(attrs={"rows": 4}),
        }

    def _week_list(self, name: str) -> list[int]:
        value = self.cleaned_data.get(name)
        if value in (None, ""):
            return []
        if not isinstance(value, list) or not all(
            isinstance(week, int) and not isinstance(week, bool) and week >= 1 for week in value
        ):
            raise forms.ValidationError(
                _("Write the weeks as a list of whole numbers in brackets, e.g. [2, 4, 6].")
            )
        return sorted(set(value))

    def clean_isi_weeks(self) -> list[int]:
        return self._week_list("isi_weeks")

    def clean_restriction_phq9_weeks(self) -> list[int]:
        return self._week_list("restriction_phq9_weeks")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        weeks = cleaned.get("weeks")
        if weeks is not None and weeks < 1:
            self.add_error("weeks", _("A programme has at least one week."))
        isi = cleaned.get("isi_weeks") or []
        if weeks and any(week > weeks for week in isi):
            self.add_error(
                "isi_weeks",
                _("The programme has %(weeks)s weeks: choose weeks from 1 to %(weeks)s.")
                % {"weeks": weeks},
            )
        if cleaned.get("is_default"):
            current = Programme.objects.filter(is_default=True).exclude(pk=self.instance.pk).first()
            if current is not None:
                self.add_error(
                    "is_default",
                    _(
                        "“%(name)s” is the default programme. Untick it there first: there "
                        "is one default."
                    )
                    % {"name": current.name},
                )
            elif not cleaned.get("is_active"):
                self.add_error("is_active", _("The default programme must be offered."))
        return cleaned


class AuditFilterForm(forms.Form):
    patient = forms.CharField(
        label=_("Patient"),
        required=False,
        max_length=254,
        help_text=_("Name or email address, or part of one."),
    )
    actor = forms.ModelChoiceField(
        queryset=User.objects.none(), label=_("Staff member"), required=False
    )
    since = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        actor = cast(forms.ModelChoiceField, self.fields["actor"])
        actor.queryset = User.objects.filter(role__in=[Role.THERAPIST, Role.ADMIN]).order_by(
            "name", "email"
        )
        actor.empty_label = str(_("Anyone"))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", _("Choose a date on or after the “From” date."))
        return cleaned


class PlanConfirmForm(forms.Form):
    """Confirming a draft taper plan on the round (program.clinic.round_views)."""

    reason = forms.CharField(
        label=_("Note for the plan's history"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class _SomeDisabledCheckboxes(forms.CheckboxSelectMultiple):
    disabled_values: frozenset[str] = frozenset()

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        if str(option["value"]) in self.disabled_values:
            option["attrs"]["disabled"] = True
        return option


def _not_signed_in_on_duty(names: list[str]) -> ValidationError:
    """Invited staff who have not signed in yet are kept off the duty list: an alert sent
    to them would reach nobody who has ever signed in (``access.invitation_pending``)."""
    return ValidationError(
        ngettext_lazy(
            "%(names)s has not accepted their invitation yet: an alert sent there would reach "
            "nobody who has signed in. Send the invitation again from their page under Staff, "
            "or leave them off.",
            "%(names)s have not accepted their invitations yet: an alert sent there would "
            "reach nobody who has signed in. Send the invitations again from their pages "
            "under Staff, or leave them off.",
            "count",
        ),
        params={"names": ", ".join(names), "count": len(names)},
        code="not_signed_in",
    )


class DutyListForm(forms.Form):
    """The clinic's duty list (``accounts.duty``): ticked therapists and admins, and other
    addresses (a shared on-call inbox). At least one active therapist or admin stays on it:
    the list is who is told about the alerts of patients without a therapist and about
    every escalation, and only a person with an account can sign in to act on them."""

    staff = forms.MultipleChoiceField(
        label=_("Therapists and admins on the duty list"),
        required=False,
        widget=_SomeDisabledCheckboxes,
    )
    other = forms.CharField(
        label=_("Other addresses (a shared on-call inbox), one a line"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
    )

    def __init__(self, *args: Any, people: list[User], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.people = {p.email.lower(): p for p in people}
        self.typed: list[str] = []  # the other addresses, read by clean() even when refused
        field = cast(forms.MultipleChoiceField, self.fields["staff"])
        field.choices = [(email, self._label(p)) for email, p in self.people.items()]
        # Invited and not signed in yet: marked, and not tickable unless already on the
        # list (then saving asks the admin to take them off, saying why).
        on_list = set(self.initial.get("staff") or [])
        cast(_SomeDisabledCheckboxes, field.widget).disabled_values = frozenset(
            email
            for email, p in self.people.items()
            if invitation_pending(p) and email not in on_list
        )

    @staticmethod
    def _label(person: User) -> str:
        label = f"{person.display_name} ({person.get_role_display()}, {person.email.lower()})"
        if invitation_pending(person):
            return str(NOT_SIGNED_IN_LABEL % {"name": label})
        return label

    def clean_staff(self) -> list[str]:
        chosen = list(self.cleaned_data["staff"])
        pending = [
            self.people[e].display_name for e in chosen if invitation_pending(self.people[e])
        ]
        if pending:
            raise _not_signed_in_on_duty(pending)
        return chosen

    def clean_other(self) -> list[str]:
        lines = self.cleaned_data["other"].replace(",", "\n").splitlines()
        addresses = list(dict.fromkeys(a.strip().lower() for a in lines if a.strip()))
        self.typed = addresses
        # Every problem at once, so that one submit tells the admin all there is to fix.
        problems = []
        wrong = []
        for address in addresses:
            try:
                validate_email(address)
            except ValidationError:
                wrong.append(address)
        if wrong:
            problems.append(
                ValidationError(
                    _("These are not email addresses: %(wrong)s. Write one address a line."),
                    params={"wrong": ", ".join(wrong)},
                )
            )
        accounts = User.objects.filter(email__in=addresses).only(
            "email", "role", "is_active", "last_login", "password"
        )
        patients = [u.email for u in accounts if is_patient(u)]
        if patients:
            problems.append(
                ValidationError(
                    _(
                        "%(wrong)s belongs to a patient: alerts about other patients may not "
                        "go there."
                    ),
                    params={"wrong": ", ".join(patients)},
                )
            )
        gone = [u.email for u in accounts if not u.is_active]
        if gone:
            problems.append(
                ValidationError(
                    _(
                        "%(wrong)s belongs to a deactivated account: reactivate it on the Staff "
                        "page first, or leave it out."
                    ),
                    params={"wrong": ", ".join(gone)},
                )
            )
        pending = [u.email for u in accounts if u.is_active and invitation_pending(u)]
        if pending:
            problems.append(_not_signed_in_on_duty(pending))
        if problems:
            raise ValidationError(problems)
        return addresses

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        chosen = list(data.get("staff") or [])
        other = data.get("other")
        # An active staff member's address typed among the others counts as ticked (also
        # when some others were refused: the list must not be empty either way).
        chosen += [a for a in (self.typed if other is None else other) if a in self.people]
        if not chosen:
            raise ValidationError(
                _(
                    "Keep at least one active therapist or admin on the duty list. It is who is "
                    "told when a patient without a therapist gives a risk answer and when an alert "
                    "is not acknowledged in time, and a shared inbox cannot sign in to act on it. "
                    "Nothing was changed."
                ),
                code="empty",
            )
        if other is None:  # refused above
            return data
        data["addresses"] = list(dict.fromkeys([*chosen, *other]))
        return data


def _day_hours_fields(day: int, name: str) -> dict[str, forms.Field]:
    time_widget = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    invalid = _("Enter a time as hours and minutes, for example 09:00.")
    return {
        f"open_{day}": forms.BooleanField(label=_("%(day)s: open") % {"day": name}, required=False),
        f"opens_{day}": forms.TimeField(
            label=_("%(day)s: opens at") % {"day": name},
            required=False,
            widget=time_widget,
            error_messages={"invalid": invalid},
        ),
        f"closes_{day}": forms.TimeField(
            label=_("%(day)s: closes at") % {"day": name},
            required=False,
            widget=time_widget,
            error_messages={"invalid": invalid},
        ),
    }


class ClinicHoursForm(forms.Form):
    """The clinic's opening hours and their time zone (``program.rules.working_hours``),
    picked per weekday: open or closed, from, to (one period a day, as the rule allows;
    00:00 as the closing time is midnight). Saved as the rule's text (``Mon-Fri
    09:00-17:00``, ``working_hours.write``), which the settings' default is written in
    too; ``cleaned_data["hours"]`` is that text."""

    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        error_messages={"invalid_choice": _("Choose the clinic's time zone from the list.")},
    )

    def __init__(
        self, *args: Any, current_zone: str = "", current_hours: str = "", **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        zones = list(available_time_zones())
        if current_zone and current_zone not in zones:
            zones.insert(0, current_zone)
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = [(z, z) for z in zones]
        for day, name in WEEKDAYS.items():
            self.fields.update(_day_hours_fields(day, str(name)))
        if current_hours:
            self.initial.update(self.initial_for(current_hours, current_zone))

    @staticmethod
    def initial_for(text: str, zone_name: str) -> dict[str, Any]:
        """The per-day values of hours written as text (nothing if it does not read)."""
        try:
            hours = working_hours.parse(text, zone_name or "UTC")
        except ValueError:
            return {}
        initial: dict[str, Any] = {}
        for day in range(7):
            period = hours.period_on(day)
            initial[f"open_{day}"] = period is not None
            if period is not None:
                initial[f"opens_{day}"] = time(period.opens // 60, period.opens % 60)
                closes = period.closes % 1440  # 24:00 is shown as 00:00, midnight
                initial[f"closes_{day}"] = time(closes // 60, closes % 60)
        return initial

    def days(self) -> list[dict[str, Any]]:
        """Each weekday's fields, for the template."""
        return [
            {
                "name": name,
                "open": self[f"open_{day}"],
                "opens": self[f"opens_{day}"],
                "closes": self[f"closes_{day}"],
                "times": [
                    (self[f"opens_{day}"], _("Opens at")),
                    (self[f"closes_{day}"], _("Closes at")),
                ],
            }
            for day, name in WEEKDAYS.items()
        ]

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        week: dict[int, tuple[int, int]] = {}
        for day, name in WEEKDAYS.items():
            if not data.get(f"open_{day}"):
                continue
            opens, closes = data.get(f"opens_{day}"), data.get(f"closes_{day}")
            for key, value, message in (
                (f"opens_{day}", opens, _("Give the time the clinic opens on %(day)s.")),
                (f"closes_{day}", closes, _("Give the time the clinic closes on %(day)s.")),
            ):
                if value is None and key not in self.errors:
                    self.add_error(key, ValidationError(message, params={"day": name}))
            if opens is None or closes is None:
                continue
            start = opens.hour * 60 + opens.minute
            end = closes.hour * 60 + closes.minute or 1440  # 00:00 closing is midnight
            if end <= start:
                self.add_error(
                    f"closes_{day}",
                    ValidationError(
                        _(
                            "On %(day)s the clinic closes before it opens. Hours cannot run "
                            "past midnight: close at 00:00 and open the next day at 00:00."
                        ),
                        params={"day": name},
                    ),
                )
                continue
            week[day] = (start, end)
        if self.errors:
            return data
        if not week:
            raise ValidationError(
                _(
                    "Tick at least one day the clinic is open: an unacknowledged alert is "
                    "escalated after open hours only, so a clinic never open never escalates."
                )
            )
        data["hours"] = working_hours.write(week)
        working_hours.parse(data["hours"], data.get("time_zone") or "UTC")  # always reads
        return data


class ClinicDelaysForm(forms.Form):
    """How long an alert and a recommendation may wait (``accounts.duty.delays``)."""

    escalate_after_hours = forms.DecimalField(
        label=_("Escalate an unacknowledged urgent alert after (working hours)"),
        min_value=ESCALATE_HOURS_RANGE[0],
        max_value=ESCALATE_HOURS_RANGE[1],
        max_digits=4,
        decimal_places=2,
        localize=True,  # "0,5" where the admin's language writes decimals so
        help_text=_(
            "Counted in the clinic's opening hours only. A half hour is 0.5. The default is 4."
        ),
        widget=forms.NumberInput(attrs={"step": "0.25", "class": "short", "inputmode": "decimal"}),
    )
    remind_after_days = forms.IntegerField(
        label=_("Remind about a sleep-window change still waiting for a clinician after (days)"),
        min_value=REMIND_DAYS_RANGE[0],
        max_value=REMIND_DAYS_RANGE[1],
        help_text=_(
            "The patient's therapist is emailed then, the duty list after as many days again. "
            "The default is 3."
        ),
        widget=forms.NumberInput(attrs={"class": "short"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        low, high = ESCALATE_HOURS_RANGE
        hours = self.fields["escalate_after_hours"]
        message = _("Give a number of working hours from %(low)s to %(high)s, e.g. 4 or 0.5.") % {
            "low": hours_words(low),
            "high": hours_words(high),
        }
        for key in (
            "required",
            "invalid",
            "min_value",
            "max_value",
            "max_digits",
            "max_whole_digits",
        ):
            hours.error_messages[key] = message
        hours.error_messages["max_decimal_places"] = _(
            "Give the hours to two decimal places at most, e.g. 0.25."
        )
        days = self.fields["remind_after_days"]
        message = _("Give a whole number of days from %(low)s to %(high)s.") % {
            "low": REMIND_DAYS_RANGE[0],
            "high": REMIND_DAYS_RANGE[1],
        }
        for key in ("required", "invalid", "min_value", "max_value"):
            days.error_messages[key] = message

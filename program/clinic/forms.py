from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.access import is_therapist
from accounts.models import Role, User
from program.models import Programme


class ReassignForm(forms.Form):
    therapist = forms.ModelChoiceField(
        queryset=User.objects.therapists().active(), label=_("Therapist")
    )


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
    return forms.ModelChoiceField(
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
        self.fields["actor"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            role__in=[Role.THERAPIST, Role.ADMIN]
        ).order_by("name", "email")
        self.fields["actor"].empty_label = str(_("Anyone"))  # type: ignore[attr-defined]

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

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from functools import cache
from typing import Any

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.forms import SignupForm as AllauthSignupForm
from allauth.core import context, ratelimit
from allauth.mfa.adapter import get_adapter as get_mfa_adapter
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from allauth.mfa.internal.flows.add import validate_can_add_authenticator
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.forms import ActivateTOTPForm
from allauth.mfa.totp.internal import auth as totp
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from . import birth_dates
from .access import invitation_pending
from .countries import COUNTRIES, OTHER, country_choices, default_country
from .models import User
from .services import NOT_SIGNED_IN_THERAPIST
from .timezones import available_time_zones, zone_countries


class TimeZoneField(forms.ChoiceField):
    """A select of IANA zones; static/js/timezone.js preselects the browser's own."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Your time zone"))
        kwargs.setdefault(
            "help_text",
            _("Diary times and reminders follow this zone. We suggest the one your device uses."),
        )
        super().__init__(
            choices=[(name, name.replace("_", " ")) for name in available_time_zones()],
            initial="UTC",
            **kwargs,
        )
        self.widget.attrs["data-browser-timezone"] = "true"


@cache
def _zone_country_pairs() -> str:
    """Every zone with its listed country, "zone=code" (no quotes: both form renderers
    write them the same), worked out once per process, not for every form."""
    return " ".join(
        f"{zone}={code if code in COUNTRIES else OTHER}" for zone, code in zone_countries().items()
    )


class CountryField(forms.ChoiceField):
    """Where the person lives: the crisis contacts they are shown are that country's.

    When an account is made the clinic's country is suggested (``suggest``); in
    Settings a person who never said keeps "not said". Never refused when missing:
    nothing said means the clinic's country's contacts and the generic line.
    """

    def __init__(self, *, suggest: bool = True, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("The country you live in"))
        kwargs.setdefault(
            "help_text",
            _(
                "The crisis contacts at the foot of each page are for this country. If yours "
                "is not in the list, choose “Another country”."
            ),
        )

        def choices() -> list[tuple[str, str]]:
            if suggest:
                return country_choices()
            return [("", str(_("Not said: show the clinic's country"))), *country_choices()]

        super().__init__(
            choices=choices,
            required=False,
            initial=default_country if suggest else "",
            **kwargs,
        )
        if suggest:
            # The country of the browser's zone, which static/js/app.js preselects with the
            # zone: the clinic's country only when the zone says nothing better. A zone in a
            # country not listed is "Another country", never the clinic's crisis lines.
            self.widget.attrs["data-zone-countries"] = _zone_country_pairs()


def latest_today() -> date:
    """Today somewhere on Earth (UTC+14): a date of birth of "today" in a zone ahead of
    the server's is not in the future."""
    return (timezone.now() + timedelta(hours=14)).date()


class BirthDateField(forms.DateField):
    """A date of birth: a full date, not in the future, not more than 120 years ago."""

    def __init__(self, *, check_adult: bool = True, **kwargs: Any) -> None:
        self.check_adult = check_adult
        kwargs.setdefault("label", _("Your date of birth"))
        kwargs.setdefault(
            "help_text",
            _("This programme is for adults. From 65, a gentler start is proposed."),
        )
        # ISO, which a date input needs in every language (French would write 17/05/1980).
        kwargs.setdefault(
            "widget",
            forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        )
        kwargs.setdefault(
            "error_messages",
            {
                "required": _("Please give your date of birth."),
                "invalid": _(
                    "Enter your date of birth as a full date: day, month and year "
                    "(for example 1970-03-25)."
                ),
            },
        )
        super().__init__(**kwargs)

    def clean(self, value: object) -> date | None:
        born = super().clean(value)
        if born is None:
            return None
        problem = birth_dates.problem(born, latest_today())
        if problem == "future":
            raise forms.ValidationError(
                _("A date of birth cannot be in the future: please check the year."),
                code="future",
            )
        if problem == "too_old":
            raise forms.ValidationError(
                _("That is more than %(max)s years ago: please check the year.")
                % {"max": birth_dates.MAX_AGE},
                code="too_old",
            )
        # The clinical check (adults only) is the program app's: a setting names it.
        check = getattr(settings, "ACCOUNTS_BIRTH_DATE_CHECK", "")
        if check and self.check_adult:
            import_string(check)(born)
        return born


class SignupForm(AllauthSignupForm):
    """Open sign-up (only where ALLOW_SELF_SIGNUP is set) asks for a time zone and consent."""

    time_zone = TimeZoneField()
    country = CountryField()
    date_of_birth = BirthDateField()
    consent = forms.BooleanField(
        label=(
            _(
                "I agree that this service stores my sleep diary and answers to support my "
                "treatment, and that the clinic's therapists can see them."
            )
        ),
        error_messages={"required": _("We need your agreement to look after your data.")},
    )

    def save(self, request: HttpRequest) -> User:
        user: User = super().save(request)
        user.time_zone = self.cleaned_data["time_zone"]
        user.country = self.cleaned_data["country"]
        user.date_of_birth = self.cleaned_data["date_of_birth"]
        user.consent_given_at = timezone.now()
        user.save(update_fields=["time_zone", "country", "date_of_birth", "consent_given_at"])
        # Self-enrolment (where the clinic allows open sign-up) is the program app's
        # business: accounts calls it through a setting, never by import.
        for hook in settings.ACCOUNTS_SIGNED_UP_HOOKS:
            import_string(hook)(user)
        return user


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField()
    country = CountryField(suggest=False)
    # Patients only (staff have no date of birth here). Once given it can be corrected,
    # not removed. Under 18 is saved (it is the truth) and closes the programme's pages.
    date_of_birth = BirthDateField(required=False, check_adult=False, label=_("Date of birth"))

    class Meta:
        model = User
        fields = ["name", "time_zone", "language", "country", "date_of_birth"]
        # The model's own verbose names, here so that they are translated.
        labels = {"name": _("Name"), "language": _("Language")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Patients only. The adults-only check is not repeated here: the programme's
        # pages say it instead (program.enrolment.eligibility).
        if not self.instance.is_patient:
            del self.fields["date_of_birth"]

    def clean_date_of_birth(self) -> date | None:
        """A date once given is corrected, never emptied (the protocol and the
        adults-only rule read it)."""
        return self.cleaned_data.get("date_of_birth") or self.instance.date_of_birth


# --- Two-factor codes ------------------------------------------------------------------
# allauth counts a wrong code as a failed sign-in ("login_failed": 10 a minute per address
# and 5 per 5 minutes per person). The per-address part is the whole address's sign-in
# budget: a clinic behind one NAT where two people mistype their codes could then not
# sign in at all for a minute. The code step comes after the right password, so the
# limit that protects it is the person's: these forms count wrong codes under their own
# action, "mfa_code_failed" (per person only, ACCOUNT_RATE_LIMITS), and are otherwise
# allauth's (65.21; MFA_FORMS). Wrong passwords still count per address.
MFA_CODE_ACTION = "mfa_code_failed"


def check_code_rate_limit(
    user: User, error_key: str = "too_many_login_attempts"
) -> Callable[[], None]:
    """allauth's ``check_rate_limit`` under MFA_CODE_ACTION: raise once the person's
    limit is reached; return what forgets their wrong codes after a right one."""
    key = f"mfa-auth-user-{user.pk}"
    if not ratelimit.consume(context.request, action=MFA_CODE_ACTION, key=key):
        raise get_account_adapter().validation_error(error_key)
    return lambda: ratelimit.clear(context.request, action=MFA_CODE_ACTION, key=key)


class _PersonLimitedCode:
    """allauth's BaseAuthenticateForm.clean_code, limited per person (see above)."""

    user: User
    cleaned_data: dict[str, str]
    authenticator: Authenticator

    def clean_code(self) -> str:
        clear_rl = check_code_rate_limit(self.user)
        code = self.cleaned_data["code"]
        main_auth: Authenticator | None = None
        for authenticator in Authenticator.objects.filter(user=self.user).exclude(
            type=Authenticator.Type.WEBAUTHN  # cannot check a typed code
        ):
            if not main_auth or authenticator.type == Authenticator.Type.TOTP:
                main_auth = authenticator
            if authenticator.wrap().validate_code(code):
                authenticator.user = self.user
                self.authenticator = authenticator
                clear_rl()
                return code
        if main_auth:
            # allauth's own method, on the form it subclasses (not in its type hints).
            self._emit_authentication_failed(main_auth)  # type: ignore[attr-defined]
        raise get_mfa_adapter().validation_error("incorrect_code")


class MFAAuthenticateForm(_PersonLimitedCode, AuthenticateForm):
    """The code asked at sign-in."""


class MFAReauthenticateForm(_PersonLimitedCode, ReauthenticateForm):
    """The code asked again before a sensitive action."""


class MFAActivateTOTPForm(ActivateTOTPForm):
    """The first code from a new authenticator app, limited per person."""

    def clean_code(self) -> str:
        validate_can_add_authenticator(self.user)
        clear_rl = check_code_rate_limit(self.user, error_key="rate_limited")
        code = self.cleaned_data["code"]
        if not totp.validate_totp_code(self.secret, code):
            raise get_mfa_adapter().validation_error("incorrect_code")
        clear_rl()
        return code


class TherapistSignedInCheck(forms.BaseForm):
    """A patient is given no therapist who has not accepted their invitation yet
    (``access.invitation_pending``); one they already have may stay while other fields
    are edited. Mixed into the Django admin's forms that choose a therapist."""

    def clean_therapist(self) -> User | None:
        therapist: User | None = self.cleaned_data.get("therapist")
        if therapist is None or therapist.pk == self.initial.get("therapist"):
            return therapist
        if invitation_pending(therapist):
            raise ValidationError(NOT_SIGNED_IN_THERAPIST % {"name": therapist.display_name})
        return therapist

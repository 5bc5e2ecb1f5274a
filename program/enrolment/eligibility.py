"""Who may follow the programme, in the app: the words, the form check and the gate.

The rule is ``program.rules.age`` (pure): adults only. A person under 18

- cannot accept an invitation or sign up: the form says why, kindly, with the clinic's
  contact (``CLINIC_NAME`` and ``CLINIC_CONTACT`` in cbti/settings.py), and keeps what
  they typed so that a mistyped year can be corrected;
- who already has an account (a date of birth given later, in their settings or before
  sleep restriction) sees the same message in place of the programme's pages: no diary
  (on the web or through the API), no lessons, no questionnaires, no sleep window. They
  keep what is theirs: their settings, their data (download, delete), messages to their
  therapist, the About page and "Report a problem with my care". Their therapist sees
  their age on the patient page, marked "under 18: not eligible".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.access import is_patient
from accounts.models import User
from program.rules import age

# The patient's own pages an under-18 keeps (program's URL names); everything else of
# the program app's that a patient opens shows the "not eligible" page instead.
KEPT = frozenset(
    {
        "about",
        "report_problem",
        "my_data",
        "my_data_ready",
        "my_data_json",
        "my_data_zip",
        "my_data_fhir",
        "delete_account",
        "messages",
        "reminder_settings",
        "manage_reminders",
        "push_subscribe",
        "accept_invitation",
    }
)


def clinic_contact() -> str:
    """How to reach the clinic, in a sentence, from the settings (never invented)."""
    name, contact = settings.CLINIC_NAME.strip(), settings.CLINIC_CONTACT.strip()
    if name and contact:
        return _("You can contact %(clinic)s: %(contact)s.") % {"clinic": name, "contact": contact}
    if contact:
        return _("You can contact the clinic: %(contact)s.") % {"contact": contact}
    if name:
        return _("Please contact %(clinic)s, who invited you.") % {"clinic": name}
    return _("Please contact the clinic or the person who gave you the link to this service.")


def under_age_words() -> str:
    return " ".join(
        (
            _(
                "Thank you for telling us. This programme is for adults aged %(age)s and "
                "over, so we cannot offer it to you here. Nothing is wrong with you or with "
                "what you told us: sleep problems in young people are helped in a different "
                "way, and a doctor can help you find the right support."
            )
            % {"age": age.ADULT_AGE},
            clinic_contact(),
        )
    )


def today() -> date:
    from django.utils import timezone

    return timezone.localdate()


def check_adult(born: date) -> None:
    """The onboarding forms' check: a ValidationError with the kind message when
    ``born`` makes the person under 18 (``accounts`` calls it through
    ``ACCOUNTS_BIRTH_DATE_CHECK``)."""
    if not age.eligible(age.age(born, today())):
        mistyped = _("If the date is not right, please correct it.")
        raise ValidationError(f"{under_age_words()} {mistyped}", code="under_age")


def patient_age(patient: User) -> int | None:
    return patient.age()


def not_eligible(patient: User) -> bool:
    """A patient whose date of birth makes them under 18."""
    return is_patient(patient) and not age.eligible(patient_age(patient))


def refusal(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "program/not_eligible.html",
        {"under_age_words": under_age_words(), "adult_age": age.ADULT_AGE},
        status=403,
    )


class UnderAgeMiddleware:
    """The gate: a patient under 18 opening a page of the programme sees why not."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Any, args: Any, kwargs: Any
    ) -> HttpResponse | None:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not is_patient(user):
            return None
        if user.date_of_birth is None:
            return None
        match = request.resolver_match
        if match is None or match.namespace != "program" or match.url_name in KEPT:
            return None
        if not_eligible(user):
            return refusal(request)
        return None

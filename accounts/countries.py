"""The countries a person can say they live in: the crisis contacts they are shown
follow it (``program.crisis.actions``).

A short list, not all of ISO 3166: the countries whose languages the app speaks,
the English-speaking ones and the rest of western Europe. A person elsewhere
chooses "Another country" (``OTHER``, ISO 3166's code for "unknown") and is told to
call their local emergency number. To add a country, add a line here; the clinic
then adds its contacts on /clinic/crisis-contacts/.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

OTHER = "ZZ"

COUNTRIES: dict[str, StrOrPromise] = {
    "AU": _("Australia"),
    "AT": _("Austria"),
    "BE": _("Belgium"),
    "CA": _("Canada"),
    "DK": _("Denmark"),
    "FI": _("Finland"),
    "FR": _("France"),
    "DE": _("Germany"),
    "IE": _("Ireland"),
    "IT": _("Italy"),
    "LU": _("Luxembourg"),
    "NL": _("Netherlands"),
    "NZ": _("New Zealand"),
    "NO": _("Norway"),
    "PT": _("Portugal"),
    "ES": _("Spain"),
    "SE": _("Sweden"),
    "CH": _("Switzerland"),
    "GB": _("United Kingdom"),
    "US": _("United States"),
}


def country_name(code: str) -> str:
    """The country's name in the active language ("" for none or another country)."""
    return str(COUNTRIES.get(code, ""))


def country_choices(*, other: bool = True) -> list[tuple[str, str]]:
    """(code, name) sorted by name in the active language; "Another country" last."""
    choices = sorted(((c, str(n)) for c, n in COUNTRIES.items()), key=lambda c: c[1])
    if other:
        choices.append((OTHER, str(_("Another country"))))
    return choices


def default_country() -> str:
    """``CLINIC_DEFAULT_COUNTRY`` (cbti/settings.py): whose contacts a person who has
    not said where they live is shown."""
    code = str(settings.CLINIC_DEFAULT_COUNTRY).upper()
    return code if code in COUNTRIES else "GB"

"""The crisis contacts a person is shown, read from the clinic's data
(``CrisisContact``) in one query, at most once per request.

Shown on every page's footer (``templates/base.html``, through the ``crisis`` context
processor) and in every crisis message: after a self-harm answer on the safety screen
(``views/sleep_window.py``) and on the PHQ-9 (``views/assessments.py``). Which lines,
by the rule of ``program.rules.crisis_lines``; the words around the numbers are translated
here, the numbers and names are the clinic's data.
"""

from __future__ import annotations

import logging
from dataclasses import fields

from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, gettext_noop

from accounts.countries import country_name, default_country
from accounts.models import User
from program.clinical_text import CRISIS_MESSAGE
from program.crisis import defaults as crisis_defaults
from program.models import CrisisContact
from program.rules.crisis_lines import Line, Selection, dial, select

log = logging.getLogger(__name__)

CALL = gettext_noop("{name}: call {phone}")
CALL_OR_TEXT = gettext_noop("{name}: call or text {phone}")
CALL_AND_TEXT = gettext_noop("{name}: call {phone} or text {text}")
EMERGENCY = gettext_noop("In an emergency, call {number}.")
ELSEWHERE = gettext_noop(
    "These numbers are for this country: {country}. In another country, call your local "
    "emergency number."
)
NO_LINES = gettext_noop("Call your local emergency number now.")


def _fill(msgid: str, html: bool = False, **values: object) -> str:
    """``msgid`` translated and filled in; the English if a translation lost a
    placeholder (a crisis line must never fail to show)."""
    fill = format_html if html else str.format
    try:
        return fill(gettext(msgid), **values)
    except (KeyError, IndexError, ValueError):
        log.error("The translation of %r does not fit its placeholders", msgid)
        return fill(msgid, **values)


def _tel(number: str) -> SafeString:
    return format_html('<a href="tel:{}">{}</a>', dial(number), number)


def _sms(number: str) -> SafeString:
    return format_html('<a href="sms:{}">{}</a>', dial(number), number)


class Crisis:
    """What a person is shown: ``items`` (a line each), ``emergency``, ``elsewhere``."""

    def __init__(self, selection: Selection) -> None:
        self.selection = selection

    @property
    def lines(self) -> tuple[Line, ...]:
        return self.selection.lines

    def _line(self, line: Line, html: bool) -> str:
        number = _tel if html else str
        values = {"name": line.name, "phone": number(line.phone)}
        if line.text_number and line.text_number == line.phone:
            words = _fill(CALL_OR_TEXT, html, **values)
        elif line.text_number:
            text = (_sms if html else str)(line.text_number)
            words = _fill(CALL_AND_TEXT, html, text=text, **values)
        else:
            words = _fill(CALL, html, **values)
        if line.hours:
            words = format_html("{} ({})", words, line.hours) if html else f"{words} ({line.hours})"
        return words

    @cached_property
    def items(self) -> list[str]:
        """Each line in words, its numbers as tel: links."""
        return [self._line(line, html=True) for line in self.lines]

    @cached_property
    def emergency(self) -> str:
        numbers = self.selection.emergency_numbers
        if not numbers:
            return ""
        joined = format_html_join(" / ", "{}", ((_tel(n),) for n in numbers))
        return _fill(EMERGENCY, True, number=joined)

    @cached_property
    def elsewhere(self) -> str:
        """The generic line: no lines at all, or the clinic's country's (not said)."""
        if not self.lines:
            return gettext(NO_LINES)
        if self.selection.local_emergency:
            return _fill(ELSEWHERE, country=country_name(self.selection.country))
        return ""

    @property
    def ask_country(self) -> bool:
        return not self.selection.country_given

    def text(self) -> str:
        """The whole crisis message in plain words (for a flash message)."""
        parts = [str(CRISIS_MESSAGE)]
        parts += [self._line(line, html=False) + "." for line in self.lines]
        if self.selection.emergency_numbers:
            parts.append(_fill(EMERGENCY, number=" / ".join(self.selection.emergency_numbers)))
        if self.elsewhere:
            parts.append(self.elsewhere)
        return " ".join(parts)


# A line's fields (only active lines are read).
_LINE_FIELDS = [field.name for field in fields(Line) if field.name != "active"]


def _lines(country: str) -> list[Line]:
    """The country's active lines, in one query (the footer of every page reads them),
    as plain values. An empty table (a database that was flushed, or made without the
    data migration) gets the shipped lines again: never no numbers because of an
    accident. Whether the table is empty is asked only when the country has no line."""

    def read() -> list[Line]:
        rows = CrisisContact.objects.filter(country=country, is_active=True).order_by()
        return [Line(**row) for row in rows.values(*_LINE_FIELDS)]

    found = read()
    if not found and not CrisisContact.objects.exists():
        log.warning("No crisis contacts at all: loading the shipped ones again")
        CrisisContact.objects.bulk_create(CrisisContact(**f) for f in crisis_defaults.shipped())
        found = read()
    return found


def lookup(*, country: str, language: str) -> Crisis:
    """The lines for someone living in ``country`` ("" if not said): one query when the
    country has lines."""
    chosen = country or default_country()
    return Crisis(
        select(_lines(chosen), country=country, language=language, default_country=chosen)
    )


def for_user(user: User | None) -> Crisis:
    if user is not None and user.is_authenticated:
        return lookup(country=user.country, language=user.language)
    return lookup(country="", language=(get_language() or "en").split("-")[0])


def for_request(request: HttpRequest) -> Crisis:
    """``for_user`` of the signed-in person (or a visitor), read once per request."""
    crisis = getattr(request, "_crisis_contacts", None)
    if crisis is None:
        crisis = for_user(getattr(request, "user", None))
        # Kept on the request for the rest of this request only (HttpRequest declares none).
        request._crisis_contacts = crisis  # type: ignore[attr-defined]
    return crisis

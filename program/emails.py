"""Every email is a subject/text/html triplet under templates/emails/<name>/,
rendered in the recipient's language (emails go out from workers, where no
request has activated one)."""

from __future__ import annotations

import email.headerregistry
import email.policy
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import translation


def render_email(
    name: str, to: str, context: dict[str, object], *, language: str = ""
) -> EmailMultiAlternatives:
    """``language`` is the recipient's (``User.language``); empty means the site's default."""
    ctx = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    with translation.override(language or settings.LANGUAGE_CODE):
        subject = _plain(f"emails/{name}/subject.txt", ctx).strip()
        text = _plain(f"emails/{name}/body.txt", ctx)
        html = render_to_string(f"emails/{name}/body.html", ctx)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


# Headers whose values recur in every email of a kind and language: the sender, the
# subject, and the parts' content types and encodings (not To, Date, Message-ID, nor a
# multipart boundary, which differ in each).
_REPEATED_HEADERS = frozenset(
    {"from", "subject", "mime-version", "content-type", "content-transfer-encoding"}
)


class _RepeatedHeaders(email.headerregistry.HeaderRegistry):
    """The standard header classes, with a value seen before taken from a cache instead
    of parsed again. A parsed header is an immutable string, so one can serve many
    messages; the bytes sent are the same (tests/program/test_reminder_email_bytes.py)."""

    def __call__(self, name: str, value: Any) -> Any:
        if (
            isinstance(value, str)
            and name.lower() in _REPEATED_HEADERS
            and "boundary=" not in value
        ):
            return _parsed_header(name, value)
        return super().__call__(name, value)


_PARSER = email.headerregistry.HeaderRegistry()


@lru_cache(maxsize=1024)
def _parsed_header(name: str, value: str) -> Any:
    return _PARSER(name, value)


_HEADERS = _RepeatedHeaders()


@lru_cache(maxsize=8)
def _with_repeated_headers(policy: Any) -> Any:
    if not isinstance(policy, email.policy.EmailPolicy):  # compat32 has no header classes
        return policy
    return policy.clone(header_factory=_HEADERS)


class RepeatedHeadersEmail(EmailMultiAlternatives):
    """An email built exactly as Django builds it, but parsing each recurring header value
    (sender, subject, content types) once per process rather than once per email: in a
    batch of reminders that was most of the time spent building each MIME message
    (issue #20). The mail backend calls ``message()`` with the policy it sends with."""

    def message(self, *, policy: Any = email.policy.default) -> Any:
        return super().message(policy=_with_repeated_headers(policy or email.policy.default))


def _plain(path: str, ctx: dict[str, object]) -> str:
    """A plain-text part: no HTML escaping ("O'Brien", not "O&#x27;Brien"). Only the
    HTML part is escaped; the text part is never shown as HTML."""
    # The backend's own Template (the stubs do not know it) renders with autoescape off.
    return get_template(path).template.render(Context(ctx, autoescape=False))  # type: ignore[attr-defined]


def send_templated_email(
    name: str, to: str, context: dict[str, object], *, language: str = ""
) -> None:
    render_email(name, to, context, language=language).send()


def send_sign_in_email(
    name: str, address: str, path: str, context: dict[str, object], *, language: str = ""
) -> None:
    """A content-free email asking whoever reads ``address`` to sign in at ``path``
    (``link`` in the template's context), in ``language`` (empty: the site's)."""
    link = settings.SITE_URL.rstrip("/") + path
    send_templated_email(name, address, {**context, "link": link}, language=language)

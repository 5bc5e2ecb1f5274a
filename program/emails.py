"""Every email is a subject/text/html triplet under templates/emails/<name>/,
rendered in the recipient's language (emails go out from workers, where no
request has activated one)."""

from __future__ import annotations

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

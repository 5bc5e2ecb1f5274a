"""Every email is a subject/text/html triplet under templates/emails/<name>/."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def render_email(name: str, to: str, context: dict[str, object]) -> EmailMultiAlternatives:
    ctx = {"SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL, **context}
    subject = render_to_string(f"emails/{name}/subject.txt", ctx).strip()
    text = render_to_string(f"emails/{name}/body.txt", ctx)
    html = render_to_string(f"emails/{name}/body.html", ctx)
    message = EmailMultiAlternatives(subject=subject, body=text, to=[to])
    message.attach_alternative(html, "text/html")
    return message


def send_templated_email(name: str, to: str, context: dict[str, object]) -> None:
    render_email(name, to, context).send()

"""The role predicates of ``accounts.access`` for templates, so a page asks the same named
rule as its view instead of comparing ``user.role`` itself: ``{% if user|is_therapist %}``.
Each is False for a visitor who is not signed in."""

from __future__ import annotations

from typing import Any

from django import template

from accounts import access

register = template.Library()


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


@register.filter
def is_patient(user: Any) -> bool:
    return _signed_in(user) and access.is_patient(user)


@register.filter
def is_therapist(user: Any) -> bool:
    return _signed_in(user) and access.is_therapist(user)


@register.filter
def is_clinic_admin(user: Any) -> bool:
    return _signed_in(user) and access.is_clinic_admin(user)


@register.filter
def is_own_therapist(user: Any, patient: Any) -> bool:
    """``{% if user|is_own_therapist:patient %}``."""
    return _signed_in(user) and access.is_own_therapist(user, patient)

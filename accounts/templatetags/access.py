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


@register.filter
def can_view_patient(user: Any, patient: Any) -> bool:
    """``{% if user|can_view_patient:patient %}``: whether the patient's page opens for
    ``user`` (``accounts.access.get_patient_for``), not only a page the duty list may."""
    return _signed_in(user) and access.can_view_patient(user, patient)

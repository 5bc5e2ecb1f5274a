"""The clinic's duty list: who is told when a patient has no therapist, and when an
alert is not acknowledged in time (``RISK_DUTY_EMAILS`` and every active clinic admin).

It lives with identity and roles because it is a property of the clinic's people, and
both the risk workflow and the sleep window's decisions ask it.
"""

from __future__ import annotations

from django.conf import settings

from accounts.access import is_clinic_admin, is_therapist
from accounts.models import Role, User


def duty_addresses() -> list[str]:
    """The addresses of ``RISK_DUTY_EMAILS`` (cbti/settings.py), lower case."""
    configured = settings.RISK_DUTY_EMAILS
    if isinstance(configured, str):
        configured = configured.split(",")
    return list(dict.fromkeys(a.strip().lower() for a in configured if a.strip()))


def duty_list() -> list[str]:
    """Who is emailed for a patient without a therapist, and for every escalation: the
    configured addresses, then every active clinic admin."""
    admins = (
        User.objects.active()
        .filter(role=Role.ADMIN)
        .order_by("email")
        .values_list("email", flat=True)
    )
    return list(dict.fromkeys([*duty_addresses(), *(a.lower() for a in admins)]))


def on_duty(user: User) -> bool:
    """A clinic admin, or a therapist or admin account whose address is on the duty list."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_clinic_admin(user):
        return True
    return is_therapist(user) and user.email.lower() in duty_addresses()

"""The clinic's duty list, opening hours and delays: who is told when a patient has no
therapist, and when an alert is not acknowledged in time, the hours that clock counts,
and how long it runs.

All are clinic data, kept by clinic admins on /clinic/duty/ (``DutyMember``,
``ClinicHours``, ``ClinicDelays``), read here and nowhere else: the duty list through
``duty_addresses`` (who is on it) and ``duty_list`` (whom to email), the hours through
``opening_hours`` (``program.risk.actions.clinic_hours`` parses them), the delays through
``escalate_after_hours`` and ``remind_after_days``.

The environment settings are the defaults, read as a fall-back while nothing is saved,
not copied by a data migration: ``RISK_DUTY_EMAILS`` plus every active clinic admin until
an admin first saves the list, ``CLINIC_HOURS`` in ``CLINIC_TIME_ZONE`` until an admin
first saves the hours, ``RISK_ESCALATE_AFTER_HOURS`` and
``RECOMMENDATION_REMIND_AFTER_DAYS`` until an admin first saves the delays. A migration
would copy whatever the environment held the one time ``migrate`` ran (often a build step
without the clinic's variables) and then ignore every later change to them without a
word; the fall-back keeps an installation that never opens the page working exactly as
configured, and the page says which source is in force.

It lives with identity and roles because it is a property of the clinic's people, and
both the risk workflow and the sleep window's decisions ask it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef

from accounts.access import is_clinic_admin, is_therapist
from accounts.models import ClinicDelays, ClinicHours, DutyMember, Role, User

log = logging.getLogger(__name__)


def configured_addresses() -> list[str]:
    """The addresses of ``RISK_DUTY_EMAILS`` (cbti/settings.py), lower case: the default."""
    configured = settings.RISK_DUTY_EMAILS
    if isinstance(configured, str):
        configured = configured.split(",")
    return _unique(configured)


def _unique(addresses: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(a.strip().lower() for a in addresses if a.strip()))


def _active_admins() -> list[str]:
    admins = (
        User.objects.active()
        .filter(role=Role.ADMIN)
        .order_by("email")
        .values_list("email", flat=True)
    )
    return _unique(admins)


def saved_members() -> list[tuple[str, bool]]:
    """The saved duty list, one query: each address, and whether an account with that
    address is deactivated. Empty while no admin has saved the list."""
    deactivated = User.objects.filter(email__iexact=OuterRef("email"), is_active=False)
    rows = DutyMember.objects.annotate(gone=Exists(deactivated)).values_list("email", "gone")
    return [(email, bool(gone)) for email, gone in rows]


def list_is_saved() -> bool:
    return DutyMember.objects.exists()


def duty_addresses() -> list[str]:
    """The addresses on the duty list (lower case): the saved list, else
    ``RISK_DUTY_EMAILS`` (the clinic admins are on duty besides, ``on_duty``)."""
    saved = list(DutyMember.objects.values_list("email", flat=True))
    return saved or configured_addresses()


def duty_list() -> list[str]:
    """Who is emailed for a patient without a therapist, and for every escalation: the
    saved list without deactivated accounts; before an admin saves it, the configured
    addresses and every active clinic admin. Never empty while the clinic has an active
    admin: if everyone saved has been deactivated since, the admins are told instead."""
    saved = saved_members()
    if not saved:
        return _unique([*configured_addresses(), *_active_admins()])
    reachable = [address for address, gone in saved if not gone]
    if reachable:
        return reachable
    log.error("Everyone on the saved duty list is deactivated: alerting the clinic admins")
    return _active_admins()


def saved_list_has_a_person() -> bool:
    """False when a saved duty list no longer holds an active therapist or admin (everyone
    on it was deactivated since: ``duty_list`` then tells the admins). True otherwise,
    including while the settings' default is in force."""
    saved = list(DutyMember.objects.values_list("email", flat=True))
    if not saved:
        return True
    people = User.objects.active().filter(role__in=[Role.THERAPIST, Role.ADMIN], email__in=saved)
    return people.exists()


def on_duty(user: User) -> bool:
    """A clinic admin, or a therapist or admin account whose address is on the duty list."""
    if not user.is_authenticated or not user.is_active:
        return False
    if is_clinic_admin(user):
        return True
    return is_therapist(user) and user.email.lower() in duty_addresses()


def saved_hours() -> ClinicHours | None:
    """The hours as an admin saved them, with who did, or None (one query)."""
    return ClinicHours.objects.select_related("changed_by").order_by("pk").first()


_READ = object()


def opening_hours(saved: ClinicHours | object | None = _READ) -> tuple[str, str]:
    """The clinic's opening hours (``Mon-Fri 09:00-17:00``) and their time zone: as an
    admin saved them (``saved``: ``saved_hours()``, read here if not given), else
    ``CLINIC_HOURS`` and ``CLINIC_TIME_ZONE``."""
    if saved is _READ:
        saved = saved_hours()
    if not isinstance(saved, ClinicHours):
        return settings.CLINIC_HOURS, settings.CLINIC_TIME_ZONE
    return saved.hours, saved.time_zone


def saved_delays() -> ClinicDelays | None:
    """The delays as an admin saved them, with who did, or None (one query)."""
    return ClinicDelays.objects.select_related("changed_by").order_by("pk").first()


def delays(saved: ClinicDelays | object | None = _READ) -> tuple[float, int]:
    """The clinic's delays: working hours before an unacknowledged alert is escalated,
    and days before a waiting recommendation reminds. As an admin saved them
    (``saved``: ``saved_delays()``, read here if not given), else
    ``RISK_ESCALATE_AFTER_HOURS`` and ``RECOMMENDATION_REMIND_AFTER_DAYS``."""
    if saved is _READ:
        saved = saved_delays()
    if not isinstance(saved, ClinicDelays):
        return (
            float(settings.RISK_ESCALATE_AFTER_HOURS),
            int(settings.RECOMMENDATION_REMIND_AFTER_DAYS),
        )
    return float(saved.escalate_after_hours), int(saved.remind_after_days)


def escalate_after_hours() -> float:
    """Working hours an alert may wait for an acknowledgement before it is escalated."""
    return delays()[0]


def remind_after_days() -> int:
    """Days a recommendation may wait for a clinician before the therapist is reminded."""
    return delays()[1]


def save_delays(escalate_hours: Decimal, remind_days: int, *, by: User) -> ClinicDelays:
    """Make these the clinic's delays (checked by the caller's form)."""
    row, _ = ClinicDelays.objects.update_or_create(
        pk=1,
        defaults={
            "escalate_after_hours": escalate_hours,
            "remind_after_days": remind_days,
            "changed_by": by,
        },
    )
    return row


@transaction.atomic
def save_duty_list(addresses: Iterable[str], *, by: User) -> list[str]:
    """Make ``addresses`` the duty list (the caller has checked that at least one is an
    active therapist or admin): members kept keep their rows, others are removed."""
    wanted = _unique(addresses)
    if not wanted:
        raise ValueError("The duty list may not be empty.")
    DutyMember.objects.exclude(email__in=wanted).delete()
    have = set(DutyMember.objects.values_list("email", flat=True))
    DutyMember.objects.bulk_create(
        [DutyMember(email=a, added_by=by) for a in wanted if a not in have]
    )
    return wanted


def save_opening_hours(hours: str, time_zone: str, *, by: User) -> ClinicHours:
    """Make ``hours`` in ``time_zone`` the clinic's (checked by the caller's form)."""
    row, _ = ClinicHours.objects.update_or_create(
        pk=1, defaults={"hours": hours.strip(), "time_zone": time_zone.strip(), "changed_by": by}
    )
    return row

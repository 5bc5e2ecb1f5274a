"""Django's createsuperuser, plus a verified email address.

Mandatory email verification would otherwise stop a clinic admin made from the
command line at their first sign-in."""

from __future__ import annotations

from django.contrib.auth.management.commands import createsuperuser

from accounts.models import User
from accounts.services import ensure_verified_email


class Command(createsuperuser.Command):
    def handle(self, *args: object, **options: object) -> None:
        before = set(User.objects.values_list("pk", flat=True))
        super().handle(*args, **options)
        for user in User.objects.exclude(pk__in=before):
            ensure_verified_email(user)

"""allauth customised through its adapters, as allauth intends."""

from __future__ import annotations

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.http import HttpRequest


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Patients normally join through a therapist's invitation
        # (program.enrolment.views); open sign-up is a clinic's choice.
        return bool(settings.ALLOW_SELF_SIGNUP)


class MFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # Therapists and admins must keep their authenticator app: without it
        # RequireStaffMFAMiddleware would lock them out of their work anyway.
        user = authenticator.user
        if authenticator.type == Authenticator.Type.TOTP and getattr(user, "needs_mfa", False):
            return False
        return super().can_delete_authenticator(authenticator)

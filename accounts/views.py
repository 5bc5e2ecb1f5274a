from __future__ import annotations

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.access import login_required
from accounts.http import AuthenticatedHttpRequest

from .forms import ProfileForm
from .models import ApiToken, Role
from .text import has_control_characters
from .tokens import issue_token, revoke_token

TOKEN_NAME_LENGTH = ApiToken._meta.get_field("name").max_length

ROLE_HOMES: dict[str, str] = {
    Role.PATIENT: "program:patient_home",
    Role.THERAPIST: "program:caseload",
    Role.ADMIN: "program:clinic_home",
}


def home(request: HttpRequest) -> HttpResponse:
    """The front door: visitors see what the service is; users go to their role's home."""
    if request.user.is_authenticated:
        return redirect(ROLE_HOMES[request.user.role])
    return render(request, "accounts/landing.html")


@login_required
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            form.save()
            for hook in settings.ACCOUNTS_SETTINGS_CHANGED_HOOKS:
                import_string(hook)(user)
            # Said in the language just chosen, which the next page is shown in.
            with translation.override(user.language):
                messages.success(request, _("Your settings are saved."))
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=user)
    ctx = {"form": form}
    return render(request, "accounts/profile.html", ctx)


def _making_a_token(request: AuthenticatedHttpRequest) -> bool:
    return request.method == "POST" and "revoke" not in request.POST


@login_required
# A token reads and writes the diary without a session: making one asks for the password
# again (allauth's re-authentication, rate-limited like sign-in), then carries on with
# the request that asked. Seeing and revoking tokens does not.
@reauthentication_required(enabled=_making_a_token, allow_get=True)
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Personal tokens for the JSON API (a phone app): make one, see them, revoke one."""
    user = request.user
    new_token = None
    if request.method == "POST":
        if "revoke" in request.POST:
            try:
                token_id = int(request.POST["revoke"])
            except ValueError:
                token_id = 0
            if revoke_token(user, token_id):
                messages.success(request, _("The token was revoked. Apps using it are signed out."))
            return redirect("accounts:api_tokens")
        name = request.POST.get("name", "").strip()
        if not name:
            messages.error(request, _("Give the token a name, such as “My phone”."))
        elif has_control_characters(name) or len(name) > (
            ApiToken._meta.get_field("name").max_length or 0
        ):
            messages.error(
                request,
                _("Give the token a plain name of up to 100 characters, such as “My phone”."),
            )
        else:
            _token, new_token = issue_token(user, name)
    ctx = {
        "tokens": ApiToken.objects.filter(user=user, revoked_at__isnull=True),
        "new_token": new_token,
    }
    return render(request, "accounts/api_tokens.html", ctx)


@login_required
def privacy(request: AuthenticatedHttpRequest) -> HttpResponse:
    """A patient sees who, other than them, opened their record, and when."""
    from .audit import describe, role_name
    from .models import AuditEvent

    events = (
        AuditEvent.objects.about(request.user).select_related("actor").order_by("-created_at")[:200]
    )
    ctx = {
        "events": [(e, describe(e.path, detail=e.detail), role_name(e.actor_role)) for e in events]
    }
    return render(request, "accounts/privacy.html", ctx)

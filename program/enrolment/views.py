from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.access import therapist_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import Role, User
from program.enrolment.actions import (
    InvitationError,
    accept_invitation,
    find_invitation,
    invite_patient,
)
from program.enrolment.forms import AcceptInvitationForm, InvitationForm
from program.models import Invitation

UNPUBLISHED = gettext_lazy(
    "The invitation is saved, but its email could not be queued just now (the mail service "
    "is unavailable). Use “Send again” under Invite a patient in a few minutes."
)

REPLACED = gettext_lazy(
    "It replaces the earlier invitation to %(email)s, whose link no longer works."
)


@therapist_required
def invite(request: AuthenticatedHttpRequest) -> HttpResponse:
    therapist: User = request.user
    if request.method == "POST":
        form = InvitationForm(request.POST)
        if form.is_valid():
            email = form.cleaned_data["email"]
            # One query: whose address it is decides what to say (a staff member is
            # not a patient to be moved to a caseload).
            role = User.objects.filter(email__iexact=email).values_list("role", flat=True).first()
            if role is not None and role != Role.PATIENT:
                form.add_error(
                    "email",
                    _(
                        "This address belongs to a member of the clinic's staff. A patient's "
                        "invitation needs the patient's own email address."
                    ),
                )
            elif role is not None:
                form.add_error(
                    "email",
                    _(
                        "This address already has an account. Ask a clinic admin to move the "
                        "patient to your caseload."
                    ),
                )
            else:
                issued = invite_patient(
                    therapist=therapist,
                    email=email,
                    name=form.cleaned_data["name"],
                    programme=form.cleaned_data["programme"],
                )
                # Inviting an address again replaces its pending invitation: say so.
                if issued.published.ok is False:
                    messages.warning(request, UNPUBLISHED)
                    if issued.replaced:
                        messages.info(request, REPLACED % {"email": email})
                elif issued.replaced:
                    messages.success(
                        request,
                        _(
                            "A new invitation was sent to %(email)s. It replaces the earlier "
                            "one, whose link no longer works."
                        )
                        % {"email": email},
                    )
                else:
                    messages.success(request, _("Invitation sent to %(email)s.") % {"email": email})
                return redirect("program:caseload")
    else:
        form = InvitationForm()
    invitations = Invitation.objects.filter(therapist=therapist).select_related("programme")[:50]
    ctx = {
        "form": form,
        "invitations": invitations,
        "valid_days": settings.INVITATION_VALID_DAYS,
    }
    return render(request, "program/invite.html", ctx)


@therapist_required
@require_POST
def revoke_invitation(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    invitation = get_object_or_404(
        Invitation.objects.pending(), pk=invitation_id, therapist=request.user
    )
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    messages.success(
        request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
    )
    return redirect("program:invite")


@therapist_required
@require_POST
def resend_invitation(request: AuthenticatedHttpRequest, invitation_id: int) -> HttpResponse:
    """Send a fresh link (the old one stops working)."""
    old = get_object_or_404(Invitation.objects.pending(), pk=invitation_id, therapist=request.user)
    issued = invite_patient(
        therapist=request.user,
        email=old.email,
        name=old.name,
        programme=old.programme,
    )
    if issued.published.ok is False:
        messages.warning(request, UNPUBLISHED)
    else:
        messages.success(
            request, _("A new invitation was sent to %(email)s.") % {"email": old.email}
        )
    return redirect("program:invite")


def accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation email: set a password, confirm the zone, consent."""
    if request.user.is_authenticated:
        messages.info(request, _("You are already signed in. Sign out first to use an invitation."))
        return redirect("home")
    try:
        invitation = find_invitation(token)
    except InvitationError as error:
        return render(
            request, "program/invitation_invalid.html", {"reason": str(error)}, status=410
        )
    if request.method == "POST":
        form = AcceptInvitationForm(request.POST, email=invitation.email)
        if form.is_valid():
            try:
                patient = accept_invitation(
                    token=token,
                    password=form.cleaned_data["password1"],
                    name=form.cleaned_data["name"],
                    time_zone=form.cleaned_data["time_zone"],
                    country=form.cleaned_data["country"],
                    date_of_birth=form.cleaned_data["date_of_birth"],
                    # The language the invitation page was read in (the browser's).
                    language=(translation.get_language() or "").split("-")[0],
                )
            except InvitationError as error:
                return render(
                    request, "program/invitation_invalid.html", {"reason": str(error)}, status=410
                )
            login(request, patient, backend="allauth.account.auth_backends.AuthenticationBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            # The optional "About you" checklist first (program.rules.situations).
            return redirect(reverse("program:about_you") + "?welcome=1")
    else:
        form = AcceptInvitationForm(email=invitation.email, initial={"name": invitation.name})
    ctx = {"form": form, "invitation": invitation}
    return render(request, "program/accept_invitation.html", ctx)

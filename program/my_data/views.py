from __future__ import annotations

from typing import Any

from allauth.account.decorators import reauthentication_required
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts.access import patient_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from accounts.services import (
    TooManyAttempts,
    cancel_deletion,
    confirm_password,
    request_deletion,
    set_research_consent,
)
from program.my_data import export as my_data
from program.my_data import fhir


@patient_required
def my_data_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "program/my_data.html", _page_context(request))


def _page_context(request: AuthenticatedHttpRequest) -> dict[str, Any]:
    return {
        "grace_days": settings.ACCOUNT_DELETION_GRACE_DAYS,
        "research_changes": list(request.user.research_consents.all()[:10]),
    }


# The files a patient can download, by the name the page's links give them.
FILES = {
    "json": ("program:my_data_json", _lazy("Download (JSON)")),
    "zip": ("program:my_data_zip", _lazy("Download (CSV files in a zip)")),
    "fhir": ("program:my_data_fhir", _lazy("Download for a health record (FHIR)")),
}


@patient_required
@reauthentication_required
def download_ready(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Where the page's download links lead, once the password has been confirmed: the page
    again, saying the download has started, and starting it (a file sent straight after the
    password left the browser on "Confirm it is you", the password still filled in, with
    nothing said)."""
    chosen = FILES.get(request.GET.get("file", ""))
    if chosen is None:
        return redirect("program:my_data")
    name, label = chosen
    ctx = _page_context(request)
    ctx["download"] = {"url": reverse(name), "label": label}
    return render(request, "program/my_data.html", ctx)


def _download(
    request: AuthenticatedHttpRequest, body: bytes, kind: str, extension: str
) -> HttpResponse:
    patient: User = request.user
    response = HttpResponse(body, content_type=kind)
    name = f"my-sleep-data-{patient.local_today():%Y-%m-%d}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# Everything about a person in one file: the password is asked again first (allauth's
# re-authentication, rate-limited like sign-in), so an unattended session cannot take it.
@patient_required
@reauthentication_required
def download_json(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _download(request, my_data.export_json(request.user), "application/json", "json")


@patient_required
@reauthentication_required
def download_zip(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _download(request, my_data.export_zip(request.user), "application/zip", "zip")


@patient_required
@reauthentication_required
def download_fhir(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The record as a FHIR R4 Bundle, for another health record (docs/fhir.md)."""
    return _download(request, fhir.bundle_json(request.user), fhir.FHIR_MIME, "fhir.json")


@patient_required
@require_POST
def research_consent(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The patient gives or withdraws consent to research use (docs/research-export.md)."""
    choice = request.POST.get("research")
    if choice not in ("yes", "no"):
        messages.error(request, _("Choose whether you agree, so nothing was changed."))
        return redirect("program:my_data")
    given = choice == "yes"
    set_research_consent(request.user, given=given)
    if given:
        messages.success(
            request,
            _(
                "Saved: your data, without your name or contact details, may be included "
                "in research exports from now on."
            ),
        )
    else:
        messages.success(
            request,
            _("Saved: your data will not be included in any research export from now on."),
        )
    return redirect("program:my_data")


def _deletion_refused(request: AuthenticatedHttpRequest, error: str) -> HttpResponse:
    """The page again with the error at the password field, as a form shows its errors: a
    message would sit at the top of a long page, far from the field at its foot (the form
    posts to the section's anchor, so the page opens there)."""
    context = _page_context(request) | {"delete_error": error}
    return render(request, "program/my_data.html", context)


@patient_required
@require_POST
def delete_account(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Deletion after a grace period, confirmed with the password."""
    patient: User = request.user
    if request.POST.get("cancel"):
        cancel_deletion(patient)
        messages.success(request, _("Your account will not be deleted."))
        return redirect("program:my_data")
    try:
        confirmed = confirm_password(request, patient, request.POST.get("password", ""))
    except TooManyAttempts:
        return _deletion_refused(
            request,
            _(
                "That password was typed wrongly too many times, so nothing was changed. "
                "Please wait a few minutes before you try again."
            ),
        )
    if not confirmed:
        return _deletion_refused(request, _("That password is not right, so nothing was changed."))
    due = request_deletion(patient)
    logout(request)
    messages.info(
        request,
        _(
            "Your account and your data will be deleted on %(day)s. To keep your account, "
            "sign in and choose “Keep my account” before then."
        )
        % {"day": date_format(due, "LONG_DATE_FORMAT")},
    )
    return redirect("account_login")

"""Importing a device's sleep (the patient, or their therapist) and hiding it from the
patient (the therapist: orthosomnia [BARON17])."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import get_patient_for, patient_required, therapist_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.diary.views import patient_diary_page
from program.wearables import actions
from program.wearables.forms import DeviceExportForm, DeviceFlagForm, DeviceVisibilityForm


def _import_page(
    request: AuthenticatedHttpRequest, patient: User, *, for_patient: bool
) -> HttpResponse:
    """The upload form; on a valid file, the import and its report on the same page (a
    report is only ever shown once, so it is not kept for a redirect)."""
    report = None
    form = DeviceExportForm()
    if request.method == "POST":
        form = DeviceExportForm(request.POST, request.FILES)
        if form.is_valid() and form.read is not None:
            report = actions.import_periods(
                patient, form.read.periods, skipped=form.read.skipped, by=request.user
            )
            form = DeviceExportForm()
    return render(
        request,
        "program/device_import.html",
        {
            "patient": patient,
            "for_patient": for_patient,
            "form": form,
            "report": report,
            # The patient whose therapist hid the figures sees what was read, not the minutes.
            "show_minutes": not (for_patient and actions.hidden_from_patient(patient)),
            "import_days": actions.IMPORT_DAYS,
        },
    )


@patient_required
def device_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _import_page(request, request.user, for_patient=True)


@therapist_required
def patient_device_import(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    return _import_page(request, get_patient_for(request, patient_id), for_patient=False)


@therapist_required
@require_POST
def device_visibility(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Hide the device's figures from the patient, or show them again [BARON17]."""
    patient = get_patient_for(request, patient_id)
    form = DeviceVisibilityForm(request.POST)
    hidden = form.is_valid() and form.cleaned_data["hidden"]
    actions.set_hidden_from_patient(patient, hidden, by=request.user)
    sentence = (
        _("%(name)s no longer sees the device's figures.")
        if hidden
        else _("%(name)s sees the device's figures beside the diary again.")
    )
    messages.success(request, sentence % {"name": patient.display_name})
    return redirect("program:patient_diary", patient_id=patient.pk)


@therapist_required
@require_POST
def device_flag(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    """Set the difference in total sleep beyond which a night is flagged on this page.

    Bad input shows the diary page again with the number typed and what is wrong."""
    patient = get_patient_for(request, patient_id)
    form = DeviceFlagForm(request.POST)
    if not form.is_valid():
        return patient_diary_page(request, patient, flag_form=form, status=400)
    minutes = form.cleaned_data["threshold"]
    actions.set_flag_threshold(patient, minutes, by=request.user)
    messages.success(
        request,
        _("Nights whose total sleep differs by more than %(minutes)s min are now flagged.")
        % {"minutes": minutes},
    )
    return redirect("program:patient_diary", patient_id=patient.pk)

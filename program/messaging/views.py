"""The secure message thread: the patient's own page and their therapist's view of it."""

from __future__ import annotations

from django import forms
from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import (
    clinician_required,
    get_patient_for,
    is_clinic_admin,
    is_own_therapist,
    patient_required,
)
from accounts.audit import note_unchanged
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.form_fields import new_submission_key, submission_key_field
from program.messaging import actions as messaging
from program.models import Message
from program.risk import actions as risk


class MessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    # Each form shown carries a key of its own: the same form sent again (Back then Send,
    # a double tap, a retry) is recognised as sent (program.messaging.actions.AlreadySent).
    submission_key = submission_key_field()


def _thread(request: AuthenticatedHttpRequest, patient: User, *, can_write: bool) -> HttpResponse:
    user: User = request.user
    enabled = messaging.enabled_for(patient)
    form = MessageForm(request.POST or None, initial={"submission_key": new_submission_key()})
    if request.method == "POST":
        if not (enabled and can_write):
            note_unchanged(request)
            flash.error(request, _("Messages are not switched on for this programme."))
        elif form.is_valid():
            try:
                message = messaging.send(
                    patient=patient,
                    sender=user,
                    text=form.cleaned_data["text"],
                    submission_key=form.cleaned_data["submission_key"],
                )
            except messaging.AlreadySent as already:
                note_unchanged(request)  # nothing was saved or sent again
                flash.info(request, already_sent_words(already.message))
                if user.pk == patient.pk:
                    # The answer to the first send may have been lost: the crisis notice
                    # its risk words raised is shown again, never only once.
                    risk.tell_patient_flagged(request, already.message.risk_alerts.first())
                return redirect(request.path)
            flash.success(request, _("Message sent."))
            if user.pk == patient.pk:
                risk.tell_patient_flagged(request, message.risk_alerts.first())
            return redirect(request.path)
    if enabled and request.method == "GET" and not is_clinic_admin(user):
        messaging.mark_read(patient=patient, reader=user)
    ctx = {
        "patient": patient,
        "enabled": enabled,
        "can_write": can_write,
        "form": form,
        "thread": Message.objects.thread(patient).select_related("sender"),
    }
    return render(request, "program/messages.html", ctx)


def already_sent_words(message: Message) -> str:
    return _(
        "This message was already sent on %(time)s: it is in the conversation below. "
        "It was not sent again."
    ) % {"time": date_format(localtime(message.created_at), "DAY_MONTH_YEAR_TIME_FORMAT")}


@patient_required
def my_messages(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _thread(request, request.user, can_write=True)


@clinician_required
def patient_messages(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = get_patient_for(request, patient_id)
    return _thread(request, patient, can_write=is_own_therapist(request.user, patient))

"""The secure message thread: the patient's own page and their therapist's view of it."""

from __future__ import annotations

from django import forms
from django.contrib import messages as flash
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import clinician_required, patient_required
from accounts.audit import note_unchanged
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.form_fields import new_submission_key, submission_key_field
from program.messaging import actions as messaging
from program.models import Message
from program.risk import actions as risk
from program.sleep_window import rescreen


class MessageForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Your message"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    # Each form shown carries a key of its own: the same form sent again (Back then Send,
    # a double tap, a retry) is recognised as sent (program.messaging.actions.AlreadySent),
    # stored and emailed once, and answered "Message sent." each time.
    submission_key = submission_key_field()


def _thread(request: AuthenticatedHttpRequest, patient: User, *, can_write: bool) -> HttpResponse:
    user: User = request.user
    # Who reads the patient's messages: their therapist, or without an active one the
    # clinic's duty list (program.messaging.actions); the patient's page says which.
    enabled, therapist = messaging.thread_state(patient)
    duty_reads = therapist is None and bool(messaging.readers_without_therapist())
    if user.pk == patient.pk and therapist is None and not duty_reads:
        can_write = False  # nobody would read it: the page says so instead
    form = MessageForm(request.POST or None, initial={"submission_key": new_submission_key()})
    if request.method == "POST":
        if not enabled:
            note_unchanged(request)
            flash.error(request, _("Messages are not switched on for this programme."))
        elif not can_write:
            note_unchanged(request)
            flash.error(request, nobody_reads_words() if user.pk == patient.pk else ONLY_THERAPIST)
        elif form.is_valid():
            try:
                message = messaging.send(
                    patient=patient,
                    sender=user,
                    text=form.cleaned_data["text"],
                    submission_key=form.cleaned_data["submission_key"],
                )
            except messaging.NobodyToRead:
                note_unchanged(request)  # the duty list emptied since the page was shown
                flash.error(request, nobody_reads_words())
                return redirect(request.path)
            except messaging.AlreadySent as already:
                note_unchanged(request)  # nothing was saved or sent again
                # A double click sends the form twice, and the browser shows only the
                # second answer: the first's "Message sent." never reaches the sender. So
                # the repeat answers as the send did: the message was sent, once, and is
                # in the thread below.
                flash.success(request, _("Message sent."))
                if user.pk == patient.pk:
                    # The answer to the first send may have been lost: the crisis notice
                    # its risk words raised is shown again, never only once.
                    risk.tell_patient_flagged(request, already.message.risk_alerts.first())
                return redirect(request.path)
            flash.success(request, _("Message sent."))
            if user.pk == patient.pk:
                risk.tell_patient_flagged(request, message.risk_alerts.first())
            return redirect(request.path)
    if enabled and request.method == "GET" and (user.pk == patient.pk or can_write):
        # Read by the patient, or by whoever answers them (not an admin only reading).
        messaging.mark_read(patient=patient, reader=user)
    ctx = {
        "patient": patient,
        "enabled": enabled,
        "therapist": therapist,
        "duty_reads": duty_reads,
        "can_write": can_write,
        "form": form,
        "thread": Message.objects.thread(patient).select_related("sender"),
    }
    return render(request, "program/messages.html", ctx)


ONLY_THERAPIST = gettext_lazy("Only the patient's therapist writes in this conversation.")


def nobody_reads_words() -> str:
    return _(
        "You do not have a therapist at the moment, and nobody at your clinic is set up to "
        "read messages here. Please contact your clinic another way."
    )


@patient_required
def my_messages(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _thread(request, request.user, can_write=True)


@clinician_required
def patient_messages(request: AuthenticatedHttpRequest, patient_id: int) -> HttpResponse:
    patient = rescreen.get_patient_for_decider(request, patient_id)
    return _thread(request, patient, can_write=messaging.can_answer(request.user, patient))

"""Adverse events: "Report a problem with my care" and the staff's own records (issue 16,
part 10).

A report (``report``) is one transaction: the record, then, after the commit, a
content-free email ("a problem with a patient's care was reported — sign in") to the
patient's therapist and to the clinic's duty list, the same people and the same kind of
email as a risk alert (``accounts.duty.duty_list``: the list kept on /clinic/duty/, by
default ``RISK_DUTY_EMAILS`` plus every active clinic admin). A patient with no therapist
is the duty list's. A staff member's own record goes to the same people except themself.

The email is sent in the request, right after the commit, not through the Celery queue:
the patient is told what happened to their report, and "sent to your care team" must be
true when they read it. What was sent is on the record (``emailed_to``); a mail server
that fails leaves it empty, the patient is told so (and whom to call), and the record
stays on the staff's list (``/clinic/adverse-events/``) with "email not sent".

Who sees what: a therapist their own patients' events; the duty list and the admins
every patient's (``events_for``). Each staff page is in the audit trail
(``accounts.audit``: the list and the CSV under /clinic/, a record and a review against
their patient).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, date
from typing import Any

from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import active_therapist, is_therapist
from accounts.forms import latest_today
from accounts.models import Role, User
from program.assessments.models import RiskAlertEvent
from program.emails import send_templated_email
from program.models import AdverseEvent, CaseloadSummary
from program.risk import actions as risk

log = logging.getLogger(__name__)

LIST_LIMIT = 200


# --- Forms ------------------------------------------------------------------------------


class _EventForm(forms.Form):
    what_happened = forms.CharField(
        label=gettext_lazy("What happened?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("In your own words. Write as much or as little as you like."),
        error_messages={"required": gettext_lazy("Please tell us what happened.")},
    )
    happened_on = forms.DateField(
        label=gettext_lazy("When did it happen?"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("The day, or your best guess."),
        error_messages={
            "required": gettext_lazy("Please give the day it happened, or your best guess."),
            "invalid": gettext_lazy(
                "Enter the day as a full date: day, month and year (for example 2026-11-30)."
            ),
        },
    )
    seriousness = forms.ChoiceField(
        label=gettext_lazy("How serious was it?"),
        choices=AdverseEvent.Seriousness.choices,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Please choose how serious it was.")},
    )

    def clean_happened_on(self) -> date:
        day = self.cleaned_data["happened_on"]
        if day > latest_today():
            raise forms.ValidationError(_("That day is in the future: please check the date."))
        return day


class ReportForm(_EventForm):
    """The patient's form."""


class StaffEventForm(_EventForm):
    """A clinician's record: the same, with the kind of event."""

    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of event"),
        choices=[c for c in AdverseEvent.Kind.choices if c[0] != AdverseEvent.Kind.PATIENT_REPORT],
    )
    field_order = ["kind", "what_happened", "happened_on", "seriousness"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["what_happened"].help_text = ""
        self.fields["seriousness"].label = _("How serious was it, in the patient's words?")


class ReviewForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Review note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Write what you did or decided.")},
    )


# --- Who sees what -------------------------------------------------------------------


def events_for(user: User) -> QuerySet[AdverseEvent]:
    events = AdverseEvent.objects.select_related("patient", "reported_by", "reviewed_by")
    if risk.on_duty(user):
        return events
    if user.is_authenticated and user.is_active and is_therapist(user):
        return events.filter(patient__therapist=user, patient__role=Role.PATIENT)
    return events.none()


# --- Recording and routing -----------------------------------------------------------


def recipients_for(patient: User, *, leave_out: User | None = None) -> list[str]:
    """The patient's active therapist, then who on the duty list is on duty now
    (``risk.duty_now``: by the clinic's rota, else the whole list)."""
    therapist = active_therapist(patient)
    addresses = [therapist.email.lower()] if therapist else []
    addresses += [a for a in risk.duty_now() if a not in addresses]
    if leave_out is not None:
        addresses = [a for a in addresses if a != leave_out.email.lower()]
    return addresses


def report(
    patient: User,
    *,
    by: User,
    what_happened: str,
    happened_on: date,
    seriousness: str,
    kind: str = AdverseEvent.Kind.PATIENT_REPORT,
) -> AdverseEvent:
    """Save the event and, after the commit, email the care team (``send_emails``)."""
    with transaction.atomic():
        event = AdverseEvent.objects.create(
            patient=patient,
            kind=kind,
            what_happened=what_happened,
            happened_on=happened_on,
            seriousness=seriousness,
            reported_by=by,
            reporter_role=by.role,
            recipients=recipients_for(patient, leave_out=None if by.pk == patient.pk else by),
        )
        if not event.recipients:
            log.error(
                "Adverse event %s has nobody to email: keep the duty list on /clinic/duty/",
                event.pk,
            )
        if by.pk == patient.pk:
            # The patient's own words, through the one risk workflow: the urgent flag,
            # acknowledgement and escalation. Its first email is this report's, marked
            # urgent (send_emails), not a second one to the same people.
            risk.flag_words(patient, what_happened, where="a problem report", adverse_event=event)
        pk = event.pk
        transaction.on_commit(lambda: send_emails(pk))
    return event


def send_emails(event_id: int) -> list[str]:
    """Email each recipient (no health detail: a link to sign in), and record who was
    sent it. A failing mail server leaves the rest unsent, and the record says so."""
    event = AdverseEvent.objects.filter(pk=event_id).first()
    if event is None or event.email_attempted_at is not None:
        return []
    people = {u.email.lower(): u for u in User.objects.filter(email__in=event.recipients)}
    alert = event.risk_alerts.open().first()
    link = settings.SITE_URL.rstrip("/") + reverse(
        "program:risk_alerts" if alert else "program:adverse_events"
    )
    sent: list[str] = []
    for address in event.recipients:
        person = people.get(address)
        if person is not None and not person.is_active:
            continue
        try:
            send_templated_email(
                "adverse_event",
                address,
                {"person": person, "link": link, "urgent": alert is not None},
                language=person.language if person else "",
            )
        except Exception as error:  # the mail server: say so, never fail the report
            log.error("Adverse event %s: email to the care team failed: %s", event.pk, error)
            break
        sent.append(address)
    AdverseEvent.objects.filter(pk=event.pk).update(
        emailed_to=sent, email_attempted_at=timezone.now()
    )
    if alert is not None:
        if sent:
            RiskAlertEvent.objects.create(
                alert=alert,
                kind=RiskAlertEvent.Kind.WITH_REPORT,
                detail=f"to {len(sent)} of {len(event.recipients)} addresses",
            )
        else:
            # The report's email reached nobody: the alert's own, through the queue
            # (retried, and queued again if the broker is down), so it is never lost.
            risk.email_alert(alert)
    return sent


def mark_reviewed(event: AdverseEvent, *, by: User, note: str) -> bool:
    """False if someone reviewed it first (their note stays)."""
    done = AdverseEvent.objects.filter(pk=event.pk, reviewed_at__isnull=True).update(
        reviewed_at=timezone.now(), reviewed_by=by, review_note=note
    )
    if done:
        # The caseload's "reported problem" flag goes down (no signal from update()).
        CaseloadSummary.objects.mark_changed([event.patient_id])
    return bool(done)


# --- What the patient is told --------------------------------------------------------


def told_care_team(event: AdverseEvent) -> bool:
    """True only when an email really went to at least one person."""
    return bool(event.emailed_to)


def patient_words(event: AdverseEvent) -> str:
    """What happened to a report, as it is (see ``told_care_team``)."""
    from program.enrolment.eligibility import clinic_contact

    if told_care_team(event):
        return _(
            "Your report was sent to your care team by email. A clinician will read it and "
            "follow it up with you."
        )
    if not event.recipients:
        return " ".join(
            (
                _(
                    "Your report is saved, but this app could not pass it on to anyone: "
                    "you do not have a therapist here, and your clinic has not set anyone "
                    "up to receive reports. Please tell your clinic or your doctor."
                ),
                clinic_contact(),
            )
        )
    return " ".join(
        (
            _(
                "Your report is saved, but the email to your care team could not be sent "
                "just now. They will see your report on their list when they sign in; if "
                "it cannot wait, please contact them."
            ),
            clinic_contact(),
        )
    )


# --- The CSV export ------------------------------------------------------------------

CSV_HEADER = [
    "id",
    "patient",
    "patient email",
    "kind",
    "happened on",
    "seriousness",
    "what happened",
    "reported by",
    "reporter role",
    "reported at (UTC)",
    "emailed to",
    "reviewed at (UTC)",
    "reviewed by",
    "review note",
]


def csv_rows(events: Iterable[AdverseEvent]) -> Iterable[list[Any]]:
    def stamp(moment: Any) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment else ""

    for e in events:
        yield [
            e.pk,
            e.patient.name,
            e.patient.email,
            e.get_kind_display(),
            e.happened_on.isoformat(),
            e.get_seriousness_display(),
            e.what_happened,
            e.reported_by.email if e.reported_by else "",
            e.reporter_role,
            stamp(e.created_at),
            "; ".join(e.emailed_to),
            stamp(e.reviewed_at),
            e.reviewed_by.email if e.reviewed_by else "",
            e.review_note,
        ]

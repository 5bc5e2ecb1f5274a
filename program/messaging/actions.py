"""Secure messages: who may write, sending, marking read, and the content-free email.

Messages are switched on per programme (``Programme.messages_enabled``). The thread
belongs to the patient; their own therapist answers (an admin may read it, as they
may read the rest of the record, but does not write in it).

A patient with no therapist, or whose therapist's account is deactivated, is the duty
list's, as their alerts and decisions are (``program.risk.actions``,
``program.sleep_window.rescreen``): their messages are emailed to the duty list's members
on duty (``readers_without_therapist``), and anyone on the duty list (a clinic admin, or a
therapist whose address is on it) reads and answers the thread (``can_answer``). With
nobody to read them, the patient is told so and cannot send.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, Min, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.access import active_therapist, without_active_therapist
from accounts.models import User
from program.models import CaseloadSummary, Enrolment, Message
from program.publish import publish_on_commit
from program.risk import actions as risk
from program.sleep_window import rescreen
from program.submissions import create_once


class MessageError(ValueError):
    pass


class NobodyToRead(MessageError):
    """A patient without an active therapist, and nobody on the clinic's duty list."""


class AlreadySent(Exception):
    """This form was sent before, with the same words: the message it made."""

    def __init__(self, message: Message) -> None:
        super().__init__(f"already sent as message {message.pk}")
        self.message = message


def thread_state(patient: User) -> tuple[bool, User | None]:
    """Whether messages are switched on for the patient's programme, and their active
    therapist (``active_therapist``), in the one query that used to say only the first."""
    enrolment = (
        Enrolment.objects.current()
        .filter(patient=patient)
        .select_related("programme", "patient__therapist")
        .first()
    )
    if enrolment is None or not enrolment.programme.messages_enabled:
        return False, active_therapist(patient)
    return True, active_therapist(enrolment.patient)


def can_answer(user: User, patient: User) -> bool:
    """Who writes to the patient in their thread: their own active therapist; for a
    patient without one, the duty list (``accounts.duty.on_duty``), who decides for them
    too (``rescreen.can_decide``)."""
    return rescreen.can_decide(user, patient)


def readers_without_therapist() -> list[str]:
    """Whom a message from a patient without an active therapist is emailed to: the duty
    list's members on duty now, as for a risk alert (``program.risk.actions.duty_now``).
    Empty only when the clinic has nobody on its duty list and no active admin."""
    return risk.duty_now()


def waiting_without_therapist() -> QuerySet[User]:
    """The duty list's queue of messages nobody has read, beside the email that told them
    (``readers_without_therapist``): patients without an active therapist
    (``active_therapist``) with messages they sent that are unread, in one query, each
    with ``unread`` (how many) and ``unread_since`` (when the first was sent), the
    longest waiting first. A patient leaves it when someone who answers them opens the
    thread (``mark_read``), or when they have a therapist again (then their therapist's
    round shows them). Only where messages are on for the patient's programme: elsewhere
    the thread shows nothing, so opening it could never clear the row."""
    messages_on = Enrolment.objects.current().filter(
        patient=OuterRef("pk"), programme__messages_enabled=True
    )
    return (
        without_active_therapist(User.objects.patients())
        .filter(Exists(messages_on))
        # Filtered before the counts, so they count these messages, in the same join.
        .filter(message_thread__sender=F("pk"), message_thread__read_at__isnull=True)
        .annotate(unread=Count("message_thread"), unread_since=Min("message_thread__created_at"))
        .only("name", "email")  # what the list shows: display_name
        .order_by("unread_since", "pk")
    )


def unread_by_patient() -> Coalesce:
    """How many messages in the thread the patient has not read (those from the clinic),
    for a query whose rows have a ``patient`` (Today reads it with the enrolment, not in
    a query of its own)."""
    unread = (
        Message.objects.filter(patient=OuterRef("patient"), read_at__isnull=True)
        .exclude(sender=OuterRef("patient"))
        .order_by()
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread, output_field=IntegerField()), 0)


@transaction.atomic
def send(*, patient: User, sender: User, text: str, submission_key: str = "") -> Message:
    """Save a message and email the other side "you have a new message" (no content). A
    patient's message with one of the clinic's risk phrases raises a risk alert (its
    ``risk_alerts``). A patient's message that nobody would read (no active therapist,
    nobody on the duty list) raises NobodyToRead and is not saved. The same form sent
    again (its ``submission_key``, with the same words) raises AlreadySent: nothing is
    saved or emailed twice."""
    text = text.strip()
    if not text:
        raise MessageError("A message needs some text.")
    if sender.pk != patient.pk and not can_answer(sender, patient):
        raise MessageError("Only the patient and their therapist write in this thread.")
    if (
        sender.pk == patient.pk
        and active_therapist(patient) is None
        and not readers_without_therapist()
    ):
        raise NobodyToRead("Nobody at the clinic would read this message.")
    message, made = create_once(
        Message, submission_key=submission_key, patient=patient, sender=sender, text=text
    )
    if not made:
        raise AlreadySent(message)
    if sender.pk == patient.pk:
        # The clinic's risk phrases: the one risk workflow, in this transaction.
        risk.flag_words(patient, text, where="a message", message=message)

    publish_on_commit("program.tasks.message_email_task", message.pk)
    return message


def mark_read(*, patient: User, reader: User) -> None:
    """Mark the other side's messages in the thread as read."""
    unread = Message.objects.thread(patient).filter(read_at__isnull=True)
    if reader.pk == patient.pk:
        unread = unread.exclude(sender=patient)
    else:
        unread = unread.filter(sender=patient)
    if unread.update(read_at=timezone.now()):
        CaseloadSummary.objects.mark_changed([patient.pk])  # no signal from update()

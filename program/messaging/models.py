"""Secure messages between a patient and their therapist (switched on per programme)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class MessageQuerySet(models.QuerySet):
    def thread(self, patient: object) -> MessageQuerySet:
        return self.filter(patient=patient)


class Message(models.Model):
    """One message in a patient's thread. ``patient`` names the thread; ``sender`` is the
    patient or a clinician. Emails about it never carry its text."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_thread"
    )
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The "you have a new message" email (program.notifications): when it went out, and
    # when the reminder tick last queued it again because it had not.
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_queued_at = models.DateTimeField(null=True, blank=True)
    # The key of the form that sent it: the same form sent again (Back then Send, a
    # double tap, a retry) is recognised as sent instead of being sent twice.
    submission_key = models.CharField(max_length=64, blank=True, default="")

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        indexes = [
            models.Index(fields=["patient", "created_at"]),
            models.Index(
                fields=["created_at"],
                condition=models.Q(email_sent_at__isnull=True),
                name="message_email_unsent",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "submission_key"],
                condition=~models.Q(submission_key=""),
                name="one_message_per_submission",
            ),
        ]

    def __str__(self) -> str:
        return f"Message in {self.patient_id}'s thread at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def from_patient(self) -> bool:
        return self.sender_id == self.patient_id

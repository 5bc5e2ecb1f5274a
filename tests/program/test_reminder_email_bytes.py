"""A reminder email built the cheaper way is byte for byte the one Django builds.

``program.emails.RepeatedHeadersEmail`` parses each recurring header value (sender,
subject, content types) once per process instead of once per email (issue #20). What it
sends must not change: here emails in several languages, with names that need escaping
or encoding, subjects long enough to fold, are built both ways and serialised with the
policies the backends use, and they must be the same bytes apart from the random
multipart boundary (and, through a batch of reminders, the Date and Message-ID).
"""

from __future__ import annotations

import email.policy
import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.core import mail
from django.core.mail import EmailMultiAlternatives

from accounts.models import Role, User
from program.emails import RepeatedHeadersEmail
from program.enrolment.actions import enrol
from program.models import Delivery, Programme
from program.reminders import actions as reminders
from tests.conftest import make_user

BOUNDARY = re.compile(rb"={15}\d+==")
SUBJECTS = [
    "How did you slept? Your diary takes about a minute.",
    "Comment avez-vous dormi ? Votre journal ne prend qu'une minute, promis",
    "Zeit zum Herunterfahren: Ihre Entspannungsübung wartet auf Sie – "
    "ein ziemlich langer Betreff, der umbrochen werden muss",
    'A "quoted" subject; with = signs, a ? and an emoji 🌙',
]
NAMES = ["Ann", "O'Brien <b>&amp;", "Zoë", "", "Łukasz Żółć"]


def _bytes(message: EmailMultiAlternatives, policy: email.policy.Policy) -> bytes:
    return BOUNDARY.sub(b"BOUNDARY", message.message(policy=policy).as_bytes())


def _build(cls: type[EmailMultiAlternatives], subject: str, name: str) -> EmailMultiAlternatives:
    message = cls(
        subject=subject,
        body=f"Hello {name},\n\n" + "A line of the reminder's text. " * 12 + "\n",
        to=[f"{name.split(' ')[0].lower() or 'x'}@example.test"],
        headers={"Date": "Wed, 25 Nov 2026 07:31:00 -0000", "Message-ID": "<1@example.test>"},
    )
    message.attach_alternative(f"<p>Hello {name}</p>" + "<p>Some text.</p>" * 12, "text/html")
    return message


@pytest.mark.parametrize("policy", [email.policy.default, email.policy.SMTP])
def test_the_cheaper_email_has_the_same_bytes_as_djangos(policy) -> None:
    for _ in range(2):  # the second time, every recurring header comes from the cache
        for subject in SUBJECTS:
            for name in NAMES:
                django_built = _bytes(_build(EmailMultiAlternatives, subject, name), policy)
                cheaper = _bytes(_build(RepeatedHeadersEmail, subject, name), policy)
                assert cheaper == django_built


def test_a_bad_header_is_still_refused() -> None:
    message = _build(RepeatedHeadersEmail, "A subject\nBcc: someone@example.test", "Ann")
    with pytest.raises(ValueError):
        message.message()


def _without_date_and_id(message: EmailMultiAlternatives) -> bytes:
    data = _bytes(message, email.policy.SMTP)
    return re.sub(rb"(?m)^(Date|Message-ID): .*\r\n", b"", data)


@pytest.mark.django_db
def test_a_batch_of_reminders_sends_the_bytes_of_each_email_built_alone(programme) -> None:
    """Through the delivery path (the batch's shared rendering and the cheaper build):
    each email sent is the one ``reminder_message`` builds for that person alone."""
    start = datetime(2026, 11, 25, 6, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        languages = ["en", "en", "fr", "de", "en"]
        for i, (name, language) in enumerate(zip(NAMES, languages, strict=True)):
            person = make_user(f"bytes{i}@example.test", Role.PATIENT, time_zone="Europe/London")
            User.objects.filter(pk=person.pk).update(name=name, language=language)
            person.refresh_from_db()
            enrol(patient=person, programme=Programme.objects.default(), start_date=start.date())
            reminders.refresh_schedules(person)
        clock.move_to(datetime(2026, 11, 25, 7, 31, tzinfo=UTC))
        ids = [pk for batch in reminders.tick() for pk in batch]
        assert reminders.deliver(ids)["sent"] == len(NAMES)
        sent = {m.to[0]: m for m in mail.outbox}
        for delivery in Delivery.objects.filter(pk__in=ids).select_related("user"):
            alone = reminders.reminder_message(delivery)
            assert _without_date_and_id(sent[delivery.user.email]) == _without_date_and_id(alone)

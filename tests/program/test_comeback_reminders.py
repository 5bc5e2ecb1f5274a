"""The come-back note (issue 22, part 5): a patient who has gone quiet gets a kind email
after 3 days and another after 7, then none until they come back; never during a break
they took, never in their quiet hours, never against their choices. Every promise the
email makes is checked here."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from program import tasks
from program.diary.actions import save_entry
from program.enrolment.actions import enrol
from program.models import ComebackReminder, ReminderPreference
from program.reminders import comeback
from program.today.models import PatientPause
from tests.conftest import make_user
from tests.nights import night_answers

START = date(2026, 11, 2)  # the patient fixture's start; Europe/London is UTC in November


def at(day_number: int, hour: int = 12) -> datetime:
    return datetime.combine(START + timedelta(days=day_number), time(hour), tzinfo=UTC)


def run(day_number: int, hour: int = 12, **kwargs) -> int:
    with time_machine.travel(at(day_number, hour), tick=False):
        return comeback.send_due(**kwargs)


def test_nothing_in_the_first_three_quiet_days(patient, mailoutbox) -> None:
    assert [run(day) for day in (0, 1, 2)] == [0, 0, 0]
    assert mailoutbox == [] and not ComebackReminder.objects.exists()


def test_after_three_quiet_days_one_kind_email_is_sent_and_recorded(patient, mailoutbox) -> None:
    assert run(3) == 1
    (email,) = mailoutbox
    assert email.to == [patient.email]
    assert email.subject == "We're here when you're ready"
    assert "Hello Pat Patient," in email.body
    assert "/diary/new/" in email.body and "/reminders/manage/" in email.body
    assert "We will send at most 1 more note like this, then none until you are back." in (
        email.body
    )
    row = ComebackReminder.objects.get(patient=patient)
    assert (row.number, row.local_date, row.sent_at is not None) == (1, START + timedelta(3), True)


def test_one_a_day_however_often_it_runs(patient, mailoutbox) -> None:
    assert run(3, 11) == 1
    assert run(3, 12) == 0 and run(3, 19) == 0
    assert len(mailoutbox) == 1


def test_the_second_after_seven_days_says_it_is_the_last_then_nothing(patient, mailoutbox) -> None:
    run(3)
    assert [run(day) for day in (4, 5, 6)] == [0, 0, 0]
    assert run(7) == 1
    assert "This is the last note like this until you are back." in mailoutbox[-1].body
    assert [run(day) for day in (8, 14, 30, 60)] == [0, 0, 0, 0]
    assert len(mailoutbox) == 2
    assert list(
        ComebackReminder.objects.order_by("local_date").values_list("number", flat=True)
    ) == [1, 2]


def test_coming_back_resets_the_count(patient, mailoutbox) -> None:
    run(3)
    run(7)
    with time_machine.travel(at(10, 8), tick=False):
        save_entry(
            patient=patient,
            diary_date=START + timedelta(10),
            changed_by=patient,
            enforce_backfill=False,
            answers=night_answers(),
        )
    assert [run(day) for day in (11, 12)] == [0, 0]
    assert run(13) == 1
    assert "at most 1 more note" in mailoutbox[-1].body


def test_opening_a_lesson_counts_as_coming_back(patient, mailoutbox) -> None:
    from program.models import Lesson, LessonProgress

    lesson = Lesson.objects.filter(week__number=1).first()
    LessonProgress.objects.create(
        enrolment=patient.enrolments.get(),
        lesson=lesson,
        version=lesson.versions.get(language="en"),
        last_opened_at=at(2),
    )
    assert run(3) == 0 and run(4) == 0
    assert run(5) == 1


def test_none_while_the_patient_takes_a_break(patient, mailoutbox) -> None:
    """The email's promise: "we won't send these notes while it lasts"."""
    pause = PatientPause.objects.create(
        patient=patient,
        reason="ill",
        started_on=START + timedelta(1),
        ends_on=START + timedelta(15),
    )
    assert [run(day) for day in (3, 7, 10)] == [0, 0, 0]
    assert mailoutbox == []
    pause.ended_on = START + timedelta(11)
    pause.save()
    assert run(13) == 0  # counted from the end of the break
    assert run(14) == 1


def test_only_in_kind_hours_and_outside_quiet_hours(patient, mailoutbox) -> None:
    ReminderPreference.objects.create(user=patient, quiet_start=time(11), quiet_end=time(14))
    assert run(3, 8) == 0  # before 10:00
    assert run(3, 12) == 0  # quiet hours
    assert run(3, 21) == 0  # after 20:00
    assert run(3, 15) == 1


def test_none_for_a_patient_who_turned_them_off(patient, mailoutbox) -> None:
    ReminderPreference.objects.create(user=patient, comeback=False)
    assert run(3) == 0 and run(7) == 0
    assert mailoutbox == []


def test_by_push_only_when_that_is_the_choice(patient, mailoutbox) -> None:
    ReminderPreference.objects.create(user=patient, email=False, push=True)
    pushed: list[dict] = []

    def fake_push(user, **message):
        pushed.append({"user": user, **message})
        return 1

    assert run(3, send_push=fake_push) == 1
    assert mailoutbox == []
    (sent,) = pushed
    assert sent["user"] == patient and sent["url"].endswith("/diary/new/")
    assert sent["body"] == "We're here when you're ready. Last night's diary takes about a minute."


def test_a_failed_send_is_not_counted(patient, mailoutbox, monkeypatch) -> None:
    from django.core.mail import EmailMultiAlternatives

    def down(self, fail_silently=False):
        raise OSError("mail server down")

    with monkeypatch.context() as patch:
        patch.setattr(EmailMultiAlternatives, "send", down)
        assert run(3) == 0
    row = ComebackReminder.objects.get()
    assert row.sent_at is None and "OSError" in row.note
    assert run(4) == 1  # tomorrow it is tried again, still the first
    assert ComebackReminder.objects.get(local_date=START + timedelta(4)).number == 1


def test_zero_reminders_turns_them_off(patient, mailoutbox, settings) -> None:
    settings.COMEBACK_MAX_REMINDERS = 0
    assert run(3) == 0 and run(7) == 0


def test_the_hourly_task_sends_them(patient, mailoutbox) -> None:
    with time_machine.travel(at(3), tick=False):
        assert tasks.comeback_task() == 1
        assert tasks.comeback_task() == 0
    assert len(mailoutbox) == 1


def test_the_queries_do_not_grow_with_the_number_of_patients(patient, therapist, programme) -> None:
    def queries() -> int:
        with time_machine.travel(at(3), tick=False), CaptureQueriesContext(connection) as ctx:
            comeback.due_now()
        return len(ctx.captured_queries)

    few = queries()
    for n in range(8):
        other = make_user(f"p{n}@example.test", Role.PATIENT, therapist=therapist)
        enrol(patient=other, programme=programme, start_date=START)
    assert queries() == few
    with time_machine.travel(at(3), tick=False):
        assert len(comeback.due_now()) == 9


def test_a_patient_turns_them_off_on_the_reminders_page(patient, mailoutbox) -> None:
    from django.urls import reverse

    from tests.conftest import client_for

    client = client_for(patient)
    page = client.get(reverse("program:reminder_settings"))
    assert b"A gentle note when I have been away a few days" in page.content
    client.post(
        reverse("program:reminder_settings"),
        {"diary": "on", "email": "on", "wind_down_minutes": "60"},
    )
    assert not ReminderPreference.objects.get(user=patient).comeback
    assert run(3) == 0 and mailoutbox == []


def test_therapists_are_not_offered_them(therapist) -> None:
    from django.urls import reverse

    from tests.conftest import client_for

    page = client_for(therapist).get(reverse("program:reminder_settings"))
    assert page.status_code == 200
    assert b"A gentle note when I have been away" not in page.content


def test_none_while_the_therapist_has_paused_the_programme(patient, mailoutbox) -> None:
    from program.enrolment.models import Enrolment

    Enrolment.objects.filter(patient=patient).update(status=Enrolment.Status.PAUSED)
    assert run(3) == 0 and run(7) == 0

"""Reminders through the outbox: due at local time, never twice, never silently lost."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from program.models import Delivery, ReminderPreference, ReminderSchedule
from program.reminders import actions as reminders
from tests.conftest import client_for
from tests.nights import night_answers


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(utc(2026, 11, 25, 6), tick=False) as traveller:
        yield traveller


def test_a_patient_gets_a_morning_reminder_at_their_own_0730(patient, clock) -> None:
    reminders.refresh_schedules(patient)
    schedule = ReminderSchedule.objects.get(user=patient, kind="diary")
    assert schedule.next_due_at == utc(2026, 11, 25, 7, 30)  # London = UTC in November
    assert not ReminderSchedule.objects.filter(user=patient, kind="wind_down").exists()
    clock.move_to(utc(2026, 11, 25, 7, 30, 20))
    batches = reminders.tick()
    assert sum(len(b) for b in batches) == 1
    counts = reminders.deliver(batches[0])
    assert counts["sent"] == 1
    assert mail.outbox[0].to == [patient.email]
    assert "/reminders/manage/" in mail.outbox[0].body
    assert "%" not in mail.outbox[0].body  # no sleep figures in an email
    schedule.refresh_from_db()
    assert schedule.next_due_at == utc(2026, 11, 26, 7, 30)


def test_ticking_twice_and_delivering_twice_sends_once(patient, clock) -> None:
    reminders.refresh_schedules(patient)
    clock.move_to(utc(2026, 11, 25, 7, 31))
    before = ReminderSchedule.objects.filter(kind="diary").values("next_due_at", "local_date").get()
    first = reminders.tick()
    # A second beat process that read the schedule before the first one advanced it.
    ReminderSchedule.objects.filter(kind="diary").update(**before)
    reminders.tick()
    assert Delivery.objects.count() == 1
    ids = first[0]
    reminders.deliver(ids)
    again = reminders.deliver(ids)  # a retried or duplicated task
    assert again["not_claimed"] == 1
    assert len(mail.outbox) == 1


def test_a_worker_killed_mid_send_is_recorded_never_resent(patient, clock) -> None:
    reminders.refresh_schedules(patient)
    clock.move_to(utc(2026, 11, 25, 7, 31))
    ids = reminders.tick()[0]

    def die(delivery, connection):
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        reminders.deliver(ids, send=die)
    assert Delivery.objects.get().status == "sending"
    assert reminders.deliver(ids)["not_claimed"] == 1  # not sent a second time
    clock.move_to(utc(2026, 11, 25, 7, 45))
    assert reminders.sweep_interrupted() == 1
    assert Delivery.objects.get().status == "interrupted"
    assert mail.outbox == []


def test_a_failed_send_retries_with_backoff_then_gives_up(patient, clock) -> None:
    reminders.refresh_schedules(patient)
    clock.move_to(utc(2026, 11, 25, 7, 31))
    ids = reminders.tick()[0]

    def broken(delivery, connection):
        raise OSError("SMTP refused")

    reminders.deliver(ids, send=broken)
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "SMTP refused" in delivery.note
    assert reminders.pending_batches(utc(2026, 11, 25, 7, 32)) == []  # not before its time
    clock.move_to(utc(2026, 11, 25, 7, 34))
    assert reminders.pending_batches(utc(2026, 11, 25, 7, 34)) == [[delivery.pk]]
    assert reminders.deliver([delivery.pk])["sent"] == 1


def test_reminders_missed_while_workers_were_down_go_late_or_are_recorded_skipped(
    patient, clock, settings
) -> None:
    settings.REMINDER_GRACE_MINUTES = 120
    reminders.refresh_schedules(patient)
    clock.move_to(utc(2026, 11, 25, 8, 45))  # 75 minutes late: still sent
    ids = reminders.tick()[0]
    assert reminders.deliver(ids)["sent"] == 1
    clock.move_to(utc(2026, 11, 26, 11, 0))  # 3 h 30 late: skipped, with a note
    reminders.tick()
    skipped = Delivery.objects.get(local_date="2026-11-26")
    assert skipped.status == "skipped" and "too late" in skipped.note.lower()
    assert len(mail.outbox) == 1


def test_no_diary_reminder_once_the_diary_is_filled(patient, clock) -> None:
    from program.diary.actions import save_entry

    reminders.refresh_schedules(patient)
    save_entry(
        patient=patient,
        diary_date=patient.local_today(),
        changed_by=patient,
        answers=night_answers(),
    )
    clock.move_to(utc(2026, 11, 25, 7, 31))
    counts = reminders.deliver(reminders.tick()[0])
    assert counts["skipped"] == 1 and mail.outbox == []


def test_two_quiet_nights_turn_the_reminder_into_a_gentle_nudge(patient, clock) -> None:
    reminders.refresh_schedules(patient)
    clock.move_to(utc(2026, 11, 25, 7, 31))
    reminders.deliver(reminders.tick()[0])
    assert mail.outbox[0].subject.endswith("We miss your sleep diary")


def test_a_change_of_time_zone_moves_the_reminder(patient, clock) -> None:
    reminders.refresh_schedules(patient)
    client = client_for(patient)
    client.post(
        reverse("accounts:profile"),
        {"name": patient.name, "time_zone": "America/New_York", "language": "en"},
    )
    schedule = ReminderSchedule.objects.get(user=patient, kind="diary")
    assert schedule.next_due_at == utc(2026, 11, 25, 12, 30)  # 07:30 in New York


def test_the_wind_down_reminder_follows_the_sleep_window(
    patient, therapist, clock, django_capture_on_commit_callbacks
) -> None:
    from tests.program.test_sleep_window import started

    with (
        time_machine.travel(utc(2026, 11, 25, 8), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        started(patient, therapist)  # window 00:15-06:30
    schedule = ReminderSchedule.objects.get(user=patient, kind="wind_down")
    assert schedule.clock == time(23, 15)
    diary = ReminderSchedule.objects.get(user=patient, kind="diary")
    assert diary.clock == time(7, 0)  # 30 minutes after the 06:30 rise time


def test_a_refresh_that_changes_nothing_writes_nothing(patient, clock) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    reminders.refresh_schedules(patient)
    kept = list(ReminderSchedule.objects.order_by("kind").values())
    with CaptureQueriesContext(connection) as queries:
        reminders.refresh_schedules(patient)
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert list(ReminderSchedule.objects.order_by("kind").values()) == kept
    # A change of choice writes only the schedules it moves.
    ReminderPreference.objects.filter(user=patient).update(diary_time=time(9, 15))
    with CaptureQueriesContext(connection) as queries:
        reminders.refresh_schedules(patient)
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("INSERT", "UPDATE")]
    diary = ReminderSchedule.objects.get(user=patient, kind="diary")
    assert diary.clock == time(9, 15) and diary.next_due_at == utc(2026, 11, 25, 9, 15)
    questionnaire = ReminderSchedule.objects.get(user=patient, kind="questionnaire")
    assert questionnaire.clock == time(10, 15)  # an hour after the diary's new time
    assert len(writes) == 2


def test_a_therapist_gets_a_weekly_digest_on_monday_morning(therapist, patient, clock) -> None:
    reminders.refresh_schedules(therapist)
    schedule = ReminderSchedule.objects.get(user=therapist, kind="digest")
    assert schedule.next_due_at == utc(2026, 11, 30, 8, 0)  # Monday 08:00 London
    clock.move_to(utc(2026, 11, 30, 8, 1))
    reminders.deliver(reminders.tick()[0])
    assert "patients need your attention" in mail.outbox[0].subject
    assert "Pat" not in mail.outbox[0].body  # counts only, no names or health details


def test_the_signed_link_manages_reminders_without_signing_in(patient, clock) -> None:
    reminders.refresh_schedules(patient)
    url = reverse("program:manage_reminders", args=[reminders.manage_token(patient)])
    page = Client().get(url)
    # The link shows the choices only: no address, times or zone to whoever holds it.
    assert page.status_code == 200 and patient.email.encode() not in page.content
    Client().post(url, {"stop_all": "1"})
    assert not ReminderPreference.objects.get(user=patient).email
    assert not ReminderSchedule.objects.filter(user=patient).exists()
    assert Client().get(reverse("program:manage_reminders", args=["forged"])).status_code == 404


def test_quiet_hours_need_both_ends(patient) -> None:
    response = client_for(patient).post(
        reverse("program:reminder_settings"),
        {"diary": "on", "email": "on", "quiet_start": "22:00", "wind_down_minutes": "60"},
    )
    assert response.status_code == 200
    assert b"Give both ends" in response.content
    assert b'value="22:00"' in response.content


def test_the_tick_stays_a_fixed_number_of_queries(
    patient, other_patient, clock, django_assert_max_num_queries
) -> None:
    from accounts.models import Role
    from program.enrolment.actions import enrol
    from program.models import Programme
    from tests.conftest import make_user

    for i in range(30):
        p = make_user(f"tick{i}@example.test", Role.PATIENT, time_zone="Europe/London")
        enrol(patient=p, programme=Programme.objects.default(), start_date=clock_date())
    for user in [patient, other_patient]:
        reminders.refresh_schedules(user)
    from accounts.models import User

    for user in User.objects.filter(email__startswith="tick"):
        reminders.refresh_schedules(user)
    clock.move_to(utc(2026, 11, 25, 7, 31))
    with django_assert_max_num_queries(12):
        batches = reminders.tick()
    assert sum(len(b) for b in batches) >= 31


def clock_date():
    from datetime import date

    return date(2026, 11, 20)


def test_a_new_week_reminder_on_the_morning_a_week_opens(patient, clock) -> None:
    from datetime import date, timedelta

    from program.diary.actions import save_entry
    from program.models import DiaryEntry, Programme

    Programme.objects.update(require_previous_lessons=False)
    for day in range(7):  # the baseline week, each night entered on its own morning
        diary_date = date(2026, 11, 3) + timedelta(days=day)
        save_entry(
            patient=patient,
            diary_date=diary_date,
            changed_by=patient,
            enforce_backfill=False,
            answers=night_answers(),
        )
        DiaryEntry.objects.filter(diary_date=diary_date).update(
            entered_at=datetime(2026, 11, 3, 8, tzinfo=UTC) + timedelta(days=day)
        )
    reminders.refresh_schedules(patient)
    schedule = ReminderSchedule.objects.get(user=patient, kind="new_week")
    assert schedule.once
    opens = schedule.local_date
    assert opens > date(2026, 11, 25)
    clock.move_to(schedule.next_due_at + timedelta(seconds=30))
    counts = reminders.deliver(reminders.tick()[0])
    assert counts["sent"] >= 1
    assert any(m.subject.endswith("A new week of your programme is open") for m in mail.outbox)
    following = ReminderSchedule.objects.get(user=patient, kind="new_week")
    assert following.local_date > opens  # the next week's opening, not the same again


def test_a_questionnaire_reminder_on_the_day_one_comes_due(patient, clock) -> None:
    from datetime import date, timedelta

    reminders.refresh_schedules(patient)
    schedule = ReminderSchedule.objects.get(user=patient, kind="questionnaire")
    # PHQ-9 and GAD-7 at the end of week 6 (the enrolment began on 2 November); the ISI
    # is not offered until the clinic loads its licensed wording.
    assert schedule.once and schedule.local_date == date(2026, 12, 13)
    assert schedule.clock == time(8, 30)  # an hour after the 07:30 diary reminder
    clock.move_to(schedule.next_due_at + timedelta(seconds=30))
    counts = reminders.deliver(reminders.tick()[0])
    assert counts["sent"] >= 1
    assert any("questionnaire is ready" in m.subject for m in mail.outbox)
    assert not ReminderSchedule.objects.filter(user=patient, kind="questionnaire").exists()


def test_a_batch_of_questionnaire_reminders_costs_no_query_per_patient(programme, clock) -> None:
    """Whether each questionnaire is still due is worked out for the whole batch at once:
    the first email of a batch of twelve leaves after as many queries as for a batch of two
    (each person's next occasion is scheduled after the sends)."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role
    from program.enrolment.actions import enrol
    from program.models import Delivery, Programme
    from tests.conftest import make_user

    def queries_before_first_send(count: int, prefix: str, start) -> int:
        people = []
        for i in range(count):
            p = make_user(f"{prefix}{i}@example.test", Role.PATIENT, time_zone="Europe/London")
            enrol(patient=p, programme=Programme.objects.default(), start_date=start)
            reminders.refresh_schedules(p)
            people.append(p)
        due = ReminderSchedule.objects.filter(user__in=people, kind="questionnaire")
        clock.move_to(min(s.next_due_at for s in due) + timedelta(seconds=30))
        ids = [i for batch in reminders.tick() for i in batch]
        ids = list(
            Delivery.objects.filter(pk__in=ids, user__in=people, kind="questionnaire").values_list(
                "pk", flat=True
            )
        )
        assert len(ids) == count
        first: list[int] = []

        def send(delivery, connection_):
            if not first:
                first.append(len(ctx.captured_queries))

        with CaptureQueriesContext(connection) as ctx:
            counts = reminders.deliver(ids, send=send)
        assert counts["sent"] == count
        assert not ReminderSchedule.objects.filter(user__in=people, kind="questionnaire").exists()
        return first[0]

    few = queries_before_first_send(2, "few", clock_date())
    many = queries_before_first_send(12, "many", clock_date() + timedelta(days=1))
    assert few == many, (few, many)


def test_a_tick_that_cannot_enqueue_leaves_the_reminder_for_the_next_tick(
    patient, clock, monkeypatch
) -> None:
    """The broker is down when the tick publishes: the outbox row stays pending and is
    not marked enqueued, so the first tick once the broker is back sends it (not
    REENQUEUE_AFTER later). See tests/program/test_broker_outage.py for the real thing."""
    from kombu.exceptions import OperationalError

    from program.tasks import reminder_tick_task, send_deliveries_task

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    reminders.refresh_schedules(patient)
    clock.move_to(utc(2026, 11, 25, 7, 31))
    with monkeypatch.context() as patched:
        patched.setattr(send_deliveries_task, "delay", broker_down)
        assert reminder_tick_task() == 0
    delivery = Delivery.objects.get(user=patient)
    assert (delivery.status, delivery.claimed_at) == ("pending", None)
    clock.move_to(utc(2026, 11, 25, 7, 32))  # the broker is back a minute later
    assert reminder_tick_task() == 1  # eager in unit tests: enqueued and sent
    assert [m.to for m in mail.outbox] == [[patient.email]]
    delivery.refresh_from_db()
    assert delivery.status == "sent"


def test_a_batch_lost_with_the_broker_is_enqueued_again_later(patient, clock) -> None:
    """Published, then lost when Redis restarted empty: the row is offered again once
    REENQUEUE_AFTER has passed, and sent late within the grace period."""
    reminders.refresh_schedules(patient)
    clock.move_to(utc(2026, 11, 25, 7, 31))
    assert sum(len(b) for b in reminders.tick()) == 1  # enqueued; the message is lost
    clock.move_to(utc(2026, 11, 25, 7, 33))
    assert reminders.tick() == []  # not yet: it may still be in the queue
    clock.move_to(utc(2026, 11, 25, 7, 37))
    (batch,) = reminders.tick()
    assert reminders.deliver(batch)["sent"] == 1


def _patients_due(count: int, prefix: str, clock_, **extra):
    from accounts.models import Role
    from program.enrolment.actions import enrol
    from program.models import Programme
    from tests.conftest import make_user

    people = []
    for i in range(count):
        p = make_user(f"{prefix}{i}@example.test", Role.PATIENT, time_zone="Europe/London", **extra)
        enrol(patient=p, programme=Programme.objects.default(), start_date=clock_date())
        reminders.refresh_schedules(p)
        people.append(p)
    return people


def test_a_batch_is_rendered_once_per_kind_and_reads_as_each_email_alone(programme, clock) -> None:
    """Each person's email from the batch's shared rendering is the one rendered for them
    alone: their own name (escaped in the HTML part), their own link, their language."""
    from accounts.models import User

    people = _patients_due(4, "alone", clock)
    names = ["O'Brien <b>&amp;", "", "Zoë", "Ann"]
    languages = ["en", "en", "fr", "fr"]
    for person, name, language in zip(people, names, languages, strict=True):
        User.objects.filter(pk=person.pk).update(name=name, language=language)
    clock.move_to(utc(2026, 11, 25, 7, 31))
    ids = [pk for batch in reminders.tick() for pk in batch]
    rendered = []
    real_render = reminders.render_email

    def counted(name, to, context, *, language=""):
        rendered.append((name, language))
        return real_render(name, to, context, language=language)

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(reminders, "render_email", counted)
        assert reminders.deliver(ids)["sent"] == 4
    # English with a name, English without, French with: three renderings for four emails.
    assert sorted(rendered) == [("diary_reminder", "en")] * 2 + [("diary_reminder", "fr")]
    by_address = {m.to[0]: m for m in mail.outbox}
    for delivery in Delivery.objects.filter(pk__in=ids).select_related("user"):
        alone = reminders.reminder_message(delivery)
        batched = by_address[delivery.user.email]
        assert (batched.subject, batched.body) == (alone.subject, alone.body)
        assert batched.alternatives[0][0] == alone.alternatives[0][0]
    assert "O'Brien <b>&amp;" in by_address["alone0@example.test"].body
    assert "O&#x27;Brien &lt;b&gt;&amp;amp;" in by_address["alone0@example.test"].alternatives[0][0]
    assert by_address["alone0@example.test"].body != by_address["alone3@example.test"].body


def test_a_batch_of_reminders_costs_the_same_queries_whatever_its_size(programme, clock) -> None:
    """Claimed in one statement, read in a fixed number, marked sent in one."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(count: int, prefix: str) -> int:
        people = _patients_due(count, prefix, clock)
        clock.move_to(utc(2026, 11, 25, 7, 31))
        ids = [pk for batch in reminders.tick() for pk in batch]
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert reminders.deliver(ids)["sent"] == count
        assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
        assert Delivery.objects.filter(pk__in=ids, status="sent").count() == count
        Delivery.objects.all().delete()
        clock.move_to(utc(2026, 11, 25, 6))
        return len(ctx.captured_queries)

    assert queries(2, "few") == queries(20, "many")


def test_a_message_the_connection_does_not_take_is_not_marked_sent(
    patient, clock, monkeypatch
) -> None:
    from django.core.mail.backends.locmem import EmailBackend

    monkeypatch.setattr(EmailBackend, "send_messages", lambda self, messages: 0)
    reminders.refresh_schedules(patient)
    clock.move_to(utc(2026, 11, 25, 7, 31))
    counts = reminders.deliver(reminders.tick()[0])
    assert counts == {"sent": 0, "skipped": 0, "failed": 1, "not_claimed": 0}
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "did not take" in delivery.note

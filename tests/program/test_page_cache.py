"""A patient's pages kept in memory (program.page_cache), and the data revisions that
keep them honest (program.revisions): a kept page never shows data older than the
patient's latest change."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection, transaction
from django.db.models import ProtectedError
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from program import revisions
from program.demo import load_demo
from program.models import (
    DiaryEntry,
    DiaryEntryRevision,
    Enrolment,
    EnrolmentChange,
    LessonProgress,
    Message,
    NoteRevision,
    SleepinessCheck,
    TherapistNote,
    Week,
)
from program.revisions import NOT_SHOWN, PATIENT_DATA, SHARED_CONTENT, PatientDataQuerySet
from tests.conftest import client_for
from tests.live_app import DIARY_NIGHT


def revision(pk: int):  # type: ignore[no-untyped-def]
    return User.objects.values_list("data_revision", flat=True).get(pk=pk)


# --- Every model is placed, and every write is caught ---------------------------------


def test_every_model_of_the_app_is_placed_in_exactly_one_list() -> None:
    labels = {
        m._meta.label for m in apps.get_models() if m._meta.app_label in ("accounts", "program")
    }
    lists = [set(PATIENT_DATA), set(SHARED_CONTENT), set(NOT_SHOWN)]
    for label in labels:
        assert sum(label in placed for placed in lists) == 1, label
    assert set().union(*lists) == labels  # no stale names either


def test_patient_data_models_use_the_renewing_queryset_and_reach_a_user() -> None:
    for label, path in PATIENT_DATA.items():
        model = apps.get_model(label)
        assert isinstance(model._default_manager.all(), PatientDataQuerySet), label
        target = model
        for step in path.split("__"):
            target = target._meta.get_field(step).related_model
        assert target is User, label


@pytest.mark.django_db
def test_every_write_to_a_patients_data_renews_their_revision() -> None:
    """Save, bulk update and delete of a row of each kind, from the demo clinic."""
    load_demo()
    # The kinds the demo clinic does not need: one row each.
    note = TherapistNote.objects.first()
    NoteRevision.objects.create(note=note, text=note.text, edited_by=note.author)
    enrolment = Enrolment.objects.first()
    EnrolmentChange.objects.create(enrolment=enrolment, kind="pause", on_date=enrolment.start_date)
    entry = DiaryEntry.objects.first()
    DiaryEntryRevision.objects.create(entry=entry, previous={}, changed_by=entry.patient)
    SleepinessCheck.objects.create(
        patient=entry.patient, week_of=entry.diary_date, dozing=3, unsafe=False, very_sleepy=False
    )
    for label, path in PATIENT_DATA.items():
        model = apps.get_model(label)
        row = model._default_manager.order_by("pk").first()
        assert row is not None, f"the demo clinic has no {label}"
        owner = model._default_manager.filter(pk=row.pk).values_list(path, flat=True).get()
        before = revision(owner)
        row.save()
        saved = revision(owner)
        assert saved != before, f"{label}: save"
        field = next(
            f for f in model._meta.concrete_fields if not f.primary_key and not f.is_relation
        )
        model._default_manager.filter(pk=row.pk).update(
            **{field.attname: getattr(row, field.attname)}
        )
        updated = revision(owner)
        assert updated != saved, f"{label}: update()"
        try:
            with transaction.atomic():
                row.delete()
                assert revision(owner) != updated, f"{label}: delete"
                raise _Undo
        except (_Undo, ProtectedError):  # kept for the other kinds; protected rows stay
            pass


class _Undo(Exception):
    pass


def test_bulk_create_and_bulk_update_renew(patient: User) -> None:
    before = revision(patient.pk)
    (message,) = Message.objects.bulk_create([Message(patient=patient, text="Hello")])
    created = revision(patient.pk)
    assert created != before
    message.text = "Hello again"
    Message.objects.bulk_update([message], ["text"])
    assert revision(patient.pk) != created


def test_an_update_matching_nothing_renews_nobody(patient: User) -> None:
    before = revision(patient.pk)
    assert DiaryEntry.objects.filter(patient=patient).update(quality=1) == 0
    assert revision(patient.pk) == before


def test_a_therapists_change_of_name_renews_their_patients(patient: User) -> None:
    before = revision(patient.pk)
    therapist = patient.therapist
    therapist.name = "Dr Tess Ward-Lee"
    therapist.save()
    assert revision(patient.pk) != before


def test_a_therapists_deletion_renews_the_pages_that_named_them(patient: User) -> None:
    """Their patients' therapist and every "set by" they wrote become empty (SET_NULL),
    which no save signal reports."""
    before = revision(patient.pk)
    patient.therapist.delete()
    assert revision(patient.pk) != before


def test_shared_content_renews_everyone_once_per_transaction(
    patient: User, other_patient: User, django_assert_num_queries
) -> None:
    before = revision(patient.pk), revision(other_patient.pk)
    weeks = list(Week.objects.all()[:3])
    with transaction.atomic():
        weeks[0].save()
        # The next two saves renew the programme's content revision, not everyone again.
        with django_assert_num_queries(4):
            weeks[1].save()
            weeks[2].save()
    after = revision(patient.pk), revision(other_patient.pk)
    assert after[0] != before[0] and after[1] != before[1]


def test_a_rolled_back_renewal_is_made_again(patient: User) -> None:
    week = Week.objects.first()
    with transaction.atomic():
        with transaction.atomic():
            week.save()
            changed = revision(patient.pk)
            transaction.set_rollback(True)
        assert revision(patient.pk) != changed  # the renewal went with the savepoint
        rolled_back = revision(patient.pk)
        week.save()
        assert revision(patient.pk) != rolled_back


# --- The pages ------------------------------------------------------------------------

PAGES = [
    "program:patient_home",
    "program:diary",
    "program:diary_new",
    "program:programme",
    "program:sleep_window",
    "program:progress",
]


@pytest.mark.parametrize("name", PAGES)
def test_a_kept_page_costs_the_session_and_the_user_only(
    patient: User, name: str, django_assert_num_queries
) -> None:
    client = client_for(patient)
    client.get(reverse(name))  # a first view may set things up (the sleep window's course)
    first = client.get(reverse(name))
    with django_assert_num_queries(2):  # the session and the user
        again = client.get(reverse(name))
    assert again.status_code == 200
    assert _without_tokens(again.content) == _without_tokens(first.content)
    assert b"nonce=" not in first.content  # a kept nonce would not match the next header


def test_a_lesson_read_again_soon_is_served_from_memory(
    patient: User, django_assert_num_queries
) -> None:
    client = client_for(patient)
    lesson = Week.objects.get(programme=patient.enrolments.get().programme, number=1)
    lesson_id = lesson.lessons.order_by("order").first().pk
    url = reverse("program:lesson", args=[lesson_id])
    client.get(url)  # first opening: noted (a write), so not kept
    client.get(url)  # opened a moment ago: nothing to note; kept
    noted = LessonProgress.objects.get(lesson_id=lesson_id).last_opened_at
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(minutes=6)):
        client.get(url)  # noted again after five minutes
        assert LessonProgress.objects.get(lesson_id=lesson_id).last_opened_at > noted


def test_a_saved_night_shows_at_once_on_every_page(patient: User) -> None:
    client = client_for(patient)
    pages = {name: client.get(reverse(name)).content for name in PAGES}
    form = client.get(reverse("program:diary_new")).content.decode()
    night = re.search(r'name="diary_date" value="([0-9-]+)"', form) or re.search(
        r'<option value="([0-9-]+)" selected', form
    )
    assert night
    response = client.post(reverse("program:diary_new"), {"diary_date": night[1], **DIARY_NIGHT})
    assert response.status_code == 302
    flash = 'class="message message-success"'
    assert flash in client.get(response.url).content.decode()  # shown once, not kept
    assert client.get(reverse("program:diary")).content != pages["program:diary"]
    assert flash not in client.get(reverse("program:diary")).content.decode()
    assert client.get(reverse("program:patient_home")).content != pages["program:patient_home"]


def test_a_therapists_message_and_window_change_show_on_the_patients_pages(
    patient: User,
) -> None:
    client = client_for(patient)
    before = client.get(reverse("program:patient_home")).content.decode()
    assert "Dr Tess Ward-Lee" not in before
    therapist = patient.therapist
    therapist.name = "Dr Tess Ward-Lee"
    therapist.save()
    assert "Dr Tess Ward-Lee" in client.get(reverse("program:patient_home")).content.decode()


def test_an_admins_change_to_a_week_shows_on_the_programme_page(patient: User) -> None:
    client = client_for(patient)
    client.get(reverse("program:programme"))
    week = Week.objects.get(programme=patient.enrolments.get().programme, number=1)
    week.title = "Week one, renamed by the clinic"
    week.save()
    assert week.title in client.get(reverse("program:programme")).content.decode()


def test_a_kept_form_carries_a_token_for_the_current_request(patient: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(patient, backend="allauth.account.auth_backends.AuthenticationBackend")
    client.get(reverse("program:diary_new"))
    page = client.get(reverse("program:diary_new")).content.decode()  # from memory
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', page)
    assert token
    night = re.search(r'<option value="([0-9-]+)" selected', page) or re.search(
        r'name="diary_date" value="([0-9-]+)"', page
    )
    response = client.post(
        reverse("program:diary_new"),
        {"diary_date": night[1], **DIARY_NIGHT, "csrfmiddlewaretoken": token[1]},
    )
    assert response.status_code == 302


def test_a_new_day_is_a_new_page(patient: User) -> None:
    client = client_for(patient)
    today = client.get(reverse("program:diary_new")).content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        tomorrow = client.get(reverse("program:diary_new")).content.decode()
    assert tomorrow != today


def test_other_peoples_pages_and_other_addresses_are_kept_apart(
    patient: User, other_patient: User
) -> None:
    mine = client_for(patient).get(reverse("program:patient_home")).content.decode()
    theirs = client_for(other_patient).get(reverse("program:patient_home")).content.decode()
    assert "Pat Patient" in mine and "Pat Patient" not in theirs
    assert "Olly Other" in theirs and "Olly Other" not in mine


def test_it_can_be_turned_off(patient: User, settings) -> None:
    settings.PAGE_CACHE_SECONDS = 0
    client = client_for(patient)
    client.get(reverse("program:patient_home"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("program:patient_home"))
    assert len(queries.captured_queries) > 2


def test_renewals_are_counted_per_thread(patient: User) -> None:
    before = revisions.writes_in_this_thread()
    revisions.renew([patient.pk])
    assert revisions.writes_in_this_thread() == before + 1


def _without_tokens(content: bytes) -> bytes:
    return re.sub(rb'name="csrfmiddlewaretoken" value="[A-Za-z0-9]{64}"', b"", content)


def test_going_back_to_an_earlier_lesson_makes_it_the_one_to_resume(patient: User) -> None:
    """The time is noted again when another lesson was opened since: Today's "continue
    where you left off" follows the reader, even within five minutes."""
    client = client_for(patient)
    week = Week.objects.get(programme=patient.enrolments.get().programme, number=1)
    first, second = week.lessons.order_by("order")[:2]
    for lesson in (first, second, first):
        client.get(reverse("program:lesson", args=[lesson.pk]))
    today = client.get(reverse("program:patient_home")).content.decode()
    resume = re.search(r'href="(/lessons/\d+/)"[^>]*>\s*Continue where you left off', today)
    assert resume, "Today offers to continue a lesson"
    assert resume[1] == reverse("program:lesson", args=[first.pk])


def test_sending_a_reminder_keeps_the_patients_pages(patient: User) -> None:
    """The tick and the send write schedules and deliveries, which no kept page shows:
    thousands of reminders a minute renew nobody's pages."""
    from datetime import UTC, datetime

    from program import reminders

    with time_machine.travel(datetime(2026, 11, 25, 6, tzinfo=UTC), tick=False) as clock:
        reminders.refresh_schedules(patient)
        before = revision(patient.pk)
        clock.move_to(datetime(2026, 11, 25, 7, 31, tzinfo=UTC))
        (batch,) = reminders.tick()
        assert reminders.deliver(batch)["sent"] == 1
    assert revision(patient.pk) == before

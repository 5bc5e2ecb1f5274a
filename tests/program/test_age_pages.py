"""Age in the app (issue 16, part 8): the date of birth asked at onboarding, adults only,
compression proposed from 65, the age on the therapist's page, and the date asked once
of an older account before sleep restriction."""

from __future__ import annotations

from datetime import date, time

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from program.enrolment.actions import enrol, invite_patient
from program.models import Invitation, SleepCourse, SleepProtocol
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw
from tests.conftest import client_for, make_user
from tests.program.test_invitations import GOOD

CONTACT = "Sleep Clinic, 01234 567 890"
UNDER_AGE = "This programme is for adults aged 18 and over"


def years_ago(years: int) -> date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28))


@pytest.fixture
def issued(therapist, programme, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        return invite_patient(therapist=therapist, email="young@example.test", programme=programme)


# --- Onboarding -------------------------------------------------------------------------


@override_settings(CLINIC_NAME="", CLINIC_CONTACT=CONTACT)
def test_an_under_18_cannot_accept_an_invitation_and_is_told_kindly_whom_to_contact(
    issued,
) -> None:
    response = Client().post(
        issued.path, {**GOOD, "date_of_birth": years_ago(16).isoformat(), "name": "Yan Young"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert UNDER_AGE in body
    assert "Nothing is wrong with you" in body
    assert f"You can contact the clinic: {CONTACT}." in body
    assert not User.objects.filter(email="young@example.test").exists()
    assert Invitation.objects.pending().filter(pk=issued.invitation.pk).exists()
    assert 'value="Yan Young"' in body  # what was typed is kept, to correct a wrong year


def test_an_adult_accepts_and_their_date_of_birth_is_kept(issued) -> None:
    response = Client().post(issued.path, {**GOOD, "date_of_birth": "1980-06-15"})
    assert response.status_code == 302
    assert User.objects.get(email="young@example.test").date_of_birth == date(1980, 6, 15)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Please give your date of birth."),
        ("15/13/1980", "Enter your date of birth as a full date"),
        ("2999-01-01", "A date of birth cannot be in the future: please check the year."),
        ("1890-01-01", "That is more than 120 years ago: please check the year."),
    ],
)
def test_a_wrong_date_of_birth_says_what_is_wrong_and_keeps_the_rest(
    issued, typed: str, message: str
) -> None:
    response = Client().post(issued.path, {**GOOD, "date_of_birth": typed})
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'value="Nina New"' in body
    assert 'value="Australia/Sydney" selected' in body
    if typed:
        assert f'value="{typed}"' in body  # the date as typed, to correct
    assert not User.objects.filter(email="young@example.test").exists()


@override_settings(ALLOW_SELF_SIGNUP=True, CLINIC_NAME="Northside Sleep", CLINIC_CONTACT=CONTACT)
def test_an_under_18_cannot_sign_up_either(db: None) -> None:
    response = Client().post(
        reverse("account_signup"),
        {
            "email": "teen@example.test",
            "password1": "a long enough secret 7",
            "password2": "a long enough secret 7",
            "time_zone": "UTC",
            "date_of_birth": years_ago(17).isoformat(),
            "consent": "on",
        },
    )
    assert response.status_code == 200
    assert f"You can contact Northside Sleep: {CONTACT}." in response.content.decode()
    assert not User.objects.filter(email="teen@example.test").exists()


# --- An under-18 who already has an account -------------------------------------------


@pytest.fixture
def minor(therapist, programme) -> User:
    user = make_user(
        "minor@example.test", Role.PATIENT, therapist=therapist, date_of_birth=years_ago(15)
    )
    enrol(patient=user, programme=programme, start_date=date(2026, 11, 2))
    return user


@pytest.mark.parametrize(
    "name",
    [
        "program:patient_home",
        "program:diary",
        "program:diary_new",
        "program:sleep_window",
        "program:programme",
        "program:progress",
        "program:medicines",
    ],
)
def test_an_under_18_with_an_account_sees_why_instead_of_the_programme(minor, name) -> None:
    response = client_for(minor).get(reverse(name))
    assert response.status_code == 403
    assert UNDER_AGE in response.content.decode()


def test_an_under_18_cannot_start_a_window_or_write_a_diary_through_the_api(minor) -> None:
    from accounts.tokens import issue_token
    from tests.program.test_api import NIGHT, post

    with pytest.raises(sw.SleepWindowError, match="adults"):
        sw.start(minor, rise_time=time(7))
    _, token = issue_token(minor, "phone")
    response = post(
        Client(), f"/api/v1/patients/{minor.pk}/diary", NIGHT, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "program:my_data",
        "program:messages",
        "program:report_problem",
        "program:about",
        "accounts:profile",
    ],
)
def test_an_under_18_keeps_what_is_theirs(minor, name) -> None:
    assert client_for(minor).get(reverse(name)).status_code == 200


def test_the_therapist_sees_the_age_and_that_an_under_18_is_not_eligible(
    minor, patient, therapist
) -> None:
    client = client_for(therapist)
    page = client.get(reverse("program:patient_detail", args=[minor.pk])).content.decode()
    assert "Under 18: not eligible for this programme" in page
    page = client.get(reverse("program:patient_detail", args=[patient.pk])).content.decode()
    expected = sw.age.age(date(1980, 5, 17), patient.local_today())
    assert f"{expected} (born 17 May 1980)" in page
    assert "not eligible" not in page


# --- 65 and over ------------------------------------------------------------------------


def test_from_65_the_first_window_is_proposed_under_compression(therapist, programme) -> None:
    older = make_user(
        "older@example.test", Role.PATIENT, therapist=therapist, date_of_birth=date(1950, 1, 1)
    )
    younger = make_user("younger@example.test", Role.PATIENT, therapist=therapist)
    assert sw.course_for(older).protocol.key == "compression"
    assert sw.course_for(younger).protocol.key == sw.DEFAULT_PROTOCOL_KEY
    page = client_for(therapist).get(reverse("program:patient_sleep_window", args=[older.pk]))
    assert "Proposed because the patient is" in page.content.decode()


def test_the_clinicians_choice_stays_when_the_age_changes(patient, therapist) -> None:
    course = sw.course_for(patient)
    weekly = SleepProtocol.objects.get(key=sw.DEFAULT_PROTOCOL_KEY, is_active=True)
    client_for(therapist).post(
        reverse("program:sleep_window_action", args=[patient.pk]),
        {"action": "settings", "protocol": weekly.pk, "titration_weekday": 0},
    )
    course.refresh_from_db()
    assert course.protocol_set_by == therapist
    client_for(patient).post(
        reverse("accounts:profile"),
        {
            "name": "Pat",
            "time_zone": "Europe/London",
            "language": "en",
            "date_of_birth": "1950-01-01",
        },
    )
    patient.refresh_from_db()
    assert patient.date_of_birth == date(1950, 1, 1)
    course.refresh_from_db()
    assert course.protocol.key == sw.DEFAULT_PROTOCOL_KEY
    page = client_for(therapist).get(reverse("program:patient_sleep_window", args=[patient.pk]))
    assert "Proposed because the patient is" not in page.content.decode()


# --- An older account without a date of birth -----------------------------------------


@pytest.fixture
def undated(therapist, programme) -> User:
    user = make_user("undated@example.test", Role.PATIENT, therapist=therapist, date_of_birth=None)
    enrol(patient=user, programme=programme, start_date=date(2026, 11, 2))
    return user


def test_an_account_without_a_date_of_birth_is_asked_once_before_restriction(
    undated, therapist
) -> None:
    client = client_for(undated)
    page = client.get(reverse("program:sleep_window")).content.decode()
    assert "Before we set your window: your date of birth" in page
    assert "a few safety questions" not in page
    with pytest.raises(sw.SleepWindowError, match="date of birth"):
        sw.start(undated, rise_time=time(7))
    # A mistake keeps what was typed and says what is wrong.
    response = client.post(
        reverse("program:sleep_window_birth_date"), {"date_of_birth": "2999-1-1"}
    )
    assert response.status_code == 200
    assert "cannot be in the future" in response.content.decode()
    assert 'value="2999-1-1"' in response.content.decode()
    response = client.post(
        reverse("program:sleep_window_birth_date"), {"date_of_birth": "1955-04-03"}
    )
    assert response.status_code == 302
    undated.refresh_from_db()
    assert undated.date_of_birth == date(1955, 4, 3)
    page = client.get(reverse("program:sleep_window")).content.decode()
    assert "your date of birth" not in page
    assert "a few safety questions" in page  # then the screen, once
    assert SleepCourse.objects.get(patient=undated).protocol.key == "compression"


def test_the_screens_older_answer_still_counts_without_a_date_of_birth(undated) -> None:
    sw.submit_screen(undated, {q.key: q.key == "older" for q in SCREEN})
    assert sw.course_for(undated).protocol.key == "older-85-80"
    assert sw._age(undated) == 65


def test_the_thresholds_read_the_age_from_the_date_of_birth(therapist) -> None:
    older = make_user(
        "old2@example.test", Role.PATIENT, therapist=therapist, date_of_birth=date(1940, 2, 2)
    )
    assert sw._age(older) == sw.age.age(date(1940, 2, 2), older.local_today())


def test_an_under_18_gets_no_reminders_of_the_programme(minor) -> None:
    from program.models import ReminderSchedule
    from program.reminders.actions import refresh_schedules

    refresh_schedules(minor)
    assert not ReminderSchedule.objects.filter(user=minor).exists()
    adult = User.objects.get(pk=minor.pk)
    adult.date_of_birth = date(1990, 1, 1)
    adult.save()
    refresh_schedules(adult)
    assert ReminderSchedule.objects.filter(user=adult, kind="diary").exists()


def test_the_date_of_birth_never_hides_a_screen_waiting_for_a_clinician(undated) -> None:
    from program.risk import actions as risk

    risk.submit_screen(undated, {q.key: q.key == "self_harm" for q in SCREEN})
    page = client_for(undated).get(reverse("program:sleep_window")).content.decode()
    assert "Your therapist will decide with you" in page
    assert "116 123" in page  # the crisis message and its lines stay
    assert "your date of birth" not in page


def test_after_a_clear_screen_the_date_of_birth_comes_before_the_rise_time(undated) -> None:
    from datetime import timedelta

    from program.diary.actions import save_entry
    from tests.nights import night_answers

    sw.submit_screen(undated, {q.key: False for q in SCREEN})
    today = undated.local_today()
    for back in range(7):
        save_entry(
            patient=undated,
            diary_date=today - timedelta(days=back),
            changed_by=undated,
            enforce_backfill=False,
            answers=night_answers(),
        )
    client = client_for(undated)
    page = client.get(reverse("program:sleep_window")).content.decode()
    assert "Before we set your window: your date of birth" in page
    assert "Choose your rise time" not in page
    client.post(reverse("program:sleep_window_birth_date"), {"date_of_birth": "1980-01-01"})
    page = client.get(reverse("program:sleep_window")).content.decode()
    assert "Choose your rise time" in page


def test_a_saved_date_of_birth_is_shown_for_a_date_input_in_french(patient) -> None:
    patient.language = "fr"
    patient.save()
    page = client_for(patient).get(reverse("accounts:profile")).content.decode()
    assert 'value="1980-05-17"' in page


@pytest.mark.parametrize(
    "name", ["program:my_data_json", "program:my_data_zip", "program:my_data_fhir"]
)
def test_an_under_18_downloads_their_data_in_every_form(minor, name) -> None:
    from tests.conftest import reauthenticated_client_for

    response = reauthenticated_client_for(minor).get(reverse(name))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")

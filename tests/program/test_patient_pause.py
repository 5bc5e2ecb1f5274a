"""A break the patient takes themselves (issue 22, part 5): the weeks and the sleep window
stop, reminders stop, the therapist is told (and the page says so only when it is true),
resume and the automatic end; a pause never hides a risk alert."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from program.clinic import round as round_service
from program.clinic.caseload import build_rows
from program.curriculum.actions import pause_enrolment
from program.models import Enrolment, EnrolmentChange, PatientPause, SleepCourse
from program.reminders.actions import local_clock, preference_for
from program.reminders.models import ReminderKind
from program.risk import actions as risk
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw
from program.today import actions as pauses
from tests.conftest import client_for

TOLD = "Your therapist has been told."


@pytest.fixture(autouse=True)
def _clock_held_still() -> Iterator[None]:
    """The tests date a break or a night from the patient's today and then read the days
    the page counts: the patient's midnight passing between the two (00:00 UTC in London's
    winter) made a gap of 5 days 6, or a break of 3 days 4."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def active_window(patient) -> SleepCourse:
    course = sw.course_for(patient)
    course.rise_time = time(6, 30)
    course.status = SleepCourse.Status.ACTIVE
    course.save()
    return course


def test_pausing_stops_the_weeks_and_the_window_and_tells_the_therapist(
    patient, therapist, mailoutbox, django_capture_on_commit_callbacks
):
    course = active_window(patient)
    client = client_for(patient)
    assert client.get(reverse("program:pause")).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("program:pause"), {"reason": "ill", "days": "5"})
    assert response.status_code == 302
    pause = PatientPause.objects.get(patient=patient)
    today = patient.local_today()
    assert (pause.reason, pause.started_on, pause.ends_on) == ("ill", today, today + timedelta(5))
    assert Enrolment.objects.current().get(patient=patient).status == "paused"
    assert EnrolmentChange.objects.filter(kind="pause", made_by=patient).exists()
    course.refresh_from_db()
    assert course.status == SleepCourse.Status.PAUSED
    assert any(TOLD in m for m in said(response))
    # Told: at once on the caseload, and by email (no details in it).
    (row,) = [r for r in build_rows(therapist) if r.patient.pk == patient.pk]
    (flag,) = [f for f in row.flags if f.key == "patient_pause"]
    assert str(flag.label).startswith("Paused by the patient (ill) until ")
    (email,) = mailoutbox
    assert email.to == [therapist.email]
    assert "paused their programme" in email.body
    pause.refresh_from_db()
    assert pause.therapist_emailed_at is not None
    # No reminder nags: the diary reminder does not apply while paused, nor wind-down.
    preference = preference_for(patient)
    assert local_clock(patient, ReminderKind.DIARY, preference, today) is None
    assert local_clock(patient, ReminderKind.WIND_DOWN, preference, today) is None
    # Today says so, with a resume button and the diary optional.
    home = client.get(reverse("program:patient_home")).content.decode()
    assert "You are taking a break" in home
    assert reverse("program:pause_resume") in home
    assert "Optional while you are on a break" in home


def test_without_a_therapist_nobody_is_said_to_be_told(
    patient, mailoutbox, django_capture_on_commit_callbacks
):
    patient.therapist = None
    patient.save()
    client = client_for(patient)
    page = client.get(reverse("program:pause")).content.decode()
    assert "nobody is told" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("program:pause"), {"reason": "travel", "days": "3"})
    assert PatientPause.objects.filter(patient=patient).exists()
    assert not any(TOLD in m for m in said(response))
    assert mailoutbox == []


def test_bad_input_is_explained_and_kept(patient, settings):
    settings.PATIENT_PAUSE_MAX_DAYS = 14
    client = client_for(patient)
    response = client.post(reverse("program:pause"), {"reason": "travel", "days": "30"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "A break can last up to 14 days. Please choose 14 or fewer" in body
    assert "Ensure this value" not in body
    assert (
        'value="travel" checked' in body
        or 'checked value="travel"' in body
        or ('value="travel"' in body and "checked" in body)
    )
    assert 'value="30"' in body
    body = client.post(reverse("program:pause"), {"reason": "ill", "days": "0"}).content.decode()
    assert "A break lasts at least one day. Please choose 1 or more." in body
    assert "Ensure this value" not in body and 'value="0"' in body
    response = client.post(reverse("program:pause"), {"days": "abc"})
    assert "Choose why you are taking a break." in response.content.decode()
    assert not PatientPause.objects.exists()


def test_resume_turns_everything_back_on(patient, therapist):
    course = active_window(patient)
    pauses.start(patient, reason="ill", days=7)
    response = client_for(patient).post(reverse("program:pause_resume"))
    assert response.status_code == 302
    assert "Welcome back: your programme is on again." in said(response)
    assert Enrolment.objects.current().get(patient=patient).status == "active"
    course.refresh_from_db()
    assert course.status == SleepCourse.Status.ACTIVE
    assert PatientPause.objects.get(patient=patient).ended_on == patient.local_today()
    (row,) = [r for r in build_rows(therapist) if r.patient.pk == patient.pk]
    assert "patient_pause" not in [f.key for f in row.flags]


def test_a_pause_ends_by_itself_on_its_end_date(patient):
    pause = pauses.start(patient, reason="other", days=2)
    assert pauses.end_due() == 0
    PatientPause.objects.filter(pk=pause.pk).update(ends_on=patient.local_today())
    # Today ends it too (the reminder tick does it for everyone).
    home = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert "You are taking a break" not in home
    assert Enrolment.objects.current().get(patient=patient).status == "active"


def test_what_a_clinician_paused_stays_paused(patient, therapist):
    enrolment = Enrolment.objects.current().get(patient=patient)
    pause_enrolment(enrolment=enrolment, by=therapist)
    response = client_for(patient).post(reverse("program:pause"), {"reason": "ill", "days": "3"})
    assert "Your therapist has paused your programme" in response.content.decode()
    assert not PatientPause.objects.exists()
    # A window the clinician paused is not resumed by the patient's pause ending.
    enrolment.status = "active"
    enrolment.save()
    course = active_window(patient)
    sw.pause(course, reason="Paused by the therapist")
    pause = pauses.start(patient, reason="ill", days=3)
    assert not pause.paused_window
    pauses.end(pause)
    course.refresh_from_db()
    assert course.status == SleepCourse.Status.PAUSED


def test_a_pause_never_hides_a_risk_alert(patient, therapist):
    pauses.start(patient, reason="ill", days=7)
    risk.submit_screen(patient, {**{q.key: False for q in SCREEN}, "self_harm": True})
    (card,) = round_service.build(therapist)
    assert card.urgent and len(card.alerts) == 1
    (row,) = [r for r in build_rows(therapist) if r.patient.pk == patient.pk]
    assert row.urgent
    # The questionnaires stay open to the patient while paused.
    assert client_for(patient).get(reverse("program:progress")).status_code == 200


def test_welcome_back_after_a_break_shows_until_the_first_diary_night(patient):
    from program.models import DiaryEntry
    from tests.program.test_round import diary_today

    diary_today(patient)
    today = patient.local_today()
    pause = pauses.start(patient, reason="travel", days=3)
    client = client_for(patient)
    assert "Welcome back" not in client.get(reverse("program:patient_home")).content.decode()
    # The break began 3 days ago, the last diary night just before it; it ends today.
    PatientPause.objects.filter(pk=pause.pk).update(started_on=today - timedelta(days=3))
    DiaryEntry.objects.filter(patient=patient).update(diary_date=today - timedelta(days=3))
    pauses.end(pause)
    home = client.get(reverse("program:patient_home")).content.decode()
    assert "Welcome back" in home
    assert "after your break of 3 days" in home
    assert "The one thing to do first: fill in your sleep diary" in home
    # The first diary night after the break ends the welcome.
    DiaryEntry.objects.filter(patient=patient).update(diary_date=today)
    assert "Welcome back" not in client.get(reverse("program:patient_home")).content.decode()


def test_welcome_back_after_a_gap_of_days(patient, settings):
    from program.models import DiaryEntry
    from tests.program.test_round import diary_today

    settings.WELCOME_BACK_GAP_DAYS = 4
    diary_today(patient)
    client = client_for(patient)
    assert "Welcome back" not in client.get(reverse("program:patient_home")).content.decode()
    DiaryEntry.objects.filter(patient=patient).update(
        diary_date=patient.local_today() - timedelta(days=5)
    )
    home = client.get(reverse("program:patient_home")).content.decode()
    assert "Welcome back" in home
    assert "It has been 5 days since your last diary night" in home


def test_the_programme_pages_do_not_say_the_therapist_will_decide_on_a_break(patient):
    pauses.start(patient, reason="ill", days=7)
    client = client_for(patient)
    for name in ("program:patient_home", "program:programme", "program:progress"):
        body = client.get(reverse(name)).content.decode()
        assert "Your therapist will let you know" not in body, name
    assert (
        "It continues where it left off"
        in client.get(reverse("program:programme")).content.decode()
    )


def test_a_change_waiting_for_the_therapist_comes_back_when_the_break_ends_within_its_week(
    patient, therapist
):
    """The window resumes where it was: a change proposed before the break waits for the
    therapist again if its week has not ended; one older than a week stays set aside
    (the next review works the window out from the nights there are then), and the
    therapist's page says so rather than that a newer one replaced it."""
    from program.models import Recommendation
    from tests.program.test_round import pending_recommendation

    active_window(patient)
    waiting = pending_recommendation(patient)
    pause = pauses.start(patient, reason="travel", days=3)
    waiting.refresh_from_db()
    assert waiting.status == Recommendation.Status.SET_ASIDE
    (row,) = [r for r in build_rows(therapist) if r.patient.pk == patient.pk]
    assert row.pending_recommendations == 0
    pauses.end(pause)
    waiting.refresh_from_db()
    assert waiting.status == Recommendation.Status.PENDING
    # It waits from the end of the break: the break's days are not counted as waiting.
    assert waiting.waiting_since is not None
    assert timezone.now() - waiting.waiting_since < timedelta(minutes=1)
    (row,) = [r for r in build_rows(therapist) if r.patient.pk == patient.pk]
    assert row.pending_recommendations == 1

    # A change from more than a week ago, set aside by a longer break, stays set aside.
    Recommendation.objects.filter(pk=waiting.pk).update(
        review_date=patient.local_today() - timedelta(days=8)
    )
    pauses.end(pauses.start(patient, reason="ill", days=10))
    waiting.refresh_from_db()
    assert waiting.status == Recommendation.Status.SET_ASIDE
    page = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    text = page.content.decode()
    assert "Set aside: the sleep window was paused or ended" in text
    assert "Replaced by a newer recommendation" not in text


def test_the_sleep_window_pages_name_the_break_in_words(patient, therapist):
    """The window paused by a break says so in the reader's words (never a stored code),
    and its button ends the break, so Today and the window never disagree."""
    active_window(patient)
    pause = pauses.start(patient, reason="travel", days=3)
    until = pause.ends_on
    page = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    assert f"You are taking a break (travelling) until {until:%A} {until.day}" in page
    assert "(travel)" not in page
    # The patient's own choice ("I'm travelling") belongs to the form, not to a sentence.
    today = " ".join(
        client_for(patient).get(reverse("program:patient_home")).content.decode().split()
    )
    assert "Your programme is paused (travelling) until" in today
    assert "I&#x27;m travelling" not in page + today
    assert "End my break now" in page and "Resume my sleep window" not in page
    staff = client_for(therapist).get(reverse("program:patient_sleep_window", args=[patient.pk]))
    assert "the patient is taking a break (travelling) until" in staff.content.decode()
    response = client_for(patient).post(reverse("program:pause_resume"))
    assert response.status_code == 302
    assert sw.course_for(patient).status == SleepCourse.Status.ACTIVE
    assert not PatientPause.objects.filter(patient=patient, ended_on__isnull=True).exists()


def test_a_break_ended_the_day_it_began_is_not_called_a_break_of_0_days(patient):
    pause = pauses.start(patient, reason="ill", days=2)
    pauses.end(pause)
    home = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert "Good to have you back after your break." in home
    assert "break of 0 days" not in home


def test_a_break_on_a_window_the_therapist_paused_does_not_claim_it(patient, therapist):
    """The therapist paused the window first: the break does not resume it, so its pages
    do not say the window picks up when the break ends, and the therapist's reason stays."""
    course = active_window(patient)
    sw.pause(course, reason="Waiting for the sleep clinic's letter")
    pauses.start(patient, reason="travel", days=3)
    page = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    assert "You are taking a break" not in page
    assert "Waiting for the sleep clinic&#x27;s letter" in page
    staff = client_for(therapist).get(reverse("program:patient_sleep_window", args=[patient.pk]))
    text = staff.content.decode()
    assert "Waiting for the sleep clinic&#x27;s letter" in text
    assert "the patient is taking a break" not in text


def test_deciding_a_change_a_break_set_aside_says_so_and_changes_nothing(patient, therapist):
    """A therapist deciding from a page opened before the break is told what happened to
    the change (nobody decided it), and the window stays as it was."""
    from program.models import Prescription, Recommendation
    from tests.program.test_round import pending_recommendation

    active_window(patient)
    waiting = pending_recommendation(patient)
    prescriptions = Prescription.objects.count()
    pauses.start(patient, reason="travel", days=3)
    url = reverse("program:decide_recommendation", args=[patient.pk, waiting.pk])
    page = client_for(therapist).post(url, {"action": "approve"}, follow=True)
    text = page.content.decode()
    said = (
        "This recommendation no longer waits for a decision (Set aside: the sleep window "
        "was paused or ended). Nothing was changed."
    )
    assert said in text
    assert "already been decided" not in text
    # The same from the weekly round's card.
    round_url = reverse("program:round_decide_recommendation", args=[patient.pk, waiting.pk])
    text = client_for(therapist).post(round_url, {f"r{waiting.pk}-action": "approve"}, follow=True)
    assert said in text.content.decode()
    assert "already decided" not in text.content.decode()
    waiting.refresh_from_db()
    assert waiting.status == Recommendation.Status.SET_ASIDE
    assert Prescription.objects.count() == prescriptions


def test_the_pause_form_keeps_a_gap_between_its_button_and_cancel(patient):
    """ "Cancel" sat right against the button: both go in the app's button row, which spaces
    them, and Cancel is a button-shaped link like the app's other Cancels."""
    page = client_for(patient).get(reverse("program:pause")).content.decode()
    row = page[page.index('<div class="button-row">') :]
    row = row[: row.index("</div>")]
    assert 'type="submit"' in row
    assert f'<a class="button secondary-link" href="{reverse("program:patient_home")}">' in row

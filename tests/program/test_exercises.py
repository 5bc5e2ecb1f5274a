"""Guided exercises (program.exercises): pages that work without JavaScript, a record of
each one done (which, when, how long) made only on the patient's own POST, the patient's
history and the therapist's count per week."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html import escape

import pytest
from django.urls import reverse

from program.exercises import actions
from program.exercises.content import BODY_SCAN_STEPS, EXERCISES, IMAGERY_STEPS, MUSCLE_STEPS
from program.models import ExerciseSession
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

SAVED = "Saved to your history"


@pytest.mark.parametrize("kind", list(EXERCISES))
def test_each_exercise_reads_as_written_instructions_without_javascript(patient, kind) -> None:
    page = client_for(patient).get(reverse("program:exercise", args=[kind]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sources:" in text and "Save to my history" in text
    assert str(EXERCISES[kind].title) in text


def test_a_finished_exercise_is_recorded_with_its_duration(patient) -> None:
    client = client_for(patient)
    url = reverse("program:exercise_record", args=["breathing"])
    page = client.post(url, {"seconds": "300", "completed": "True"}, follow=True)
    session = ExerciseSession.objects.get()
    assert (session.patient, session.kind, session.completed) == (patient, "breathing", True)
    assert session.duration == timedelta(seconds=300)
    text = page.content.decode()
    assert SAVED in text and "Paced breathing, 5 min" in text
    # The history shows it.
    assert "5 minutes" in text


def test_without_the_timer_the_patient_says_how_many_minutes(patient) -> None:
    client_for(patient).post(
        reverse("program:exercise_record", args=["muscles"]), {"minutes": "6", "completed": "True"}
    )
    assert ExerciseSession.objects.get().duration == timedelta(minutes=6)


def test_stopped_early_is_recorded_as_not_completed(patient) -> None:
    client_for(patient).post(
        reverse("program:exercise_record", args=["worry"]), {"minutes": "3", "completed": "False"}
    )
    session = ExerciseSession.objects.get()
    assert not session.completed
    page = client_for(patient).get(reverse("program:exercises")).content.decode()
    assert "stopped early" in page


@pytest.mark.parametrize(
    "data", [{}, {"minutes": "0"}, {"minutes": "abc"}, {"seconds": "-5"}, {"minutes": "100000"}]
)
def test_bad_input_records_nothing_and_says_so(patient, data) -> None:
    page = client_for(patient).post(reverse("program:exercise_record", args=["breathing"]), data)
    assert page.status_code == 200
    text = page.content.decode()
    assert 'class="error" role="alert"' in text and SAVED not in text
    assert not ExerciseSession.objects.exists()


def test_an_unknown_exercise_is_not_found(patient) -> None:
    client = client_for(patient)
    assert client.get(reverse("program:exercise", args=["juggling"])).status_code == 404
    post = client.post(reverse("program:exercise_record", args=["juggling"]), {"minutes": "5"})
    assert post.status_code == 404
    assert not ExerciseSession.objects.exists()


def test_a_patient_records_only_their_own(patient, other_patient) -> None:
    """The patient is the signed-in user: a patient field in the form is ignored."""
    client_for(patient).post(
        reverse("program:exercise_record", args=["breathing"]),
        {"minutes": "5", "patient": str(other_patient.pk), "patient_id": str(other_patient.pk)},
    )
    assert ExerciseSession.objects.get().patient == patient
    # And each sees only their own history.
    page = client_for(other_patient).get(reverse("program:exercises")).content.decode()
    assert "You have not done an exercise here yet" in page


def test_the_breathing_rhythm_is_bounded_and_a_wrong_choice_says_so(patient) -> None:
    url = reverse("program:exercise", args=["breathing"])
    page = client_for(patient).get(url, {"inhale": "5", "exhale": "7", "minutes": "3"})
    assert page.context["rhythm"] == {"inhale": 5, "exhale": 7, "minutes": 3}
    assert 'data-seconds="180"' in page.content.decode()
    page = client_for(patient).get(url, {"inhale": "30", "exhale": "x", "minutes": "3"})
    assert page.status_code == 200
    assert page.context["rhythm"] == {"inhale": 4, "exhale": 6, "minutes": 3}
    assert "outside the limits" in page.content.decode()


def test_muscle_relaxation_holds_each_group_briefly_and_rests_longer() -> None:
    """Bernstein and Borkovec: tense about 5-7 seconds, relax 30-40."""
    tense = [s.seconds for s in MUSCLE_STEPS if s.key.endswith("-tense")]
    release = [s.seconds for s in MUSCLE_STEPS if s.key.endswith("-release")]
    assert len(tense) == len(release) == 7
    assert all(5 <= t <= 7 for t in tense) and all(30 <= r <= 40 for r in release)


def test_the_weekly_counts_follow_the_patients_weeks(patient) -> None:
    today = patient.local_today()
    monday = today - timedelta(days=today.weekday())
    noon = datetime.combine(monday, datetime.min.time(), tzinfo=patient.zone) + timedelta(hours=12)
    actions.record(patient=patient, kind="breathing", seconds=60, completed=True, now=noon)
    actions.record(patient=patient, kind="breathing", seconds=60, completed=True, now=noon)
    actions.record(
        patient=patient, kind="muscles", seconds=60, completed=False, now=noon - timedelta(days=3)
    )
    actions.record(  # older than the six weeks shown
        patient=patient, kind="worry", seconds=60, completed=True, now=noon - timedelta(weeks=8)
    )
    weeks = actions.weekly_counts(patient, today=today)
    assert [w.total for w in weeks] == [2, 1, 0, 0, 0, 0]
    assert weeks[0].starts == monday and weeks[0].counts == {"breathing": 2}
    assert weeks[1].counts == {"muscles": 1}


def test_no_empty_weeks_from_before_the_programme(patient, therapist) -> None:
    """A programme begun on the Wednesday before this week: its two weeks (that one and
    this one), not four more empty weeks from before it, on the patient's page and the
    therapist's."""
    from program.models import Enrolment

    today = patient.local_today()
    start = today - timedelta(days=today.weekday()) - timedelta(days=5)
    Enrolment.objects.filter(patient=patient).update(start_date=start)
    weeks = actions.weekly_counts(patient, today=today, since=start)
    assert [w.starts for w in weeks] == [
        today - timedelta(days=today.weekday()),
        start - timedelta(days=start.weekday()),
    ]
    page = client_for(patient).get(reverse("program:exercises"))
    assert len(page.context["weeks"]) == 2
    staff = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert len(staff.context["exercise_weeks"]) == 2


def test_the_therapist_sees_how_often_on_the_patient_page(patient, therapist) -> None:
    actions.record(patient=patient, kind="breathing", seconds=300, completed=True)
    actions.record(patient=patient, kind="muscles", seconds=300, completed=True)
    page = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    text = page.content.decode()
    assert "Relaxation exercises" in text
    assert "Paced breathing: 1; Progressive muscle relaxation: 1" in text
    assert page.context["exercise_weeks"][0].total == 2


def test_another_therapist_sees_no_count(patient, other_therapist) -> None:
    actions.record(patient=patient, kind="breathing", seconds=300, completed=True)
    page = client_for(other_therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert page.status_code == 404 and b"Paced breathing" not in page.content


def test_today_and_the_wind_down_reminder_link_to_the_exercises(patient) -> None:
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from program.reminders.actions import _letter
    from program.reminders.models import Delivery

    home = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert reverse("program:exercise", args=["breathing"]) in home
    assert reverse("program:exercise", args=["muscles"]) in home
    delivery = Delivery(user=patient, kind="wind_down", local_date=patient.local_today())
    template, ctx = _letter(delivery, SimpleNamespace(bedtimes={}))
    assert template == "wind_down_reminder"
    link = str(ctx["link"])
    assert link.endswith(reverse("program:exercises"))
    for part in ("body.txt", "body.html"):
        assert link in render_to_string(
            f"emails/wind_down_reminder/{part}", {**ctx, "user": patient}
        )


def test_the_exercise_history_is_part_of_my_data(patient) -> None:
    from program.my_data.export import export

    actions.record(
        patient=patient, kind="breathing", seconds=60, completed=True, now=datetime.now(UTC)
    )
    assert len(export(patient)["exercises"]) == 1


STEPPED = [
    pytest.param("imagery", IMAGERY_STEPS, 6, id="imagery"),
    pytest.param("body-scan", BODY_SCAN_STEPS, 8, id="body-scan"),
]


@pytest.mark.parametrize(("kind", "steps", "minutes"), STEPPED)
def test_a_stepped_exercise_shows_each_step_with_its_own_timer(
    patient, kind, steps, minutes
) -> None:
    """Each step is written out with its own timer length, the first settles and offers a
    way out, the last rests, and the timer runs for the sum of the steps."""
    page = client_for(patient).get(reverse("program:exercise", args=[kind]))
    text = page.content.decode()
    assert page.status_code == 200 and escape(str(EXERCISES[kind].title)) in text
    keys = [s.key for s in steps]
    assert keys[0] == "settle" and keys[-1] == "rest"
    assert all(20 <= s.seconds <= 120 for s in steps)
    total = sum(s.seconds for s in steps)
    assert f'data-exercise="steps" data-seconds="{total}"' in text
    assert [int(n) for n in re.findall(r'data-step-seconds="(\d+)"', text)] == [
        s.seconds for s in steps
    ]
    for step in steps:
        assert escape(str(step.title)) in text and escape(str(step.text)) in text
    assert "open your eyes" in str(steps[0].text) and "stop" in str(steps[0].text)
    assert f"About {minutes} minutes" in text and total == minutes * 60


def test_imagery_walks_through_a_calm_place_one_sense_at_a_time(patient) -> None:
    text = client_for(patient).get(reverse("program:exercise", args=["imagery"])).content
    assert {"see", "hear", "feel", "smell"} <= {s.key for s in IMAGERY_STEPS}
    # No promise beyond the one small study it cites; stimulus control still holds.
    assert b"In bed, use it only when you are sleepy." in text
    assert b"Harvey and Payne, 2002" in text and b"single small study" in text


def test_the_body_scan_moves_from_the_feet_to_the_head_and_only_notices(patient) -> None:
    """Attention only (nothing tensed, nothing to achieve), a gentle way past pain, a way
    out if it brings up fear, and no claim beyond the course's one small trial."""
    text = client_for(patient).get(reverse("program:exercise", args=["body-scan"])).content
    keys = [s.key for s in BODY_SCAN_STEPS]
    assert keys.index("feet") < keys.index("middle") < keys.index("arms") < keys.index("head")
    words = " ".join(str(s.text) for s in BODY_SCAN_STEPS).lower()
    assert "tense" not in words and "without changing anything" in words
    assert "if a part hurts" in words and "strong fear or painful memories" in words
    assert "tell your therapist" in words
    assert b"Best practised in the day or early evening." in text
    assert b"Ong et al., 2014" in text and b"not a treatment on its own" in text


@pytest.mark.parametrize(("kind", "steps", "minutes"), STEPPED)
def test_a_stepped_session_is_recorded_and_the_therapist_counts_it(
    patient, therapist, kind, steps, minutes
) -> None:
    client = client_for(patient)
    title = str(EXERCISES[kind].title)
    url = reverse("program:exercise_record", args=[kind])
    page = client.post(url, {"seconds": str(minutes * 60), "completed": "True"}, follow=True)
    session = ExerciseSession.objects.get()
    assert (session.patient, session.kind, session.completed) == (patient, kind, True)
    assert f"Saved to your history: {title}, {minutes} min" in page.content.decode()
    actions.record(patient=patient, kind="breathing", seconds=300, completed=True)
    page = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert f"Paced breathing: 1; {title}: 1" in page.content.decode()
    assert page.context["exercise_weeks"][0].counts == {"breathing": 1, kind: 1}


@pytest.mark.parametrize("kind", ["imagery", "body-scan"])
def test_today_starts_it_and_the_wind_down_list_offers_it(patient, kind) -> None:
    home = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert reverse("program:exercise", args=[kind]) in home
    listing = client_for(patient).get(reverse("program:exercises")).content.decode()
    assert reverse("program:exercise", args=[kind]) in listing

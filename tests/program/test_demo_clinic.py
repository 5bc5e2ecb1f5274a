"""The demo clinic (`load_demo`): what its patients, therapists and admin see, and that
loading it twice adds nothing.

Loading the demo takes about a second, and these tests only read it, so they share one
clinic, loaded twice into a transaction that is rolled back after the last test here.
Each test still runs in its own savepoint, so whatever a page writes (an audit row, a
login) is undone before the next test reads the clinic."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.apps import apps
from django.urls import reverse

from accounts.models import User
from program.clinic import round as round_service
from program.curriculum.actions import programme_overview
from program.demo.clinic import MOOD_PATIENT, load_demo
from program.models import (
    Assessment,
    DiaryEntry,
    Enrolment,
    Invitation,
    MedicationDose,
    MoodCheck,
    NightMedication,
    Recommendation,
    SafetyScreen,
    TaperPlan,
    TherapistNote,
)
from tests.conftest import client_for, ensure_programme, module_data


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture(scope="module")
def loaded_twice(django_db_setup, django_db_blocker) -> Iterator[tuple[dict, dict]]:
    """The demo clinic loaded, then loaded again; the rows of every table after each."""
    with module_data(django_db_blocker):
        ensure_programme()  # an earlier test's flush may have taken the migrated curriculum
        load_demo()
        first = row_counts()
        load_demo()
        yield first, row_counts()


@pytest.fixture
def demo(loaded_twice, db) -> None:
    """The shared demo clinic, in this test's own savepoint."""


def test_loading_the_demo_again_adds_no_row_anywhere(loaded_twice) -> None:
    first, second = loaded_twice
    assert first["program.LessonProgress"] > 0 and first["program.LessonAnswer"] > 0
    assert second == first


def test_week6_has_a_falling_isi_and_grace_a_flagged_screen(demo) -> None:
    totals = list(
        Assessment.objects.filter(patient__email="week6@example.com")
        .order_by("completed_on")
        .values_list("total", flat=True)
    )
    assert totals == [19, 15, 10]
    assert Assessment.objects.filter(patient__email="week3@example.com").count() == 2
    assert TherapistNote.objects.filter(patient__email="week6@example.com").count() == 1
    page = client_for(User.objects.get(email="therapist@example.com")).get(
        reverse("program:caseload")
    )
    assert ">Dev</a>" in page.content.decode()
    assert "−9 from baseline" in page.content.decode()
    second = client_for(User.objects.get(email="therapist2@example.com"))
    assert "Positive safety screen" in second.get(reverse("program:caseload")).content.decode()


def test_the_demo_shows_each_kind_of_sleep_window_decision(demo) -> None:
    """A visitor sees a window kept, lengthened, lengthened because the patient was very
    sleepy (flagged), and one waiting for the therapist (issue 17)."""
    rows = list(Recommendation.objects.values_list("course__patient__email", "rule", "status"))
    rules = {rule for _, rule, _ in rows}
    assert {"initial", "hold", "extend", "sleepy_extend"} <= rules, rows
    assert ("week3@example.com", "hold", "pending") in rows
    assert ("week6@example.com", "extend", "approved") in rows


def test_the_demo_clinic_outcomes_show_figures_with_n(demo) -> None:
    """Issue 22: the clinic outcomes page shows the demo clinic's figures with their n."""
    admin = User.objects.get(email="admin@example.com")
    response = client_for(admin).get(reverse("program:clinic_outcomes"))
    figures = response.context["figures"]
    assert figures.patients == 7
    funnel = {s.key: s.count for s in figures.funnel}
    assert funnel["invited"] == 8  # seven who joined and Hana, invited
    assert funnel["accepted"] == 7 and funnel["window"] >= 4 and funnel["follow_up"] == 1
    end, follow_up = figures.outcomes
    assert (end.n, end.responders, end.remitters) == (1, 1, 0)  # Iris: 21 -> 9
    assert (follow_up.n, follow_up.remitters) == (1, 1)  # 7 at week 12
    assert figures.weeks[0].eligible == 7


def test_demo_patients_have_read_up_to_their_week(demo) -> None:
    weeks = {}
    for enrolment in Enrolment.objects.current().select_related("patient", "programme"):
        overview = programme_overview(enrolment)
        weeks[enrolment.patient.email] = (overview.current.number, overview.done)
        if overview.finished:  # Iris, at the end: every lesson read, nothing to resume
            assert overview.resume is None and overview.done == overview.total
        else:
            assert overview.resume is not None or overview.done == 0
    assert weeks["week3@example.com"][0] == 3
    assert weeks["week6@example.com"][0] == 6
    assert weeks["baseline@example.com"][0] == 1
    assert weeks["week6@example.com"][1] > weeks["week3@example.com"][1] > 0
    finished = [
        e.patient.email for e in Enrolment.objects.current() if programme_overview(e).finished
    ]
    assert finished == ["done@example.com"]


def test_eva_has_a_confirmed_diazepam_plan_and_nights_against_it(demo) -> None:
    plan = TaperPlan.objects.get(patient__email="taper@example.com")
    assert plan.status == "active"
    assert plan.confirmed_by.email == "therapist@example.com"
    assert plan.medication.strengths_mg == ["2", "5"]
    entries = DiaryEntry.objects.filter(patient__email="taper@example.com").count()
    assert NightMedication.objects.filter(entry__patient=plan.patient).count() == entries
    doses = MedicationDose.objects.filter(entry__patient=plan.patient)
    assert doses.count() == entries
    assert doses.filter(dose_mg__gt=Decimal(8)).exists()
    # Drafted; the drug-free nights the template leaves to the clinician entered; confirmed.
    assert [c.action for c in plan.changes.order_by("pk")] == ["drafted", "edited", "confirmed"]
    assert all(s.note_code != "drug_free_to_set" for s in plan.steps.all())


def test_eva_s_plan_was_confirmed_before_its_first_night(demo) -> None:
    """The plan "agreed with Eva and her GP at the week-1 session": drafted, edited and
    confirmed on the day of its first night, not on the day the demo was loaded (its page
    said "confirmed on" today, three weeks into a plan a patient sees only once it is
    confirmed)."""
    plan = TaperPlan.objects.get(patient__email="taper@example.com")
    zone = plan.patient.zone
    first_night = plan.steps.first().starts_on
    assert plan.confirmed_at.astimezone(zone).date() == first_night
    changes = list(plan.changes.order_by("pk"))
    assert [c.changed_at.astimezone(zone).date() for c in changes] == [first_night] * 3
    assert [c.changed_at for c in changes] == sorted(c.changed_at for c in changes)
    assert changes[-1].changed_at == plan.confirmed_at
    therapist = User.objects.get(email="therapist@example.com")
    page = client_for(therapist).get(reverse("program:patient_medication", args=[plan.patient.pk]))
    assert f"on {first_night.day} {first_night:%b %Y}" in page.content.decode()


def test_dev_answers_the_weekly_mood_question_and_the_therapist_sees_the_yes(demo) -> None:
    """The demo clinic's patient with a history of bipolar disorder (program.rules.mood)."""
    screen = SafetyScreen.objects.get(patient__email=MOOD_PATIENT)
    assert screen.answers["bipolar"] and screen.decision == "allowed"
    checks = list(MoodCheck.objects.filter(patient__email=MOOD_PATIENT).order_by("week_of"))
    assert len(checks) >= 3
    assert [c.elevated for c in checks] == [False] * (len(checks) - 1) + [True]
    assert all(not c.validated and c.reviewed_at is None for c in checks)
    therapist = screen.patient.therapist
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert "Elevated mood reported (to review)" in caseload


def test_the_demo_therapist_has_a_round_to_walk(demo) -> None:
    """The demo therapist's weekly round has items in it (issue 21)."""
    therapist = User.objects.get(email="therapist@example.com")
    cards = {c.patient.email: c for c in round_service.build(therapist)}
    chloe = cards["week3@example.com"]
    assert len(chloe.recommendations) == 1 and chloe.unread == 1
    assert cards["lapsed@example.com"].dropping_out
    assert "grace@example.com" not in cards  # the second therapist's patient
    page = client_for(therapist).get(reverse("program:round"))
    assert ">Chloe</a>" in page.content.decode()
    card = client_for(therapist).get(reverse("program:round_patient", args=[chloe.patient.pk]))
    assert "Confirm decision" in card.content.decode()


def test_the_demo_s_dates_tell_the_same_story_as_its_diary(demo) -> None:
    """Consent on the programme's first morning, each window approved on its review day,
    the screen answered the day before the first window and again at each 4-week mark of
    restriction (but for Dev, whose screen is due again); the invitation for as long as any."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from program.models import Invitation, Prescription
    from program.rules import rescreen
    from program.sleep_window import actions as sw
    from program.sleep_window.rescreen import due

    for patient in User.objects.filter(email__in=["week3@example.com", "done@example.com"]):
        start = Enrolment.objects.get(patient=patient).start_date
        assert patient.consent_given_at.astimezone(patient.zone).date() == start
        decided = Recommendation.objects.filter(course__patient=patient, decided_by__isnull=False)
        assert decided.exists()
        for recommendation in decided:
            day = recommendation.decided_at.astimezone(patient.zone).date()
            assert day == recommendation.review_date, recommendation
        first_window = Prescription.objects.filter(course__patient=patient).earliest(
            "effective_from"
        )
        screens = [
            s.completed_at.astimezone(patient.zone).date()
            for s in SafetyScreen.objects.filter(patient=patient).order_by("completed_at")
        ]
        assert screens[0] == first_window.effective_from - timedelta(days=1)
        latest = SafetyScreen.objects.filter(patient=patient).latest("completed_at")
        assert due(patient, sw.course_for(patient), latest) == rescreen.Due.NO
    done = User.objects.get(email="done@example.com")
    assert SafetyScreen.objects.filter(patient=done, occasion="periodic").count() >= 2
    invitation = Invitation.objects.get(email="invited@example.com")
    left = invitation.expires_at - timezone.now()
    assert timedelta(days=settings.INVITATION_VALID_DAYS - 1) < left
    assert left <= timedelta(days=settings.INVITATION_VALID_DAYS)


def test_no_demo_review_was_approved_on_an_empty_diary(demo) -> None:
    """The finished patient stopped her diary weeks ago: her window's weekly reviews stop
    with it (sleep_window.rests_after_programme), never approved on "0 of 5 nights"."""
    done = User.objects.get(email="done@example.com")
    reviews = Recommendation.objects.filter(course__patient=done, kind="weekly")
    assert reviews.exists()
    assert [r.figures["nights"] for r in reviews if not r.figures["nights"]] == []
    assert all(r.status != "pending" for r in reviews)


def test_today_greets_each_demo_patient_by_a_plain_name(demo) -> None:
    """A demo patient's stage is in the README and the printed logins, not in their name:
    Today greeted "Chloe (week 3)" by it, and the invitation offered Hana "Hana (just
    invited)" as the name to be addressed by."""
    chloe = User.objects.get(email="week3@example.com")
    today = client_for(chloe).get(reverse("program:patient_home")).content.decode()
    assert "Good to see you, Chloe</h1>" in today
    names = list(User.objects.filter(email__endswith="@example.com").values_list("name", flat=True))
    names += list(Invitation.objects.values_list("name", flat=True))
    assert [name for name in names if "(" in name] == []


def test_loading_the_demo_again_renames_a_patient_named_with_their_stage(demo) -> None:
    """A demo database made before the names were plain (``make run`` keeps its data)."""
    User.objects.filter(email="week3@example.com").update(name="Chloe (week 3)")
    Invitation.objects.filter(email="invited@example.com").update(name="Hana (just invited)")
    User.objects.filter(email="week6@example.com").update(name="Dev (his own choice)")
    load_demo()
    assert User.objects.get(email="week3@example.com").name == "Chloe"
    assert Invitation.objects.get(email="invited@example.com").name == "Hana"
    # A name the visitor typed themselves is theirs.
    assert User.objects.get(email="week6@example.com").name == "Dev (his own choice)"


def test_each_demo_first_window_reads_baseline_nights_only(demo) -> None:
    """A first window set on the programme's eighth day is first slept that evening: the
    night before it (the eighth morning's) was a baseline night, and the window reads it
    with week 1's seven (titration.initial_window: the mornings up to its own day's).
    The demo wrote that night as if a window had been kept already (to bed at 00:53,
    sleep efficiency 88 %), so Chloe's first window read 7 baseline nights and a good one
    ("72.9 % over 8 nights") while her diary's week 1 showed 7 nights at 71.5 %."""
    from program.models import Prescription

    therapist = User.objects.get(email="therapist@example.com")
    firsts = {}
    for prescription in Prescription.objects.select_related("course__patient").order_by(
        "effective_from"
    ):
        firsts.setdefault(prescription.course.patient, prescription)
    assert firsts
    for patient, first in firsts.items():
        start = Enrolment.objects.filter(patient=patient).earliest("start_date").start_date
        before = DiaryEntry.objects.filter(
            patient=patient, diary_date__gte=start, diary_date__lte=first.effective_from
        )
        assert before.count() == 8, patient.email  # week 1's seven and the eighth morning
        for entry in before:
            # Nobody keeps a window before it is in force: to bed before midnight.
            bedtime = entry.into_bed.astimezone(patient.zone)
            assert bedtime.date() < entry.diary_date, (patient.email, entry.diary_date)
    chloe = User.objects.get(email="week3@example.com")
    nights = DiaryEntry.objects.filter(
        patient=chloe, diary_date__lte=firsts[chloe].effective_from, unusual_night=False
    )
    efficiency = (
        100 * sum(n.total_sleep_min for n in nights) / sum(n.time_in_bed_min for n in nights)
    )
    page = client_for(therapist).get(reverse("program:patient_sleep_window", args=[chloe.pk]))
    assert f"(sleep efficiency {efficiency:.1f}% over {len(nights)} nights)" in (
        page.content.decode()
    )

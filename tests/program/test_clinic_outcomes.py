"""Clinic outcomes (issue 22, part 4): the figures, who sees which patients, the CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from program.assessments import actions as assessments
from program.clinic import outcomes
from program.enrolment.actions import enrol, invite_patient
from program.models import Assessment, DiaryEntry, Enrolment, Invitation, SleepCourse
from program.sleep_window.actions import default_protocol
from tests.caseload_data import build_caseload
from tests.conftest import client_for, make_user

START = date(2026, 9, 7)  # a Monday; six weeks end on 18 October, follow-up later
TODAY = date(2026, 12, 6)


def _nights(patient: User, days: list[int]) -> None:
    """Diary nights on the given days after the start (their times do not matter here)."""
    template = DiaryEntry.objects.filter(patient__email__startswith="bulk").first()
    assert template is not None
    for day in days:
        template.pk = None
        template.patient = patient
        template.diary_date = START + timedelta(days=day)
        template.save()


def _isi(patient: User, occasion: str, total: int) -> None:
    Assessment.objects.create(
        patient=patient,
        instrument=assessments.ensure_instruments()["isi"],
        occasion=occasion,
        total=total,
        band_code="",
        completed_on=START,
        source="clinician",
    )


@pytest.fixture
def clinic(therapist, other_therapist, programme):
    """Three patients of the therapist, one of the other therapist."""
    build_caseload(other_therapist, 1)  # a diary night to copy, on the other caseload
    ann = make_user("ann@example.test", Role.PATIENT, therapist=therapist, name="Ann")
    bob = make_user("bob@example.test", Role.PATIENT, therapist=therapist, name="Bob")
    cat = make_user("cat@example.test", Role.PATIENT, therapist=therapist, name="Cat")
    for p in (ann, bob, cat):
        enrol(patient=p, programme=programme, start_date=START)
    # Ann: a full baseline, a window, diary to the last week; ISI 20 -> 11 -> 6.
    _nights(ann, list(range(0, 42, 1)))
    SleepCourse.objects.create(patient=ann, protocol=default_protocol(), status="active")
    course = ann.sleep_course
    course.prescriptions.create(
        window_min=360,
        rise_time=time(7, 0),
        effective_from=START + timedelta(days=14),
        source="clinician",
        rule="initial",
    )
    _isi(ann, "baseline", 20)
    _isi(ann, "week-6", 11)  # a fall of 9: a response, not remission
    _isi(ann, "follow-up", 6)  # remission
    # Bob: five baseline nights, then nothing; ISI 18 at baseline only.
    _nights(bob, [0, 1, 2, 3, 4])
    _isi(bob, "baseline", 18)
    # Cat: never wrote the diary; ISI 16 -> 9 (a fall of 7: not a response).
    _isi(cat, "baseline", 16)
    _isi(cat, "week-6", 9)
    return ann, bob, cat


def test_the_figures_of_a_worked_example(therapist, clinic) -> None:
    patients = User.objects.patients().filter(therapist=therapist)
    figures = outcomes.build(patients, User.objects.filter(pk=therapist.pk), today=TODAY)
    funnel = {s.key: s.count for s in figures.funnel}
    assert funnel == {
        "invited": 3,  # no invitations: each joined without one
        "accepted": 3,
        "baseline": 1,  # Ann only (Bob has 5 of the 7 nights needed)
        "window": 1,
        "last_week": 1,
        "follow_up": 1,
    }
    week1, week2 = figures.weeks[0], figures.weeks[1]
    assert (week1.eligible, week1.active, week1.dropped) == (3, 2, 1)  # Cat never wrote
    assert week1.nights_mean == pytest.approx((7 + 5 + 0) / 3)
    assert (week2.eligible, week2.active, week2.dropped) == (3, 1, 2)  # Bob stopped in week 1
    end, later = figures.outcomes
    assert end.due == 3 and end.n == 2  # Ann and Cat; Bob missing
    assert sorted(end.changes) == [-9, -7]
    assert end.responders == 1 and end.remitters == 0
    assert [p.name for p in end.missing] == ["Bob"]
    assert later.n == 1 and later.remitters == 1 and later.responders == 1
    assert {p.name for p in later.missing} == {"Bob", "Cat"}


def test_invited_counts_each_person_once_however_often_they_were_invited(
    therapist, other_therapist, programme, clinic
) -> None:
    def invited() -> int:
        figures = outcomes.build(
            User.objects.patients().filter(therapist__in=[therapist, other_therapist]),
            User.objects.filter(pk__in=[therapist.pk, other_therapist.pk]),
            today=TODAY,
        )
        return next(s.count for s in figures.funnel if s.key == "invited")

    before = invited()  # the four who joined without an invitation
    # Dan: invited, invited again (the first replaced), and by a second therapist.
    for by in (therapist, therapist, other_therapist):
        invite_patient(therapist=by, email="dan@example.test", programme=programme)
    assert Invitation.objects.filter(email="dan@example.test").count() == 3
    assert invited() == before + 1
    # Eve: invited twice, joined through the second, and has changed her address since.
    invite_patient(therapist=therapist, email="eve@example.test", programme=programme)
    second = invite_patient(therapist=therapist, email="eve@example.test", programme=programme)
    eve = make_user("Eve.New@example.test", Role.PATIENT, therapist=therapist, name="Eve")
    enrol(patient=eve, programme=programme, start_date=START)
    Invitation.objects.filter(pk=second.invitation.pk).update(
        accepted_at=timezone.now(), accepted_by=eve
    )
    assert invited() == before + 2


def test_a_therapist_sees_only_their_own_caseload(therapist, other_therapist, clinic) -> None:
    response = client_for(therapist).get(reverse("program:clinic_outcomes"))
    assert response.status_code == 200
    figures = response.context["figures"]
    assert figures.patients == 3
    assert b"Bulk Patient" not in response.content
    # The therapist filter is for admins: a therapist asking for another caseload gets theirs.
    other = client_for(therapist).get(
        reverse("program:clinic_outcomes") + f"?therapist={other_therapist.pk}"
    )
    assert other.context["figures"].patients == 3


def test_an_admin_sees_the_clinic_or_one_therapist(
    clinic_admin, therapist, other_therapist, clinic
) -> None:
    client = client_for(clinic_admin)
    assert client.get(reverse("program:clinic_outcomes")).context["figures"].patients == 4
    one = client.get(reverse("program:clinic_outcomes") + f"?therapist={other_therapist.pk}")
    assert one.context["figures"].patients == 1
    assert one.context["chosen"] == other_therapist
    # Nonsense in the filter is the whole clinic, never an error.
    odd = client.get(reverse("program:clinic_outcomes") + "?therapist=abc")
    assert odd.status_code == 200 and odd.context["figures"].patients == 4


def test_the_page_shows_each_figure_with_its_n(therapist, clinic) -> None:
    response = client_for(therapist).get(reverse("program:clinic_outcomes"))
    html = response.content.decode()
    assert "<svg" in html and 'role="img"' in html
    assert "Patients at each step" in html  # the chart's title
    # The missing patients are named, with a link to their page.
    assert reverse("program:patient_detail", args=[clinic[1].pk]) in html


def test_the_csv_holds_the_same_figures(therapist, clinic) -> None:
    response = client_for(therapist).get(reverse("program:clinic_outcomes_export"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "figure", "value", "n"]
    accepted = next(r for r in rows if r[0] == "funnel" and r[1].startswith("Accepted"))
    assert accepted[2:] == ["3", "3"]
    assert any(r[0].startswith("ISI") and r[1] == "missing" for r in rows)


def test_the_page_claims_no_completions_that_nothing_records(therapist, clinic) -> None:
    """Nothing sets an enrolment to "completed" (a programme that ran its course stays
    active, program.rules.unlocking), so the page and the CSV no longer show a count of
    them that was always 0; "Last programme week reached" is the funnel's figure for the
    end, and the withdrawn are still counted."""
    Enrolment.objects.filter(patient=clinic[2]).update(status=Enrolment.Status.WITHDRAWN)
    client = client_for(therapist)
    html = client.get(reverse("program:clinic_outcomes")).content.decode()
    assert "marked completed" not in html
    assert "Enrolments withdrawn: 1 (of 3)." in html
    csv_text = client.get(reverse("program:clinic_outcomes_export")).content.decode()
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert ["enrolments", "withdrawn", "1", "3"] in rows
    assert not any(r[:2] == ["enrolments", "completed"] for r in rows)

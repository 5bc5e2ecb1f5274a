"""The demo clinic's assessments and notes, and what the demo therapists see."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User
from program.demo.clinic import load_demo
from program.models import Assessment, TherapistNote
from tests.conftest import client_for


def test_week6_has_a_falling_isi_and_grace_a_flagged_screen(db) -> None:
    load_demo()
    load_demo()  # idempotent
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
    assert "Dev (week 6)" in page.content.decode()
    assert "−9 from baseline" in page.content.decode()
    second = client_for(User.objects.get(email="therapist2@example.com"))
    assert "Positive safety screen" in second.get(reverse("program:caseload")).content.decode()


def test_the_demo_shows_each_kind_of_sleep_window_decision(db) -> None:
    """A visitor sees a window kept, lengthened, lengthened because the patient was very
    sleepy (flagged), and one waiting for the therapist (issue 17)."""
    from program.models import Recommendation

    load_demo()
    rows = list(Recommendation.objects.values_list("course__patient__email", "rule", "status"))
    rules = {rule for _, rule, _ in rows}
    assert {"initial", "hold", "extend", "sleepy_extend"} <= rules, rows
    assert ("week3@example.com", "hold", "pending") in rows
    assert ("week6@example.com", "extend", "approved") in rows


def test_the_demo_clinic_outcomes_show_figures_with_n(db) -> None:
    """Issue 22: the clinic outcomes page shows the demo clinic's figures with their n."""
    load_demo()
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

"""The demo clinic's assessments and notes, and what the demo therapists see."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User
from program.demo import load_demo
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

"""The demo therapist's weekly round has items in it (issue 21)."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import User
from program.clinic import round as round_service
from program.demo.clinic import load_demo
from tests.conftest import client_for


def test_the_demo_therapist_has_a_round_to_walk(db) -> None:
    load_demo()
    therapist = User.objects.get(email="therapist@example.com")
    cards = {c.patient.email: c for c in round_service.build(therapist)}
    chloe = cards["week3@example.com"]
    assert len(chloe.recommendations) == 1 and chloe.unread == 1
    assert cards["lapsed@example.com"].dropping_out
    assert "grace@example.com" not in cards  # the second therapist's patient
    page = client_for(therapist).get(reverse("program:round"))
    assert "Chloe (week 3)" in page.content.decode()
    card = client_for(therapist).get(reverse("program:round_patient", args=[chloe.patient.pk]))
    assert "Confirm decision" in card.content.decode()

"""A night imported from a paper diary was written on paper at the time: typing it in
later does not make it a late entry, and the diary does not tag it "late" (a night the
patient fills in after its morning still is)."""

from __future__ import annotations

from django.urls import reverse

from program.models import DiaryEntry
from tests.conftest import client_for
from tests.program.test_diary_import import GOOD1, GOOD2, HEADER, upload


def test_imported_paper_nights_are_not_marked_late(therapist, patient) -> None:
    client = client_for(therapist)
    upload(client, patient, HEADER + GOOD1 + GOOD2)
    assert DiaryEntry.objects.filter(patient=patient).count() == 2
    assert not DiaryEntry.objects.filter(patient=patient, is_late=True).exists()
    html = client.get(reverse("program:patient_diary", args=[patient.pk])).content.decode()
    assert '<span class="badge">late</span>' not in html

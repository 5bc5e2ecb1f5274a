"""A change in sleep efficiency counts its percentage points in the reader's plural: a
French therapist read "+1 points de pourcentage" on the caseload (for screen readers)
and the patient's page. The French and German words are the catalogues'
(msgid "percentage-point change on the week before", with its plural)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from program.clinic.models import CaseloadSummary
from tests.conftest import client_for
from tests.pages import as_read

SINGULAR = {
    "fr": "point de pourcentage par rapport à la semaine précédente",
    "de": "Prozentpunkt gegenüber der Vorwoche",
}
PLURAL = {
    "fr": "points de pourcentage par rapport à la semaine précédente",
    "de": "Prozentpunkte gegenüber der Vorwoche",
}


def pages(therapist, patient, change: float) -> list[str]:
    client = client_for(therapist)
    client.get(reverse("program:caseload"))  # works out the patient's kept row
    CaseloadSummary.objects.filter(patient=patient).update(se_last=89.0, se_change=change)
    return [
        re.sub(r"<[^>]+>", "", as_read(client.get(url).content.decode()))
        for url in (
            reverse("program:caseload"),
            reverse("program:patient_detail", args=[patient.pk]),
        )
    ]


@pytest.mark.parametrize("language", ["fr", "de"])
def test_one_point_is_singular_and_three_are_plural(therapist, patient, language) -> None:
    therapist.language = language
    therapist.save(update_fields=["language"])
    for page in pages(therapist, patient, 1.2):
        assert f"+1 {SINGULAR[language]}" in page
        assert PLURAL[language] not in page
    for page in pages(therapist, patient, -3.0):
        assert f"−3 {PLURAL[language]}" in page


def test_english_reads_as_before(therapist, patient) -> None:
    for page in pages(therapist, patient, 1.2):
        assert "+1 percentage-point change on the week before" in page

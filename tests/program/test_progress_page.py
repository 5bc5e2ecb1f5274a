"""The progress page and the printed summary name each questionnaire's occasion in words."""

from __future__ import annotations

from datetime import date

from django.urls import reverse

from program.assessments import actions as assessments
from program.clinical_text import occasion_label
from tests.conftest import client_for


def test_occasions_read_as_words_never_keys(patient, therapist) -> None:
    isi = assessments.ensure_instruments()["isi"]
    for occasion, day, total in (("baseline", 2, 19), ("week-2", 16, 12)):
        assessments.record_result(
            patient=patient,
            instrument=isi,
            total=total,
            completed_on=date(2026, 11, day),
            occasion=occasion,
            by=therapist,
        )
    page = client_for(patient).get(reverse("program:progress")).content.decode()
    assert '<span class="muted">Start of the programme</span>' in page
    assert '<span class="muted">End of week 2</span>' in page
    assert "week-2" not in page
    assert occasion_label("follow-up") == "Follow-up"

"""A questionnaire is shown in the wording it was validated in (English); to a patient
reading French or German the page says so, and marks the English for screen readers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_a_french_reader_is_told_the_questions_are_in_their_tested_english(patient) -> None:
    url = reverse("program:questionnaire", args=["phq9"])
    english = client_for(patient).get(url).content.decode()
    assert 'id="wording-in-english"' not in english
    patient.language = "fr"
    patient.save()
    page = client_for(patient).get(url).content.decode()
    assert 'id="wording-in-english"' in page
    assert "Ces questions sont en anglais" in page
    assert '<legend lang="en">' in page

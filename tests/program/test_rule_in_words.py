"""The staff's sleep-window pages name a recommendation's rule in words, never by its
code: a French therapist read "Règle : hold." under the recommendation, and the round
showed "(extend)" after the rule's explanation. The explanation just above says which
rule it was, in the reader's language."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from program.sleep_window import words as sw_words
from tests.conftest import client_for
from tests.program.test_round import FIGURES, pending_recommendation


def visible(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    return re.sub(r"[ \t\n]+", " ", re.sub(r"<[^>]+>", " ", main))


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_the_rule_is_shown_in_words_not_by_its_code(patient, therapist, language) -> None:
    pending_recommendation(patient)  # rule "extend"
    therapist.language = language
    therapist.save(update_fields=["language"])
    with translation.override(language):
        explained = sw_words.explain("extend", FIGURES, sw_words.Audience.STAFF)
    client = client_for(therapist)
    for url in (
        reverse("program:patient_sleep_window", args=[patient.pk]),
        reverse("program:round_patient", args=[patient.pk]),
    ):
        text = visible(client.get(url).content.decode())
        assert explained.split(" (")[0] in text, url
        assert not re.search(r"\bextend\b", text), url


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("fr", ["temps de sommeil moyen", "temps moyen passé au lit", "efficacité du sommeil"]),
        ("de", ["mittlere Schlafdauer", "mittlere Bettzeit", "Schlafeffizienz"]),
    ],
)
def test_the_figures_spell_out_the_english_abbreviations(
    patient, therapist, language, words
) -> None:
    """A French therapist read "TST moyen", "TIB moyen" and "ES" (the English
    abbreviations, one half translated); the German "mittlere TST", "mittlere TIB"."""
    pending_recommendation(patient)
    therapist.language = language
    therapist.save(update_fields=["language"])
    url = reverse("program:patient_sleep_window", args=[patient.pk])
    text = visible(client_for(therapist).get(url).content.decode())
    assert not re.search(r"\b(TST|TIB|SE|ES)\b", text)
    assert all(word in text for word in words)

"""The diary form's hint on typing times gives examples each reader writes, and the
diary reads every one: a French or German reader was shown the English "11:15 pm"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from program.rules.clock import parse_clock
from tests.conftest import client_for

MSGID = "Type times as you like: 23:15, 11:15 pm or 23h15."


def examples(hint: str) -> list[str]:
    """The times after the hint's colon: "23:15, 23h15 ou 23 h 15." → three."""
    listed = hint.split(":", 1)[1].strip().rstrip(".")
    return [t.strip() for t in re.split(r",| or | ou | oder ", listed) if t.strip()]


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_every_example_in_the_hint_is_read_by_the_diary(language) -> None:
    with translation.override(language):
        hint = translation.gettext(MSGID)
    times = examples(hint)
    assert len(times) == 3, hint
    assert all(parse_clock(t) is not None for t in times), times


@pytest.mark.parametrize("language", ["fr", "de"])
def test_french_and_german_examples_are_on_the_24_hour_clock(patient, language) -> None:
    patient.language = language
    patient.save(update_fields=["language"])
    page = client_for(patient).get(reverse("program:diary_new")).content.decode()
    with translation.override(language):
        hint = translation.gettext(MSGID)
    assert hint in page or hint.replace("\u00a0", "&nbsp;") in page
    assert not re.search(r"\b(am|pm|a\.m\.|p\.m\.)\b", hint, re.IGNORECASE), hint
    assert hint.split(":", 1)[0].rstrip("\u00a0 ") != "Type times as you like"

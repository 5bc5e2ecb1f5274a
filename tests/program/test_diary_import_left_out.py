"""After the good rows of a paper diary are imported, the message says how many rows
were left out, in the number's own grammar: "1 row was left out.", not "1 rows were"."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import client_for
from tests.program.test_diary_import import BAD, GOOD1, GOOD2, HEADER, WORSE, check


@pytest.mark.parametrize(
    ("rows", "said"),
    [
        (GOOD1 + BAD + GOOD2, "1 row was left out."),
        (GOOD1 + BAD + WORSE + GOOD2, "2 rows were left out."),
    ],
)
def test_the_rows_left_out_are_counted_in_words_that_fit_the_number(
    therapist, patient, rows: str, said: str
) -> None:
    client = client_for(therapist)
    check(client, patient, HEADER + rows)  # the import takes the text checked
    response = client.post(
        reverse("program:diary_import", args=[patient.pk]),
        {"csv_text": HEADER + rows, "confirm": "good-rows"},
        follow=True,
    )
    html = response.content.decode()
    assert "Imported 2 nights into the diary of" in html
    assert said in html

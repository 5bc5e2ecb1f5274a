"""The diary's and the medicines' charts name their days as the tables beside them do
(``WEEKDAY_DAY_MONTH_FORMAT``): a French chart said "me 25" beside a table's "mer. 25
nov."; and they name only as many days as fit side by side."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from program.diary import charts
from program.diary.actions import save_entry
from tests.conftest import client_for
from tests.nights import night_answers


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


@pytest.mark.parametrize("language", ["en", "fr", "de"])
def test_the_diary_chart_names_a_day_as_the_table_does(patient, language) -> None:
    save_entry(
        patient=patient, diary_date=date(2026, 11, 24), answers=night_answers(), changed_by=patient
    )
    patient.language = language
    patient.save(update_fields=["language"])
    page = client_for(patient).get(reverse("program:diary")).content.decode()
    with translation.override(language):
        named = date_format(date(2026, 11, 25), "WEEKDAY_DAY_MONTH_FORMAT")
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert f'text-anchor="middle">{named}</text>' in chart
    assert f"{named}</th>" in page  # the table's row for the same morning
    assert 'text-anchor="middle">me 25</text>' not in chart


def test_the_day_labels_under_a_chart_do_not_overlap() -> None:
    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(28)]
    with translation.override("fr"):
        bars = [
            charts.Bar(date_format(d, "WEEKDAY_DAY_MONTH_FORMAT"), d, 450, 400, 88.9) for d in days
        ]
        svg = charts.sleep_chart(bars, title="t", description="d", chart_id="c")
    labels = svg.count('text-anchor="middle">')
    slot = (charts.WIDTH - charts.LEFT - charts.RIGHT) / len(bars)
    step = charts.label_step([b.label for b in bars], slot)
    assert labels == len(range(len(bars) - 1, -1, -step))
    assert step * slot >= max(len(b.label) for b in bars) * charts.LABEL_LETTER

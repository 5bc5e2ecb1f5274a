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
    assert f'">{named}</text>' in chart
    assert f"{named}</th>" in page  # the table's row for the same morning
    assert 'text-anchor="middle">me 25</text>' not in chart


@pytest.mark.parametrize("nights", [7, 14, 28])
def test_the_day_labels_under_a_chart_do_not_overlap(nights: int) -> None:
    """Each label's width as the chart reckons it (LABEL_LETTER a letter): none runs over
    the next, and none leaves the plot for the axes' figures ("0%" at the foot of the
    right axis ran over the newest day at 360 px)."""
    import itertools
    import re

    days = [date(2026, 11, 1) + timedelta(days=n) for n in range(nights)]
    with translation.override("fr"):
        bars = [
            charts.Bar(date_format(d, "WEEKDAY_DAY_MONTH_FORMAT"), d, 450, 400, 88.9) for d in days
        ]
        svg = charts.sleep_chart(bars, title="t", description="d", chart_id="c")
    y = charts.HEIGHT - charts.BOTTOM + 16
    spans = []
    for x, anchor, text in re.findall(
        rf'<text class="axis" x="([\d.]+)" y="{y}" text-anchor="(\w+)">([^<]+)</text>', svg
    ):
        width = len(text) * charts.LABEL_LETTER
        left = {"start": 0, "middle": width / 2, "end": width}[anchor]
        spans.append((float(x) - left, float(x) - left + width))
    assert spans and spans[-1][1] <= charts.WIDTH - charts.RIGHT + 0.1
    assert spans[0][0] >= charts.LEFT - 0.1
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))

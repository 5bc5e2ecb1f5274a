"""Every table that scrolls sideways is a region with a name of its own (WCAG 1.3.1,
4.1.2; axe's landmark-unique): named by its caption or its heading through
aria-labelledby, never one shared "Table (scrolls sideways …)" label, so a screen
reader's list of regions tells them apart."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse

from program.assessments import actions as assessments
from program.diary.actions import save_entry
from program.models import DiaryEntry
from program.sleep_window import actions as sw
from tests.conftest import client_for
from tests.program.test_sleep_window import CLEAR, TODAY, baseline

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
REGION = re.compile(r"<[a-z]+\b[^>]*\brole=\"region\"[^>]*>")
LABELLED_BY = re.compile(r'aria-labelledby="([^"]+)"')


def region_names(html: str) -> list[str]:
    """The accessible name of each region on a page, from the element it points to."""
    names = []
    for tag in REGION.findall(html):
        match = LABELLED_BY.search(tag)
        assert match, f"a region with no aria-labelledby: {tag}"
        target = match[1]
        assert html.count(f'id="{target}"') == 1, f"id {target!r} not once on the page"
        element = re.search(
            rf'<([a-z0-9]+)\b[^>]*\bid="{re.escape(target)}"[^>]*>(.*?)</\1>', html, re.S
        )
        assert element, target
        text = " ".join(re.sub(r"<[^>]+>", " ", element[2]).split())
        assert text, f"{target} has no text"
        names.append(text)
    return names


def test_no_template_gives_a_region_a_shared_name() -> None:
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        for tag in REGION.findall(path.read_text(encoding="utf-8")):
            if "aria-labelledby=" not in tag:
                offenders.append(f"{path.relative_to(TEMPLATES)}: {tag}")
    assert not offenders, "\n".join(offenders)


def test_the_region_check_finds_two_regions_of_one_name() -> None:
    html = (
        '<h2 id="a">Week by week</h2><div role="region" aria-labelledby="a"></div>'
        '<h2 id="b">Week by week</h2><div role="region" aria-labelledby="b"></div>'
    )
    names = region_names(html)
    assert len(names) != len(set(names))


@pytest.fixture
def full_record(patient, therapist):
    """A patient with a diary, two questionnaires, a sleep window decided, and an
    edited night: every table of the therapist's and the patient's pages shows."""
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        baseline(patient, nights=10)
        sw.submit_screen(patient, CLEAR)
        sw.approve(sw.start(patient, rise_time=time(6, 30)), by=therapist)
        save_entry(  # an edit: a row in "Changes to entries"
            entry=DiaryEntry.objects.get(patient=patient, diary_date=TODAY),
            patient=patient,
            diary_date=TODAY,
            changed_by=patient,
            enforce_backfill=False,
            today=TODAY,
            answers={
                "into_bed": time(23, 30),
                "lights_off": time(23, 30),
                "final_wake": time(6, 40),
                "out_of_bed": time(7),
                "sleep_latency_min": 20,
                "awakenings": 1,
                "awake_min": 20,
                "quality": 3,
            },
        )
        instruments = assessments.ensure_instruments()
        for key, total in (("isi", 19), ("phq9", 6)):
            for day, occasion in ((2, "baseline"), (16, "week-2")):
                assessments.record_result(
                    patient=patient,
                    instrument=instruments[key],
                    total=total - (day > 2),
                    completed_on=date(2026, 11, day),
                    occasion=occasion,
                    by=therapist,
                )
    return patient


def test_each_region_on_a_page_has_its_own_name(full_record, therapist, clinic_admin) -> None:
    patient = full_record
    pages = [
        (therapist, reverse("program:patient_detail", args=[patient.pk]), 7),
        (therapist, reverse("program:patient_summary", args=[patient.pk]), 5),
        (therapist, reverse("program:patient_diary", args=[patient.pk]), 3),
        (therapist, reverse("program:patient_sleep_window", args=[patient.pk]), 1),
        (therapist, reverse("program:caseload"), 1),
        (patient, reverse("program:progress"), 2),
        (patient, reverse("program:diary"), 2),
        (patient, reverse("program:sleep_window"), 1),
        (patient, reverse("accounts:privacy"), 1),
        (clinic_admin, reverse("program:clinic_home"), 2),
    ]
    with time_machine.travel(TODAY + timedelta(days=1), tick=False):
        for user, url, count in pages:
            response = client_for(user).get(url)
            assert response.status_code == 200, url
            names = region_names(response.content.decode())
            assert len(names) == count, (url, names)
            assert len(names) == len(set(names)), (url, names)

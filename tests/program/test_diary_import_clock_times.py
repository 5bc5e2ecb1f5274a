"""A paper diary's times are read as the diary's own form reads them (program.rules.clock):
the diary tells patients "Type times as you like: 23:15, 11:15 pm or 23h15", so a paper
diary a therapist types up says "11pm" as often as "23:00". The import refused every
time but ``HH:MM`` ("into_bed “11pm” is not a time like 23:15.")."""

from __future__ import annotations

from datetime import time

from program.models import DiaryEntry
from tests.conftest import client_for

from .test_diary_import import HEADER, check, upload

AS_WRITTEN = "2026-10-05,11pm,11:30 pm,30,2,40,6.20,6:30 a.m.,3,0,0,0,0,2,no,,\n"
FRENCH = "2026-10-06,23h15,23 h 30,20,1,15,6h45,7h,4,0,0,0,0,0,no,,\n"


def test_times_written_as_people_write_them_are_imported(therapist, patient) -> None:
    client = client_for(therapist)
    checked = check(client, patient, HEADER + AS_WRITTEN + FRENCH).content.decode()
    assert "2 rows can be imported; 0 cannot." in checked
    upload(client, patient, HEADER + AS_WRITTEN + FRENCH)

    def clock(night: DiaryEntry, name: str) -> time:
        return getattr(night, name).astimezone(patient.zone).time()

    night = DiaryEntry.objects.get(patient=patient, diary_date="2026-10-05")
    assert [clock(night, "into_bed"), clock(night, "lights_off")] == [time(23), time(23, 30)]
    assert [clock(night, "final_wake"), clock(night, "out_of_bed")] == [time(6, 20), time(6, 30)]
    french = DiaryEntry.objects.get(patient=patient, diary_date="2026-10-06")
    assert [clock(french, "into_bed"), clock(french, "out_of_bed")] == [time(23, 15), time(7)]


def test_a_time_the_diary_would_refuse_is_refused(therapist, patient) -> None:
    bad = "2026-10-05,25:00,13 pm,30,2,40,06:20,06:30,3,0,0,0,0,2,no,,\n"
    html = check(client_for(therapist), patient, HEADER + bad).content.decode()
    assert "0 rows can be imported; 1 cannot." in html
    assert "into_bed “25:00” is not a time" in html
    assert "lights_off “13 pm” is not a time" in html
    assert not DiaryEntry.objects.exists()


def test_an_empty_time_is_called_missing(therapist, patient) -> None:
    """A paper diary with a time left blank: the report says it is missing, as for any
    other answer left blank, not that "" is not a time."""
    blank = "2026-10-05,23:00,23:15,30,2,40,,06:30,3,0,0,0,0,2,no,,\n"
    html = check(client_for(therapist), patient, HEADER + blank).content.decode()
    assert "final_wake is missing." in html
    assert "“”" not in html

"""Reading Apple Health's export: the real-format test file, streaming, and the bombs,
entities and oversized files that must be refused (program/wearables/apple_health.py)."""

from __future__ import annotations

import io
import tracemalloc
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from program.rules.device_sleep import Stage
from program.wearables import apple_health
from program.wearables.apple_health import ExportError

DATA = Path(__file__).parent / "data" / "apple_health"
HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def read_bytes(data: bytes, **kwargs: int) -> apple_health.Export:
    return apple_health.read(io.BytesIO(data), **kwargs)


def refused(data: bytes, **kwargs: int) -> str:
    with pytest.raises(ExportError) as caught:
        read_bytes(data, **kwargs)
    return caught.value.code


def test_the_test_file_is_read_with_every_sleep_stage() -> None:
    export = apple_health.read((DATA / "export.xml").open("rb"))
    assert len(export.periods) == 12
    assert export.skipped == 1  # the date without its offset
    assert Counter(p.stage for p in export.periods) == {
        Stage.IN_BED: 3,
        Stage.CORE: 2,
        Stage.DEEP: 1,
        Stage.REM: 1,
        Stage.AWAKE: 3,
        Stage.ASLEEP: 2,
    }
    assert {p.source for p in export.periods} == {
        "Pat’s iPhone",
        "Pat’s Apple Watch",
        "Sleep Diary App",
    }
    # Instants with their offsets: the autumn night ends in GMT, starts in BST.
    night = export.periods[2]
    assert (night.end - night.start).total_seconds() == 535 * 60


def test_the_zip_holds_the_same_file_and_reads_the_same() -> None:
    with zipfile.ZipFile(DATA / "export.zip") as archive:
        assert archive.read("apple_health_export/export.xml") == (DATA / "export.xml").read_bytes()
    from_zip = apple_health.read((DATA / "export.zip").open("rb"))
    from_xml = apple_health.read((DATA / "export.xml").open("rb"))
    assert from_zip.periods == from_xml.periods


def test_a_zip_made_by_hand_with_export_xml_at_its_top_is_read() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(DATA / "export.xml", "export.xml")
    assert len(read_bytes(buffer.getvalue()).periods) == 12


def test_a_billion_laughs_is_refused_not_expanded() -> None:
    bomb = (
        HEAD + b'<!DOCTYPE HealthData [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
        b'<HealthData locale="en"><Record type="&c;" sourceName="x" startDate="" endDate=""/>'
        b"</HealthData>"
    )
    assert refused(bomb) == "unsafe"


def test_an_external_entity_is_refused() -> None:
    xxe = (
        HEAD + b'<!DOCTYPE HealthData [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<HealthData locale="en"><Record type="&x;" sourceName="x" startDate="" endDate=""/>'
        b"</HealthData>"
    )
    assert refused(xxe) == "unsafe"


def test_reading_stops_past_the_size_bound_whatever_the_zip_declares() -> None:
    xml = (DATA / "export.xml").read_bytes()
    assert refused(xml, limit=2000) == "too_large"  # counted while reading
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("apple_health_export/export.xml", xml)
    assert refused(buffer.getvalue(), limit=2000) == "too_large"


def test_a_zip_bomb_member_is_stopped_at_the_bound() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "apple_health_export/export.xml",
            HEAD + b'<HealthData locale="en">' + b" " * 20_000_000 + b"</HealthData>",
        )
    assert len(buffer.getvalue()) < 100_000  # 20 MB compressed to almost nothing
    assert refused(buffer.getvalue(), limit=1_000_000) == "too_large"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"date,bed\n2026-10-24,23:10\n", "not_xml"),
        (b"", "not_xml"),
        (HEAD + b"<HealthData><Record", "not_xml"),
        (HEAD + b'<ClinicalDocument xmlns="urn:hl7-org:v3"/>', "not_export"),
        (b"PK\x03\x04 not really a zip", "bad_zip"),
    ],
)
def test_files_that_are_not_an_export_say_why(data: bytes, code: str) -> None:
    assert refused(data) == code


def test_a_zip_without_the_export_says_so() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
    assert refused(buffer.getvalue()) == "not_export"


class _Generated(io.RawIOBase):
    """An export of ``records`` heart-rate records and one sleep record, made as it is read."""

    def __init__(self, records: int) -> None:
        self.parts = iter(
            [HEAD + b'<HealthData locale="en_GB"><ExportDate value="2026-11-04 08:00:00 +0000"/>']
            + [
                b'<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" '
                b'unit="count/min" startDate="2026-10-24 22:05:10 +0100" '
                b'endDate="2026-10-24 22:05:10 +0100" value="64"><MetadataEntry '
                b'key="HKMetadataKeyHeartRateMotionContext" value="0"/></Record>\n'
            ]
            * records
            + [
                b'<Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName="Watch" '
                b'startDate="2026-10-24 23:10:00 +0100" endDate="2026-10-25 07:05:00 +0000" '
                b'value="HKCategoryValueSleepAnalysisInBed"/></HealthData>'
            ]
        )
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        part = next(self.parts, b"")
        self.size += len(part)
        return part


def test_a_large_export_is_read_in_little_memory() -> None:
    """100 000 records (about 25 MB) read with a peak far below the file's size: each of
    the root's children is dropped once read."""
    stream = _Generated(100_000)
    tracemalloc.start()
    try:
        export = apple_health.read_xml(stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stream.size > 24_000_000
    assert len(export.periods) == 1
    assert peak < 3_000_000

"""Reading sleep from Apple Health's export, streaming and defended.

The Health app's "Export All Health Data" gives ``export.zip``, holding
``apple_health_export/export.xml``: a ``HealthData`` root with one ``Record`` element per
sample. Sleep is ``<Record type="HKCategoryTypeIdentifierSleepAnalysis" sourceName=...
startDate="2026-03-28 23:10:00 +0100" endDate=... value="HKCategoryValueSleepAnalysis..."/>``
(docs/wearables.md gives the sources: Apple's HealthKit documentation for the values, the
export's own DTD for the file).

An export is often hundreds of megabytes, so nothing is loaded whole:

- the XML is read by ``defusedxml``'s ``iterparse``, element by element, and each of the
  root's children is dropped once read, so memory holds one record at a time (and the
  sleep periods kept);
- entity declarations and external references are refused (an XML bomb or an external
  entity is an error, never expanded). The export's own DTD declares elements and
  attributes only, so a DTD as such is allowed;
- a zip is read member by member: only ``export.xml`` is opened, and reading stops as soon
  as more than ``MAX_XML_BYTES`` have come out of it (whatever the zip says its size is);
- no more than ``MAX_SLEEP_RECORDS`` sleep records are kept.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, iterparse

from program.rules.device_sleep import Period, Stage

SLEEP_TYPE = "HKCategoryTypeIdentifierSleepAnalysis"
# The values' names as the export writes them: HealthKit's Objective-C case names
# (HKCategoryValueSleepAnalysisAsleepCore is Swift's .asleepCore) [APPLE-HK].
STAGES = {
    "HKCategoryValueSleepAnalysisInBed": Stage.IN_BED,
    "HKCategoryValueSleepAnalysisAwake": Stage.AWAKE,
    "HKCategoryValueSleepAnalysisAsleepUnspecified": Stage.ASLEEP,
    "HKCategoryValueSleepAnalysisAsleep": Stage.ASLEEP,  # before iOS 16
    "HKCategoryValueSleepAnalysisAsleepCore": Stage.CORE,
    "HKCategoryValueSleepAnalysisAsleepDeep": Stage.DEEP,
    "HKCategoryValueSleepAnalysisAsleepREM": Stage.REM,
}

MAX_XML_BYTES = 1024**3  # 1 GB of XML, about 100 s at the 10 MB/s measured (bench/README.md)
MAX_SLEEP_RECORDS = 500_000  # about forty years of a watch's nightly stages
MAX_ZIP_MEMBERS = 200_000  # workout routes and ECGs are members too
MAX_SOURCE_LENGTH = 100
XML_MEMBER = "apple_health_export/export.xml"


class ExportError(Exception):
    """The file cannot be read as an Apple Health export; ``code`` says why."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass
class Export:
    """What was read: the sleep periods, and how many sleep records were left out."""

    periods: list[Period] = field(default_factory=list)
    skipped: int = 0


class _Bounded:
    """A file-like reader that refuses to give more than ``limit`` bytes."""

    def __init__(self, raw: IO[bytes], limit: int) -> None:
        self.raw = raw
        self.limit = limit
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self.raw.read(size if size and size > 0 else 64 * 1024)
        self.count += len(chunk)
        if self.count > self.limit:
            raise ExportError("too_large")
        return chunk


def _period(attrs: dict[str, str]) -> Period | None:
    # Dates are "2026-03-28 23:10:00 +0100": a wall time with its UTC offset, so an instant.
    stage = STAGES.get(attrs.get("value", ""))
    try:
        start = datetime.strptime(attrs.get("startDate", ""), "%Y-%m-%d %H:%M:%S %z")
        end = datetime.strptime(attrs.get("endDate", ""), "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        return None
    if stage is None or end <= start:
        return None
    source = " ".join(attrs.get("sourceName", "").split())[:MAX_SOURCE_LENGTH] or "Apple Health"
    return Period(source=source, stage=stage, start=start, end=end)


def read_xml(stream: IO[bytes], limit: int = MAX_XML_BYTES) -> Export:
    """The sleep periods of an ``export.xml`` stream."""
    result = Export()
    depth = 0
    root: Any = None
    try:
        for event, elem in iterparse(
            _Bounded(stream, limit),
            events=("start", "end"),
            forbid_dtd=False,
            forbid_entities=True,
            forbid_external=True,
        ):
            if event == "start":
                depth += 1
                if root is None:
                    root = elem
                    if elem.tag != "HealthData":
                        raise ExportError("not_export")
                continue
            depth -= 1
            if elem.tag == "Record" and elem.get("type") == SLEEP_TYPE:
                period = _period(dict(elem.attrib))
                if period is None:
                    result.skipped += 1
                else:
                    result.periods.append(period)
                    if len(result.periods) > MAX_SLEEP_RECORDS:
                        raise ExportError("too_many")
            if depth == 1:
                # A child of the root is read: drop it (and its children) from memory.
                root.clear()
    except DefusedXmlException as error:
        raise ExportError("unsafe") from error
    except ParseError as error:
        raise ExportError("not_xml") from error
    if root is None:
        raise ExportError("not_xml")
    return result


def _xml_member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    found: zipfile.ZipInfo | None = None
    for count, info in enumerate(archive.infolist()):
        if count >= MAX_ZIP_MEMBERS:
            raise ExportError("not_export")
        # Apple's name first; a zip re-made by hand may hold export.xml at its top.
        if info.filename == XML_MEMBER:
            return info
        if found is None and info.filename.rsplit("/", 1)[-1] == "export.xml":
            found = info
    if found is None:
        raise ExportError("not_export")
    return found


def read(upload: IO[bytes], limit: int = MAX_XML_BYTES) -> Export:
    """The sleep periods of an uploaded ``export.zip`` or ``export.xml``."""
    head = upload.read(4)
    upload.seek(0)
    if head != b"PK\x03\x04":
        return read_xml(upload, limit)
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError) as error:
        raise ExportError("bad_zip") from error
    with archive:
        info = _xml_member(archive)
        if info.flag_bits & 0x1:
            raise ExportError("bad_zip")  # encrypted
        if info.file_size > limit:
            raise ExportError("too_large")
        try:
            with archive.open(info) as member:
                return read_xml(member, limit)
        except (zipfile.BadZipFile, NotImplementedError, EOFError, zlib.error) as error:
            raise ExportError("bad_zip") from error

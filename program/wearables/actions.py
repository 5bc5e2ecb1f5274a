"""Importing a device's sleep, and reading it beside the diary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q

from accounts.models import User
from program.rules import device_sleep
from program.rules.device_sleep import DeviceNight, Period
from program.wearables.models import DeviceSleepPeriod, DeviceSleepSetting

# Nights older than this before the patient's today are left out of an import [D]: an
# export holds every night the phone ever saw, and the therapy reads the recent weeks.
IMPORT_DAYS = 366
BATCH = 1000


@dataclass
class NightRead:
    """One morning of an import: what the file held and what was new."""

    diary_date: date
    night: DeviceNight
    periods: int
    new: int


@dataclass
class ImportReport:
    nights: list[NightRead] = field(default_factory=list)
    new: int = 0
    already: int = 0
    skipped: int = 0  # sleep records that could not be read
    older: int = 0  # periods before the IMPORT_DAYS window
    future: int = 0  # periods after the patient's today


@transaction.atomic
def import_periods(
    patient: User, periods: list[Period], *, skipped: int = 0, by: User
) -> ImportReport:
    """Store the periods not already held and report each morning read.

    A re-import (Apple's export holds every earlier night again) stores nothing twice:
    periods already held are recognised by patient, source, stage, start and end, in
    one query for the file's date range, and the unique constraint backs that up.
    """
    zone = patient.zone
    today = patient.local_today()
    first = today - timedelta(days=IMPORT_DAYS)
    report = ImportReport(skipped=skipped)
    kept: dict[date, list[Period]] = {}
    for p in periods:
        morning = device_sleep.morning_of(p.start, zone)
        if morning < first:
            report.older += 1
        elif morning > today:
            report.future += 1
        else:
            kept.setdefault(morning, []).append(p)
    if not kept:
        return report
    held = set(
        DeviceSleepPeriod.objects.filter(
            patient=patient, diary_date__range=(min(kept), max(kept))
        ).values_list("source", "stage", "start", "end")
    )
    new_rows: list[DeviceSleepPeriod] = []
    for morning in sorted(kept, reverse=True):
        rows = kept[morning]
        fresh = {
            (p.source, p.stage.value, p.start, p.end)
            for p in rows
            if (p.source, p.stage.value, p.start, p.end) not in held
        }
        held |= fresh
        new_rows.extend(
            DeviceSleepPeriod(
                patient=patient,
                source=source,
                stage=stage,
                start=start,
                end=end,
                diary_date=morning,
                imported_by=by,
            )
            for source, stage, start, end in fresh
        )
        report.nights.append(
            NightRead(
                diary_date=morning,
                night=device_sleep.nights(rows, zone)[morning],
                periods=len(rows),
                new=len(fresh),
            )
        )
        report.new += len(fresh)
        report.already += len(rows) - len(fresh)
    # ignore_conflicts: a second import running at the same time stores each period once.
    DeviceSleepPeriod.objects.bulk_create(new_rows, batch_size=BATCH, ignore_conflicts=True)
    return report


def nights_for(
    patient: User, first: date, last: date, *also: tuple[date, date]
) -> dict[date, DeviceNight]:
    """The device's nights for the mornings ``first`` to ``last``, and for any further
    ranges in ``also`` (one query).

    Nights are grouped by the morning stored at import, so a later change of the
    patient's zone does not move nights already read.
    """
    ranges = Q(diary_date__range=(first, last))
    for extra in also:
        ranges |= Q(diary_date__range=extra)
    rows = DeviceSleepPeriod.objects.filter(ranges, patient=patient).only(
        "source", "stage", "start", "end", "diary_date"
    )
    by_day: dict[date, list[Period]] = {}
    for row in rows:
        by_day.setdefault(row.diary_date, []).append(row.as_period())
    result: dict[date, DeviceNight] = {}
    for day, periods in by_day.items():
        # Grouped by the stored morning (the zone was applied at import), then by source.
        sources: dict[str, list[Period]] = {}
        for p in periods:
            sources.setdefault(p.source, []).append(p)
        result[day] = device_sleep.choose(
            device_sleep.summarise_source(day, s, ps) for s, ps in sources.items()
        )
    return result


def setting_for(patient: User) -> DeviceSleepSetting:
    """The therapist's choices for this patient (unsaved defaults when none was made)."""
    return DeviceSleepSetting.objects.filter(patient=patient).first() or DeviceSleepSetting(
        patient=patient
    )


def hidden_from_patient(patient: User) -> bool:
    return setting_for(patient).hidden_from_patient


@transaction.atomic
def set_hidden_from_patient(patient: User, hidden: bool, *, by: User) -> None:
    DeviceSleepSetting.objects.update_or_create(
        patient=patient, defaults={"hidden_from_patient": hidden, "changed_by": by}
    )


@transaction.atomic
def set_flag_threshold(patient: User, minutes: int, *, by: User) -> None:
    """The difference in total sleep beyond which a night is flagged to the therapist.
    Changes nothing of the diary or the sleep window."""
    DeviceSleepSetting.objects.update_or_create(
        patient=patient, defaults={"flag_threshold_min": minutes, "changed_by": by}
    )


@dataclass
class BesideRow:
    """One morning with the device's figures next to the diary's (None: no diary entry)."""

    diary_date: date
    label: str
    device: DeviceNight
    diary_in_bed: int | None
    diary_asleep: int | None
    threshold: int = device_sleep.DEFAULT_FLAG_MIN

    @property
    def flagged(self) -> bool:
        """Total sleep differs by more than the therapist's threshold."""
        return device_sleep.disagrees(self.device.asleep_min, self.diary_asleep, self.threshold)

    @property
    def in_bed_difference(self) -> int | None:
        return device_sleep.difference(self.device.in_bed_min, self.diary_in_bed)

    @property
    def asleep_difference(self) -> int | None:
        return device_sleep.difference(self.device.asleep_min, self.diary_asleep)


def beside_diary(
    patient: User,
    nights: list[dict],
    *,
    for_patient: bool,
    chart_days: tuple[date, date] | None = None,
) -> dict[str, object]:
    """The device's nights for the diary table's mornings (and the chart's, ``chart_days``),
    for a diary page: two queries at most, the therapist's setting, then the periods of
    those mornings.

    ``nights`` are the diary page's rows (``date``, ``label``, ``entry``). On the
    patient's own page nothing of the device is read when the therapist hid it. Rows
    whose total sleep differs by more than the therapist's threshold are flagged, and
    counted, for the therapist's page; ``device_nights`` gives the chart its nights.
    """
    setting = setting_for(patient)
    hidden = setting.hidden_from_patient
    threshold = setting.flag_threshold_min
    rows: list[BesideRow] = []
    device: dict[date, DeviceNight] = {}
    if nights and not (for_patient and hidden):
        dates = [n["date"] for n in nights]
        also = (chart_days,) if chart_days else ()
        device = nights_for(patient, min(dates), max(dates), *also)
        for n in nights:
            night = device.get(n["date"])
            if night is None:
                continue
            entry = n["entry"]
            rows.append(
                BesideRow(
                    diary_date=n["date"],
                    label=n["label"],
                    device=night,
                    diary_in_bed=entry.time_in_bed_min if entry else None,
                    diary_asleep=entry.total_sleep_min if entry else None,
                    threshold=threshold,
                )
            )
    return {
        "device_rows": rows,
        "device_hidden": hidden,
        "device_nights": device,
        "flag_threshold": threshold,
        "flagged_count": device_sleep.count_disagreeing(
            ((r.device.asleep_min, r.diary_asleep) for r in rows), threshold
        ),
    }

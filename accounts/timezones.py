"""IANA time zones offered to users (no Django imports)."""

import zoneinfo
from functools import cache
from importlib import resources
from pathlib import Path


@cache
def _installed_zones() -> frozenset[str]:
    """Every name the installed time-zone database knows, legacy aliases included.
    ``zoneinfo.available_timezones`` walks its files on each call (7 ms here), and they
    do not change while the app runs."""
    return frozenset(zoneinfo.available_timezones())


@cache
def available_time_zones() -> tuple[str, ...]:
    """Canonical IANA names, sorted, without the legacy aliases (``US/Eastern``…)."""
    legacy_prefixes = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
    names = {
        name
        for name in _installed_zones()
        if "/" in name
        and not name.startswith(legacy_prefixes)
        and not name.startswith("posix")
        and not name.startswith("right/")
    }
    names.add("UTC")
    return tuple(sorted(names))


def is_valid_time_zone(name: str) -> bool:
    if not name or (name not in _installed_zones() and name != "UTC"):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _zone_tab() -> str:
    """IANA's zone.tab (each zone in it belongs to one country), from the database
    ``zoneinfo`` reads: the system's, else the ``tzdata`` package's. "" if neither has it."""
    for base in zoneinfo.TZPATH:
        path = Path(base) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


@cache
def zone_countries() -> dict[str, str]:
    """Zone → the ISO 3166 code of the one country it is in (``America/New_York`` → ``US``),
    for the zones zone.tab lists; ``UTC`` and the like belong to no country."""
    rows = (line.split("\t") for line in _zone_tab().splitlines() if not line.startswith("#"))
    return {row[2]: row[0] for row in rows if len(row) >= 3}

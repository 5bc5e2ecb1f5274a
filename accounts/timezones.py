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


def _database_file(name: str) -> str:
    """A file of the time-zone database ``zoneinfo`` reads: the system's, else the
    ``tzdata`` package's. "" if neither has it."""
    for base in zoneinfo.TZPATH:
        path = Path(base) / name
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return resources.files("tzdata").joinpath("zoneinfo", name).read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


@cache
def zone_countries() -> dict[str, str]:
    """Zone → the ISO 3166 code of the one country it is in (``America/New_York`` → ``US``),
    for the zones zone.tab lists and their old names, which browsers still report
    (``Asia/Calcutta``, a link to ``Asia/Kolkata`` in tzdata.zi, → ``IN``); ``UTC`` and the
    like belong to no country."""
    rows = (line.split("\t") for line in _database_file("zone.tab").splitlines() if line[:1] != "#")
    countries = {row[2]: row[0] for row in rows if len(row) >= 3}
    offered = set(available_time_zones())
    links = (line.split() for line in _database_file("tzdata.zi").splitlines())
    for link in links:
        if len(link) == 3 and link[0] == "L" and link[1] in countries and link[2] in offered:
            countries.setdefault(link[2], countries[link[1]])
    return countries

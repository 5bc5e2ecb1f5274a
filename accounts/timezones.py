"""IANA time zones offered to users (no Django imports)."""

import zoneinfo
from functools import cache


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

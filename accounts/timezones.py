"""IANA time zones offered to users (no Django imports)."""

import zoneinfo
from functools import cache


@cache
def available_time_zones() -> tuple[str, ...]:
    """Canonical IANA names, sorted, without the legacy aliases (``US/Eastern``…)."""
    legacy_prefixes = ("Etc/", "SystemV/", "US/", "Canada/", "Mexico/", "Brazil/", "Chile/")
    names = {
        name
        for name in zoneinfo.available_timezones()
        if "/" in name
        and not name.startswith(legacy_prefixes)
        and not name.startswith("posix")
        and not name.startswith("right/")
    }
    names.add("UTC")
    return tuple(sorted(names))


def is_valid_time_zone(name: str) -> bool:
    if not name or (name not in zoneinfo.available_timezones() and name != "UTC"):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True

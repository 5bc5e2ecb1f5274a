"""A user's "today" is their own local date, whatever the server's zone."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from accounts.timezones import available_time_zones, is_valid_time_zone, zone_countries

ZONES = st.sampled_from(
    [
        "Europe/London",
        "America/New_York",
        "Pacific/Kiritimati",
        "Pacific/Pago_Pago",
        "Asia/Kolkata",
        "Australia/Lord_Howe",
        "UTC",
    ]
)


@given(moment=st.datetimes(timezones=st.just(UTC)), zone=ZONES)
def test_local_today_is_the_date_on_the_users_wall_clock(moment: datetime, zone: str) -> None:
    user = User(email="x@example.test", time_zone=zone)
    assert user.local_today(moment) == moment.astimezone(zoneinfo.ZoneInfo(zone)).date()


def test_the_same_instant_is_two_different_days_around_the_world() -> None:
    instant = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    assert str(User(time_zone="Europe/London").local_today(instant)) == "2026-03-30"
    assert str(User(time_zone="America/Los_Angeles").local_today(instant)) == "2026-03-29"


def test_offered_zones_are_canonical_and_valid() -> None:
    zones = available_time_zones()
    assert "Europe/London" in zones
    assert "UTC" in zones
    assert "US/Eastern" not in zones
    assert all(is_valid_time_zone(z) for z in zones)
    assert not is_valid_time_zone("Mars/Olympus_Mons")
    assert not is_valid_time_zone("")


def test_a_zone_names_its_one_country_from_zone_tab() -> None:
    countries = zone_countries()
    assert countries["America/New_York"] == "US" and countries["Europe/London"] == "GB"
    assert countries["Europe/Paris"] == "FR" and countries["Asia/Tokyo"] == "JP"
    assert "UTC" not in countries  # no country: the clinic's stays suggested
    assert set(countries) <= set(available_time_zones())  # each one offered
    # An old name a browser may still report (a link in the database) has its country too:
    # an Indian patient's "Asia/Calcutta" is India, not the clinic's country.
    if "Asia/Calcutta" in available_time_zones():
        assert countries["Asia/Calcutta"] == "IN"
    offered_links = {"Asia/Calcutta", "Europe/Kiev", "Asia/Saigon"} & set(available_time_zones())
    assert offered_links and all(zone in countries for zone in offered_links)

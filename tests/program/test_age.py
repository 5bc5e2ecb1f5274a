"""The age rules (program.rules.age, accounts.birth_dates): pure, with worked examples and a
property. Adults only [AASM21]; compression proposed from 65 [BSM-COMP]."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accounts.birth_dates import MAX_AGE, age_on, problem
from program.rules import age

DEFAULT = "weekly-90-85"


@pytest.mark.parametrize(
    ("born", "today", "years"),
    [
        (date(2008, 12, 6), date(2026, 12, 6), 18),  # the 18th birthday itself
        (date(2008, 12, 7), date(2026, 12, 6), 17),  # the day before it
        (date(1961, 3, 1), date(2026, 2, 28), 64),
        (date(1961, 3, 1), date(2026, 3, 1), 65),
        (date(2008, 2, 29), date(2026, 2, 28), 17),  # a leap-day birthday: 1 March
        (date(2008, 2, 29), date(2026, 3, 1), 18),
        (date(2008, 2, 29), date(2028, 2, 29), 20),
    ],
)
def test_worked_ages(born: date, today: date, years: int) -> None:
    assert age_on(born, today) == years


def test_a_date_of_birth_in_the_future_or_over_120_years_ago_is_a_mistake() -> None:
    today = date(2026, 12, 6)
    assert problem(date(2026, 12, 7), today) == "future"
    assert problem(date(2026, 12, 6), today) is None  # born today: odd, but possible
    assert problem(date(1906, 12, 6), today) is None  # exactly 120
    assert problem(date(1905, 12, 7), today) is None  # 120 and 364 days
    assert problem(date(1905, 12, 6), today) == "too_old"  # 121 today
    assert MAX_AGE == 120


def test_adults_only_and_an_unknown_age_is_asked_not_refused() -> None:
    assert not age.eligible(17)
    assert age.eligible(18)
    assert age.eligible(None)


@pytest.mark.parametrize(
    ("years", "proposed"),
    [(None, DEFAULT), (18, DEFAULT), (64, DEFAULT), (65, "compression"), (90, "compression")],
)
def test_compression_is_proposed_from_65(years: int | None, proposed: str) -> None:
    assert age.proposed_protocol(years, default_key=DEFAULT) == proposed


def test_a_clinicians_choice_or_another_protocol_is_never_replaced() -> None:
    kw = {"default_key": DEFAULT}
    assert age.should_propose(70, current_key=DEFAULT, chosen_by_clinician=False, **kw) == (
        "compression"
    )
    assert age.should_propose(70, current_key=DEFAULT, chosen_by_clinician=True, **kw) is None
    assert age.should_propose(70, current_key="bbti", chosen_by_clinician=False, **kw) is None
    assert age.should_propose(40, current_key=DEFAULT, chosen_by_clinician=False, **kw) is None


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
    days=st.integers(min_value=0, max_value=50_000),
)
def test_age_grows_by_one_on_each_birthday_and_never_falls(born: date, days: int) -> None:
    today = born + timedelta(days=days)
    years = age_on(born, today)
    assert 0 <= years <= days // 365
    assert age_on(born, today + timedelta(days=1)) in (years, years + 1)
    proposed = age.proposed_protocol(years, default_key=DEFAULT)
    assert (proposed == "compression") == (years >= 65)
    assert age.eligible(years) == (years >= 18)

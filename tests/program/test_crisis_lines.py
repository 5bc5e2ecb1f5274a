"""The rule that chooses a person's crisis lines (program.rules.crisis_lines), on its own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from program.rules.crisis_lines import Line, alternatives, dial, select

SAMARITANS = Line("GB", "", "Samaritans", "116 123", emergency_number="999", order=1)
NHS = Line("GB", "", "NHS 111", "111", emergency_number="999", order=2)
FR = Line("FR", "", "3114", "3114", emergency_number="15 / 112")
CA_EN = Line("CA", "", "9-8-8", "988", "988", emergency_number="911")
CA_FR = Line("CA", "fr", "Ligne", "1 866 277 3553", emergency_number="911")
ROWS = [NHS, SAMARITANS, FR, CA_EN, CA_FR]


def test_a_person_sees_their_country_s_lines_in_the_clinic_s_order() -> None:
    chosen = select(ROWS, country="GB", language="en", default_country="FR")
    assert chosen.lines == (SAMARITANS, NHS)
    assert chosen.emergency_numbers == ("999",)
    assert not chosen.local_emergency


def test_france_has_two_emergency_numbers() -> None:
    chosen = select(ROWS, country="FR", language="fr", default_country="GB")
    assert chosen.lines == (FR,) and chosen.emergency_numbers == ("15", "112")


def test_not_said_is_the_clinic_s_country_and_the_generic_line() -> None:
    chosen = select(ROWS, country="", language="en", default_country="FR")
    assert chosen.country == "FR" and chosen.lines == (FR,)
    assert chosen.local_emergency and not chosen.country_given


def test_a_country_without_lines_gets_none_of_another_s() -> None:
    chosen = select(ROWS, country="ZZ", language="en", default_country="GB")
    assert chosen.lines == () and chosen.emergency_numbers == () and chosen.local_emergency


def test_a_language_s_own_line_is_added_for_its_speakers_only() -> None:
    assert select(ROWS, country="CA", language="en", default_country="GB").lines == (CA_EN,)
    assert select(ROWS, country="CA", language="fr", default_country="GB").lines == (
        CA_EN,
        CA_FR,
    )


def test_lines_only_for_other_languages_are_still_shown() -> None:
    rows = [Line("BE", "nl", "Zelfmoordlijn", "1813"), Line("BE", "fr", "CPS", "0800 32 123")]
    assert len(select(rows, country="BE", language="en", default_country="GB").lines) == 2


def test_numbers_are_dialled_as_digits() -> None:
    assert dial("0800 111 0 111") == "08001110111"
    assert dial("+44 (0)116-123") == "+440116123"
    assert alternatives("15 / 112") == ["15", "112"] and alternatives("") == []


lines = st.builds(
    Line,
    country=st.sampled_from(["GB", "FR", "CA", "DE"]),
    language=st.sampled_from(["", "en", "fr"]),
    name=st.text(min_size=1, max_size=5),
    phone=st.from_regex(r"[0-9]{2,6}", fullmatch=True),
    emergency_number=st.sampled_from(["", "112", "999", "15 / 112"]),
    order=st.integers(0, 3),
    active=st.booleans(),
)


@given(
    st.lists(lines, max_size=12),
    st.sampled_from(["", "GB", "FR", "CA", "DE", "ZZ"]),
    st.sampled_from(["en", "fr", "de"]),
    st.sampled_from(["GB", "FR"]),
)
def test_never_another_country_s_line_never_inactive_never_none_when_some_exist(
    rows, country, language, default
) -> None:
    chosen = select(rows, country=country, language=language, default_country=default)
    assert chosen.country == (country or default)
    assert all(line.active and line.country == chosen.country for line in chosen.lines)
    available = [r for r in rows if r.active and r.country == chosen.country]
    assert bool(chosen.lines) == bool(available)
    # Nothing said, or nothing to show: the generic line is always there.
    assert chosen.local_emergency == (not country or not available)
    for number in chosen.emergency_numbers:
        assert any(number in alternatives(line.emergency_number) for line in chosen.lines)

"""Questionnaire scoring (program/rules/scoring.py): worked examples, boundaries, properties."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from program.rules import scoring

ISI = scoring.SCALES["isi"]
PHQ9 = scoring.SCALES["phq9"]
GAD7 = scoring.SCALES["gad7"]
ESS = scoring.SCALES["ess"]
PSQI = scoring.SCALES["psqi"]


def answers(scale: scoring.Scale, *values: int) -> dict[str, int]:
    return dict(zip(scale.item_keys, values, strict=True))


@pytest.mark.parametrize(
    ("total", "code"),
    [
        (0, "isi_none"),
        (7, "isi_none"),
        (8, "isi_subthreshold"),
        (14, "isi_subthreshold"),
        (15, "isi_moderate"),
        (21, "isi_moderate"),
        (22, "isi_severe"),
        (28, "isi_severe"),
    ],
)
def test_isi_bands_at_every_boundary(total: int, code: str) -> None:
    assert scoring.band_for(total, scoring.ISI_BANDS).code == code


def test_an_isi_worked_example_sums_seven_items() -> None:
    result = scoring.score(ISI, answers(ISI, 3, 2, 3, 4, 2, 3, 2))
    assert result.total == 19
    assert result.band.code == "isi_moderate"
    assert not result.risk


@pytest.mark.parametrize(
    ("baseline", "latest", "response", "remission"),
    [
        (19, 12, False, False),  # −7 is not a response (a fall of MORE than 7)
        (19, 11, True, False),  # −8 is a response
        (15, 8, False, False),  # 8 is not remission (below 8)
        (14, 7, False, True),  # 7 is remission; −7 is no response
        (22, 5, True, True),
        (10, 12, False, False),  # worse
    ],
)
def test_isi_response_and_remission_boundaries(baseline, latest, response, remission) -> None:
    change = scoring.isi_change(baseline, latest)
    assert change.change == latest - baseline
    assert change.response is response
    assert change.remission is remission


@pytest.mark.parametrize(
    ("total", "code"),
    [(0, "phq9_minimal"), (4, "phq9_minimal"), (5, "phq9_mild"), (9, "phq9_mild"),
     (10, "phq9_moderate"), (14, "phq9_moderate"), (15, "phq9_moderately_severe"),
     (19, "phq9_moderately_severe"), (20, "phq9_severe"), (27, "phq9_severe")],
)  # fmt: skip
def test_phq9_severity_bands(total: int, code: str) -> None:
    assert scoring.band_for(total, scoring.PHQ9_BANDS).code == code


@pytest.mark.parametrize(
    ("total", "code"),
    [(0, "gad7_minimal"), (4, "gad7_minimal"), (5, "gad7_mild"), (9, "gad7_mild"),
     (10, "gad7_moderate"), (14, "gad7_moderate"), (15, "gad7_severe"), (21, "gad7_severe")],
)  # fmt: skip
def test_gad7_bands(total: int, code: str) -> None:
    assert scoring.band_for(total, scoring.GAD7_BANDS).code == code


def test_ess_is_high_from_11() -> None:
    assert scoring.score_total(ESS, 10).band.code == "ess_normal"
    assert scoring.score_total(ESS, 11).band.code == "ess_high"


def test_psqi_poor_sleeper_is_above_5() -> None:
    assert scoring.score_total(PSQI, 5).band.code == "psqi_good"
    assert scoring.score_total(PSQI, 6).band.code == "psqi_poor"


@pytest.mark.parametrize(("item9", "risk"), [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item_9_above_zero_is_a_risk(item9: int, risk: bool) -> None:
    result = scoring.score(PHQ9, answers(PHQ9, 0, 0, 0, 0, 0, 0, 0, 0, item9))
    assert result.risk is risk
    assert result.total == item9  # a low total does not hide the risk


def test_only_the_phq9_raises_a_risk() -> None:
    assert not scoring.score(GAD7, answers(GAD7, 3, 3, 3, 3, 3, 3, 3)).risk


@pytest.mark.parametrize(
    "bad",
    [{}, {"isi1": 5}, {"isi1": -1}, {"isi1": True}, {"isi1": "2"}],
)
def test_unscorable_answers_are_refused(bad: dict) -> None:
    full = answers(ISI, 1, 1, 1, 1, 1, 1, 1)
    with pytest.raises(scoring.ScoringError):
        scoring.score(ISI, {**full, **bad} if bad else {})


def test_a_total_out_of_range_is_refused() -> None:
    with pytest.raises(scoring.ScoringError):
        scoring.score_total(ISI, 29)


@pytest.mark.parametrize("key", sorted(scoring.SCALES))
def test_bands_cover_every_total_exactly_once(key: str) -> None:
    scale = scoring.SCALES[key]
    for total in range(scale.min_total, scale.max_total + 1):
        assert sum(b.contains(total) for b in scale.bands) == 1, (key, total)
    assert not any(b.contains(scale.min_total - 1) for b in scale.bands), key


@given(st.sampled_from(sorted(scoring.SCALES)), st.data())
def test_the_total_is_the_sum_and_lies_in_its_band(key: str, data: st.DataObject) -> None:
    scale = scoring.SCALES[key]
    values = data.draw(
        st.lists(
            st.integers(scale.min_value, scale.max_value),
            min_size=len(scale.item_keys),
            max_size=len(scale.item_keys),
        )
    )
    result = scoring.score(scale, answers(scale, *values))
    # Reversed items (PROMIS Sleep Disturbance's 2, 3, 7, 8) count max + min - value.
    counted = [
        scale.max_value + scale.min_value - v if k in scale.reverse else v
        for k, v in zip(scale.item_keys, values, strict=True)
    ]
    assert result.total == sum(counted)
    assert scale.min_total <= result.total <= scale.max_total
    assert result.band.contains(result.total)


@given(st.integers(0, 28), st.integers(0, 28))
def test_isi_response_is_exactly_a_fall_of_more_than_7(baseline: int, latest: int) -> None:
    change = scoring.isi_change(baseline, latest)
    assert change.response == (baseline - latest >= 8)
    assert change.remission == (latest <= 7)

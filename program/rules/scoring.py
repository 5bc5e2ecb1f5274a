"""Questionnaire scoring: sums, bands, ISI change, and the PHQ-9 item-9 risk rule (no Django).

Every rule is data or a small function with its source. Sources (see
docs/sources.md):

- ISI: Bastien CH, Vallières A, Morin CM. Validation of the Insomnia Severity Index.
  Sleep Med 2001;2:297. 7 items 0–4, total 0–28; bands 0–7 no clinically significant
  insomnia, 8–14 subthreshold, 15–21 moderate, 22–28 severe [ISI-VA].
  Response = a fall of MORE than 7 points from baseline; remission = a total BELOW 8
  (Morin CM et al., JAMA 2009;301:2005 [MORIN09]). So −7 is not a response and 8 is
  not remission.
- PHQ-9: Kroenke K, Spitzer RL, Williams JBW. The PHQ-9. J Gen Intern Med 2001;16:606.
  9 items 0–3, total 0–27; severity 0–4 minimal, 5–9 mild, 10–14 moderate,
  15–19 moderately severe, 20–27 severe. Item 9 (thoughts of being better off dead or
  of self-harm): any answer above 0 needs a clinician's attention [D: docs/sources.md].
- GAD-7: Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092.
  7 items 0–3, total 0–21; 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe.
- ESS: Johns MW. Sleep 1991;14:540. 8 items 0–3, total 0–24. We pin the rule in
  docs/clinical-rules.md, "≥ 11 high" (0–10 is the normal range); the WUSTL sheet
  [ESS-SCORE] calls 10 or more abnormal, so a clinic that prefers it changes ESS_HIGH.
- PSQI: Buysse DJ et al. Psychiatry Res 1989;28:193. Global score 0–21 from seven
  component scores 0–3; poor sleeper = global > 5 (Buysse 1989; we pin "> 5", not "≥ 5").
- PROMIS Sleep Disturbance 8b (the DSM-5 Level 2 Sleep Disturbance — Adult): 8 items 1–5,
  items 2, 3, 7 and 8 (satisfied, refreshing, enough sleep, quality) reverse-scored, raw total
  8–40, higher = worse [OPEN-OUTCOME, docs/sources.md: the APA's form and its scoring as
  quoted there]. The raw score converts to a T-score (mean 50, SD 10) by the scoring manual's
  table, which was not among the sources read: it is loaded with the licensed wording, never
  written here. No band is given for the raw score.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise


class ScoringError(ValueError):
    """Answers that cannot be scored (missing items, values out of range)."""


@dataclass(frozen=True)
class Band:
    """An inclusive score range with a code and a severity rank (0 = none).

    The code is stored on each answer; its words, in the reader's language, are
    ``program.clinical_text.BAND_WORDS``. Codes are unique across the scales."""

    low: int
    high: int
    code: str
    rank: int = 0

    def contains(self, total: int) -> bool:
        return self.low <= total <= self.high


@dataclass(frozen=True)
class Scale:
    """How one instrument is scored: item keys, the value range of each, the bands."""

    key: str
    item_keys: tuple[str, ...]
    min_value: int
    max_value: int
    bands: tuple[Band, ...]
    # Items whose value counts backwards (max + min − value), e.g. "my sleep was refreshing".
    reverse: frozenset[str] = frozenset()

    @property
    def min_total(self) -> int:
        return self.min_value * len(self.item_keys)

    @property
    def max_total(self) -> int:
        return self.max_value * len(self.item_keys)


ISI_BANDS = (
    Band(0, 7, "isi_none", 0),
    Band(8, 14, "isi_subthreshold", 1),
    Band(15, 21, "isi_moderate", 2),
    Band(22, 28, "isi_severe", 3),
)
PHQ9_BANDS = (
    Band(0, 4, "phq9_minimal", 0),
    Band(5, 9, "phq9_mild", 1),
    Band(10, 14, "phq9_moderate", 2),
    Band(15, 19, "phq9_moderately_severe", 3),
    Band(20, 27, "phq9_severe", 4),
)
GAD7_BANDS = (
    Band(0, 4, "gad7_minimal", 0),
    Band(5, 9, "gad7_mild", 1),
    Band(10, 14, "gad7_moderate", 2),
    Band(15, 21, "gad7_severe", 3),
)
# [ESS-SCORE, docs/sources.md]: "10 or higher = abnormal" on one sheet; "≥ 11 high" is
# pinned for this app.
ESS_HIGH = 11
ESS_BANDS = (Band(0, ESS_HIGH - 1, "ess_normal", 0), Band(ESS_HIGH, 24, "ess_high", 2))
PSQI_POOR_ABOVE = 5
PROMIS_SD_KEYS = tuple(f"promis_sd{i}" for i in range(1, 9))
PROMIS_SD_REVERSE = frozenset({"promis_sd2", "promis_sd3", "promis_sd7", "promis_sd8"})
PROMIS_SD_BANDS = (Band(8, 40, "promis_sd_raw", 0),)
PSQI_BANDS = (
    Band(0, PSQI_POOR_ABOVE, "psqi_good", 0),
    Band(PSQI_POOR_ABOVE + 1, 21, "psqi_poor", 1),
)


def _keys(prefix: str, n: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(1, n + 1))


SCALES: dict[str, Scale] = {
    "isi": Scale("isi", _keys("isi", 7), 0, 4, ISI_BANDS),
    "phq9": Scale("phq9", _keys("phq", 9), 0, 3, PHQ9_BANDS),
    "gad7": Scale("gad7", _keys("gad", 7), 0, 3, GAD7_BANDS),
    "ess": Scale("ess", _keys("ess", 8), 0, 3, ESS_BANDS),
    # PSQI's 19 answers reduce to 7 component scores (0–3) by Buysse's rules; a
    # clinic that loads the licensed form enters the component scores here.
    "psqi": Scale("psqi", _keys("psqi_c", 7), 0, 3, PSQI_BANDS),
    "promis_sd": Scale("promis_sd", PROMIS_SD_KEYS, 1, 5, PROMIS_SD_BANDS, PROMIS_SD_REVERSE),
}

# The PHQ-9 item asking about thoughts of death or self-harm (Kroenke 2001, item 9).
PHQ9_RISK_ITEM = "phq9"


def band_for(total: int, bands: Sequence[Band]) -> Band:
    for band in bands:
        if band.contains(total):
            return band
    raise ScoringError(f"No band holds a total of {total}.")


def sum_score(answers: Mapping[str, int], scale: Scale) -> int:
    """The total of the items (every item required, each within the scale's range)."""
    total = 0
    for key in scale.item_keys:
        if key not in answers or answers[key] is None:
            raise ScoringError(f"Item {key} is not answered.")
        value = answers[key]
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScoringError(f"Item {key} must be a whole number.")
        if not scale.min_value <= value <= scale.max_value:
            raise ScoringError(
                f"Item {key} must be between {scale.min_value} and {scale.max_value}."
            )
        if key in scale.reverse:
            value = scale.max_value + scale.min_value - value
        total += value
    return total


@dataclass(frozen=True)
class Score:
    total: int
    band: Band
    risk: bool = False  # needs a clinician now (PHQ-9 item 9 above 0)


def phq9_risk(answers: Mapping[str, int]) -> bool:
    """Any answer above "Not at all" to PHQ-9 item 9 (self-harm) is a risk [D]."""
    return int(answers.get(PHQ9_RISK_ITEM) or 0) > 0


def score(scale: Scale, answers: Mapping[str, int]) -> Score:
    total = sum_score(answers, scale)
    risk = scale.key == "phq9" and phq9_risk(answers)
    return Score(total, band_for(total, scale.bands), risk)


def score_total(scale: Scale, total: int) -> Score:
    """A total entered without item answers (a paper form, or historical results)."""
    if not scale.min_total <= total <= scale.max_total:
        raise ScoringError(
            f"A {scale.key} total must be between {scale.min_total} and {scale.max_total}."
        )
    return Score(total, band_for(total, scale.bands))


# --- ISI change from baseline (Morin et al. 2009) -----------------------------------------

ISI_RESPONSE_FALL = 7  # a response is a fall of MORE than this
ISI_REMISSION_BELOW = 8  # remission is a total BELOW this


@dataclass(frozen=True)
class IsiChange:
    baseline: int
    latest: int
    change: int  # latest − baseline (negative = better)
    response: bool
    remission: bool


def isi_response(baseline: int, latest: int) -> bool:
    """A fall of more than 7 points: −8 is a response, −7 is not."""
    return baseline - latest > ISI_RESPONSE_FALL


def isi_remission(latest: int) -> bool:
    """A total below 8: 7 is remission, 8 is not."""
    return latest < ISI_REMISSION_BELOW


def isi_change(baseline: int, latest: int) -> IsiChange:
    return IsiChange(
        baseline=baseline,
        latest=latest,
        change=latest - baseline,
        response=isi_response(baseline, latest),
        remission=isi_remission(latest),
    )


# --- T-scores from a loaded conversion table (PROMIS) --------------------------------------


def check_t_table(scale: Scale, table: Sequence[float]) -> tuple[float, ...]:
    """A raw-to-T-score table as loaded from a licensed scoring manual: one T-score for each
    raw total from the lowest to the highest, rising with the raw score (higher = worse for
    PROMIS Sleep Disturbance), each between 10 and 90. Nothing is filled in or guessed."""
    expected = scale.max_total - scale.min_total + 1
    if len(table) != expected:
        raise ScoringError(
            f"{scale.key}: expected {expected} T-scores, one for each raw total "
            f"{scale.min_total}–{scale.max_total}."
        )
    values: list[float] = []
    for t in table:
        if isinstance(t, bool) or not isinstance(t, int | float) or not 10 <= t <= 90:
            raise ScoringError(f"{scale.key}: every T-score must be a number from 10 to 90.")
        values.append(float(t))
    if any(b <= a for a, b in pairwise(values)):
        raise ScoringError(f"{scale.key}: the T-scores must rise with the raw total.")
    return tuple(values)


def t_score(scale: Scale, table: Sequence[float], raw: int) -> float | None:
    """The T-score of a raw total from a loaded table; None without a table."""
    if not table:
        return None
    if not scale.min_total <= raw <= scale.max_total:
        raise ScoringError(
            f"A {scale.key} total must be between {scale.min_total} and {scale.max_total}."
        )
    return float(table[raw - scale.min_total])

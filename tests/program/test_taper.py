"""Taper arithmetic: suggested steps from the templates, rounding to tablets, and the
diary against the plan. Worked examples first, then hypothesis properties."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from program.rules.taper import (
    TEMPLATES,
    Check,
    Message,
    NightDose,
    Note,
    Step,
    achievable_doses,
    check_night,
    check_steps,
    flags,
    increases,
    is_achievable,
    mean_dose,
    mg,
    pieces,
    plain,
    round_to_tablets,
    shift_future,
    stretch,
    suggest_steps,
    week_figures,
)

START = date(2026, 11, 1)
DIAZEPAM = [mg(2), mg(5)]


def doses(steps: list[Step]) -> list[tuple[str, int]]:
    return [(f"{s.dose_mg.normalize():f}", s.drug_free_nights) for s in steps]


@pytest.mark.parametrize(
    ("template", "scored", "expected"),
    [
        # Morin 2004: 25% of 10 mg = 2.5 mg a step; without halves 7.5 rounds up to 8
        # (a tie goes to the gentler dose), then a step of drug-free nights at the lowest
        # dose, their number left to the clinician (the source gives none).
        (
            "morin04",
            [],
            [("10", 0), ("8", 0), ("6", 0), ("4", 0), ("2", 0), ("2", 0), ("0", 0)],
        ),
        # Scored tablets make 7.5 and 2.5 mg exactly.
        (
            "morin04",
            DIAZEPAM,
            [("10", 0), ("7.5", 0), ("5", 0), ("2.5", 0), ("2.5", 0), ("0", 0)],
        ),
        # 12.5% steps once at half the starting dose, alternate-day dosing last.
        (
            "smaller_final",
            DIAZEPAM,
            [
                ("10", 0),
                ("7.5", 0),
                ("5", 0),
                ("4", 0),
                ("3", 0),
                ("2", 0),
                ("1", 0),
                ("1", 3),
                ("0", 0),
            ],
        ),
        # 10% of the current dose: 1 mg steps while 2 mg and 5 mg tablets allow, then
        # 4 -> 2 -> 0 because nothing smaller can be made.
        (
            "asam_10_2w",
            [],
            [
                ("10", 0),
                ("9", 0),
                ("8", 0),
                ("7", 0),
                ("6", 0),
                ("5", 0),
                ("4", 0),
                ("2", 0),
                ("0", 0),
            ],
        ),
    ],
)
def test_suggested_steps_worked_examples(template, scored, expected) -> None:
    steps = suggest_steps(
        template=TEMPLATES[template],
        start_dose=mg(10),
        start_on=START,
        strengths=DIAZEPAM,
        scored=scored,
    )
    assert doses(steps) == expected
    days = TEMPLATES[template].step_days
    # Each step follows the one before by the template's interval, or twice that after a
    # step larger than the template's rate (asam_10_2w: 4 -> 2 -> 0 mg).
    gaps = [(b.starts_on - a.starts_on).days for a, b in pairwise(steps)]
    large = [a.message is not None and a.message.code is Note.LARGE_STEP for a in steps[:-1]]
    assert gaps == [days * (2 if held else 1) for held in large]


@pytest.mark.parametrize(
    ("template", "start", "strengths", "scored", "expected", "large"),
    [
        # Zopiclone 7.5 mg, scored: "10 % of the current dose" can only go 7.5 -> 3.75 -> 0.
        ("asam_10_2w", "7.5", ["7.5"], ["7.5"], ["7.5", "3.75", "0"], ["50", "100"]),
        # Temazepam 20 mg on 10 mg capsules: 20 -> 10 -> 0, each far above 25 % of the start.
        ("morin04", "20", ["10"], [], ["20", "10", "10", "0"], ["50"]),
        # Lorazepam 1 mg, 0.5 mg scored tablets: "5 %" steps of 25, 33 and 50 % (and 100).
        (
            "asam_5_4w",
            "1",
            ["1", "0.5"],
            ["0.5"],
            ["1", "0.75", "0.5", "0.25", "0"],
            ["25", "33", "50", "100"],
        ),
    ],
)
def test_a_step_larger_than_the_templates_rate_is_never_silent(
    template, start, strengths, scored, expected, large
) -> None:
    """The tablets cannot make the template's step: the suggestion says so on the step
    (a lower strength or a liquid would), holds it twice as long, and check_steps warns
    the clinician of the same steps."""
    steps = suggest_steps(
        template=TEMPLATES[template],
        start_dose=mg(start),
        start_on=START,
        strengths=[mg(x) for x in strengths],
        scored=[mg(x) for x in scored],
    )
    assert [f"{s.dose_mg.normalize():f}" for s in steps] == expected
    noted = [s.message for s in steps if s.message and s.message.code is Note.LARGE_STEP]
    assert [n.params["cut"] for n in noted] == large
    assert all(n.params["percent"] == plain(TEMPLATES[template].percent) for n in noted)
    _, notes = check_steps(
        steps,
        strengths=[mg(x) for x in strengths],
        scored=[mg(x) for x in scored],
        template=TEMPLATES[template],
    )
    warned = [n for n in notes if n.code is Note.ABOVE_TEMPLATE]
    assert len(warned) == len(large), notes


def test_a_clinic_limit_on_the_step_size_is_checked() -> None:
    steps = [Step(START, mg(10)), Step(START + timedelta(days=14), mg(5))]
    _, notes = check_steps(steps, max_step_percent=Decimal(25))
    limit = {"step": 2, "cut": "50", "percent": "25"}
    assert Message(Note.ABOVE_CLINIC_LIMIT, limit) in notes
    _, within = check_steps(steps, max_step_percent=Decimal(50))
    assert not [n for n in within if n.code is Note.ABOVE_CLINIC_LIMIT]


def test_the_large_step_notes_read_in_french() -> None:
    from django.utils import translation

    from program.clinical_text import taper_words
    from program.rules.taper import large_step_note

    note = large_step_note(Decimal(50), Decimal(10))
    with translation.override("en"):
        english = taper_words(note)
    assert english.startswith("A 50% step, more than this plan's 10%: the tablets listed")
    with translation.override("fr"):
        assert "50" in taper_words(note) and taper_words(note) != english


def test_the_slowest_template_steps_every_four_weeks() -> None:
    steps = suggest_steps(
        template=TEMPLATES["asam_5_4w"], start_dose=mg(10), start_on=START, strengths=DIAZEPAM
    )
    assert steps[1].starts_on == START + timedelta(days=28)
    assert steps[1].dose_mg == mg(9)  # 9.5 is not possible without halves; 9 = 5 + 2 + 2


@pytest.mark.parametrize(
    ("target", "below", "expected"),
    [
        ("7.5", "10", "8"),  # tie between 7 and 8: the higher, gentler dose
        ("3.6", "4", "2"),  # nothing between 2 and 4 without halves: the next one down
        ("0.4", "2", "0"),
        ("12", "10", "9"),  # never at or above the previous dose
    ],
)
def test_rounding_to_what_the_tablets_make(target, below, expected) -> None:
    assert round_to_tablets(mg(target), mg(below), DIAZEPAM) == mg(expected)


def test_halves_only_of_scored_tablets() -> None:
    assert pieces(DIAZEPAM) == [mg(2), mg(5)]
    assert pieces(DIAZEPAM, scored=[mg(5)]) == [mg(2), mg("2.5"), mg(5)]
    assert not is_achievable(mg(3), pieces(DIAZEPAM))
    assert is_achievable(mg(3), pieces(DIAZEPAM, scored=[mg(2)]))


def test_achievable_doses_for_diazepam() -> None:
    assert achievable_doses(mg(10), pieces(DIAZEPAM)) == [
        mg(v) for v in (0, 2, 4, 5, 6, 7, 8, 9, 10)
    ]


def test_checks_a_clinicians_steps() -> None:
    steps = [Step(START, mg(10)), Step(START, mg(8)), Step(START + timedelta(days=3), mg(9))]
    errors, notes = check_steps(steps, strengths=DIAZEPAM)
    assert errors == [Message(Note.STEP_ORDER, {"next": 2, "step": 1})]
    assert increases(steps) == [2]
    assert notes[-1] == Message(Note.LAST_NOT_ZERO)
    ok, notes = check_steps(
        [Step(START, mg(10)), Step(START + timedelta(days=14), mg(3))], strengths=DIAZEPAM
    )
    assert ok == []
    assert notes[0] == Message(Note.NOT_ACHIEVABLE, {"step": 2, "dose": "3 mg"})


def test_a_drug_free_night_step_is_a_step_down() -> None:
    steps = [Step(START, mg(2)), Step(START + timedelta(days=14), mg(2), 2)]
    assert increases(steps) == []
    assert increases(list(reversed([Step(START, mg(2), 2), Step(START, mg(2))]))) == []


def test_stretch_spreads_the_steps_not_yet_begun() -> None:
    steps = [Step(START + timedelta(days=14 * i), mg(10 - 2 * i)) for i in range(4)]
    today = START + timedelta(days=20)  # in step 2 (8 mg)
    slowed = stretch(steps, today, Decimal(2))
    assert [s.starts_on for s in slowed] == [
        START,
        START + timedelta(days=14),
        START + timedelta(days=42),
        START + timedelta(days=70),
    ]
    assert [s.dose_mg for s in slowed] == [s.dose_mg for s in steps]


def test_after_a_pause_the_future_steps_move_later() -> None:
    steps = [Step(START, mg(10)), Step(START + timedelta(days=14), mg(8))]
    moved = shift_future(steps, START + timedelta(days=10), 7)
    assert moved[0].starts_on == START
    assert moved[1].starts_on == START + timedelta(days=21)


PLAN = [
    Step(START, mg(10)),
    Step(START + timedelta(days=14), mg(8)),
    Step(START + timedelta(days=28), mg(8), 2),
]


@pytest.mark.parametrize(
    ("diary_date", "taken", "check", "planned"),
    [
        (START, "10", Check.NO_PLAN, None),  # the morning of 1 Nov is the night of 31 Oct
        (START + timedelta(days=1), "10", Check.AS_PLANNED, "10"),
        (START + timedelta(days=1), "12", Check.ABOVE_PLAN, "10"),
        (START + timedelta(days=15), "10", Check.PREVIOUS_STEP, "8"),
        (START + timedelta(days=15), "9", Check.ABOVE_PLAN, "8"),
        (START + timedelta(days=15), "0", Check.BELOW_PLAN, "8"),
    ],
)
def test_a_night_against_the_plan(diary_date, taken, check, planned) -> None:
    result = check_night(NightDose(diary_date, mg(taken), mg(taken) > 0), PLAN)
    assert result.check is check
    assert result.planned_mg == (mg(planned) if planned else None)


def nights(first: date, values: list[str | None]) -> list[NightDose]:
    return [
        NightDose(first + timedelta(days=i), mg(v), mg(v) > 0)
        for i, v in enumerate(values)
        if v is not None
    ]


def test_weekly_figures() -> None:
    # Programme week 1 starts 2 Nov (morning); the plan's step 1 began the evening of 1 Nov.
    week_start = START + timedelta(days=1)
    data = nights(week_start, ["10", "10", "0", "10", "12", None, "10"])
    [week] = week_figures(data, PLAN, week_start, mg(10))
    assert week.nights_answered == 6
    assert week.nights_with_medication == 5
    assert week.mean_dose_mg == mg("10.4")
    assert week.percent_of_start == Decimal("86.7")  # 52 mg over 6 nights, of 10 mg
    assert week.above_plan == 1
    assert week.planned_drug_free == 0
    assert week.drug_free_kept is None


@pytest.mark.parametrize(
    ("doses", "mean"),
    [
        (["5", "2.5", "2.5"], "3.3"),  # not 3.333
        (["10", "9", "9"], "9.3"),
        (["10", "10", "12", "10", "10"], "10.4"),
        (["0.25", "0.5", "0.25"], "0.33"),
        (["0.125", "0.125"], "0.125"),
        (["0.125", "0.25"], "0.188"),
    ],
)
def test_a_mean_dose_is_no_finer_than_the_doses_it_averages(doses, mean) -> None:
    assert str(mean_dose([mg(d) for d in doses])) == mean
    week_start = START + timedelta(days=1)
    [week] = week_figures(nights(week_start, doses), PLAN, week_start, mg(10))
    assert str(week.mean_dose_mg) == mean


def test_planned_drug_free_nights_kept_or_not() -> None:
    week_start = START + timedelta(days=29)  # the drug-free step covers the whole week
    kept = week_figures(
        nights(week_start, ["8", "0", "8", "0", "8", "8", "8"]), PLAN, week_start, mg(10)
    )
    missed = week_figures(
        nights(week_start, ["8", "8", "8", "0", "8", "8", "8"]), PLAN, week_start, mg(10)
    )
    assert (kept[0].planned_drug_free, kept[0].drug_free_kept) == (2, True)
    assert missed[0].drug_free_kept is False
    assert "drug_free_missed" in [f.kind for f in flags([], PLAN, missed)]


def test_flags_rising_use_and_a_missed_step() -> None:
    week_start = START + timedelta(days=1)
    data = nights(
        week_start,
        [
            *["10", "0", "10", "0", "10", "0", "10"],  # week 1: 4 nights
            *["10"] * 7,  # week 2 (step 2 from its 7th night): every night
            *["10"] * 3,  # week 3: still 10 mg after the step to 8 mg began
        ],
    )
    weeks = week_figures(data, PLAN, week_start, mg(10))
    kinds = [f.kind for f in flags(data, PLAN, weeks)]
    assert "step_missed" in kinds
    assert "above_plan" in kinds
    rising = flags(data[:14], PLAN, weeks[:2])
    assert [f.kind for f in rising] == ["use_rising"]


def test_no_flags_when_the_plan_is_followed() -> None:
    week_start = START + timedelta(days=1)
    data = nights(week_start, ["10"] * 13 + ["8"] * 8)
    weeks = week_figures(data, PLAN, week_start, mg(10))
    assert flags(data, PLAN, weeks) == []


# --- Properties ------------------------------------------------------------------------

strength = st.sampled_from(["0.25", "0.5", "1", "2", "2.5", "5", "7.5", "10", "20"]).map(mg)


@given(
    template=st.sampled_from(sorted(TEMPLATES)),
    strengths=st.lists(strength, min_size=1, max_size=3, unique=True),
    scored_mask=st.lists(st.booleans(), min_size=3, max_size=3),
    multiple=st.integers(min_value=1, max_value=6),
    first=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
)
def test_suggested_plans_never_step_up_use_real_tablets_and_end_at_zero(
    template, strengths, scored_mask, multiple, first
) -> None:
    scored = [s for s, flag in zip(strengths, scored_mask, strict=False) if flag]
    start_dose = max(strengths) * multiple
    steps = suggest_steps(
        template=TEMPLATES[template],
        start_dose=start_dose,
        start_on=first,
        strengths=strengths,
        scored=scored,
    )
    available = pieces(strengths, scored)
    assert steps[0].dose_mg == start_dose
    assert steps[-1].dose_mg == 0
    assert increases(steps) == []  # monotonic non-increasing, week by week
    assert all(a.dose_mg >= b.dose_mg for a, b in pairwise(steps))
    assert all(a.starts_on < b.starts_on for a, b in pairwise(steps))
    assert all(is_achievable(s.dose_mg, available) for s in steps)
    errors, _ = check_steps(steps, strengths=strengths, scored=scored)
    # Only the drug-free nights a template's source gives no number for wait for the
    # clinician.
    assert all(e.code is Note.DRUG_FREE_NOT_SET for e in errors)
    assert len(errors) == (1 if TEMPLATES[template].drug_free_to_set else 0)


@given(
    factor=st.sampled_from([Decimal("1.5"), Decimal(2), Decimal(3)]),
    offset=st.integers(min_value=-5, max_value=200),
)
def test_slowing_down_keeps_doses_and_order(factor, offset) -> None:
    steps = suggest_steps(
        template=TEMPLATES["morin04"], start_dose=mg(10), start_on=START, strengths=DIAZEPAM
    )
    slowed = stretch(steps, START + timedelta(days=offset), factor)
    assert [s.dose_mg for s in slowed] == [s.dose_mg for s in steps]
    assert all(a.starts_on < b.starts_on for a, b in pairwise(slowed))
    assert all(a.starts_on >= b.starts_on for a, b in zip(slowed, steps, strict=False))


@pytest.mark.parametrize(
    ("value", "text"),
    [("10.000", "10 mg"), ("100", "100 mg"), ("2.500", "2.5 mg"), ("0.125", "0.125 mg")],
)
def test_doses_read_plainly(value, text) -> None:
    from program.rules.taper import format_mg

    assert format_mg(Decimal(value)) == text

"""Mood during sleep restriction (issue 16, part 7). No Django.

Two watches, both design decisions (docs/sources.md, "Design decisions"):

1. **The PHQ-9 during restriction.** Besides baseline and the programme's end, the PHQ-9
   is due at the end of weeks 2 and 4 of sleep restriction (a programme setting,
   ``Programme.restriction_phq9_weeks``), counted from the first night of the first
   sleep window. Restriction's early effects are hard on most people [KYLE11: fatigue
   in all and reduced motivation in 89% of patients in a 4-week study], so mood, and
   item 9 above all, is read while it lasts rather than only at the end. Item 9 goes
   through the one risk workflow (``program.risk.actions``) like any PHQ-9.

2. **Elevated mood, for a history of bipolar disorder.** Sleep loss can trigger mania
   [BSM-SRT; HABIT excluded bipolar disorder], so a patient who answered "yes" to the
   safety screen's bipolar question and was cleared for restriction by a clinician is
   asked one plain-language question each week of restriction. The wording is the
   project's own and is **not a validated questionnaire** (said on the page and stored
   with each answer). A "yes" is a clinician flag, not the crisis workflow: no source
   read here puts elevated mood in a suicide-risk pathway. It puts "Elevated mood
   reported" on the therapist's caseload and holds any shorter window for a clinician
   until one has marked the answer as looked at (``holds_reductions``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

# [D] The ends of restriction weeks 2 and 4: early, while restriction is hardest.
RESTRICTION_PHQ9_WEEKS = (2, 4)
# The safety-screen answer that means a history of bipolar disorder (safety.SCREEN).
BIPOLAR_KEY = "bipolar"
# How often the question is asked while restriction is on.
ASK_EVERY_DAYS = 7

ELEVATED_MOOD_QUESTION = (
    "In the past week, have you felt unusually high, full of energy or irritable, or found "
    "you needed much less sleep than usual without feeling tired?"
)
NOT_VALIDATED = (
    "Our own question, not a validated questionnaire: it helps your clinician keep an eye "
    "on your mood while your time in bed is shorter."
)


def restriction_occasion(week: int) -> str:
    """The occasion key of the PHQ-9 at the end of restriction week ``week``."""
    return f"restriction-week-{week}"


@dataclass(frozen=True)
class Restriction:
    """A patient's sleep restriction: its first evening, and the day a clinician ended it
    (None while it goes on, or is paused)."""

    start: date
    ended_on: date | None = None


def restriction_occasions(
    start: date, weeks: Iterable[object], ended_on: date | None = None
) -> list[tuple[str, date]]:
    """(occasion, due on) for each restriction week in ``weeks``: the last day of that
    week, counting the week from ``start`` (the first window's first evening). The
    weeks are a setting typed in the admin: anything but a whole number of at least 1
    is ignored, never an error on a patient's page.

    **Restriction that ends early** (``ended_on``): a week due after the day it ended
    is not scheduled — there is no "week 4 of restriction" for a restriction that ended
    in week 2. These PHQ-9s watch mood while restriction's early effects last
    [KYLE11: fatigue and reduced motivation during the first weeks]; once it has ended,
    the programme's own end-of-programme PHQ-9 still reads mood, and the clinician who
    ended it is already involved. A week due on or before the end still stands (it
    fell while restriction was on). A pause does not end restriction: its weeks count
    on, because a pause often means restriction was hard, when mood matters most."""
    valid = {w for w in weeks if isinstance(w, int) and not isinstance(w, bool) and w >= 1}
    due = [
        (restriction_occasion(week), start + timedelta(days=7 * week - 1)) for week in sorted(valid)
    ]
    return [(o, d) for o, d in due if ended_on is None or d <= ended_on]


def asked_about_elevated_mood(screen_answers: Mapping[str, object] | None) -> bool:
    """Whether the patient is asked the weekly elevated-mood question: a history of
    bipolar disorder on the safety screen."""
    return bool(screen_answers and screen_answers.get(BIPOLAR_KEY))


def question_due(last_answered: date | None, today: date) -> bool:
    """Asked once a week: due when not answered in the last ``ASK_EVERY_DAYS`` days."""
    return last_answered is None or (today - last_answered).days >= ASK_EVERY_DAYS


def holds_reductions(unreviewed_yes: bool) -> bool:
    """A "yes" no clinician has looked at yet holds any shorter window for a clinician
    (the window is never shortened past it); lengthening is not held."""
    return unreviewed_yes

"""The screen before sleep restriction, and the weekly sleepiness check (no Django).

The questions' wording (in program/clinical_text.py, by key) is our own, plain-language,
written for this project from the contraindications in docs/sources.md [BSM-SRT ch. 1;
HABIT trial exclusions; CCJM19; ANDERSON14]. It is not a validated questionnaire, and the
sleepiness check is not the Epworth Sleepiness Scale (which is licensed and can
be loaded by a clinic that holds a licence).

A "yes" to any screening question does not mean restriction is wrong for the
person: it means a clinician decides. The app never starts restriction past a
positive screen on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

# The screen's questions, the sleepiness check's questions and answers, the advice for
# a very sleepy patient, the one nap rule and the crisis message are worded at the Django
# boundary, once, in the reader's language: program.clinical_text (SCREEN_QUESTIONS,
# DOZING_QUESTION, DOZING_CHOICES, UNSAFE_QUESTION, SAFETY_ADVICE, NAP_RULE,
# CRISIS_MESSAGE). This module gives the keys, the scale and the rules.


@dataclass(frozen=True)
class Question:
    """One question of the screen. Its words for the patient are at the Django boundary
    (``program.clinical_text.SCREEN_QUESTIONS``, by ``key``), in the reader's language."""

    key: str
    why: str  # shown to the clinician
    crisis: bool = False
    # A "yes" holds restriction until a clinician decides (False: shown to the
    # clinician, never a reason to hold on its own).
    hold: bool = True
    # A "yes" that only a clinician who types a reason can clear (``decide_screen``).
    strict: bool = False


SCREEN: tuple[Question, ...] = (
    Question(
        "bipolar",
        "Less sleep can trigger mania [HABIT exclusion; BSM-SRT].",
    ),
    Question(
        "seizures",
        "Sleep loss lowers the seizure threshold [BSM-SRT].",
    ),
    Question(
        "apnoea",
        "Do not restrict sleep in untreated sleep apnoea [CCJM 2019]. Only a clinician can "
        "clear it, with a reason.",
        strict=True,
    ),
    Question(
        "parasomnia",
        "Deep rebound sleep can make parasomnias worse [BSM-SRT].",
    ),
    Question(
        "pregnant",
        "Excluded in trials; weigh sleepiness against benefit [HABIT].",
    ),
    Question(
        "drives",
        "Drowsy driving, the commute included [KYLE14]. Not by itself a reason to hold: the "
        "patient is told never to drive or use machinery while drowsy.",
        hold=False,
    ),
    Question(
        "vigilance",
        "Sleepiness makes such work unsafe: restriction should not be used [BSM-SRT; KYLE14]. "
        "Only a clinician can clear it, with a reason.",
        strict=True,
    ),
    Question(
        "shifts",
        "A fixed rise time may not be possible; needs a tailored plan.",
    ),
    Question(
        "psychosis",
        "Excluded or clinician's decision [HABIT].",
    ),
    Question(
        "cognitive",
        "Dementia and mild cognitive impairment were excluded [HABIT].",
    ),
    Question(
        "restless_legs",
        "Other untreated sleep disorders are screened out of online programmes [ANDERSON14].",
    ),
    Question(
        "narcolepsy",
        "A disorder of daytime sleepiness: restriction adds to it [BSM-SRT; design decision].",
    ),
    Question(
        "circadian",
        "Circadian disorders are screened out of online programmes and need their own plan "
        "[ANDERSON14].",
    ),
    Question(
        "self_harm",
        "Current suicidality: clinician contact first.",
        crisis=True,
    ),
    Question(
        "sleepy",
        "Marked daytime sleepiness: consider compression or other causes [BSM-COMP].",
    ),
    Question(
        "older",
        "Older adults: thresholds 5 points lower; compression is gentler [BSM-SRT, "
        "BSM-COMP]. Not by itself a reason to hold.",
        hold=False,
    ),
)
# Answers that need a clinician's decision (everything except age and everyday driving).
HOLD_KEYS = frozenset(q.key for q in SCREEN if q.hold)
# Answers a clinician can clear only with a typed reason, offering compression first:
# a safety-critical job and untreated sleep apnoea (issue 16 part 5).
STRICT_KEYS = frozenset(q.key for q in SCREEN if q.strict)


def strict_answers(answers: dict[str, bool]) -> tuple[str, ...]:
    """The keys of the "yes" answers that need a clinician's typed reason to clear."""
    return tuple(q.key for q in SCREEN if q.strict and answers.get(q.key))


@dataclass(frozen=True)
class ScreenResult:
    positive: bool
    crisis: bool
    reasons: tuple[str, ...]
    older_adult: bool


def evaluate_screen(answers: dict[str, bool]) -> ScreenResult:
    """Positive when any answer that holds (``HOLD_KEYS``) is yes; crisis when self-harm is yes."""
    yes = [q for q in SCREEN if answers.get(q.key)]
    return ScreenResult(
        positive=any(q.key in HOLD_KEYS for q in yes),
        crisis=any(q.crisis for q in yes),
        reasons=tuple(q.why for q in yes if q.key in HOLD_KEYS),
        older_adult=bool(answers.get("older")),
    )


# The weekly sleepiness check (our own two questions; not the Epworth scale): how often
# the patient dozed off without meaning to, on this scale (0 never, 1 once or twice,
# 2 several times, 3 most days), and whether they felt too sleepy to be safe.
DOZING_SCALE = (0, 1, 2, 3)


# Design decision: on the weekly check's dozing scale (0 never, 1 once or twice,
# 2 several times, 3 most days), dozing off without meaning to "several times" in a
# week already counts as very sleepy: unplanned dozing is the sleepiness that makes
# restriction unsafe (drowsy driving), and it is asked about once a week, so "several
# times" is most of the evidence a week gives. The one rule: the advice, the caseload's
# flag and the window (program.rules.titration.too_sleepy) all read it.
FREQUENT_DOZING = 2


def very_sleepy(dozing: int, unsafe: bool) -> bool:
    """High sleepiness: dozing off without meaning to several times a week or more, or
    too sleepy to be safe [design decision above, informed by KYLE14 and MAURER22 in
    docs/sources.md: block further reductions and tell the clinician]."""
    return unsafe or dozing >= FREQUENT_DOZING

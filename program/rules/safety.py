"""The screen before sleep restriction, and the weekly sleepiness check (no Django).

Wording is our own, plain-language, written for this project from the
contraindications in docs/sources.md [BSM-SRT ch. 1; HABIT trial exclusions;
CCJM19; ANDERSON14]. It is not a validated questionnaire, and the
sleepiness check is not the Epworth Sleepiness Scale (which is licensed and can
be loaded by a clinic that holds a licence).

A "yes" to any screening question does not mean restriction is wrong for the
person: it means a clinician decides. The app never starts restriction past a
positive screen on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

# Whom the app told is said apart from these, and only when it did: the crisis message
# is followed by program.risk.actions.patient_words (an alert written for a person, or nobody),
# and the sleepiness advice by a sentence about the caseload flag only when the patient
# has a therapist (program/sleep_window/views.py).
# The crisis message's first sentence; the numbers that follow are the clinic's data,
# for the patient's country (program.crisis.actions), never written here.
CRISIS_MESSAGE = "If you are thinking about harming yourself, please talk to someone now."


@dataclass(frozen=True)
class Question:
    key: str
    text: str
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
        "Have you ever been diagnosed with bipolar disorder (manic depression)?",
        "Less sleep can trigger mania [HABIT exclusion; BSM-SRT].",
    ),
    Question(
        "seizures",
        "Do you have epilepsy or have you had seizures?",
        "Sleep loss lowers the seizure threshold [BSM-SRT].",
    ),
    Question(
        "apnoea",
        "Have you been told you stop breathing, gasp or choke in your sleep, or "
        "do you have sleep apnoea that is not being treated?",
        "Do not restrict sleep in untreated sleep apnoea [CCJM 2019]. Only a clinician can "
        "clear it, with a reason.",
        strict=True,
    ),
    Question(
        "parasomnia",
        "Do you sleepwalk, or act out your dreams while asleep?",
        "Deep rebound sleep can make parasomnias worse [BSM-SRT].",
    ),
    Question(
        "pregnant",
        "Are you pregnant?",
        "Excluded in trials; weigh sleepiness against benefit [HABIT].",
    ),
    Question(
        "drives",
        "Do you drive, ride a motorbike or operate machinery — for work, for your commute or "
        "at any other time?",
        "Drowsy driving, the commute included [KYLE14]. Not by itself a reason to hold: the "
        "patient is told never to drive or use machinery while drowsy.",
        hold=False,
    ),
    Question(
        "vigilance",
        "Is your job safety-critical: driving for a living (lorry, bus, taxi, delivery), "
        "flying, operating heavy machinery, or other work where falling asleep could hurt "
        "you or someone else?",
        "Sleepiness makes such work unsafe: restriction should not be used [BSM-SRT; KYLE14]. "
        "Only a clinician can clear it, with a reason.",
        strict=True,
    ),
    Question(
        "shifts",
        "Do you work night shifts or rotating shifts?",
        "A fixed rise time may not be possible; needs a tailored plan.",
    ),
    Question(
        "psychosis",
        "Have you been diagnosed with schizophrenia or psychosis, or is a "
        "mental health condition currently unstable or untreated?",
        "Excluded or clinician's decision [HABIT].",
    ),
    Question(
        "cognitive",
        "Have you been diagnosed with dementia, or with memory or thinking problems (mild "
        "cognitive impairment)?",
        "Dementia and mild cognitive impairment were excluded [HABIT].",
    ),
    Question(
        "restless_legs",
        "Do you have restless legs — an urge to move your legs in the evening or at night, "
        "with uncomfortable feelings — that is not being treated?",
        "Other untreated sleep disorders are screened out of online programmes [ANDERSON14].",
    ),
    Question(
        "narcolepsy",
        "Have you been diagnosed with narcolepsy or another condition that makes you very "
        "sleepy in the day (hypersomnia)?",
        "A disorder of daytime sleepiness: restriction adds to it [BSM-SRT; design decision].",
    ),
    Question(
        "circadian",
        "Has a doctor told you that you have a body-clock (circadian rhythm) sleep disorder, "
        "for example delayed sleep phase?",
        "Circadian disorders are screened out of online programmes and need their own plan "
        "[ANDERSON14].",
    ),
    Question(
        "self_harm",
        "Are you currently having thoughts of harming yourself or ending your life?",
        "Current suicidality: clinician contact first.",
        crisis=True,
    ),
    Question(
        "sleepy",
        "During the day, do you often fall asleep without meaning to, for "
        "example while reading, watching TV or as a passenger?",
        "Marked daytime sleepiness: consider compression or other causes [BSM-COMP].",
    ),
    Question(
        "older",
        "Are you 65 or older?",
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


# The weekly sleepiness check (our own two questions; not the Epworth scale).
DOZING_QUESTION = (
    "In the past week, how often did you doze off without meaning to — for example while "
    "reading, watching TV, in a meeting or as a passenger?"
)
DOZING_CHOICES = ((0, "Never"), (1, "Once or twice"), (2, "Several times"), (3, "Most days"))
UNSAFE_QUESTION = (
    "In the past week, did you feel too sleepy to drive, use machinery or do your work safely?"
)
SAFETY_ADVICE = (
    "Feeling sleepy is common in the first weeks of a sleep window, and it usually eases. "
    "Until it does: do not drive, cycle, use machinery or do anything dangerous when you feel "
    "drowsy. Your sleep window will not be shortened while you are this sleepy."
)
# The one nap rule, shown word for word wherever naps come up: after the sleepiness
# advice, on the sleep-window page and in the lessons ({{ nap_rule }},
# program.curriculum.lesson_text).
# From CBT-i Coach's safety copy [CBTIC-SRC]: a 15-30 minute nap if truly sleepy, 7-9 hours
# after waking; i-Sleep [ISLEEP] likewise allows naps of at most 30 minutes, not late in
# the day. Otherwise no naps [SPIELMAN87, as summarised; CCJM19].
NAP_RULE = (
    "Do not nap during the day. The one exception is safety: if you are too sleepy to stay "
    "awake safely, a nap of 15 to 30 minutes, 7 to 9 hours after you got up (early afternoon "
    "for most people), is safer than driving or pushing on."
)


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

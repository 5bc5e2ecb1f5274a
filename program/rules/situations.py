"""Special situations: which situational lessons a patient is offered (no Django).

A situational lesson (front matter ``situations: [shift_work]``) is written for people in
one of a fixed set of situations. It is shown only to a patient to whom one of its
situations applies, and it is never required: it cannot hold a week (the caller leaves it
out of ``program.rules.unlocking``'s requirements and out of the progress counts).

A situation applies from two things:

- the patient's own answer on the optional "About you" checklist (onboarding, Settings),
  which always wins over what the app read before it;
- what the app already knows (``read_from``), used where the patient has not answered, or
  where the fact is newer than their answer (a safety screen taken after they last saved
  the checklist that says they are pregnant reopens the question: the newer fact wins).

What the app reads [design decisions, in docs/sources.md]:

- ``older_adult``: 65 or over by the date of birth (``OLDER_ADULT_AGE``, the age from which
  compression is proposed [BSM-COMP]), or "yes" to the safety screen's ``older`` question;
- ``shift_work``: "yes" to the screen's ``shifts`` question;
- ``pregnancy``: "yes" to the screen's ``pregnant`` question;
- ``mood``: a first (baseline) PHQ-9 of ``MOOD_SCORE`` or more [PHQ-9: 10–14 moderate] or
  GAD-7 of ``MOOD_SCORE`` or more [GAD-7: 10–14 moderate].

Menopause, chronic pain, nightmares and caring for someone are asked, never guessed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from program.rules.titration import OLDER_ADULT_AGE

# The fixed keys, in the order the checklist shows them (design decision: the list).
SITUATIONS: tuple[str, ...] = (
    "older_adult",
    "shift_work",
    "pregnancy",
    "menopause",
    "chronic_pain",
    "mood",
    "nightmares",
    "carer",
)

# The safety screen's questions (program.rules.safety.SCREEN keys) that say a situation.
SCREEN_KEYS: Mapping[str, str] = {
    "older": "older_adult",
    "shifts": "shift_work",
    "pregnant": "pregnancy",
}

# A baseline PHQ-9 or GAD-7 total from which the lesson on low mood and anxiety is
# offered: the lower bound of the "moderate" band of both [PHQ-9; GAD-7] (design decision:
# mild symptoms are common in insomnia and the lesson stays one tick away).
MOOD_SCORE = 10


@dataclass(frozen=True)
class Fact:
    """A situation the app read from what it knows, and when it learnt it (None: before
    any answer the patient could give, e.g. the date of birth typed at onboarding)."""

    situation: str
    noted_at: datetime | None = None


def read_from(
    *,
    age: int | None,
    screen: Mapping[str, bool] | None = None,
    screen_at: datetime | None = None,
    phq9: int | None = None,
    phq9_at: datetime | None = None,
    gad7: int | None = None,
    gad7_at: datetime | None = None,
) -> tuple[Fact, ...]:
    """The situations the app can read from the date of birth, the latest safety screen
    and the first PHQ-9 and GAD-7 (see the module's docstring)."""
    facts: list[Fact] = []
    if age is not None and age >= OLDER_ADULT_AGE:
        facts.append(Fact("older_adult"))
    for key, situation in SCREEN_KEYS.items():
        if screen and screen.get(key) is True:
            facts.append(Fact(situation, screen_at))
    if phq9 is not None and phq9 >= MOOD_SCORE:
        facts.append(Fact("mood", phq9_at))
    if gad7 is not None and gad7 >= MOOD_SCORE:
        facts.append(Fact("mood", gad7_at))
    return tuple(facts)


def applying(
    answers: Mapping[str, bool], answered_at: datetime | None, facts: Iterable[Fact]
) -> frozenset[str]:
    """The situations that apply: the patient's answer where they gave one, unless a fact
    noted after that answer says the situation applies; elsewhere what the facts say.
    Unknown keys are ignored."""
    facts = tuple(facts)
    found = set()
    for situation in SITUATIONS:
        told = [f for f in facts if f.situation == situation]
        newer = any(
            f.noted_at is not None and answered_at is not None and f.noted_at > answered_at
            for f in told
        )
        answer = answers.get(situation)
        if isinstance(answer, bool) and not newer:
            if answer:
                found.add(situation)
        elif told:
            found.add(situation)
    return frozenset(found)


def suggested(facts: Iterable[Fact]) -> frozenset[str]:
    """What the checklist ticks before the patient has answered."""
    return frozenset(f.situation for f in facts if f.situation in SITUATIONS)


def offered(lesson_situations: Iterable[str], applies: Iterable[str]) -> bool:
    """A lesson for everyone (no situations) is always offered; a situational lesson only
    when one of its situations applies."""
    wanted = set(lesson_situations)
    return not wanted or bool(wanted & set(applies))


def unknown(keys: Iterable[object]) -> list[object]:
    """The keys that are not situations (for the files' and the editor's checks)."""
    return [key for key in keys if key not in SITUATIONS]

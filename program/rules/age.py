"""Age: who may follow the programme, and which sleep-window protocol is proposed first.

A pure module: no Django imports. Sources (keys in docs/sources.md):

- Adults only. The guidelines the programme follows are for adults with chronic insomnia
  [AASM21] ("… chronic insomnia disorder in adults"); CBT-I for children and adolescents
  is a different treatment with its own evidence. 18, the age of majority, is a design
  decision: a younger person is not eligible, is told so kindly with the clinic's
  contact, and cannot keep a diary or start sleep restriction here.
- Older adults. Compression (time in bed stepped down gradually) is the gentler option
  for older adults, with "no serious contraindications" [BSM-COMP]; sleep restriction's
  thresholds are 5 points lower for "older individuals" [BSM-SRT]. From
  ``OLDER_ADULT_AGE`` (65, a design decision shared with ``program.rules.titration``), the
  first sleep window is therefore *proposed* under the compression protocol. It is a
  proposal: the clinician may choose any protocol, and once they have, their choice
  stays.
"""

from __future__ import annotations

from datetime import date

from accounts.birth_dates import age_on
from program.rules.titration import OLDER_ADULT_AGE as OLDER_ADULT_AGE  # re-exported

ADULT_AGE = 18  # design decision: the age of majority [AASM21: a guideline for adults]
# What a patient of OLDER_ADULT_AGE or over is proposed [BSM-COMP].
OLDER_ADULT_PROTOCOL = "compression"


def age(born: date | None, today: date) -> int | None:
    """Whole years on ``today``; None when the date of birth is not known."""
    return None if born is None else age_on(born, today)


def eligible(years: int | None) -> bool:
    """An adult may follow the programme. An unknown age is not a refusal: the
    patient is asked before sleep restriction starts (``needs_date_of_birth``)."""
    return years is None or years >= ADULT_AGE


def older_adult(years: int | None) -> bool:
    return years is not None and years >= OLDER_ADULT_AGE


def proposed_protocol(years: int | None, *, default_key: str) -> str:
    """The protocol proposed when the sleep window is first set up: compression from
    OLDER_ADULT_AGE [BSM-COMP], otherwise the clinic's default."""
    return OLDER_ADULT_PROTOCOL if older_adult(years) else default_key


def should_propose(
    years: int | None, *, current_key: str, default_key: str, chosen_by_clinician: bool
) -> str | None:
    """The protocol to switch a course that is still being set up to, or None to leave
    it: never over a clinician's choice, and only away from the default."""
    if chosen_by_clinician or current_key != default_key:
        return None
    proposed = proposed_protocol(years, default_key=default_key)
    return None if proposed == current_key else proposed

"""At risk of dropping out: the first week's signals (issue 22, part 5). No Django.

The evidence [SIMON25]: in an eight-module internet-delivered CBT-I (233 patients, 44% dropped
out), no baseline variable predicted dropout, while two first-week usage figures did: the
number of sleep-diary entries in the first week (fewer entries, more dropout; OR 0.73) and
the time needed to finish the first module (longer, more dropout; OR 1.16). The study gives
odds ratios, not cut-offs, so **the thresholds below are the clinic's choice** [D], settings
with documented defaults (cbti/settings.py ``DROPOUT_*``), not published values.

Three reasons, each worded for the clinician with its figure:

1. ``FEW_NIGHTS``: fewer than ``min_week1_nights`` diary nights in the programme's first
   seven days (read from day 7 on, once week 1 is over);
2. ``SLOW_FIRST_MODULE``: the first week's required lessons not all done within the
   programme's first ``first_module_days`` days (still not done, or done later);
3. ``DIARY_GAP``: no diary night for the last ``gap_nights`` mornings, at any time in the
   programme (the caseload's "no diary for 3+ nights", issue 7). The mornings are counted
   from the last diary night or the programme's start, whichever is later: a patient who
   joined today has missed no night yet, and is not "dropping out" until the programme
   has run ``gap_nights`` nights without a diary.

Reasons 1 and 2 describe the start of the programme, so they are shown only in the
``early_days`` after it (weeks 2 and 3 by default): after that the patient's current
engagement (reason 3) says more than their first week. A programme paused (by a
clinician, or by the patient's break) raises no early reason, but a clinician's pause still
shows a gap. A patient on a break they took themselves (illness, travel: at most
``PATIENT_PAUSE_MAX_DAYS``) has been told the diary is optional, and the caseload shows the
break: the mornings of their latest break are not counted in the gap, and no others, so a
silence before the break, or break after break, still shows [D]. A patient whose
programme has run its course (``program.rules.unlocking``, rule 9) is not dropping out of
it: no reason is given [D].
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

FEW_NIGHTS = "few_nights"
SLOW_FIRST_MODULE = "slow_first_module"
DIARY_GAP = "diary_gap"


@dataclass(frozen=True)
class Thresholds:
    """[D] The clinic's choices (defaults: settings.DROPOUT_*)."""

    min_week1_nights: int = 4  # of the 7 nights of week 1
    first_module_days: int = 7  # week 1's lessons done within its own week (days 0-6)
    gap_nights: int = 3  # the caseload's NO_DIARY_NIGHTS (issue 7)
    early_days: int = 21  # the early reasons are shown on days 7 to 20 (weeks 2 and 3)


@dataclass(frozen=True)
class Reason:
    key: str
    figure: int  # nights in week 1, days to the first module (so far), or nights of gap
    still_open: bool = False  # SLOW_FIRST_MODULE: the first module is not done yet


def reasons(
    *,
    today: date,
    start: date | None,
    week1_nights: int,
    first_module_done: date | None,
    last_night: date | None,
    paused: bool,
    thresholds: Thresholds,
    finished: bool = False,
    latest_break: tuple[date, date] | None = None,
) -> list[Reason]:
    """Why a patient may be dropping out, in the order above (empty: no sign).

    ``start`` is the programme's first day (None: not enrolled, only the gap is read);
    ``week1_nights`` the diary nights dated ``start`` to ``start + 6``;
    ``first_module_done`` the day the first week's last required lesson was done (None:
    not yet); ``last_night`` the latest diary night (None: none yet); ``finished``: the
    programme has run its course; ``latest_break``: the first and the last day of the
    patient's latest break of their own (the day it ended, or ends, at the latest today)."""
    out: list[Reason] = []
    if finished:
        return out
    if start is not None and not paused:
        day = (today - start).days
        if 7 <= day < thresholds.early_days:
            if week1_nights < thresholds.min_week1_nights:
                out.append(Reason(FEW_NIGHTS, week1_nights))
            taken = (first_module_done - start).days if first_module_done else day
            if taken >= thresholds.first_module_days:
                out.append(Reason(SLOW_FIRST_MODULE, taken, first_module_done is None))
    # The programme's first night is recorded on the morning after ``start``, so ``start``
    # stands for the "last night" of a patient who has written none in it yet.
    quiet_since = max((d for d in (last_night, start) if d is not None), default=None)
    if quiet_since is None:
        out.append(Reason(DIARY_GAP, thresholds.gap_nights))
        return out
    # The mornings of the latest break inside the silence are excused, no others (from
    # its first day's to its last day's, which records its last night): a patient who had
    # gone quiet before the break, or who takes break after break, still shows.
    excused = 0
    if latest_break is not None:
        first, last = latest_break
        missed_from = quiet_since + timedelta(days=1)
        excused = max(0, (min(last, today) - max(first, missed_from)).days + 1)
    if (today - quiet_since).days - excused >= thresholds.gap_nights:
        out.append(Reason(DIARY_GAP, thresholds.gap_nights))
    return out


# --- Welcome back (after a break or a gap) -------------------------------------------

PAUSE = "pause"
GAP = "gap"
# [D] A welcome after a break is shown for this many days after it ended, until a diary
# night is recorded; after a gap, from ``gap_days`` without a diary night (a setting).
WELCOME_AFTER_PAUSE_DAYS = 7


@dataclass(frozen=True)
class Welcome:
    kind: str  # PAUSE or GAP
    days_away: int  # since the last diary night, or the break's length


def welcome_back(
    *,
    today: date,
    last_night: date | None,
    pause_started_on: date | None,
    pause_ended_on: date | None,
    gap_days: int,
) -> Welcome | None:
    """Whether Today greets the patient back, and why. Difficulties resuming after a break
    were among the reasons for dropout patients gave [SIMON25]; the wording and the days are
    design decisions [D]. Shown until the first diary night after the break or gap (the one
    thing to do first), never during a break (``pause_ended_on`` None while it runs)."""
    if pause_ended_on is not None and pause_started_on is not None:
        recent = today - timedelta(days=WELCOME_AFTER_PAUSE_DAYS) < pause_ended_on <= today
        if recent and (last_night is None or last_night < pause_ended_on):
            return Welcome(PAUSE, (pause_ended_on - pause_started_on).days)
    # A gap is a stop after a start: someone who has never kept the diary is not "back"
    # (the caseload's slow-start flag is for them).
    if last_night is not None and (today - last_night).days >= gap_days:
        return Welcome(GAP, (today - last_night).days)
    return None

"""When each week of a programme opens: the pace rules, with no Django imports.

All dates are the patient's local dates (``User.local_today``), so a week opens
at the patient's midnight, not the server's; the callers convert. The rules:

1. Week 1 opens on the enrolment's start date.
   *Design decision*: the programme starts the day the patient is enrolled.
2. Week n (n ≥ 2) may open once ``pace_days`` *counted* days have passed since
   week n-1 opened, plus any extension the therapist gave week n.
   Source: weekly sessions are the format of the established programmes
   (SHUTi's one core per week, Sleepio's six weekly sessions; docs/sources.md)
   and of the AASM guideline's multicomponent CBT-I (Edinger et al., JCSM
   2021;17:255); the number of days is the programme's setting.
3. Days inside a pause do not count (rule 2's clock stops), and nothing opens
   while a pause is running. Source: real-life disruptions need pause and
   resume rather than a restart (Stellar Sleep's help pages; docs/sources.md).
4. Where the programme requires it, week n opens only once the required
   lessons of week n-1 are done. *Design decision* (the issue's "where so set").
5. A week that needs baseline diary nights (the sleep-window week) opens only
   once that many valid nights exist. Source: the initial sleep window is
   computed from 1-2 weeks of baseline diary (docs/sources.md: BSM-SRT,
   VALLIERES13, i-Sleep's 7 nights); the patient journey: "Week 2 opens once 7 valid
   diary nights exist".
6. Week n opens on the latest of the dates from rules 2-5, and never before
   week n-1: weeks open in order. *Design decision*.
7. A therapist may advance a patient: the week they advance to opens on the day
   they do it, whatever rules 2-5 say (never later than it would otherwise
   have opened). *Design decision*: clinicians decide (README).
8. Nothing opens after ``today``; a week that would open later is locked, and
   its ``opens_on`` says when, if that is already known.
9. The programme has run its course once its last week has been open for
   ``pace_days`` counted days (a week as long as the others; paused days do not
   count). *Design decision*: what "finished" means for the dropout flags
   (``program.rules.engagement``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

DEFAULT_PACE_DAYS = 7
# Waiting reasons, in the order a patient should read them.
WAIT_DATE = "date"
WAIT_LESSONS = "lessons"
WAIT_DIARY = "diary"
WAIT_PAUSED = "paused"
WAIT_PREVIOUS = "previous"


@dataclass(frozen=True)
class Pause:
    """Days from ``start`` (included) to ``end`` (excluded) do not count; no end: still paused."""

    start: date
    end: date | None = None

    def covers(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


@dataclass(frozen=True)
class WeekRequirement:
    """What week ``number`` asks for before it opens (rules 4 and 5)."""

    number: int
    # Date the required lessons of the *previous* week were all done; None: not yet.
    # A previous week with no required lessons counts as done when it opened.
    previous_lessons_done_on: date | None = None
    previous_has_required_lessons: bool = True
    min_diary_nights: int = 0


@dataclass(frozen=True)
class Progress:
    """Everything the rules read, as plain values."""

    start: date
    today: date
    weeks: tuple[WeekRequirement, ...]
    pace_days: int = DEFAULT_PACE_DAYS
    require_previous_lessons: bool = True
    pauses: tuple[Pause, ...] = ()
    # Extra days before week n may open: {n: days}.
    extensions: dict[int, int] = field(default_factory=dict)
    # Weeks a therapist opened by hand: {n: date}.
    advanced: dict[int, date] = field(default_factory=dict)
    diary_nights: int = 0
    # Date the diary first had enough valid nights for each threshold; None: not yet.
    diary_enough_on: dict[int, date | None] = field(default_factory=dict)


@dataclass(frozen=True)
class WeekState:
    number: int
    is_open: bool
    opened_on: date | None  # when it opened (open weeks)
    opens_on: date | None  # when it will open (locked weeks), if known
    waiting_for: tuple[str, ...] = ()  # why a locked week is locked
    earliest_on: date | None = None  # the date rule 2 allows, if known


def count_forward(begin: date, days: int, pauses: tuple[Pause, ...]) -> date | None:
    """The first date on which ``days`` unpaused days have passed since ``begin``.

    Rule 3: a paused day does not count. Returns None if a pause with no end
    stops the clock first.
    """
    counted = 0
    day = begin
    # Bounded: each unpaused day counts, and each closed pause is finite.
    while counted < days:
        if any(p.covers(day) for p in pauses):
            if any(p.end is None and p.start <= day for p in pauses):
                return None
        else:
            counted += 1
        day += timedelta(days=1)
    # The opening day itself must not be a paused day.
    while any(p.covers(day) for p in pauses):
        if any(p.end is None and p.start <= day for p in pauses):
            return None
        day += timedelta(days=1)
    return day


def _not_paused_on(day: date, pauses: tuple[Pause, ...]) -> date | None:
    """``day``, or the end of the pause that covers it (None while a pause runs)."""
    for pause in sorted(pauses, key=lambda p: p.start):
        if pause.covers(day):
            if pause.end is None:
                return None
            day = pause.end
    return day


def week_states(progress: Progress) -> list[WeekState]:
    """The state of every week, in order (rules 1-8)."""
    states: list[WeekState] = []
    previous_opened: date | None = None
    for index, week in enumerate(sorted(progress.weeks, key=lambda w: w.number)):
        n = week.number
        if index == 0:
            opened = progress.start  # rule 1
            is_open = opened <= progress.today
            states.append(
                WeekState(n, is_open, opened if is_open else None, None if is_open else opened)
            )
            previous_opened = opened if is_open else None
            continue
        if previous_opened is None:
            states.append(WeekState(n, False, None, None, (WAIT_PREVIOUS,)))
            continue

        waiting: list[str] = []
        # Rule 2 and 3: the pace clock.
        earliest = count_forward(
            previous_opened, progress.pace_days + progress.extensions.get(n, 0), progress.pauses
        )
        candidates: list[date | None] = [earliest]
        # Rule 4: the previous week's required lessons.
        if progress.require_previous_lessons and week.previous_has_required_lessons:
            candidates.append(week.previous_lessons_done_on)
            if week.previous_lessons_done_on is None:
                waiting.append(WAIT_LESSONS)
        # Rule 5: baseline diary nights.
        if week.min_diary_nights > 0:
            enough_on = progress.diary_enough_on.get(week.min_diary_nights)
            candidates.append(enough_on)
            if enough_on is None:
                waiting.append(WAIT_DIARY)

        natural: date | None = None
        if all(c is not None for c in candidates):
            natural = max(c for c in candidates if c is not None)
            natural = max(natural, previous_opened)  # rule 6
            natural = _not_paused_on(natural, progress.pauses)  # rule 3: none open in a pause
        # Rule 7: a therapist's advance opens the week on that day.
        advanced_on = progress.advanced.get(n)
        if advanced_on is not None and advanced_on >= previous_opened:
            natural = advanced_on if natural is None else min(natural, advanced_on)

        if natural is not None and natural <= progress.today:  # rule 8
            states.append(WeekState(n, True, natural, None))
            previous_opened = natural
            continue
        if earliest is None:
            waiting.append(WAIT_PAUSED)
        elif earliest > progress.today:
            waiting.insert(0, WAIT_DATE)
        paused_now = any(p.end is None and p.start <= progress.today for p in progress.pauses)
        if (paused_now or (natural is None and not waiting)) and WAIT_PAUSED not in waiting:
            waiting.append(WAIT_PAUSED)  # a pause is running: nothing opens until it ends
        states.append(WeekState(n, False, None, natural, tuple(waiting), earliest_on=earliest))
        previous_opened = None
    return states


def current_week(states: list[WeekState]) -> int:
    """The latest open week (week 1 before the programme has started)."""
    open_weeks = [s.number for s in states if s.is_open]
    return max(open_weeks) if open_weeks else (states[0].number if states else 1)


def ran_its_course(progress: Progress, states: list[WeekState]) -> bool:
    """Rule 9: the last week has been open for ``pace_days`` counted days."""
    last = states[-1] if states else None
    if last is None or not last.is_open or last.opened_on is None:
        return False
    ends = count_forward(last.opened_on, progress.pace_days, progress.pauses)
    return ends is not None and progress.today >= ends


def next_locked(states: list[WeekState]) -> WeekState | None:
    return next((s for s in states if not s.is_open), None)

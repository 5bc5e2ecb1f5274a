"""When the safety screen is due again (no Django): issue 16 part 5.

The screen's answers can change during a course: a pregnancy, a new job that is
safety-critical, a new diagnosis. The contraindications behind the screen
(docs/sources.md [BSM-SRT; HABIT; CCJM19; ANDERSON14]) apply for as long as the
time in bed is restricted, not only on the day it starts; the sources give no
interval for asking again. Design decision (docs/clinical-rules.md, "The screen kept
current"): the screen is asked

1. before the first window (no screen yet: ``Due.FIRST``), and again at the start of
   restriction if the last answers are older than ``RESCREEN_EVERY_DAYS`` (``Due.START``):
   a patient who answered in week 1 and starts in week 6 answers again;
2. every ``RESCREEN_EVERY_DAYS`` (4 weeks) of restriction, counted from the first
   window's first night: on day 28, 56, … the answers must be from that day or later
   (``Due.PERIODIC``). Calendar days: a paused fortnight counts (a design decision:
   the simpler rule asks more often, never less);
3. whenever the patient reports a change after their last answers (``Due.CHANGE``).

While a screen is due and unanswered, no shorter window is made (the weekly review
holds it, ``program.sleep_window.actions``), and no first window is started.
"""

from __future__ import annotations

import enum
from dataclasses import replace
from datetime import date

from program.rules import titration

RESCREEN_EVERY_DAYS = 28


class Due(enum.StrEnum):
    NO = ""
    FIRST = "first"  # never answered
    START = "start"  # answered, but too long before the first window
    PERIODIC = "periodic"  # another 4 weeks of restriction have passed
    CHANGE = "change"  # the patient reported a change since their last answers


def last_mark(today: date, restriction_from: date) -> date | None:
    """The latest 4-week mark of restriction on or before ``today`` (day 28, 56, …
    after the first window's first night), or None before the first one."""
    days = (today - restriction_from).days
    if days < RESCREEN_EVERY_DAYS:
        return None
    return date.fromordinal(
        restriction_from.toordinal() + days // RESCREEN_EVERY_DAYS * RESCREEN_EVERY_DAYS
    )


def screen_due(
    today: date,
    *,
    last_screen_on: date | None,
    restriction_from: date | None,
    change_reported: bool = False,
) -> Due:
    """Whether the patient must answer the screen (again) before restriction goes on.

    ``last_screen_on``: the patient's local date of their latest answers.
    ``restriction_from``: the first night of their first window, or None while
    restriction has not started (or has ended: nothing to keep current).
    ``change_reported``: a change reported after the latest answers.

    >>> screen_due(date(2026, 12, 1), last_screen_on=None, restriction_from=None)
    <Due.FIRST: 'first'>
    >>> screen_due(date(2026, 12, 1), last_screen_on=date(2026, 11, 20), restriction_from=None)
    <Due.NO: ''>
    >>> screen_due(date(2026, 12, 30), last_screen_on=date(2026, 11, 20), restriction_from=None)
    <Due.START: 'start'>
    >>> screen_due(date(2026, 12, 28), last_screen_on=date(2026, 11, 30),
    ...            restriction_from=date(2026, 12, 1))
    <Due.NO: ''>
    >>> screen_due(date(2026, 12, 29), last_screen_on=date(2026, 11, 30),
    ...            restriction_from=date(2026, 12, 1))
    <Due.PERIODIC: 'periodic'>
    >>> screen_due(date(2027, 1, 5), last_screen_on=date(2026, 12, 29),
    ...            restriction_from=date(2026, 12, 1))
    <Due.NO: ''>
    >>> screen_due(date(2026, 12, 5), last_screen_on=date(2026, 11, 30),
    ...            restriction_from=date(2026, 12, 1), change_reported=True)
    <Due.CHANGE: 'change'>
    """
    if last_screen_on is None:
        return Due.FIRST
    if change_reported:
        return Due.CHANGE
    if restriction_from is None or restriction_from > today:
        if (today - last_screen_on).days >= RESCREEN_EVERY_DAYS:
            return Due.START
        return Due.NO
    mark = last_mark(today, restriction_from)
    if mark is not None and last_screen_on < mark:
        return Due.PERIODIC
    return Due.NO


def hold_for_screen(
    decision: titration.Decision, reason: titration.Flag | None
) -> titration.Decision:
    """A shorter window is never made while the screen is due and unanswered
    (``Flag.SCREEN_DUE``) or its answers wait for a clinician (``Flag.SCREEN_REVIEW``):
    the window is held, flagged for the clinician. A longer or unchanged window stands
    (lengthening is the safe direction)."""
    previous = decision.previous_window_min
    if reason is None or previous is None or decision.window_min >= previous:
        return decision
    rule = titration.Rule(reason.value)
    return replace(
        decision,
        window_min=previous,
        rule=rule,
        flags=(*[f for f in decision.flags if f is not reason], reason),
    )

"""A sleep-window decision in words, for the one who reads it.

A decision is stored as codes and figures: ``rule`` (``titration.Rule``) and the
``figures`` dict kept on each ``Recommendation`` and ``Prescription`` (flags,
thresholds, the week's sleep efficiency and nights). ``explain`` turns those
into a sentence for one of two audiences, never by rewording a sentence:

- ``Audience.PATIENT`` speaks to the patient ("Your sleep efficiency was …, so
  your window grew"), on the patient's own pages and in the API when the
  patient asks;
- ``Audience.STAFF`` speaks about the patient to their care team ("Sleep
  efficiency at or above 90%: lengthen the window"), on the therapist's pages,
  the printed summary and its PDF, and in the API when a clinician asks.

Each table has a sentence for every rule (a test holds this), with the same
placeholders, so a figure reads the same to both.

A patient without an active therapist (self sign-up, a therapist removed) is never told
"your therapist will …": the rules that wait for a clinician say instead that the
clinic's duty list decides (``PATIENT_NO_THERAPIST_WORDS``; who that is:
``accounts.duty``, ``program.sleep_window.rescreen.deciders_without_therapist``).
"""

from __future__ import annotations

import enum
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from program.rules import sleep


class Audience(enum.StrEnum):
    PATIENT = "patient"
    STAFF = "staff"


PATIENT_RULE_WORDS = {
    "initial": _("Your first window: the average time you slept in the diary nights before it"),
    "extend": _("Your sleep efficiency was at or above {extend_at:.0f}%, so your window grew"),
    "hold": _(
        "Your sleep efficiency was between {reduce_below:.0f}% and {extend_at:.0f}%, so "
        "your window stayed the same"
    ),
    "reduce": _("Your sleep efficiency was below {reduce_below:.0f}%, so your window got shorter"),
    "compress": _("Your time in bed is being stepped down gently toward the time you sleep"),
    "not_enough_diary": _(
        "There were not enough diary nights last week to change your window — keep filling it in"
    ),
    "sleepy_hold": _("You told us you were very sleepy, so your window was not shortened"),
    "sleepy_extend": _(
        "You told us you have been very sleepy, so your window was made longer to help you catch up"
    ),
    "sleepiness_missing": _(
        "Your window was not shortened this week: before a shorter window we need your "
        "answer to the weekly sleepiness check, so it stayed the same"
    ),
    "screen_due": _(
        "Your window was not shortened this week: it is time to answer the safety questions "
        "again, and a shorter window waits for your answers"
    ),
    "screen_review": _(
        "Your window was not shortened this week: your latest safety answers need a "
        "clinician's decision first"
    ),
    "mood_hold": _(
        "Your window was not shortened this week: you told us your mood has been unusually "
        "high, so a clinician looks at that first"
    ),
    "adherence": _(
        "On average you spent more than {adherence_margin_min} minutes longer in bed than "
        "your window, so your window was not shortened; your therapist will talk it through "
        "with you"
    ),
    "floor_hold": _(
        "Your window is already as short as your programme allows, so it stayed the same; "
        "your therapist will look at what else could help"
    ),
    "ceiling_hold": _(
        "Your window is already as long as your programme allows, so it stayed the same; "
        "your therapist will talk with you about what comes next"
    ),
    "clinician_hold": _(
        "Your window stayed the same this week, and your therapist will decide the next step "
        "with you"
    ),
}
# The rules above that name the therapist, for a patient who has none: what really
# happens is that the decision waits for a clinician on the clinic's duty list.
PATIENT_NO_THERAPIST_WORDS = {
    "adherence": _(
        "On average you spent more than {adherence_margin_min} minutes longer in bed than "
        "your window, so your window was not shortened; as you do not have a therapist here, "
        "a clinician on your clinic's duty list will look at it before the next step"
    ),
    "floor_hold": _(
        "Your window is already as short as your programme allows, so it stayed the same; "
        "as you do not have a therapist here, a clinician on your clinic's duty list will "
        "look at what else could help"
    ),
    "ceiling_hold": _(
        "Your window is already as long as your programme allows, so it stayed the same; "
        "as you do not have a therapist here, a clinician on your clinic's duty list will "
        "decide what comes next"
    ),
    "clinician_hold": _(
        "Your window stayed the same this week; as you do not have a therapist here, a "
        "clinician on your clinic's duty list will decide the next step"
    ),
}
# A first window that is not simply the baseline's average sleep.
PATIENT_INITIAL_WORDS = {
    "compression": _(
        "Your first window: the average time you spent in bed in the diary nights before it; "
        "it will come down gently from here"
    ),
    "raised_to_floor": _(
        "Your first window: the shortest window your programme uses, which is a little more "
        "than you slept on average in the diary nights before it"
    ),
    "lowered_to_ceiling": _(
        "Your first window: the longest window your programme uses, which is a little less "
        "than the diary nights before it gave"
    ),
}

STAFF_RULE_WORDS = {
    "initial": _("First window: the mean sleep time of the diary nights before it"),
    "extend": _("Sleep efficiency at or above {extend_at:.0f}%: the window is lengthened"),
    "hold": _(
        "Sleep efficiency between {reduce_below:.0f}% and {extend_at:.0f}%: the window "
        "stays the same"
    ),
    "reduce": _("Sleep efficiency below {reduce_below:.0f}%: the window is shortened"),
    "compress": _("Compression: time in bed is stepped down toward the mean sleep time"),
    "not_enough_diary": _("Too few diary nights in the week to change the window"),
    "sleepy_hold": _("The patient reported high sleepiness: the window is not shortened"),
    "sleepy_extend": _(
        "The patient reported high sleepiness: the window is lengthened to let them catch up"
    ),
    "sleepiness_missing": _(
        "No sleepiness check this week: a shorter window was due, so the window stays the "
        "same until the patient answers"
    ),
    "screen_due": _(
        "The safety screen is due again: a shorter window was due, so the window stays the "
        "same until the patient answers it"
    ),
    "screen_review": _(
        "The patient's latest safety answers wait for a clinician's decision: a shorter "
        "window was due, so the window stays the same until then"
    ),
    "mood_hold": _(
        "The patient reported unusually high mood: a shorter window was due, so the window "
        "stays the same until a clinician has looked at it"
    ),
    "adherence": _(
        "Mean time in bed more than {adherence_margin_min} minutes over the window: a "
        "shorter window was due, so the window stays the same, to talk through keeping to it"
    ),
    "floor_hold": _(
        "At the protocol's floor: the window stays the same; look at what else could help"
    ),
    "ceiling_hold": _(
        "At the protocol's ceiling: the window stays the same; consider ending restriction "
        "if sleep efficiency stays high"
    ),
    "clinician_hold": _(
        "The rule's change would not go its own way: the window stays the same, and the "
        "clinician decides the next step"
    ),
}
STAFF_INITIAL_WORDS = {
    "compression": _(
        "First window: the mean time in bed of the diary nights before it, to be stepped down "
        "gently"
    ),
    "raised_to_floor": _(
        "First window: the protocol's floor, a little more than the mean sleep time of the "
        "diary nights before it"
    ),
    "lowered_to_ceiling": _(
        "First window: the protocol's ceiling, a little less than the diary nights before it gave"
    ),
}

RULE_WORDS = {Audience.PATIENT: PATIENT_RULE_WORDS, Audience.STAFF: STAFF_RULE_WORDS}
INITIAL_WORDS = {Audience.PATIENT: PATIENT_INITIAL_WORDS, Audience.STAFF: STAFF_INITIAL_WORDS}

# Rules whose figures are not a week's (too few nights): no sleep efficiency is quoted.
NO_WEEK_FIGURES = {"not_enough_diary"}


def _words(rule: str, figures: dict[str, Any], audience: Audience, therapist: bool) -> Any:
    if audience == Audience.PATIENT and not therapist and rule in PATIENT_NO_THERAPIST_WORDS:
        return PATIENT_NO_THERAPIST_WORDS[rule]
    if rule == "initial":
        initial = INITIAL_WORDS[audience]
        flags = figures.get("flags") or []
        for key in ("raised_to_floor", "lowered_to_ceiling"):
            if key in flags:
                return initial[key]
        if figures.get("initial_rule") == "compression":
            return initial["compression"]
    return RULE_WORDS[audience].get(rule, rule)


# A window the clinician set in place of the week's recommendation: the rule's own words
# ("your window stayed the same") would describe the recommendation, not this window.
EDITED_WORDS = {
    Audience.PATIENT: _("Your therapist set this window in place of the week's recommendation"),
    Audience.STAFF: _("Set by the clinician in place of the week's recommendation"),
}


def explain(
    rule: str,
    figures: dict[str, Any],
    audience: str = Audience.PATIENT,
    *,
    therapist: bool = True,
    edited: bool = False,
) -> str:
    """The rule in ``audience``'s words, with the week's sleep efficiency where the
    nights make a week (a "not enough diary" week says how many nights there were).
    A rule with no words shows as its code, never vanishes. ``therapist``: whether the
    patient has an active therapist (the patient's words say who decides). ``edited``: a
    window the clinician changed from the recommendation (``EDITED_WORDS``)."""
    audience = Audience(audience)
    words = EDITED_WORDS[audience] if edited else _words(rule, figures, audience, therapist)
    try:
        text = str(words).format(**{k: v or 0 for k, v in figures.items()})
    except (KeyError, ValueError):
        text = str(words)
    if rule in NO_WEEK_FIGURES:
        if figures.get("min_nights"):
            text += " " + str(
                _("(%(nights)s of the %(needed)s nights needed)")
                % {"nights": figures.get("nights", 0), "needed": figures["min_nights"]}
            )
        return text + "."
    se = figures.get("sleep_efficiency")
    if se is not None:
        text += " " + str(
            _("(sleep efficiency %(se)s%% over %(nights)s nights)")
            % {"se": number_format(sleep.percent(se), 1), "nights": figures.get("nights", 0)}
        )
    return text + "."

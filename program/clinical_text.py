"""The words of the pure clinical modules, in the reader's language, at the Django
boundary. Those modules import no Django, so they cannot mark text for translation.

Most give codes or keys, and their only words are here, keyed by them and formatted
here (the pattern of ``program.sleep_window.words``):

- the diary's checks of a night, ``sleep.check_night``'s ``Issue`` codes with their
  figures, in the patient's words and the care team's (``NIGHT_WORDS``,
  ``STAFF_NIGHT_WORDS``, ``night_issue``);
- the sleep window's flags, ``titration.Flag`` (``FLAG_WORDS``, ``flag_words``);
- the safety screen's questions by key (``SCREEN_QUESTIONS``, ``screen_question``), the
  weekly sleepiness check (``DOZING_QUESTION``, ``DOZING_CHOICES`` on
  ``safety.DOZING_SCALE``, ``UNSAFE_QUESTION``), the advice for a very sleepy patient
  (``SAFETY_ADVICE``), the nap rule (``NAP_RULE``) and the crisis message
  (``CRISIS_MESSAGE``).

- the score bands of ``program.rules.scoring``, by the code stored on each Assessment
  (``BAND_WORDS``, ``band_words``).

- the taper plan's step notes (stored on each step as a code and its figures), plan
  checks and flags, ``program.rules.taper.Note`` (``TAPER_WORDS``, ``taper_words``).

The rest still write English: the elevated-mood question of ``program.rules.mood`` (kept
on each answer as asked), and the taper templates' names and sources and the words of
``taper.CHECK_WORDS``. That English is repeated here inside ``gettext_noop`` so that
``makemessages`` puts it in the catalogues; at request time ``translated()``,
``template_text`` and ``check_word`` look it up in the active language's catalogue.
Tests (tests/test_i18n.py, tests/test_i18n_boundary.py) fail when a code has no words
or the English drifts from here, so a change cannot go out half translated.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import suppress
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.formats import date_format, get_format, localize, number_format
from django.utils.functional import lazy
from django.utils.translation import (
    get_language,
    gettext,
    gettext_lazy,
    gettext_noop,
    ngettext_lazy,
)

from program.rules import sleep, taper, titration

# --- The safety screen and the weekly sleepiness check (program.rules.safety) ------------
# The rule module gives the questions' keys and the dozing scale; the words are here, once.

# Whom the app told is said apart from these, and only when it did: the crisis message
# is followed by program.risk.actions.patient_words (an alert written for a person, or
# nobody), and the sleepiness advice by a sentence about the caseload flag only when the
# patient has a therapist (program/sleep_window/views.py).
# The crisis message's first sentence; the numbers that follow are the clinic's data,
# for the patient's country (program.crisis.actions), never written here.
CRISIS_MESSAGE = gettext_lazy(
    "If you are thinking about harming yourself, please talk to someone now."
)

# safety.SCREEN's questions, by key (our own plain-language wording: see safety.py).
SCREEN_QUESTIONS = {
    "bipolar": gettext_lazy(
        "Have you ever been diagnosed with bipolar disorder (manic depression)?"
    ),
    "seizures": gettext_lazy("Do you have epilepsy or have you had seizures?"),
    "apnoea": gettext_lazy(
        "Have you been told you stop breathing, gasp or choke in your sleep, or "
        "do you have sleep apnoea that is not being treated?"
    ),
    "parasomnia": gettext_lazy("Do you sleepwalk, or act out your dreams while asleep?"),
    "pregnant": gettext_lazy("Are you pregnant?"),
    "drives": gettext_lazy(
        "Do you drive, ride a motorbike or operate machinery — for work, for your commute or "
        "at any other time?"
    ),
    "vigilance": gettext_lazy(
        "Is your job safety-critical: driving for a living (lorry, bus, taxi, delivery), "
        "flying, operating heavy machinery, or other work where falling asleep could hurt "
        "you or someone else?"
    ),
    "shifts": gettext_lazy("Do you work night shifts or rotating shifts?"),
    "psychosis": gettext_lazy(
        "Have you been diagnosed with schizophrenia or psychosis, or is a "
        "mental health condition currently unstable or untreated?"
    ),
    "cognitive": gettext_lazy(
        "Have you been diagnosed with dementia, or with memory or thinking problems (mild "
        "cognitive impairment)?"
    ),
    "restless_legs": gettext_lazy(
        "Do you have restless legs — an urge to move your legs in the evening or at night, "
        "with uncomfortable feelings — that is not being treated?"
    ),
    "narcolepsy": gettext_lazy(
        "Have you been diagnosed with narcolepsy or another condition that makes you very "
        "sleepy in the day (hypersomnia)?"
    ),
    "circadian": gettext_lazy(
        "Has a doctor told you that you have a body-clock (circadian rhythm) sleep disorder, "
        "for example delayed sleep phase?"
    ),
    "self_harm": gettext_lazy(
        "Are you currently having thoughts of harming yourself or ending your life?"
    ),
    "sleepy": gettext_lazy(
        "During the day, do you often fall asleep without meaning to, for "
        "example while reading, watching TV or as a passenger?"
    ),
    "older": gettext_lazy("Are you 65 or older?"),
}


def screen_question(key: str) -> str:
    """A question of the safety screen in the active language (its key if it has no
    words, so a new question shows, never vanishes)."""
    return str(SCREEN_QUESTIONS.get(key, key))


# The weekly sleepiness check: its two questions, and the answers on safety.DOZING_SCALE.
DOZING_QUESTION = gettext_lazy(
    "In the past week, how often did you doze off without meaning to — for example while "
    "reading, watching TV, in a meeting or as a passenger?"
)
DOZING_CHOICES = {
    0: gettext_lazy("Never"),
    1: gettext_lazy("Once or twice"),
    2: gettext_lazy("Several times"),
    3: gettext_lazy("Most days"),
}
UNSAFE_QUESTION = gettext_lazy(
    "In the past week, did you feel too sleepy to drive, use machinery or do your work safely?"
)
SAFETY_ADVICE = gettext_lazy(
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
NAP_RULE = gettext_lazy(
    "Do not nap during the day. The one exception is safety: if you are too sleepy to stay "
    "awake safely, a nap of 15 to 30 minutes, 7 to 9 hours after you got up (early afternoon "
    "for most people), is safer than driving or pushing on."
)


# --- Wording the modules still write in English -----------------------------------------
MARKED = (
    # program.rules.mood: the weekly elevated-mood question and its note.
    gettext_noop(
        "In the past week, have you felt unusually high, full of energy or irritable, or found "
        "you needed much less sleep than usual without feeling tired?"
    ),
    gettext_noop(
        "Our own question, not a validated questionnaire: it helps your clinician keep an eye "
        "on your mood while your time in bed is shorter."
    ),
)


def translated(text: str) -> str:
    """``text`` (English, from ``mood``) in the active language, else unchanged."""
    return gettext(text)


# --- Score bands (program.rules.scoring) ---------------------------------------------
# The band a questionnaire total falls in, by its code (stored on each Assessment).
BAND_WORDS = {
    "isi_none": gettext_lazy("No clinically significant insomnia"),
    "promis_sd_raw": gettext_lazy("Raw score (higher: more disturbed sleep)"),
    "isi_subthreshold": gettext_lazy("Subthreshold insomnia"),
    "isi_moderate": gettext_lazy("Clinical insomnia (moderate)"),
    "isi_severe": gettext_lazy("Clinical insomnia (severe)"),
    "phq9_minimal": gettext_lazy("Minimal"),
    "phq9_mild": gettext_lazy("Mild"),
    "phq9_moderate": gettext_lazy("Moderate"),
    "phq9_moderately_severe": gettext_lazy("Moderately severe"),
    "phq9_severe": gettext_lazy("Severe"),
    "gad7_minimal": gettext_lazy("Minimal"),
    "gad7_mild": gettext_lazy("Mild"),
    "gad7_moderate": gettext_lazy("Moderate"),
    "gad7_severe": gettext_lazy("Severe"),
    "ess_normal": gettext_lazy("Normal range"),
    "ess_high": gettext_lazy("High sleepiness"),
    "psqi_good": gettext_lazy("Good sleeper"),
    "psqi_poor": gettext_lazy("Poor sleeper"),
}


def band_words(code: str) -> str:
    """A score band's words in the active language (the code itself if it has no
    words, so a band the data migration could not name shows, never vanishes)."""
    return str(BAND_WORDS.get(code, code))


# program.rules.sleep.check_night's errors and warnings, by code: the rule gives the
# code and its figures, the words are here, once, for the diary form, the API's 422
# errors and the CSV import report. A ``minutes`` figure is written as a duration in the
# active language (the sentence's ``hours``); the other figures go in as they are.
NIGHT_WORDS = {
    sleep.IssueCode.NEGATIVE: gettext_lazy("This can't be negative."),
    sleep.IssueCode.LIGHTS_OFF_BEFORE_BED: gettext_lazy(
        "You tried to sleep before getting into bed? Check this time, or the time you got into bed."
    ),
    sleep.IssueCode.FINAL_WAKE_BEFORE_LIGHTS_OFF: gettext_lazy(
        "Your final awakening is before the time you tried to sleep. Check this time."
    ),
    sleep.IssueCode.OUT_BEFORE_FINAL_WAKE: gettext_lazy(
        "You got out of bed before your final awakening? Check this time."
    ),
    sleep.IssueCode.OVER_A_DAY: gettext_lazy(
        "That is %(hours)s in bed, more than a day. Check the times and dates."
    ),
    sleep.IssueCode.NAPS_OVER_A_DAY: gettext_lazy(
        "Your naps and your night in bed come to %(hours)s, more than a day. Check the "
        "minutes of naps."
    ),
    sleep.IssueCode.AWAKE_OVER_SPAN: gettext_lazy(
        "Minutes to fall asleep (%(latency)s) plus minutes awake (%(awake)s) come to "
        "%(total)s, more than the %(span)s minutes between trying to sleep and your "
        "final awakening."
    ),
    sleep.IssueCode.LONG_IN_BED: gettext_lazy("That is %(hours)s in bed, more than 10 hours."),
    sleep.IssueCode.LONG_SLEEP: gettext_lazy("That is %(hours)s asleep, more than 10 hours."),
    sleep.IssueCode.SHORT_SLEEP: gettext_lazy(
        "That is %(hours)s asleep, less than 5 hours. Bad nights happen, and recording "
        "them helps; if you feel very sleepy today, please don't drive."
    ),
    sleep.IssueCode.LONG_AWAKE: gettext_lazy(
        "That is %(hours)s awake after trying to sleep, more than 3 hours."
    ),
    sleep.IssueCode.AWAKE_WITHOUT_AWAKENINGS: gettext_lazy(
        "You gave minutes awake during the night but no awakenings: is the number of "
        "awakenings right?"
    ),
    sleep.IssueCode.LONG_NAP: gettext_lazy(
        "That is %(hours)s of naps or dozing in the day, more than 3 hours."
    ),
}


# The same checks in the care team's words, for a clinician who reads a night the patient
# did not type here (the paper-diary import's report): about the night, not to the
# patient, and without the advice meant for the patient that morning. Same codes and
# placeholders as NIGHT_WORDS (a test holds this), so a figure reads the same to both.
STAFF_NIGHT_WORDS = {
    sleep.IssueCode.NEGATIVE: gettext_lazy("A number of minutes or awakenings is negative."),
    sleep.IssueCode.LIGHTS_OFF_BEFORE_BED: gettext_lazy(
        "Tried to sleep before getting into bed: check both times."
    ),
    sleep.IssueCode.FINAL_WAKE_BEFORE_LIGHTS_OFF: gettext_lazy(
        "Final awakening before trying to sleep: check both times."
    ),
    sleep.IssueCode.OUT_BEFORE_FINAL_WAKE: gettext_lazy(
        "Out of bed before the final awakening: check both times."
    ),
    sleep.IssueCode.OVER_A_DAY: gettext_lazy(
        "%(hours)s in bed, more than a day: check the times and dates."
    ),
    sleep.IssueCode.AWAKE_OVER_SPAN: gettext_lazy(
        "Minutes to fall asleep (%(latency)s) plus minutes awake (%(awake)s) come to "
        "%(total)s, more than the %(span)s minutes from trying to sleep to the final "
        "awakening."
    ),
    sleep.IssueCode.LONG_IN_BED: gettext_lazy("%(hours)s in bed (more than 10 hours)."),
    sleep.IssueCode.LONG_SLEEP: gettext_lazy("%(hours)s asleep (more than 10 hours)."),
    sleep.IssueCode.SHORT_SLEEP: gettext_lazy("%(hours)s asleep (less than 5 hours)."),
    sleep.IssueCode.LONG_AWAKE: gettext_lazy(
        "%(hours)s awake after trying to sleep (more than 3 hours)."
    ),
    sleep.IssueCode.AWAKE_WITHOUT_AWAKENINGS: gettext_lazy(
        "Minutes awake in the night with no awakenings: check the number of awakenings."
    ),
    sleep.IssueCode.NAPS_OVER_A_DAY: gettext_lazy(
        "Naps and the night in bed come to %(hours)s, more than a day: check the naps."
    ),
    sleep.IssueCode.LONG_NAP: gettext_lazy("%(hours)s of naps or dozing (more than 3 hours)."),
}


def night_issue(issue: sleep.Issue, *, for_staff: bool = False) -> str:
    """One of ``sleep.check_night``'s issues in the active language, in the patient's
    words or, ``for_staff``, the care team's (its code if it has no words, so a new
    issue shows, never vanishes)."""
    words = (STAFF_NIGHT_WORDS if for_staff else NIGHT_WORDS).get(issue.code)
    if words is None:
        return str(issue.code)
    values: dict[str, Any] = dict(issue.params)
    if "minutes" in values:
        values["hours"] = duration(values.pop("minutes"))
    return str(words) % values if values else str(words)


translated_lazy = lazy(translated, str)


# --- Durations ------------------------------------------------------------------------
# ``sleep.format_minutes`` writes 6 h 05 min, 7 h, 45 min; the diary's tables write the
# compact 6h 05m, 45m. Both are built here from the active language's patterns (the
# English patterns give exactly the English text).


def _split(minutes: float) -> tuple[int, str]:
    hours, mins = divmod(round(minutes), 60)
    return hours, f"{mins:02d}" if hours else str(mins)


def duration(minutes: float | None) -> str:
    """Minutes in words for sentences, in the active language: 6 h 05 min."""
    if minutes is None:
        return "–"
    hours, mins = _split(minutes)
    if not hours:
        # Translators: a duration under an hour, in sentences: "45 min".
        return gettext("%(minutes)s min") % {"minutes": mins}
    if mins == "00":
        # Translators: a whole number of hours, in sentences: "7 h".
        return gettext("%(hours)s h") % {"hours": hours}
    # Translators: hours and minutes in sentences: "6 h 05 min" (minutes always two digits).
    return gettext("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": mins}


def duration_short(minutes: float | None) -> str:
    """Minutes compact, for tables, in the active language: 6h 05m."""
    if minutes is None:
        return "–"
    hours, mins = _split(minutes)
    if not hours:
        # Translators: a duration under an hour in a table: "45m".
        return gettext("%(minutes)sm") % {"minutes": mins}
    # Translators: hours and minutes in a table: "6h 05m" (minutes always two digits).
    return gettext("%(hours)sh %(minutes)sm") % {"hours": hours, "minutes": mins}


# --- Doses ------------------------------------------------------------------------------
# ``taper.format_mg`` writes 7.5 mg; people read a dose with their language's decimal mark
# (French and German 7,5 mg), so every page, chart and PDF writes doses with ``dose``.


def _number(value: object) -> str:
    """A dose's number as ``taper.plain`` writes it (no trailing zeros, never 1E+1), with
    the active language's decimal mark."""
    return str(number_format(Decimal(taper.plain(taper.mg(value)))))


def dose(value: object) -> str:
    """A dose in mg for people: 7.5 mg (French and German 7,5 mg); a dash when missing."""
    if value is None or value == "":
        return "–"
    return f"{_number(value)} mg"


def strengths(values: Iterable[object]) -> str:
    """Tablet strengths without their unit: 2.5, 5 (French 2,5 ; 5 and German 2,5; 5,
    where the comma is the decimal mark)."""
    return str(get_format("NUMBER_LIST_SEPARATOR")).join(_number(v) for v in values)


# --- Percentages ---------------------------------------------------------------------------


def with_percent_sign(number: object) -> str:
    """A number as a percentage, with the language's decimal mark and its way of writing
    the sign: 92.3%, French 92,3 % (a no-break space), German 92,3%. Text is taken as
    already written for people ("92,3")."""
    return f"{localize(number)}{get_format('PERCENT_SIGN')}"


# --- Taper plans (program.rules.taper) ---------------------------------------------------------

# taper.CHECK_WORDS: a night against the plan, in the patient's diary message and
# the therapist's pages.
CHECK_WORDS = {
    "as_planned": gettext_noop("as planned"),
    "below_plan": gettext_noop("less than planned"),
    "above_plan": gettext_noop("more than planned"),
    "previous_step": gettext_noop("the previous step's dose"),
    "no_plan": "",
}


def check_word(check: str) -> str:
    """``taper.CHECK_WORDS[check]`` in the active language."""
    text = CHECK_WORDS.get(str(check), "")
    return gettext(text) if text else ""


# taper.TEMPLATES: names and sources, shown to the clinician choosing a schedule.
TAPER_TEMPLATES = (
    # xgettext:no-python-format
    gettext_noop("25% of the starting dose every 2 weeks, then planned drug-free nights"),
    gettext_noop("Morin et al. 2004 (taper combined with CBT-I), as tabulated by Pottie 2018"),
    # xgettext:no-python-format
    gettext_noop("25% of the starting dose every 2 weeks, 12.5% steps for the last half"),
    gettext_noop("CCJM 2024; Vissers 2007 / Voshaar 2003 as tabulated by Pottie 2018"),
    # xgettext:no-python-format
    gettext_noop("10% of the current dose every 2 weeks"),
    gettext_noop("ASAM 2025 benzodiazepine tapering guide (slower rates)"),
    # xgettext:no-python-format
    gettext_noop("5% of the current dose every 4 weeks (slowest)"),
    gettext_noop("ASAM 2025 benzodiazepine tapering guide (slowest rate)"),
)

# taper.Note: suggested steps' notes, check_steps' errors and notes, and flags, by
# code. The figures go in as the rule gives them; a date (ISO) is written for the
# active language.
TAPER_WORDS: dict[taper.Note, Any] = {
    taper.Note.DRUG_FREE_NIGHTS: gettext_lazy("%(nights)s drug-free nights a week"),
    taper.Note.DRUG_FREE_TO_SET: gettext_lazy(
        "Planned drug-free nights: the template's source gives no number. Enter how many "
        "nights a week, as agreed with the prescriber."
    ),
    taper.Note.LARGE_STEP: gettext_lazy(
        "A %(cut)s%% step, more than this plan's %(percent)s%%: the tablets listed "
        "make nothing smaller (a lower strength or a liquid form could). Held twice "
        "as long."
    ),
    taper.Note.NO_STEPS: gettext_lazy("A plan needs at least one step."),
    taper.Note.STEP_ORDER: gettext_lazy("Step %(next)s must start after step %(step)s."),
    taper.Note.NEGATIVE_DOSE: gettext_lazy("Step %(step)s: a dose can't be negative."),
    taper.Note.DRUG_FREE_RANGE: gettext_lazy("Step %(step)s: drug-free nights are 0 to 7 a week."),
    taper.Note.DRUG_FREE_NOT_SET: gettext_lazy(
        "Step %(step)s: enter its drug-free nights a week (the template's source gives no "
        "number), or remove the step."
    ),
    taper.Note.NOT_ACHIEVABLE: gettext_lazy(
        "Step %(step)s: %(dose)s cannot be made from the tablets listed."
    ),
    taper.Note.ABOVE_TEMPLATE: gettext_lazy(
        "Step %(step)s cuts the dose by %(cut)s%%, more than the template's %(percent)s%%."
    ),
    taper.Note.ABOVE_CLINIC_LIMIT: gettext_lazy(
        "Step %(step)s cuts the dose by %(cut)s%%, more than the clinic's limit of %(percent)s%%."
    ),
    taper.Note.LAST_NOT_ZERO: gettext_lazy(
        "The last step is not 0 mg: the plan holds at that dose."
    ),
    taper.Note.USE_RISING: gettext_lazy("Use rose in week %(week)s compared with week %(before)s."),
    taper.Note.STEP_MISSED: gettext_lazy(
        "Step %(step)s (%(dose)s from %(date)s) not made: the last %(nights)s nights "
        "were at %(previous)s or more."
    ),
    taper.Note.ABOVE_PLAN: ngettext_lazy(
        "%(count)s night above the plan in week %(week)s.",
        "%(count)s nights above the plan in week %(week)s.",
        "count",
    ),
    taper.Note.DRUG_FREE_MISSED: gettext_lazy(
        "Planned drug-free nights not kept in week %(week)s (%(planned)s planned)."
    ),
}


# The figures that are doses (as ``taper.format_mg`` writes them, "7.5 mg") and
# percentages (as ``taper.plain`` writes them, "12.5"), written again with the active
# language's decimal mark.
TAPER_DOSES = ("dose", "previous")
TAPER_PERCENTAGES = ("cut", "percent")


def _day_and_month(iso: str) -> str:
    """16 Nov in English (as the plan's pages write it), else the language's own."""
    day = date.fromisoformat(iso)
    if (get_language() or "en").startswith("en"):
        return f"{day:%d %b}"
    return date_format(day, "MONTH_DAY_FORMAT")


def taper_words(message: taper.Message | None) -> str:
    """One of ``program.rules.taper``'s messages in the active language (its code if it
    has no words, so a new message shows, never vanishes; "" for none)."""
    if message is None:
        return ""
    words = TAPER_WORDS.get(message.code)
    if words is None:
        return str(message.code)
    values: dict[str, Any] = dict(message.params)
    if "date" in values:
        values["date"] = _day_and_month(str(values["date"]))
    for name in (*TAPER_DOSES, *TAPER_PERCENTAGES):
        if name in values:
            figure = str(values[name]).removesuffix(" mg")
            # Not a number (the figures come back from a form): shown as given.
            with suppress(ArithmeticError):
                values[name] = dose(figure) if name in TAPER_DOSES else _number(figure)
    return str(words % values) if values else str(words)


def template_text(text: str) -> str:
    """A taper template's name or source (``TAPER_TEMPLATES``) in the active language."""
    return gettext(text) if text in TAPER_TEMPLATES else text


template_text_lazy = lazy(template_text, str)


def occasion_label(key: str) -> str:
    """A questionnaire occasion's key in words: "baseline", "week-2", "follow-up"."""
    if key == "baseline":
        return gettext("Start of the programme")
    if key == "follow-up":
        return gettext("Follow-up")
    if key.startswith("week-"):
        return gettext("End of week %(n)s") % {"n": key.removeprefix("week-")}
    if key.startswith("restriction-week-"):
        return gettext("End of week %(n)s of your sleep window") % {
            "n": key.removeprefix("restriction-week-")
        }
    return key


# --- Sleep window (program.rules.titration) ---------------------------------------------------

# Why a decision waits for the clinician, for each of ``titration.Flag``, in the order
# they are listed: on the therapist's sleep-window page and the round (``flag_words``).
FLAG_WORDS = {
    titration.Flag.SLEEPY: gettext_lazy(
        "the patient reports high sleepiness: the window is not shortened"
    ),
    titration.Flag.SLEEPINESS_MISSING: gettext_lazy(
        "no sleepiness check this week: a shorter window was due, so the window is held "
        "until the patient answers (they are asked on their sleep-window page)"
    ),
    titration.Flag.ELEVATED_MOOD: gettext_lazy(
        "the patient answered yes to the weekly elevated-mood question (history of bipolar "
        "disorder): a shorter window was due, so it is held until you have looked at the answer"
    ),
    # The 30 minutes are titration.ADHERENCE_MARGIN_MIN (a test holds them together).
    titration.Flag.ADHERENCE: gettext_lazy(
        "the week's mean time in bed was more than 30 minutes over the window: a shorter "
        "window was due, so it is held for you to talk through keeping to the window"
    ),
    # The 70% is titration.REVIEW_SE (a test holds them together).
    # xgettext:no-python-format
    titration.Flag.VERY_LOW_SE: gettext_lazy("sleep efficiency under 70%"),
    titration.Flag.AT_FLOOR_LOW_SE: gettext_lazy("at the floor with sleep efficiency still low"),
    titration.Flag.BELOW_FLOOR: gettext_lazy(
        "the window is below the protocol's floor: the rule does not shorten it further"
    ),
    titration.Flag.AT_CEILING: gettext_lazy(
        "at the protocol's ceiling: the window cannot be lengthened; consider ending "
        "restriction if sleep efficiency stays high"
    ),
    titration.Flag.ABOVE_CEILING: gettext_lazy(
        "the window is above the protocol's ceiling: the rule does not lengthen it further"
    ),
    titration.Flag.RULE_REVERSED: gettext_lazy(
        "the rule's change would not go its own way (for example back to a mean sleep "
        "time longer than the window), so the window is held"
    ),
    titration.Flag.RAISED_TO_FLOOR: gettext_lazy(
        "mean sleep was below the protocol's floor: the first window was raised to the floor"
    ),
    titration.Flag.LOWERED_TO_CEILING: gettext_lazy(
        "the first window was lowered to the protocol's ceiling"
    ),
    titration.Flag.AT_TARGET_LOW_SE: gettext_lazy(
        "compression has reached its target with sleep efficiency still low: decide "
        "whether to go on with standard sleep restriction"
    ),
    titration.Flag.EDITED_OUTSIDE_RANGE: gettext_lazy(
        "the window was set outside the protocol's floor and ceiling, with a reason"
    ),
    titration.Flag.SCREEN_DUE: gettext_lazy(
        "the safety screen is due again and not answered: a shorter window was due, so it "
        "is held until the patient answers (they are asked on their sleep-window page)"
    ),
    titration.Flag.SCREEN_REVIEW: gettext_lazy(
        "the patient's new safety-screen answers need your decision: a shorter window was "
        "due, so it is held until you decide"
    ),
}


def flag_words(flags: Iterable[str]) -> list[str]:
    """The clinician's words for a decision's flags (codes of ``titration.Flag``), in
    the active language and ``FLAG_WORDS``' order; a code with no words shows as itself,
    after them, never vanishes."""
    given = {str(flag) for flag in flags}
    known = [str(words) for flag, words in FLAG_WORDS.items() if flag in given]
    return known + sorted(given - {str(flag) for flag in FLAG_WORDS})


# --- Special situations (program.rules.situations) ----------------------------------------
# The "About you" checklist's words for each key: a label in the patient's words, and the
# shorter name the therapist's page and the lesson editor use.
SITUATION_WORDS = {
    "older_adult": gettext_lazy("I am 65 or older"),
    "shift_work": gettext_lazy("I work shifts, nights or very early starts"),
    "pregnancy": gettext_lazy("I am pregnant, or had a baby in the last year"),
    "menopause": gettext_lazy("I am going through the menopause (or the years around it)"),
    "chronic_pain": gettext_lazy("I live with long-term pain"),
    "mood": gettext_lazy("I often feel low, down or anxious"),
    "nightmares": gettext_lazy("I have nightmares, or went through something frightening"),
    "carer": gettext_lazy("I look after someone at night (a child, a partner, a parent)"),
}
SITUATION_NAMES = {
    "older_adult": gettext_lazy("Older adult"),
    "shift_work": gettext_lazy("Shift work"),
    "pregnancy": gettext_lazy("Pregnancy and after birth"),
    "menopause": gettext_lazy("Menopause"),
    "chronic_pain": gettext_lazy("Long-term pain"),
    "mood": gettext_lazy("Low mood and anxiety"),
    "nightmares": gettext_lazy("Nightmares and trauma"),
    "carer": gettext_lazy("Caring for others at night"),
}


def situation_name(key: str) -> str:
    """The short name of a situation (``SITUATION_NAMES``); an unknown key shows as itself."""
    return str(SITUATION_NAMES.get(key, key))

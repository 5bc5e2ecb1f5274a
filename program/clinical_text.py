"""Patient-facing wording of the pure clinical modules, translated at the Django
boundary: the safety screen, sleepiness check and crisis message of
``program.safety``, the score bands of ``program.scoring``, and the diary's checks
of a night in ``program.sleep`` (``night_message``).

Those modules stay free of Django, so their English strings cannot be marked for
translation there. They are repeated here inside ``gettext_noop`` so that
``makemessages`` puts them in the catalogues; at request time ``translated()``
(or the ``clinical`` template filter) looks the English text up in the active
language's catalogue. A test (tests/test_i18n.py) fails if a string of those
modules is missing here, so a change to the clinical wording cannot go out half
translated: it falls back to the new English until the catalogues are updated.
"""

from __future__ import annotations

import re

from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_noop

MARKED = (
    gettext_noop(
        "If you are thinking about harming yourself, please talk to someone now: call your local "
        "emergency number (999 in the UK, 112 in the EU, 911 in the US), or in the UK call "
        "Samaritans on 116 123, or in the US call or text 988. Your therapist has been told."
    ),
    gettext_noop("Have you ever been diagnosed with bipolar disorder (manic depression)?"),
    gettext_noop("Do you have epilepsy or have you had seizures?"),
    gettext_noop(
        "Have you been told you stop breathing, gasp or choke in your sleep, or "
        "do you have sleep apnoea that is not being treated?"
    ),
    gettext_noop("Do you sleepwalk, or act out your dreams while asleep?"),
    gettext_noop("Are you pregnant?"),
    gettext_noop(
        "Does your work involve driving, operating machinery, or other tasks "
        "where falling asleep would be dangerous?"
    ),
    gettext_noop("Do you work night shifts or rotating shifts?"),
    gettext_noop(
        "Have you been diagnosed with schizophrenia or psychosis, or is a "
        "mental health condition currently unstable or untreated?"
    ),
    gettext_noop("Are you currently having thoughts of harming yourself or ending your life?"),
    gettext_noop(
        "During the day, do you often fall asleep without meaning to, for "
        "example while reading, watching TV or as a passenger?"
    ),
    gettext_noop("Are you 65 or older?"),
    gettext_noop(
        "In the past week, how often did you doze off without meaning to — for example while "
        "reading, watching TV, in a meeting or as a passenger?"
    ),
    gettext_noop("Never"),
    gettext_noop("Once or twice"),
    gettext_noop("Several times"),
    gettext_noop("Most days"),
    gettext_noop(
        "In the past week, did you feel too sleepy to drive, use machinery or do your work safely?"
    ),
    gettext_noop(
        "Feeling sleepy is common in the first weeks of a sleep window, and it usually eases. "
        "Until it does: do not drive, cycle, use machinery or do anything dangerous when you feel "
        "drowsy. If you are very sleepy, a short nap of 15–30 minutes in the early afternoon is "
        "safer than pushing on. Your sleep window will not be shortened while you are this sleepy, "
        "and your therapist has been told."
    ),
    # program.scoring: the bands a questionnaire total falls in (stored in English
    # on each Assessment, shown through the ``clinical`` filter).
    gettext_noop("No clinically significant insomnia"),
    gettext_noop("Subthreshold insomnia"),
    gettext_noop("Clinical insomnia (moderate)"),
    gettext_noop("Clinical insomnia (severe)"),
    gettext_noop("Minimal"),
    gettext_noop("Mild"),
    gettext_noop("Moderate"),
    gettext_noop("Moderately severe"),
    gettext_noop("Severe"),
    gettext_noop("Normal range"),
    gettext_noop("High sleepiness"),
    gettext_noop("Good sleeper"),
    gettext_noop("Poor sleeper"),
)


def translated(text: str) -> str:
    """``text`` (English, from ``safety`` or ``scoring``) in the active language, else
    unchanged."""
    return gettext(text)


# program.sleep.check_night's errors and warnings. Some carry figures, so each is
# matched by a pattern whose groups fill the marked message's placeholders.
_NUMBER = r"(?P<{}>-?\d+)"
_DURATION = r"(?P<{}>\d+ (?:h(?: \d\d min)?|min))"
NIGHT_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), msgid)
    for pattern, msgid in (
        (re.escape("This can't be negative."), gettext_noop("This can't be negative.")),
        (
            re.escape(
                "You tried to sleep before getting into bed? Check this time, or the time you "
                "got into bed."
            ),
            gettext_noop(
                "You tried to sleep before getting into bed? Check this time, or the time you "
                "got into bed."
            ),
        ),
        (
            re.escape(
                "Your final awakening is before the time you tried to sleep. Check this time."
            ),
            gettext_noop(
                "Your final awakening is before the time you tried to sleep. Check this time."
            ),
        ),
        (
            re.escape("You got out of bed before your final awakening? Check this time."),
            gettext_noop("You got out of bed before your final awakening? Check this time."),
        ),
        (
            "That is "
            + _DURATION.format("hours")
            + re.escape(" in bed, more than a day. Check the times and dates."),
            gettext_noop("That is %(hours)s in bed, more than a day. Check the times and dates."),
        ),
        (
            "Minutes to fall asleep \\(" + _NUMBER.format("latency") + "\\) plus minutes awake "
            "\\("
            + _NUMBER.format("awake")
            + "\\) come to "
            + _NUMBER.format("total")
            + ", more than the "
            + _NUMBER.format("span")
            + re.escape(" minutes between trying to sleep and your final awakening."),
            gettext_noop(
                "Minutes to fall asleep (%(latency)s) plus minutes awake (%(awake)s) come to "
                "%(total)s, more than the %(span)s minutes between trying to sleep and your "
                "final awakening."
            ),
        ),
        (
            "That is " + _DURATION.format("hours") + re.escape(" in bed, more than 10 hours."),
            gettext_noop("That is %(hours)s in bed, more than 10 hours."),
        ),
        (
            "That is " + _DURATION.format("hours") + re.escape(" asleep, more than 10 hours."),
            gettext_noop("That is %(hours)s asleep, more than 10 hours."),
        ),
        (
            "That is "
            + _DURATION.format("hours")
            + re.escape(
                " asleep, less than 5 hours. Bad nights happen, and recording them helps; if "
                "you feel very sleepy today, please don't drive."
            ),
            gettext_noop(
                "That is %(hours)s asleep, less than 5 hours. Bad nights happen, and recording "
                "them helps; if you feel very sleepy today, please don't drive."
            ),
        ),
        (
            "That is "
            + _DURATION.format("hours")
            + re.escape(" awake after trying to sleep, more than 3 hours."),
            gettext_noop("That is %(hours)s awake after trying to sleep, more than 3 hours."),
        ),
        (
            re.escape(
                "You gave minutes awake during the night but no awakenings: is the number of "
                "awakenings right?"
            ),
            gettext_noop(
                "You gave minutes awake during the night but no awakenings: is the number of "
                "awakenings right?"
            ),
        ),
    )
)


def night_message(text: str) -> str:
    """One of ``sleep.check_night``'s messages in the active language (unchanged if
    it matches no known wording, so a new message shows in English, never vanishes)."""
    for pattern, msgid in NIGHT_MESSAGES:
        match = pattern.fullmatch(text)
        if match:
            values = match.groupdict()
            return gettext(msgid) % values if values else gettext(msgid)
    return text


translated_lazy = lazy(translated, str)

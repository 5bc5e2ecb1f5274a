"""The questionnaires shipped with the app, as data (no Django).

Licences decide what ships (docs/sources.md, "Questionnaires"):

- PHQ-9 and GAD-7 ship complete with their published wording: developed by Drs Robert L.
  Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues with an educational grant from
  Pfizer Inc., released "without copyright restriction and at no charge" (Pfizer, 2010).
  PHQ-9: Kroenke K, Spitzer RL, Williams JBW. J Gen Intern Med 2001;16:606–613.
  GAD-7: Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092–1097.
- ISI (© Morin, via Mapi Research Trust), ESS (© MW Johns, via Mapi) and PSQI
  (© University of Pittsburgh; free only for non-commercial use) ship as structure and
  scoring only. Their item text here is a placeholder that says it is not the instrument's,
  and ``wording_loaded`` is False until a clinic loads its licensed wording with
  ``manage.py load_instrument_wording FILE`` (see README). Patients are never asked to fill
  placeholder text.
- PROMIS Sleep Disturbance 8b (the APA's DSM-5 Level 2 Sleep Disturbance — Adult) ships the
  same way, so that a clinic with the PROMIS Health Organization's permission for electronic
  use can load it with its scoring manual's T-score table; no insomnia measure could be
  verified as shippable with its wording (docs/sources.md, OPEN-OUTCOME). When the ISI's
  wording is not loaded and this one's is, it is the outcome the schedule asks for.
"""

from __future__ import annotations

from typing import Any

FREQUENCY_OPTIONS = [
    {"value": 0, "label": "Not at all"},
    {"value": 1, "label": "Several days"},
    {"value": 2, "label": "More than half the days"},
    {"value": 3, "label": "Nearly every day"},
]

PHQ9_ITEMS = [
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself — or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite — "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
]

GAD7_ITEMS = [
    "Feeling nervous, anxious or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid as if something awful might happen",
]

PFIZER_LICENCE = (
    "Developed by Drs Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
    "with an educational grant from Pfizer Inc. No permission required to reproduce, "
    "translate, display or distribute."
)


def _placeholder_items(short: str, n: int, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            "key": f"{prefix}{i}",
            "text": f"{short} item {i} — wording not licensed in this installation",
        }
        for i in range(1, n + 1)
    ]


def _numbered_options(low: int, high: int) -> list[dict[str, Any]]:
    return [{"value": v, "label": str(v)} for v in range(low, high + 1)]


SHIPPED: list[dict[str, Any]] = [
    {
        "key": "isi",
        "version": 1,
        "name": "Insomnia Severity Index (ISI)",
        "short_name": "ISI",
        "licence": (
            "© Charles M. Morin (1993–2006). Licensed through Mapi Research Trust (ePROVIDE). "
            "Wording is not shipped: load your licensed copy."
        ),
        "citation": "Bastien CH, Vallières A, Morin CM. Sleep Med 2001;2:297–307.",
        "recall_period": "the last 2 weeks (per the licensed form)",
        "preamble": "",
        "items": _placeholder_items("ISI", 7, "isi"),
        "options": _numbered_options(0, 4),
        "wording_loaded": False,
    },
    {
        "key": "phq9",
        "version": 1,
        "name": "Patient Health Questionnaire (PHQ-9)",
        "short_name": "PHQ-9",
        "licence": PFIZER_LICENCE,
        "citation": "Kroenke K, Spitzer RL, Williams JBW. J Gen Intern Med 2001;16:606–613.",
        "recall_period": "the last 2 weeks",
        "preamble": (
            "Over the last 2 weeks, how often have you been bothered by any of the following "
            "problems?"
        ),
        "items": [{"key": f"phq{i}", "text": t} for i, t in enumerate(PHQ9_ITEMS, 1)],
        "options": FREQUENCY_OPTIONS,
        "wording_loaded": True,
    },
    {
        "key": "gad7",
        "version": 1,
        "name": "Generalized Anxiety Disorder scale (GAD-7)",
        "short_name": "GAD-7",
        "licence": PFIZER_LICENCE,
        "citation": (
            "Spitzer RL, Kroenke K, Williams JBW, Löwe B. Arch Intern Med 2006;166:1092–1097."
        ),
        "recall_period": "the last 2 weeks",
        "preamble": (
            "Over the last 2 weeks, how often have you been bothered by the following problems?"
        ),
        "items": [{"key": f"gad{i}", "text": t} for i, t in enumerate(GAD7_ITEMS, 1)],
        "options": FREQUENCY_OPTIONS,
        "wording_loaded": True,
    },
    {
        "key": "ess",
        "version": 1,
        "name": "Epworth Sleepiness Scale (ESS)",
        "short_name": "ESS",
        "licence": (
            "ESS © MW Johns 1990–1997. Licensed through Mapi Research Trust. "
            "Wording is not shipped: load your licensed copy."
        ),
        "citation": "Johns MW. Sleep 1991;14:540–545.",
        "recall_period": "recent times (per the licensed form)",
        "preamble": "",
        "items": _placeholder_items("ESS", 8, "ess"),
        "options": _numbered_options(0, 3),
        "wording_loaded": False,
    },
    {
        "key": "psqi",
        "version": 1,
        "name": "Pittsburgh Sleep Quality Index (PSQI), component scores",
        "short_name": "PSQI",
        "licence": (
            "© University of Pittsburgh 1989. Free only for non-commercial research and "
            "education; no modification without written permission. Wording is not shipped. "
            "Enter the seven component scores (0–3) from the licensed scoring sheet."
        ),
        "citation": "Buysse DJ et al. Psychiatry Res 1989;28:193–213.",
        "recall_period": "the past month",
        "preamble": "",
        "items": _placeholder_items("PSQI component", 7, "psqi_c"),
        "options": _numbered_options(0, 3),
        "wording_loaded": False,
    },
    {
        "key": "promis_sd",
        "version": 1,
        "name": "PROMIS Sleep Disturbance, short form 8b",
        "short_name": "PROMIS-SD",
        "licence": (
            "© PROMIS Health Organization and PROMIS Cooperative Group. Reproduced without "
            "permission only by clinicians for use with their patients on paper; any other use, "
            "including electronic use, needs the PROMIS Health Organization's written "
            "permission. Wording is not shipped: load your licensed copy and the scoring "
            "manual's T-score table."
        ),
        "citation": (
            "APA, DSM-5 Level 2 Sleep Disturbance — Adult (PROMIS Sleep Disturbance short form)."
        ),
        "recall_period": "the past 7 days",
        "preamble": "",
        "items": _placeholder_items("PROMIS Sleep Disturbance", 8, "promis_sd"),
        "options": _numbered_options(1, 5),
        "wording_loaded": False,
    },
]

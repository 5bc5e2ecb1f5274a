"""The app's own text goes through Django's i18n, and the catalogues that ship are whole.

- every .po under locale/ has a compiled .mo beside it that says the same (a fresh
  machine without gettext still gets the translations);
- the catalogues hold exactly the strings ``makemessages`` finds in the source today,
  and each translates every one of them, so every language a person can choose is whole;
- no template has bare English text outside translate tags (a heuristic, shown below
  to catch a new untranslated sentence);
- the safety wording of the pure module ``program.rules.safety`` is marked for translation;
- a patient whose language is French sees the French interface, their lesson in
  French where one exists and in English otherwise, and French emails.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import translation

from program import clinical_text
from program.emails import render_email
from program.models import Lesson
from program.rules import mood, safety, scoring, sleep
from tests.conftest import client_for

BASE_DIR = Path(settings.BASE_DIR)
LOCALE_DIR = BASE_DIR / "locale"
TEMPLATES_DIR = BASE_DIR / "templates"
SHIPPED = ["fr", "de"]  # each translated in full (below)


# --- Compiled catalogues ---------------------------------------------------------------


def _entries(catalogue: polib._BaseFile) -> dict[tuple[str | None, str], object]:
    """What a catalogue translates: (context, msgid) -> msgstr, or the plural forms.
    Untranslated and fuzzy entries are left out, as msgfmt leaves them out of a .mo."""
    out: dict[tuple[str | None, str], object] = {}
    for entry in catalogue:
        if "fuzzy" in entry.flags or entry.obsolete:
            continue
        if entry.msgid_plural:
            forms = tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
            if any(forms):
                out[(entry.msgctxt, entry.msgid)] = (entry.msgid_plural, forms)
        elif entry.msgstr:
            out[(entry.msgctxt, entry.msgid)] = entry.msgstr
    return out


@pytest.mark.parametrize("language", SHIPPED)
def test_each_catalogue_ships_with_a_compiled_mo_that_matches_it(language: str) -> None:
    po_path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
    mo_path = po_path.with_suffix(".mo")
    assert po_path.exists(), f"{po_path} is missing"
    assert mo_path.exists(), f"{mo_path} is missing: run `manage.py compilemessages` and commit it"
    po, mo = polib.pofile(str(po_path)), polib.mofile(str(mo_path))
    assert _entries(mo) == _entries(po), (
        f"{mo_path} is stale: run `manage.py compilemessages` and commit the .mo"
    )
    # The plural rule lives in the header; French counts 0 as singular.
    assert mo.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


def test_every_language_a_person_can_choose_has_its_catalogue() -> None:
    """A language offered in Settings is one whose interface is translated in full (Spanish
    and Dutch were offered with nothing translated: a reader chose them and read English)."""
    assert [code for code, _name in settings.LANGUAGES if code != "en"] == SHIPPED


@pytest.mark.parametrize("language", SHIPPED)
def test_each_catalogue_translates_every_string(language: str) -> None:
    po = polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated in {language}: {untranslated[:10]}"
    assert not fuzzy, f"fuzzy (needs checking) in {language}: {fuzzy[:10]}"
    if language == "fr":  # French counts 0 as singular
        assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"


# --- The catalogues are up to date with the source ---------------------------------------

# What makemessages reads (templates, .py and .txt); the lessons are per-language data.
SOURCES = ["accounts", "program", "cbti", "templates", "manage.py"]


def _msgids(path: Path) -> set[tuple[str | None, str]]:
    return {(e.msgctxt, e.msgid) for e in polib.pofile(str(path)) if not e.obsolete}


def test_the_catalogues_hold_exactly_the_strings_in_the_source(tmp_path: Path) -> None:
    """Run ``makemessages`` on a copy of the source (so the work tree is not touched)
    and compare what it extracts with each shipped catalogue (about 2 s)."""
    if shutil.which("xgettext") is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("xgettext (GNU gettext) is needed to check the catalogues")
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path / "src"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "content")
    for name in SOURCES:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=ignore)
        else:
            shutil.copy2(source, copy / name)
    env = {**os.environ, "TESTING": "1", "DEBUG": "0", "DJANGO_SETTINGS_MODULE": "cbti.settings"}
    env.pop("DATABASE_URL", None)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "fr", "--no-obsolete"],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    extracted = _msgids(copy / "locale" / "fr" / "LC_MESSAGES" / "django.po")
    assert len(extracted) > 500  # the extraction really ran over the source
    for language in SHIPPED:
        shipped = _msgids(LOCALE_DIR / language / "LC_MESSAGES" / "django.po")
        new = sorted(msgid for _, msgid in extracted - shipped)
        gone = sorted(msgid for _, msgid in shipped - extracted)
        assert not new, (
            f"locale/{language} lacks strings that are in the source; run "
            f"`manage.py makemessages -a --no-obsolete` and translate them: {new[:10]}"
        )
        assert not gone, f"locale/{language} holds strings no longer in the source: {gone[:10]}"


# --- No bare English in templates --------------------------------------------------------

# Words allowed outside translate tags: units and symbols, the same in every language.
ALLOWED_WORDS = {"mg"}
# Blocks that hold class names, not text.
NON_TEXT_BLOCKS = ("main_class",)
CHECKED_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")


def bare_text(source: str, *, plain_text: bool = False) -> list[str]:
    """User-visible words in a template that are not inside a translate tag.

    1. Drop what cannot be bare text: {% blocktranslate %}…{% endblocktranslate %},
       comments, every other {% tag %} and {{ variable }}, <script> and <style>.
    2. In HTML, look at the text between tags (the whole file is framed by > and <,
       so a child template's block content counts) and at the attributes people
       read or hear (aria-label, placeholder, title, alt, a button's value).
       In a plain-text (email) template, every remaining line is text.
    3. Report text with a word of two letters or more, except allowed units.
    """
    text = re.sub(
        r"\{% *blocktrans(?:late)?\b.*?\{% *endblocktrans(?:late)? *%\}", "", source, flags=re.S
    )
    text = re.sub(r"\{% *comment *%\}.*?\{% *endcomment *%\}", "", text, flags=re.S)
    for block in NON_TEXT_BLOCKS:
        text = re.sub(rf"\{{% *block {block} *%\}}.*?\{{% *endblock[^%]*%\}}", "", text, flags=re.S)
    names = "|".join(CHECKED_ATTRIBUTES)
    attributes = re.findall(rf'\b(?:{names})="([^"]*)"', text)
    attributes += re.findall(r'<input\b[^>]*type="(?:submit|button)"[^>]*value="([^"]*)"', text)
    text = re.sub(r"\{#.*?#\}|\{%.*?%\}|\{\{.*?\}\}", "", text, flags=re.S)
    text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
    if plain_text:
        pieces = text.splitlines()
    else:
        pieces = re.findall(r">([^<>]*)<", f">{text}<")
        pieces += [re.sub(r"\{%.*?%\}|\{\{.*?\}\}", "", value) for value in attributes]
    found = []
    for piece in pieces:
        words = set(re.findall(r"[A-Za-z]{2,}", piece))
        if words - ALLOWED_WORDS:
            found.append(piece.strip())
    return found


def test_the_check_catches_a_new_untranslated_sentence() -> None:
    sample = """{% extends "base.html" %}{% load i18n %}
{% block title %}{% translate "Your diary" %}{% endblock %}
{% block content %}
<h1>{% translate "Your diary" %}</h1>
<p>{% blocktranslate trimmed with n=3 %}You have {{ n }} nights.{% endblocktranslate %} 7 mg</p>
<p>Remember to fill it in every morning.</p>
<input type="search" placeholder="Name or email">
{% endblock %}"""
    assert bare_text(sample) == ["Remember to fill it in every morning.", "Name or email"]
    assert bare_text("{% block title %}Sleep diary{% endblock %}") == ["Sleep diary"]
    assert bare_text("{% load i18n %}Good morning,\n\n{{ link }}\n", plain_text=True) == [
        "Good morning,"
    ]
    assert (
        bare_text('<p>{% translate "Fine" %} <span aria-label="{% translate \'Ok\' %}"></span></p>')
        == []
    )


def test_no_template_has_bare_english_text() -> None:
    offenders = {}
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if path.suffix not in {".html", ".txt"}:
            continue
        found = bare_text(path.read_text(encoding="utf-8"), plain_text=path.suffix == ".txt")
        if found:
            offenders[str(path.relative_to(TEMPLATES_DIR))] = found
    assert not offenders, f"wrap these in {{% translate %}} / {{% blocktranslate %}}: {offenders}"


def test_no_colon_is_left_outside_a_translation() -> None:
    """A colon after a translated phrase ("{% translate 'Risk alert' %}: …") is outside
    the sentence the translator writes: French puts a no-break space before it, which
    then cannot be given. The colon goes inside, with what follows as a placeholder."""
    after_tag = re.compile(r'(\{% translate "[^"]*" %\}|\{% endblocktranslate %\}):')
    offenders = [
        f"{path.relative_to(TEMPLATES_DIR)}:{n}"
        for path in sorted(TEMPLATES_DIR.rglob("*.html"))
        if "admin" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if after_tag.search(line)
    ]
    assert not offenders, offenders


# --- Wording of the pure clinical modules ----------------------------------------


def test_every_clinical_string_shown_to_people_is_marked_for_translation() -> None:
    """``mood.py`` stays free of Django; ``clinical_text`` repeats its wording inside
    gettext_noop so that makemessages finds it. A changed wording must be repeated."""
    wording = [mood.ELEVATED_MOOD_QUESTION, mood.NOT_VALIDATED]
    missing = [text for text in wording if text not in clinical_text.MARKED]
    assert not missing, f"add to program/clinical_text.py MARKED: {missing}"


def test_every_score_band_has_words_in_english_and_french() -> None:
    """Every band of ``scoring`` has its words, keyed by code, translated into French."""
    bands = [scoring.ISI_BANDS, scoring.PHQ9_BANDS, scoring.GAD7_BANDS]
    bands += [scoring.ESS_BANDS, scoring.PSQI_BANDS, scoring.PROMIS_SD_BANDS]
    codes = [band.code for group in bands for band in group]
    assert set(codes) == set(clinical_text.BAND_WORDS)
    with translation.override("en"):
        english = {code: clinical_text.band_words(code) for code in codes}
    with translation.override("fr"):
        french = {code: clinical_text.band_words(code) for code in codes}
    assert english["isi_moderate"] == "Clinical insomnia (moderate)"
    assert french["isi_moderate"] == "Insomnie clinique (modérée)"
    alike = {"Minimal"}  # the same word in French
    untranslated = [c for c in codes if french[c] == english[c] and english[c] not in alike]
    assert not untranslated, f"translate in the French catalogue: {untranslated}"


def _night(bed: str, out: str, *, latency: int = 20, awakenings: int = 1, awake: int = 20):
    start = datetime(2026, 11, 11, tzinfo=UTC)

    def at(clock: str) -> datetime:
        day, hhmm = clock.split(" ")
        hours, minutes = map(int, hhmm.split(":"))
        return start + timedelta(days=int(day), hours=hours, minutes=minutes)

    return sleep.Night(
        into_bed=at(bed),
        lights_off=at(bed),
        sleep_latency_min=latency,
        awakenings=awakenings,
        awake_min=awake,
        final_wake=at(out),
        out_of_bed=at(out),
    )


# Nights that between them raise every error and warning of sleep.check_night, with the
# English sentences the diary form, the API and the CSV import showed for them when the
# rule still wrote English (a changed sentence here is a changed msgid: its translations
# are lost until the catalogues are updated).
ODD_NIGHTS = [
    (_night("0 23:00", "1 07:00", latency=-5), ["This can't be negative."]),
    (
        sleep.Night(
            **{
                **vars(_night("0 23:00", "1 07:00")),
                "lights_off": datetime(2026, 11, 11, 22, tzinfo=UTC),
            }
        ),
        [
            "You tried to sleep before getting into bed? Check this time, or the time you got "
            "into bed."
        ],
    ),
    (
        sleep.Night(
            **{
                **vars(_night("0 23:00", "1 07:00")),
                "final_wake": datetime(2026, 11, 11, 22, tzinfo=UTC),
                "out_of_bed": datetime(2026, 11, 11, 22, tzinfo=UTC),
            }
        ),
        ["Your final awakening is before the time you tried to sleep. Check this time."],
    ),
    (
        sleep.Night(
            **{
                **vars(_night("0 23:00", "1 07:00")),
                "out_of_bed": datetime(2026, 11, 12, 6, tzinfo=UTC),
            }
        ),
        ["You got out of bed before your final awakening? Check this time."],
    ),
    (
        _night("0 20:00", "1 21:00"),
        ["That is 25 h in bed, more than a day. Check the times and dates."],
    ),
    (
        _night("0 23:00", "1 07:00", latency=300, awake=300),
        [
            "Minutes to fall asleep (300) plus minutes awake (300) come to 600, more than the "
            "480 minutes between trying to sleep and your final awakening."
        ],
    ),
    (
        _night("0 20:00", "1 08:00"),
        [
            "That is 12 h in bed, more than 10 hours.",
            "That is 11 h 20 min asleep, more than 10 hours.",
        ],
    ),
    (
        _night("0 23:00", "1 04:00", latency=10, awake=10),
        [
            "That is 4 h 40 min asleep, less than 5 hours. Bad nights happen, and recording "
            "them helps; if you feel very sleepy today, please don't drive."
        ],
    ),
    (
        _night("0 22:00", "1 09:00", latency=100, awake=100),
        [
            "That is 11 h in bed, more than 10 hours.",
            "That is 3 h 20 min awake after trying to sleep, more than 3 hours.",
        ],
    ),
    (
        _night("0 23:00", "1 07:00", awakenings=0, awake=30),
        [
            "You gave minutes awake during the night but no awakenings: is the number of "
            "awakenings right?"
        ],
    ),
    (
        replace(_night("0 23:00", "1 07:00"), nap_min=200),
        ["That is 3 h 20 min of naps or dozing in the day, more than 3 hours."],
    ),
    (
        replace(_night("0 23:00", "1 07:00"), nap_min=1000),
        [
            "Your naps and your night in bed come to 24 h 40 min, more than a day. Check the "
            "minutes of naps."
        ],
    ),
]


def _issues(night: sleep.Night) -> list[sleep.Issue]:
    check = sleep.check_night(night)
    return [*check.errors, *check.warnings]


def test_the_diary_checks_words_are_the_sentences_people_saw_before() -> None:
    """The rule gives codes; ``clinical_text.NIGHT_WORDS`` gives the words, and in English
    they are exactly the sentences the rule used to write (so the msgids, and with them
    the French catalogue, still match)."""
    reached = {issue.code for night, _ in ODD_NIGHTS for issue in _issues(night)}
    assert reached == set(sleep.IssueCode)  # every code has a night above
    with translation.override("en"):
        for night, sentences in ODD_NIGHTS:
            assert [clinical_text.night_issue(i) for i in _issues(night)] == sentences


def test_every_message_of_the_diary_check_is_translated() -> None:
    assert set(clinical_text.NIGHT_WORDS) == set(sleep.IssueCode)
    with translation.override("fr"):
        untranslated = [
            sentence
            for night, sentences in ODD_NIGHTS
            for issue, sentence in zip(_issues(night), sentences, strict=True)
            if clinical_text.night_issue(issue) == sentence
        ]
        french = clinical_text.night_issue(
            sleep.Issue(sleep.IssueCode.SHORT_SLEEP, params={"minutes": 245})
        )
    assert not untranslated, f"translate in the French catalogue: {untranslated}"
    assert french.startswith("Cela fait 4 h 05 min de sommeil")


def test_a_diary_check_without_words_shows_its_code() -> None:
    issue = sleep.Issue(sleep.IssueCode.NEGATIVE)
    words = clinical_text.NIGHT_WORDS.pop(sleep.IssueCode.NEGATIVE)
    try:
        assert clinical_text.night_issue(issue) == "negative"
    finally:
        clinical_text.NIGHT_WORDS[sleep.IssueCode.NEGATIVE] = words


def test_every_safety_question_and_answer_has_words_in_both_languages() -> None:
    """``safety.py`` gives the screen's keys and the dozing scale; ``clinical_text`` has
    the one wording of each, found in the French catalogue."""
    assert set(clinical_text.SCREEN_QUESTIONS) == {q.key for q in safety.SCREEN}
    assert tuple(clinical_text.DOZING_CHOICES) == safety.DOZING_SCALE
    words = [
        *clinical_text.SCREEN_QUESTIONS.values(),
        *clinical_text.DOZING_CHOICES.values(),
        clinical_text.DOZING_QUESTION,
        clinical_text.UNSAFE_QUESTION,
        clinical_text.SAFETY_ADVICE,
        clinical_text.NAP_RULE,
        clinical_text.CRISIS_MESSAGE,
    ]
    with translation.override("en"):
        english = [str(w) for w in words]
        assert clinical_text.screen_question("something_new") == "something_new"
    with translation.override("fr"):
        untranslated = [e for e, w in zip(english, words, strict=True) if str(w) == e]
        assert clinical_text.screen_question("pregnant").startswith("Êtes-vous enceinte")
    assert not untranslated, f"translate in the French catalogue: {untranslated}"


def test_the_crisis_message_is_shown_in_french() -> None:
    """The sentence is translated; the numbers after it are the clinic's data for the
    patient's country (tests/program/test_crisis_contacts.py)."""
    with translation.override("fr"):
        text = str(clinical_text.CRISIS_MESSAGE)
    assert text.startswith("Si vous pensez à vous faire du mal")
    assert not any(c.isdigit() for c in text)
    with translation.override("en"):
        assert not any(c.isdigit() for c in str(clinical_text.CRISIS_MESSAGE))


# --- A French-speaking patient ------------------------------------------------------------


@pytest.fixture
def french_patient(patient):
    patient.language = "fr"
    patient.save(update_fields=["language"])
    return patient


def test_a_french_patient_sees_the_french_interface_on_their_home_page(french_patient) -> None:
    page = client_for(french_patient).get(reverse("program:patient_home")).content.decode()
    assert '<html lang="fr">' in page
    for french in ("Aujourd’hui", "Agenda", "Fenêtre de sommeil", "Réglages", "Se déconnecter"):
        assert f">{french}<" in page, french
    assert "Bonjour, Pat Patient" in page
    # Day names come from Django's French catalogue, lower case, not from ours.
    assert re.search(r"Nous sommes le (lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche) ", page)
    assert "Ce n’est pas un service d’urgence." in page  # the crisis footer
    assert ">Settings<" not in page


def test_an_english_patient_still_sees_english(patient) -> None:
    page = client_for(patient).get(reverse("program:patient_home")).content.decode()
    assert ">Today<" in page and "Good to see you, Pat Patient" in page
    assert "Aujourd’hui" not in page


def test_a_french_patient_reads_the_french_lesson_else_the_english_one(french_patient) -> None:
    from program.models import LessonVersion

    client = client_for(french_patient)
    welcome = Lesson.objects.get(slug="welcome")
    page = client.get(reverse("program:lesson", args=[welcome.pk])).content.decode()
    assert "Bienvenue dans le programme" in page  # the shipped French lesson (issue 22)
    assert 'lang="fr"' in page
    # A lesson with no French words (a clinic's own, say) is shown in English.
    how = Lesson.objects.get(slug="how-sleep-works")
    LessonVersion.objects.filter(lesson=how, language="fr").delete()
    page = client.get(reverse("program:lesson", args=[how.pk])).content.decode()
    assert 'lang="en"' in page  # the lesson itself is in English: no French version
    assert "Marquer comme terminée" in page  # the app around it is still French


def test_a_german_patient_reads_german_lessons_and_pages(patient) -> None:
    patient.language = "de"
    patient.save(update_fields=["language"])
    client = client_for(patient)
    welcome = Lesson.objects.get(slug="welcome")
    page = client.get(reverse("program:lesson", args=[welcome.pk])).content.decode()
    assert "Willkommen im Programm" in page
    assert '<html lang="de">' in page
    today = client.get(reverse("program:patient_home")).content.decode()
    assert '<html lang="de">' in today and "Schlaftagebuch" in today


def test_the_language_switch_in_settings_changes_the_interface(patient) -> None:
    client = client_for(patient)
    url = reverse("accounts:profile")
    form = {"name": patient.name, "time_zone": patient.time_zone}
    assert client.post(url, {**form, "language": "fr"}).status_code == 302
    page = client.get(url).content.decode()
    assert "<h1>Réglages</h1>" in page
    assert 'value="fr" selected' in page
    # ... and back: the French page's form switches to English again.
    assert client.post(url, {**form, "language": "en"}).status_code == 302
    assert "<h1>Settings</h1>" in client.get(url).content.decode()


def test_reminder_emails_are_in_the_recipient_s_language(patient) -> None:
    context = {"user": patient, "link": "https://x.test/d", "manage_link": "https://x.test/m"}
    message = render_email("diary_reminder", patient.email, context, language="fr")
    assert message.subject == "Une minute pour votre agenda du sommeil"
    assert "Bonjour Pat Patient," in message.body
    assert "Remplir mon agenda" in message.alternatives[0][0]
    english = render_email("diary_reminder", patient.email, context, language="en")
    assert english.subject == "A minute for your sleep diary"
    assert "Good morning Pat Patient," in english.body
    assert not mail.outbox  # rendering sends nothing

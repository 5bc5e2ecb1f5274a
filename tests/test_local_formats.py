"""Numbers, doses and dates written the way the reader's language writes them: a French
or German reader sees 7,5 mg, not 7.5 mg; an English reader sees what they saw before.
The app's own named formats are in ``cbti/formats/<language>/formats.py``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from importlib import import_module

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import FORMAT_SETTINGS, date_format

from program import clinical_text
from program.diary.actions import save_entry
from program.medication import actions as medication_service
from program.medication.dose_chart import DoseBar, dose_chart
from program.models import Medication
from program.rules import taper
from program.templatetags.diary_tags import date_range, percent_sign, with_percent_sign
from program.templatetags.medication_tags import mg
from tests.conftest import client_for
from tests.nights import night_answers
from tests.taper_plans import diazepam_draft, enter_drug_free_nights

NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def test_every_language_has_every_named_format_of_the_app() -> None:
    """Django's own formats (DATE_FORMAT…) have a default; the app's own have none, and one
    missing for a language would be printed as its name."""
    english = import_module("cbti.formats.en.formats")
    names = {name for name in vars(english) if name.isupper()} - FORMAT_SETTINGS
    assert names
    for code, _name in settings.LANGUAGES:
        module = import_module(f"cbti.formats.{code}.formats")
        assert names <= set(vars(module)), (code, sorted(names - set(vars(module))))


# --- Doses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "doses"),
    [
        ("en", ["7.5 mg", "10 mg", "0.125 mg", "–"]),
        ("fr", ["7,5 mg", "10 mg", "0,125 mg", "–"]),
        ("de", ["7,5 mg", "10 mg", "0,125 mg", "–"]),
    ],
)
def test_a_dose_has_the_language_s_decimal_mark(language, doses) -> None:
    with translation.override(language):
        assert [mg(v) for v in (Decimal("7.500"), Decimal(10), "0.125", None)] == doses


def test_tablet_strengths_are_listed_with_semicolons_where_the_comma_is_the_decimal_mark():
    """As the forms' hints write them, and as the strengths field reads them back."""
    written = {}
    for language in ("en", "fr", "de"):
        with translation.override(language):
            written[language] = clinical_text.strengths(["3.75", "7.5", "10"])
    assert written == {
        "en": "3.75, 7.5, 10",
        "fr": f"3,75{NBSP}; 7,5{NBSP}; 10",
        "de": "3,75; 7,5; 10",
    }


def test_the_taper_module_s_doses_and_percentages_read_in_the_language() -> None:
    not_made = taper.Message(taper.Note.NOT_ACHIEVABLE, {"step": 2, "dose": "7.5 mg"})
    large = taper.Message(taper.Note.ABOVE_TEMPLATE, {"step": 3, "cut": "33.3", "percent": "12.5"})
    with translation.override("en"):
        assert clinical_text.taper_words(not_made) == (
            "Step 2: 7.5 mg cannot be made from the tablets listed."
        )
        assert "33.3%" in clinical_text.taper_words(large)
    with translation.override("de"):
        assert "7,5 mg" in clinical_text.taper_words(not_made)
        assert "33,3" in clinical_text.taper_words(large) and "12,5" in clinical_text.taper_words(
            large
        )
    with translation.override("fr"):
        assert "7,5 mg" in clinical_text.taper_words(not_made)
    # A figure that is not a number (the step editor's hidden field) is shown as given.
    odd = taper.Message(taper.Note.NOT_ACHIEVABLE, {"step": 2, "dose": "a lot"})
    with translation.override("fr"):
        assert "a lot" in clinical_text.taper_words(odd)


def test_the_dose_chart_labels_doses_in_the_language() -> None:
    # The axis runs to 3 mg (the next whole step above the highest dose), 1.5 mg halfway.
    bars = [DoseBar("Mo 23", date(2026, 11, 23), Decimal("2.5"), Decimal("3"))]
    with translation.override("en"):
        english = dose_chart(bars, title="t", description="d", chart_id="c")
    with translation.override("de"):
        german = dose_chart(bars, title="t", description="d", chart_id="c")
    assert "Mo 23: 2.5 mg taken, 3 mg planned" in english and ">1.5 mg<" in english
    assert "2,5 mg" in german and ">1,5 mg<" in german
    assert "2.5" not in german and "1.5" not in german


def test_the_medication_pages_write_doses_the_reader_s_way(patient, therapist) -> None:
    zopiclone = Medication.objects.create(
        patient=patient,
        name="zopiclone",
        strengths_mg=["3.75", "7.5"],
        usual_dose_mg=Decimal("7.5"),
    )
    plan = medication_service.create_draft(
        patient=patient,
        medication=zopiclone,
        template_key="morin04",
        start_dose=Decimal("7.5"),
        start_on=date(2026, 11, 10),
        strengths=[Decimal("3.75"), Decimal("7.5")],
        scored=[],
        by=therapist,
    )
    for language, dose, strengths in (
        ("en", "7.5 mg", "3.75, 7.5 mg"),
        ("fr", "7,5 mg", f"3,75{NBSP}; 7,5 mg"),
        ("de", "7,5 mg", "3,75; 7,5 mg"),
    ):
        patient.language = therapist.language = language
        patient.save()
        therapist.save()
        edit = reverse("program:taper_plan_edit", args=[patient.pk, plan.pk])
        page = client_for(therapist).get(edit).content.decode()
        assert dose in page and strengths in page, language
        if language == "en":
            enter_drug_free_nights(plan, therapist)
            medication_service.confirm_plan(plan=plan, by=therapist)
        mine = client_for(patient).get(reverse("program:medicines")).content.decode()
        assert dose in mine and strengths in mine, language
        theirs = reverse("program:patient_medication", args=[patient.pk])
        page = client_for(therapist).get(theirs).content.decode()
        assert dose in page, language
        if language != "en":
            assert "7.5 mg" not in mine and "7.5 mg" not in page, language


# --- Dates --------------------------------------------------------------------------------

MONDAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("name", "english", "french", "german"),
    [
        (
            "LONG_WEEKDAY_DAY_MONTH_FORMAT",
            "Monday 7 December",
            f"lundi 7{NBSP}décembre",
            f"Montag, 7.{NBSP}Dezember",
        ),
        (
            "LONG_DATE_FORMAT",
            "7 December 2026",
            f"7{NBSP}décembre{NBSP}2026",
            f"7.{NBSP}Dezember{NBSP}2026",
        ),
        ("MONTH_DAY_FORMAT", "7 December", f"7{NBSP}décembre", f"7.{NBSP}Dezember"),
        (
            "DAY_MONTH_YEAR_FORMAT",
            "7 Dec 2026",
            f"7{NBSP}déc.{NBSP}2026",
            f"7.{NBSP}Dez.{NBSP}2026",
        ),
        ("DAY_MONTH_FORMAT", "7 Dec", f"7{NBSP}déc.", f"7.{NBSP}Dez."),
        ("WEEKDAY_DAY_MONTH_FORMAT", "Mon 7 Dec", f"lun. 7{NBSP}déc.", f"Mo., 7.{NBSP}Dez."),
        (
            "WEEKDAY_DAY_MONTH_YEAR_FORMAT",
            "Mon 7 Dec 2026",
            f"lun. 7{NBSP}déc.{NBSP}2026",
            f"Mo., 7.{NBSP}Dez.{NBSP}2026",
        ),
        (
            "PADDED_DAY_MONTH_YEAR_FORMAT",
            "07 Dec 2026",
            f"07{NBSP}déc.{NBSP}2026",
            f"07.{NBSP}Dez.{NBSP}2026",
        ),
    ],
)
def test_a_date_is_written_the_language_s_way(name, english, french, german) -> None:
    written = []
    for language in ("en", "fr", "de"):
        with translation.override(language):
            written.append(date_format(MONDAY, name))
    assert written == [english, french, german]


def test_a_date_and_time_is_written_the_language_s_way() -> None:
    moment = datetime(2026, 12, 7, 22, 14, tzinfo=UTC)  # shown in UTC, the default zone
    written = {}
    for language in ("en", "fr", "de"):
        with translation.override(language):
            written[language] = [
                date_format(moment, name)
                for name in (
                    "DAY_MONTH_YEAR_TIME_FORMAT",
                    "DAY_MONTH_YEAR_COMMA_TIME_FORMAT",
                    "WEEKDAY_DAY_MONTH_COMMA_TIME_FORMAT",
                )
            ]
    assert written == {
        "en": ["7 Dec 2026 22:14", "7 Dec 2026, 22:14", "Mon 7 Dec, 22:14"],
        "fr": [
            f"7{NBSP}déc.{NBSP}2026 22:14",
            f"7{NBSP}déc.{NBSP}2026 22:14",
            f"lun. 7{NBSP}déc. 22:14",
        ],
        "de": [
            f"7.{NBSP}Dez.{NBSP}2026 22:14",
            f"7.{NBSP}Dez.{NBSP}2026 22:14",
            f"Mo., 7.{NBSP}Dez. 22:14",
        ],
    }


def test_a_german_patient_reads_dates_the_german_way(patient) -> None:
    """The reviewer saw "Montag 7 Dezember" (the English order) on German pages."""
    pages = {}
    for language in ("en", "de"):
        patient.language = language
        patient.save()
        client = client_for(patient)
        pages[language] = [
            client.get(reverse(name)).content.decode()
            for name in ("program:patient_home", "program:diary")
        ]
    home, diary = pages["de"]
    assert f"Mittwoch, 25.{NBSP}November" in home and "Mittwoch 25 November" not in home
    assert f"Mi., 25.{NBSP}Nov." in diary
    home, diary = pages["en"]
    assert "Today is Wednesday 25 November where you are" in home
    assert "Wed 25 Nov" in diary


# --- Percentages ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "efficiency", "lessons"),
    [("en", "92.3%", "85%"), ("fr", f"92,3{NBSP}%", f"85{NBSP}%"), ("de", "92,3%", "85%")],
)
def test_a_percentage_is_written_the_language_s_way(language, efficiency, lessons) -> None:
    """French puts a no-break space before the percent sign, as its catalogue does."""
    with translation.override(language):
        assert percent_sign(92.25) == efficiency
        assert with_percent_sign(85) == lessons
        assert percent_sign(None) == "–"


def test_the_diary_s_sleep_efficiency_reads_the_language_s_way(patient) -> None:
    """In bed 23:00 to 06:30, asleep 400 of the 450 minutes: 88.9%."""
    save_entry(
        patient=patient, diary_date=date(2026, 11, 25), answers=night_answers(), changed_by=patient
    )
    for language, sign in (("en", "%"), ("fr", f"{NBSP}%"), ("de", "%")):
        patient.language = language
        patient.save()
        page = client_for(patient).get(reverse("program:diary")).content.decode()
        mark = "." if language == "en" else ","
        assert re.search(f"<td[^>]*>88{mark}9{sign}</td>", page), language  # the table
        assert f">85{sign}</text>" in page, language  # the chart's scale


def test_no_sentence_ends_in_an_abbreviated_month() -> None:
    """French and German abbreviate months with a full stop ("déc.", "Dez."): a date that
    ends a sentence is written with its month in full, so no sentence ends "déc.."."""
    import re
    from pathlib import Path

    from django.conf import settings as django_settings

    sentence_end = re.compile(
        r'(\w+)=[\w.]+\|date:"((?:WEEKDAY_)?DAY_MONTH_FORMAT)"[^%]*%\}(?:(?!endblocktranslate).)*'
        r"\{\{ \1 \}\}(?:\{% endblocktranslate %\}(?:\{% else %\}[^.]*?\{% endif %\})?)?\.",
        re.S,
    )
    templates = Path(django_settings.BASE_DIR) / "templates"
    found = [
        f"{path.relative_to(templates)}: {m.group(1)}"
        for path in templates.rglob("*.html")
        for m in sentence_end.finditer(path.read_text())
    ]
    assert found == []


@pytest.mark.parametrize(
    ("language", "label", "said"),
    [
        ("en", "Moderate clinical insomnia", "moderate clinical insomnia"),
        ("en", "ISI at baseline", "ISI at baseline"),
        ("fr", "Insomnie clinique modérée", "insomnie clinique modérée"),
        ("de", "Ende von Woche 2", "Ende von Woche 2"),
        ("de", "Kein Tagebuch seit 3+ Nächten", "Kein Tagebuch seit 3+ Nächten"),
    ],
)
def test_a_label_inside_a_sentence_keeps_its_capitals_where_they_belong(
    language, label, said
) -> None:
    """``lower`` wrote German nouns in lower case ("ende von woche 2", "kein tagebuch")
    and abbreviations too; inside a sentence only the first letter is lowered, and in
    German not even that."""
    from program.templatetags.diary_tags import in_sentence

    with translation.override(language):
        assert in_sentence(label) == said


def test_no_template_lowers_a_whole_label() -> None:
    from pathlib import Path

    from django.conf import settings as django_settings

    templates = Path(django_settings.BASE_DIR) / "templates"
    lowered = [str(p) for p in templates.rglob("*.html") if "|lower" in p.read_text()]
    assert lowered == [], "use |in_sentence: German nouns keep their capitals"


def test_the_printed_day_and_the_mornings_still_to_fill_read_the_languages_way(
    patient, therapist
) -> None:
    """The printable summary printed its day in the English pattern ("Imprimé le 7 Déc
    2026"), and the diary's list of mornings still to fill ended "mer. 2 déc.." with a
    second full stop."""
    from django.utils import timezone
    from django.utils.formats import date_format

    from program.diary.actions import save_entry

    therapist.language = patient.language = "fr"
    therapist.save()
    patient.save()
    with translation.override("fr"):
        today = date_format(timezone.localdate(), "DAY_MONTH_YEAR_FORMAT")
    summary = client_for(therapist).get(reverse("program:patient_summary", args=[patient.pk]))
    assert f"Imprimé le {today}" in summary.content.decode()
    yesterday = patient.local_today() - timedelta(days=2)
    save_entry(
        patient=patient,
        diary_date=yesterday - timedelta(days=1),
        changed_by=patient,
        enforce_backfill=False,
        answers=night_answers(),
    )
    diary = client_for(patient).get(reverse("program:diary")).content.decode()
    assert "Vous pouvez encore remplir" in diary and ".." not in diary.replace("...", "")


def test_a_plans_history_reads_in_the_readers_words(patient, therapist) -> None:
    """The history of a plan showed its codes and raw step dates to a French clinician:
    "confirmed (active)", "2026-11-16: 10 mg"."""
    plan = diazepam_draft(patient, therapist, start_on=date(2026, 11, 16), template="smaller_final")
    medication_service.confirm_plan(plan=plan, by=therapist)
    therapist.language = "fr"
    therapist.save()
    url = reverse("program:patient_medication", args=[patient.pk])
    page = client_for(therapist).get(url).content.decode()
    assert re.search(r'<td[^>]*>confirmé <span class="muted">\(actif\)</span>', page)
    assert "confirmed" not in page and "2026-11-16" not in page
    assert f"16{NBSP}nov.{NBSP}2026" in page


@pytest.mark.parametrize(
    ("month", "french", "german"),
    [(1, "janv.", "Jan."), (2, "févr.", "Feb."), (3, "mars", "März"), (12, "déc.", "Dez.")],
)
def test_a_month_is_abbreviated_as_the_language_does(month, french, german) -> None:
    """Django's French wrote January and February "jan." and "fév."; French writes
    "janv." and "févr." as it writes the ten others (CLDR). The first of the month stays
    "1" ("1 déc."), as Django writes it: "1er" would need a date filter of the app's own."""
    day = date(2027, month, 1)
    with translation.override("fr"):
        assert date_format(day, "DAY_MONTH_FORMAT") == f"1{NBSP}{french}"
    with translation.override("de"):
        assert date_format(day, "DAY_MONTH_FORMAT") == f"1.{NBSP}{german}"


@pytest.mark.parametrize(
    ("first", "last", "english", "french", "german"),
    [
        (
            date(2026, 9, 13),
            date(2026, 9, 19),
            "13–19 Sep",
            f"13–19{NBSP}sept.",
            f"13.–19.{NBSP}Sept.",
        ),
        (
            date(2026, 9, 28),
            date(2026, 10, 4),
            "28 Sep–4 Oct",
            f"28{NBSP}sept.–4{NBSP}oct.",
            f"28.{NBSP}Sept.–4.{NBSP}Okt.",
        ),
        (
            date(2026, 12, 28),
            date(2027, 1, 3),
            "28 Dec–3 Jan",
            f"28{NBSP}déc.–3{NBSP}janv.",
            f"28.{NBSP}Dez.–3.{NBSP}Jan.",
        ),
        (date(2026, 12, 7), date(2026, 12, 7), "7 Dec", f"7{NBSP}déc.", f"7.{NBSP}Dez."),
    ],
)
def test_a_range_of_two_dates_says_a_shared_month_once(
    first, last, english, french, german
) -> None:
    """A French patient's summary read "13 sept.–19 sept." for one week."""
    written = []
    for language in ("en", "fr", "de"):
        with translation.override(language):
            written.append(date_range(first, last))
    assert written == [english, french, german]

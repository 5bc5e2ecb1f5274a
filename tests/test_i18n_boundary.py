"""The wording of the pure clinical modules translated at the boundary, beyond the
safety screen and the diary checks (tests/test_i18n.py): the taper plan's check
words, step notes, plan checks and flags (``program.rules.taper``), durations, and the
printable PDF summary in the requesting clinician's language."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from program import clinical_text
from program.assessments import actions as assessments
from program.medication import actions as medication_service
from program.models import Medication, TaperPlan
from program.rules import taper
from tests.conftest import client_for
from tests.pages import as_read
from tests.taper_plans import diazepam_draft

# --- program.rules.taper's messages, by code, in clinical_text ---------------------------


def _taper_messages() -> list[taper.Message]:
    """Every kind of message ``program.rules.taper`` gives for people."""
    start = date(2026, 11, 2)
    out: list[taper.Message] = []
    for template in taper.TEMPLATES.values():
        steps = taper.suggest_steps(
            template=template,
            start_dose=Decimal(10),
            start_on=start,
            strengths=[Decimal(2), Decimal(5)],
        )
        out += [s.message for s in steps if s.message]
    bad = [
        taper.Step(start, Decimal("7.5")),
        taper.Step(start, Decimal(-1), drug_free_nights=9),
    ]
    errors, notes = taper.check_steps(bad, strengths=[Decimal(2), Decimal(5)])
    out += errors + notes + taper.check_steps([])[0]
    # 10 -> 2 mg: larger than the template's rate and the clinic's limit, and not 0 mg.
    # A draft whose drug-free nights the clinician has still to enter.
    out += taper.check_steps(
        taper.suggest_steps(
            template=taper.TEMPLATES["morin04"],
            start_dose=Decimal(10),
            start_on=start,
            strengths=[Decimal(2), Decimal(5)],
        )
    )[0]
    big = [taper.Step(start, Decimal(10)), taper.Step(start + timedelta(days=14), Decimal(2))]
    out += taper.check_steps(big, template=taper.TEMPLATES["morin04"])[1]
    out += taper.check_steps(big, max_step_percent=Decimal(25))[1]
    # Flags: nothing in week 1, 8 mg in week 2, 10 mg in week 3 (use rising, the step
    # to 8 mg missed, nights above the plan); then planned drug-free nights not kept.
    steps = taper.suggest_steps(
        template=taper.TEMPLATES["morin04"],
        start_dose=Decimal(10),
        start_on=start,
        strengths=[Decimal(2), Decimal(5)],
    )
    doses = [Decimal(0)] * 7 + [Decimal(8)] * 7 + [Decimal(10)] * 7
    nights = [
        taper.NightDose(start + timedelta(days=i), dose, dose > 0) for i, dose in enumerate(doses)
    ]
    flags = taper.flags(nights, steps, taper.week_figures(nights, steps, start, Decimal(10)))
    free = [taper.Step(start - timedelta(days=1), Decimal(5), 4)]
    taken = [taper.NightDose(start + timedelta(days=i), Decimal(5), True) for i in range(7)]
    flags += taper.flags(taken, free, taper.week_figures(taken, free, start, Decimal(5)))
    kinds = {f.kind for f in flags}
    assert kinds == {"use_rising", "step_missed", "above_plan", "drug_free_missed"}
    out += [f.message for f in flags]
    return out


def test_every_message_of_the_taper_module_is_translated() -> None:
    """Fails when taper.py gives a code with no words in clinical_text (TAPER_WORDS), or
    words the French catalogue lacks."""
    messages = _taper_messages()
    assert {m.code for m in messages} == set(taper.Note), "a code no test example gives"
    assert set(clinical_text.TAPER_WORDS) == set(taper.Note)
    with translation.override("en"):
        english = [clinical_text.taper_words(m) for m in messages]
        missed = clinical_text.taper_words(
            next(m for m in messages if m.code is taper.Note.STEP_MISSED)
        )
    with translation.override("fr"):
        french = [clinical_text.taper_words(m) for m in messages]
        missed_fr = clinical_text.taper_words(
            next(m for m in messages if m.code is taper.Note.STEP_MISSED)
        )
        one = clinical_text.taper_words(
            taper.Message(taper.Note.ABOVE_PLAN, {"count": 1, "week": 3})
        )
    untranslated = [e for e, f in zip(english, french, strict=True) if e == f]
    assert not untranslated, f"translate in the French catalogue: {untranslated}"
    assert not [e for e in english if "%(" in e or e in set(taper.Note)]
    assert missed == "Step 2 (8 mg from 16 Nov) not made: the last 3 nights were at 10 mg or more."
    assert missed_fr.startswith("Palier 2 (8 mg à partir du 16\u00a0novembre) non franchi")
    assert one == "1 nuit au-dessus du plan en semaine 3."
    with translation.override("en"):
        two = taper.Message(taper.Note.ABOVE_PLAN, {"count": 2, "week": 3})
        assert clinical_text.taper_words(two) == "2 nights above the plan in week 3."


def test_the_taper_templates_names_are_translated() -> None:
    texts = [t for template in taper.TEMPLATES.values() for t in (template.name, template.source)]
    with translation.override("en"):
        assert [clinical_text.template_text(t) for t in texts] == texts
    with translation.override("fr"):
        untranslated = [t for t in texts if clinical_text.template_text(t) == t]
    assert not untranslated, f"add to clinical_text.TAPER_TEMPLATES and translate: {untranslated}"
    # A clinician's words are theirs: left as written.
    assert clinical_text.template_text("Take with food") == "Take with food"


def test_the_check_words_are_the_taper_modules() -> None:
    assert {str(k): v for k, v in taper.CHECK_WORDS.items()} == clinical_text.CHECK_WORDS
    with translation.override("fr"):
        assert clinical_text.check_word(taper.Check.BELOW_PLAN) == "moins que prévu"
        assert clinical_text.check_word(taper.Check.NO_PLAN) == ""
    with translation.override("en"):
        for check, words in taper.CHECK_WORDS.items():
            assert clinical_text.check_word(check) == words


# --- Durations -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "long", "short"),
    [(450, "7 h 30 min", "7h 30m"), (425, "7 h 05 min", "7h 05m"), (420, "7 h", "7h 00m"),
     (45, "45 min", "45m"), (None, "–", "–")],
)  # fmt: skip
def test_english_durations_are_as_before(minutes, long, short) -> None:
    from program.rules.sleep import format_minutes

    with translation.override("en"):
        assert clinical_text.duration(minutes) == long == format_minutes(minutes)
        assert clinical_text.duration_short(minutes) == short


def test_french_durations() -> None:
    with translation.override("fr"):
        assert clinical_text.duration(450) == "7 h 30 min"
        assert clinical_text.duration_short(450) == "7 h 30"
        assert clinical_text.duration_short(45) == "45 min"


def test_german_tables_write_durations_the_german_way() -> None:
    """German tables showed the English "7h 30m" and "45m" (the catalogue's entries were
    the English). A German clinic prints "7:30 h", as short as the English for a phone's
    table, with the "h" and "min" German sentences already use ("7 h 30 min", "45 min")."""
    from program.templatetags.diary_tags import minutes_signed

    with translation.override("de"):
        assert clinical_text.duration(450) == "7 h 30 min"
        assert clinical_text.duration_short(450) == "7:30 h"
        assert clinical_text.duration_short(425) == "7:05 h"
        assert clinical_text.duration_short(45) == "45 min"
        assert minutes_signed(-65) == "−1:05 h"
        assert minutes_signed(20) == "+20 min"


# --- Pages -----------------------------------------------------------------------------

NIGHT = {
    "diary_date": "2026-11-25",
    "into_bed": "22:45",
    "lights_off": "23:00",
    "sleep_latency_min": "30",
    "awakenings": "2",
    "awake_min": "40",
    "final_wake": "06:20",
    "out_of_bed": "06:30",
    "quality": "3",
}


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def _plan(patient, therapist) -> Medication:
    # Its last steps are 3 drug-free nights a week, a note of the template's own.
    plan = diazepam_draft(patient, therapist, start_on=date(2026, 11, 10), template="smaller_final")
    medication_service.confirm_plan(plan=plan, by=therapist)
    return plan.medication


def _save_night(patient, diazepam, dose: str) -> str:
    response = client_for(patient).post(
        reverse("program:diary_new"),
        {**NIGHT, "medication_answer": "other", "other_medication": diazepam.pk,
         "other_dose_mg": dose, "other_taken_at": "22:30"},
        follow=True,
    )  # fmt: skip
    assert response.status_code == 200
    return response.content.decode()


def test_a_french_patients_diary_message_gives_the_check_in_french(patient, therapist) -> None:
    patient.language = "fr"
    patient.save(update_fields=["language"])
    page = _save_night(patient, _plan(patient, therapist), "5")
    # The step from the evening of 24 November is 8 mg; 5 mg is less than planned.
    assert "votre plan pour cette nuit" in page or "moins que prévu" in page
    assert "(moins que prévu)" in page
    assert "less than planned" not in page
    # The saved night's durations: the sentence keeps "min", the table is compact.
    assert "6 h 10 min" in page
    assert re.search(r'<td[^>]* class="nowrap"[^>]*>7 h 45</td>', as_read(page))
    assert "7h 45m" not in page


def test_an_english_patients_diary_message_is_unchanged(patient, therapist) -> None:
    page = _save_night(patient, _plan(patient, therapist), "5")
    assert "you recorded 5 mg (less than planned)." in page
    assert "Saved. 6 h 10 min asleep out of 7 h 45 min in bed" in page
    assert re.search(r'<td[^>]* class="nowrap"[^>]*>7h 45m</td>', as_read(page))


def test_a_french_therapist_sees_the_step_notes_in_french(patient, therapist) -> None:
    therapist.language = "fr"
    therapist.save(update_fields=["language"])
    _plan(patient, therapist)
    page = client_for(therapist).get(reverse("program:patient_medication", args=[patient.pk]))
    text = page.content.decode()
    assert "3 nuits sans médicament par semaine" in text
    assert "drug-free nights a week" not in text


def test_the_step_editor_keeps_a_suggested_note_as_its_code(patient, therapist) -> None:
    """The editor shows the suggestion's note in the clinician's language beside their own
    note; saving the rows as shown keeps the code, and adds the clinician's words."""
    therapist.language = "fr"
    therapist.save(update_fields=["language"])
    _plan(patient, therapist)
    plan = TaperPlan.objects.get()
    edit = reverse("program:taper_plan_edit", args=[patient.pk, plan.pk])
    client = client_for(therapist)
    page = client.get(edit).content.decode()
    assert "3 nuits sans médicament par semaine" in page
    assert "drug-free nights a week" not in page
    fields = dict(re.findall(r'<input[^>]*name="(step-[^"]+)"[^>]*value="([^"]*)"', page))
    fields = {k: html.unescape(v) for k, v in fields.items()}
    rows = int(fields["step-TOTAL_FORMS"])
    noted = next(i for i in range(rows) if fields.get(f"step-{i}-note_code") == "drug_free_nights")
    data = {
        **fields,
        f"step-{noted}-note": "Avec le médecin traitant",
        "prescriber": "",
        "conversion_note": "",
        "notes": "",
        "reason": "Note ajoutée",
    }
    assert client.post(edit, data).status_code == 302
    step = plan.steps.all()[noted]
    assert (step.note_code, step.note_params) == ("drug_free_nights", {"nights": 3})
    assert step.note == "Avec le médecin traitant"
    with translation.override("en"):
        assert step.note_words == "3 drug-free nights a week Avec le médecin traitant"


# --- The PDF summary ---------------------------------------------------------------------


def _pdf_text(body: bytes) -> str:
    """The text of a PDF, as a reader copying it would get it (pypdf)."""
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)


def _summary_pdf(patient, therapist) -> str:
    isi = assessments.ensure_instruments()["isi"]
    assessments.record_result(
        patient=patient,
        instrument=isi,
        total=19,
        completed_on=date(2026, 11, 2),
        occasion="baseline",
        by=therapist,
    )
    assessments.add_note(
        patient=patient,
        author=therapist,
        text="« Le cœur du sujet » : l’heure du lever → 6 h 30, dit Łucja Wąsowska",
    )
    response = client_for(therapist).get(
        reverse("program:patient_summary_pdf", args=[patient.pk]) + "?notes=1"
    )
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    return _pdf_text(response.content)


def test_the_pdf_summary_is_in_the_therapists_language(patient, therapist) -> None:
    therapist.language = "fr"
    therapist.save(update_fields=["language"])
    text = _summary_pdf(patient, therapist)
    assert "Résumé TCC-I" in text
    assert "Agenda du sommeil par semaine" in text
    assert "Notes de l’équipe soignante" in text
    # Every letter kept, beyond Latin-1 too (a Polish name was printed "?ucja W?sowska").
    assert "« Le cœur du sujet » : l’heure du lever → 6 h 30, dit Łucja Wąsowska" in text
    assert "Insomnie clinique" in text  # the score band, translated
    assert "Sleep diary by week" not in text


def test_the_pdf_summary_stays_english_for_an_english_therapist(patient, therapist) -> None:
    text = _summary_pdf(patient, therapist)
    assert "CBT-I summary" in text and "Sleep diary by week" in text
    assert "Clinical insomnia" in text

"""Sleep medication pages: the patient's list, the diary's one-tap question, and the
clinician's taper plans (drafted from a template, edited, confirmed, paused, slowed)."""

from __future__ import annotations

from datetime import date, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from program.medication import actions as medication_service
from program.models import (
    DiaryEntry,
    DiaryEntryRevision,
    Medication,
    MedicationDose,
    NightMedication,
    TaperPlan,
    TaperPlanChange,
)
from tests.conftest import client_for
from tests.nights import night_answers
from tests.taper_plans import diazepam_draft, enter_drug_free_nights
from tests.test_i18n_boundary import _pdf_text

TODAY = date(2026, 11, 25)
SAFETY = "Changes to your medicine are made only with your prescriber."


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


@pytest.fixture
def diazepam(patient) -> Medication:
    return Medication.objects.create(
        patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
    )


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


def confirmed_plan(patient, therapist, diazepam, start: date = date(2026, 11, 10)) -> TaperPlan:
    plan = diazepam_draft(patient, therapist, start_on=start, medicine=diazepam)
    enter_drug_free_nights(plan, therapist)
    medication_service.confirm_plan(plan=plan, by=therapist)
    return plan


def test_a_patient_lists_a_medicine_changes_it_and_stops_it(patient_client, patient) -> None:
    page = patient_client.get(reverse("program:medicines"))
    assert b'list="common-sleep-medicines"' in page.content
    assert b'<option value="zolpidem">' in page.content
    response = patient_client.post(
        reverse("program:medicines"),
        {"name": " zolpidem ", "usual_dose_mg": "10", "strengths": "5, 10 mg"},
    )
    assert response.status_code == 302
    medicine = Medication.objects.get(patient=patient)
    assert (medicine.name, medicine.strengths_mg, medicine.usual_dose_mg) == (
        "zolpidem",
        ["5", "10"],
        Decimal(10),
    )
    edit = reverse("program:medicine_edit", args=[medicine.pk])
    form = patient_client.get(edit).content.decode()
    assert 'name="usual_dose_mg" value="10"' in form  # not "10.000"
    patient_client.post(edit, {"name": "zolpidem", "usual_dose_mg": "5", "strengths": "5"})
    medicine.refresh_from_db()
    assert medicine.usual_dose_mg == Decimal(5)
    patient_client.post(edit, {"active": "0"})
    medicine.refresh_from_db()
    assert not medicine.active


def test_a_french_decimal_comma_is_one_strength_not_two(patient, patient_client) -> None:
    """In French '3,75' is three point seven five mg (it was read as 3 mg and 75 mg); a
    list is written with semicolons there, as the French hint says. In English a comma
    still separates strengths."""
    for language, typed in (("fr", "3,75 ; 7,5 mg"), ("en", "3.75, 7.5")):
        patient.language = language
        patient.save()
        Medication.objects.all().delete()
        patient_client.post(
            reverse("program:medicines"),
            {"name": "zopiclone", "usual_dose_mg": "7.5", "strengths": typed},
        )
        assert Medication.objects.get(patient=patient).strengths_mg == ["3.75", "7.5"], typed
        if language == "fr":
            page = patient_client.get(reverse("program:medicines")).content.decode()
            assert "séparés par des points-virgules" in page


def test_a_dose_typed_with_a_decimal_comma_is_never_ten_times_larger(
    patient, patient_client
) -> None:
    """A number input in a browser set to English dropped the comma of a French "7,5"
    and sent "75": the usual dose was saved as 75 mg. The dose is typed as text and read
    in the reader's language: 7,5 in French is 7.5 mg; in English "7,5" is refused, in
    words, and nothing is saved."""
    patient.language = "fr"
    patient.save()
    page = patient_client.get(reverse("program:medicines")).content.decode()
    assert 'type="text" name="usual_dose_mg"' in page and 'inputmode="decimal"' in page
    patient_client.post(reverse("program:medicines"), {"name": "zopiclone", "usual_dose_mg": "7,5"})
    medicine = Medication.objects.get(patient=patient)
    assert medicine.usual_dose_mg == Decimal("7.5")
    edit = reverse("program:medicine_edit", args=[medicine.pk])
    assert 'name="usual_dose_mg" value="7,5"' in patient_client.get(edit).content.decode()
    patient.language = "en"
    patient.save()
    refused = patient_client.post(edit, {"name": "zopiclone", "usual_dose_mg": "7,5"})
    assert refused.status_code == 200 and "Enter a number." in refused.content.decode()
    medicine.refresh_from_db()
    assert medicine.usual_dose_mg == Decimal("7.5")


def test_the_next_step_of_a_taper_reads_as_a_step_in_german(
    patient, patient_client, therapist, diazepam
) -> None:
    """The plan's "Next" was the pager's "Weiter" (go on) in German and "Suivante" in
    French: beside a dose, an instruction that misreads. It is the plan's next step."""
    confirmed_plan(patient, therapist, diazepam)
    patient.language = "de"
    patient.save()
    for name in ("program:patient_home", "program:medicines"):
        page = patient_client.get(reverse(name)).content.decode()
        assert "<dt>Nächster Schritt</dt>" in page, name
        assert "<dt>Weiter</dt>" not in page, name


def test_bad_strengths_are_refused_in_words(patient_client) -> None:
    response = patient_client.post(
        reverse("program:medicines"),
        {"name": "diazepam", "usual_dose_mg": "10", "strengths": "two"},
    )
    assert response.status_code == 200
    assert "separated by commas" in response.content.decode()


def test_another_patients_medicine_is_not_found(client, other_patient, diazepam) -> None:
    response = client_for(other_patient).get(reverse("program:medicine_edit", args=[diazepam.pk]))
    assert response.status_code == 404


def test_the_diary_asks_about_medicine_only_when_some_is_listed(patient_client, patient) -> None:
    assert (
        b"Sleep medicine last night" not in patient_client.get(reverse("program:diary_new")).content
    )
    Medication.objects.create(patient=patient, name="melatonin", usual_dose_mg=Decimal(2))
    assert b"Sleep medicine last night" in patient_client.get(reverse("program:diary_new")).content


def test_a_form_that_did_not_ask_saves_the_night_without_reading_the_medicines(
    patient_client, patient
) -> None:
    """A form shown before any medicine was listed has no question: the night is saved
    as sent, and the medicines are not read."""
    patient_client.get(reverse("program:diary_new"))
    Medication.objects.create(patient=patient, name="melatonin", usual_dose_mg=Decimal(2))
    with CaptureQueriesContext(connection) as queries:
        response = patient_client.post(reverse("program:diary_new"), NIGHT)
    assert response.status_code == 302
    assert not [q for q in queries.captured_queries if "program_medication" in q["sql"]]
    entry = DiaryEntry.objects.get(patient=patient, diary_date=TODAY)
    assert not NightMedication.objects.filter(entry=entry).exists()
    # The next form asks.
    assert b"Sleep medicine last night" in patient_client.get(reverse("program:diary_new")).content


def test_usual_none_and_other_are_recorded(patient_client, patient, diazepam) -> None:
    page = patient_client.get(reverse("program:diary_new")).content.decode()
    assert '<input type="hidden" name="medication_asked" value="1">' in page
    # Unanswered, the question is asked again (the form says it asked).
    response = patient_client.post(reverse("program:diary_new"), {**NIGHT, "medication_asked": "1"})
    assert response.status_code == 200
    assert "Say whether you took a sleep medicine" in response.content.decode()

    patient_client.post(reverse("program:diary_new"), {**NIGHT, "medication_answer": "usual"})
    entry = DiaryEntry.objects.get(patient=patient, diary_date=TODAY)
    assert entry.medication.answer == "usual"
    assert [(d.medication.name, d.dose_mg) for d in entry.doses.all()] == [
        ("diazepam", Decimal(10))
    ]

    patient_client.post(
        reverse("program:diary_new"),
        # The same times as the night before: the patient confirms it is another night.
        {
            **NIGHT,
            "diary_date": "2026-11-24",
            "medication_answer": "none",
            "same_times_confirmed": "on",
        },
    )
    none = DiaryEntry.objects.get(patient=patient, diary_date=date(2026, 11, 24))
    assert none.medication.answer == "none"  # recorded, not missing
    assert not none.doses.exists()

    edit = reverse("program:diary_edit", args=["2026-11-25"])
    patient_client.post(
        edit,
        {
            **NIGHT,
            "medication_answer": "other",
            "other_medication": diazepam.pk,
            "other_dose_mg": "5",
            "other_taken_at": "22:30",
        },
    )
    entry.refresh_from_db()
    dose = entry.doses.get()
    assert (dose.dose_mg, dose.taken_at) == (Decimal(5), time(22, 30))
    revision = DiaryEntryRevision.objects.get(entry=entry)
    assert revision.changed_fields == ["medication"]
    assert revision.previous == {"medication": "diazepam 10 mg"}


def test_something_different_needs_a_dose(patient_client, diazepam) -> None:
    response = patient_client.post(
        reverse("program:diary_new"), {**NIGHT, "medication_answer": "other"}
    )
    assert "Give how many mg you took" in response.content.decode()
    assert not DiaryEntry.objects.exists()
    # So its label does not call it optional; the time it was taken is.
    form = patient_client.get(reverse("program:diary_new")).content.decode()
    for label, optional in (("How much? (mg)", False), ("At what time?", True)):
        after = form.split(f">{label}", 1)[1].split("</label>", 1)[0]
        assert ("(optional)" in after) is optional, (label, after)


def test_a_therapist_drafts_edits_and_confirms_a_plan(
    therapist_client, therapist, patient, patient_client, diazepam
) -> None:
    new = reverse("program:taper_plan_new", args=[patient.pk])
    page = therapist_client.get(new)
    assert b"Morin" in page.content
    response = therapist_client.post(
        new,
        {
            "medication": diazepam.pk,
            "template": "morin04",
            "start_dose_mg": "10",
            "start_on": "2026-11-26",
            "strengths": "2, 5",
            "scored": "",
        },
    )
    plan = TaperPlan.objects.get()
    assert response["Location"] == reverse("program:taper_plan_edit", args=[patient.pk, plan.pk])
    assert plan.status == "draft"
    assert [s.dose_mg for s in plan.steps.all()] == [Decimal(v) for v in (10, 8, 6, 4, 2, 2, 0)]
    # A draft is invisible to the patient.
    assert SAFETY.encode() not in patient_client.get(reverse("program:diary")).content

    edit = reverse("program:taper_plan_edit", args=[patient.pk, plan.pk])
    form = therapist_client.get(edit)
    assert b"Confirm plan as Dr Tess Ward" in form.content
    steps = [
        ("2026-11-26", "10", "0"),
        ("2026-12-10", "7", "0"),  # edited: 7 mg instead of 8
        ("2026-12-24", "8", "0"),  # a step up
        ("2027-01-07", "0", "0"),
    ]
    data = {
        "step-TOTAL_FORMS": str(len(steps)),
        "step-INITIAL_FORMS": "0",
        "step-MIN_NUM_FORMS": "0",
        "step-MAX_NUM_FORMS": "80",
        "prescriber": "Dr GP",
        "conversion_note": "",
        "notes": "",
        "reason": "",
    }
    for i, (day, dose, free) in enumerate(steps):
        data |= {
            f"step-{i}-starts_on": day,
            f"step-{i}-dose_mg": dose,
            f"step-{i}-drug_free_nights": free,
        }
    refused = therapist_client.post(edit, {**data, "confirm": "1"}, follow=True)
    assert "raises the dose" in refused.content.decode()
    plan.refresh_from_db()
    assert plan.status == "draft"

    data["step-2-dose_mg"] = "5"
    confirmed = therapist_client.post(edit, {**data, "confirm": "1"})
    assert confirmed.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "active"
    assert plan.confirmed_by == therapist
    assert plan.prescriber == "Dr GP"
    assert [s.dose_mg for s in plan.steps.all()] == [Decimal(v) for v in (10, 7, 5, 0)]
    assert [c.action for c in plan.changes.order_by("pk")] == ["drafted", "edited", "confirmed"]

    with time_machine.travel("2026-11-27 08:00Z", tick=False):
        diary = client_for(patient).get(reverse("program:diary")).content.decode()
    assert "Your diazepam plan" in diary
    assert "10 mg a night" in diary
    assert "7 mg a night" in diary
    assert SAFETY in diary


def test_a_step_up_is_saved_only_when_the_clinician_says_so(therapist, patient, diazepam) -> None:
    plan = confirmed_plan(patient, therapist, diazepam)
    steps = [*plan.pure_steps()]
    steps[2] = steps[2].__class__(steps[2].starts_on, Decimal(9))
    with pytest.raises(medication_service.PlanError, match="raises the dose"):
        medication_service.update_steps(plan=plan, steps=steps, by=therapist, reason="withdrawal")
    with pytest.raises(medication_service.PlanError, match="Say why"):
        medication_service.update_steps(
            plan=plan, steps=steps, by=therapist, reason="", allow_increase=True
        )
    medication_service.update_steps(
        plan=plan, steps=steps, by=therapist, reason="withdrawal", allow_increase=True
    )
    assert plan.changes.first().action == "edited (dose raised)"


def test_a_patient_cannot_set_a_plan(patient, diazepam) -> None:
    with pytest.raises(medication_service.PlanError):
        medication_service.create_draft(
            patient=patient,
            medication=diazepam,
            template_key="morin04",
            start_dose=Decimal(10),
            start_on=TODAY,
            strengths=[Decimal(5)],
            scored=[],
            by=patient,
        )


def test_pause_slow_and_resume(therapist_client, therapist, patient, diazepam) -> None:
    plan = confirmed_plan(patient, therapist, diazepam)
    action = reverse("program:taper_plan_action", args=[patient.pk, plan.pk])
    before = [s.starts_on for s in plan.steps.all()]
    therapist_client.post(action, {"action": "pause", "reason": "shaky"})
    plan.refresh_from_db()
    assert (plan.status, plan.paused_on) == ("paused", TODAY)
    with time_machine.travel("2026-12-02 08:00Z", tick=False):
        client_for(therapist).post(action, {"action": "resume", "reason": "better"})
    plan.refresh_from_db()
    after = [s.starts_on for s in plan.steps.all()]
    assert plan.status == "active"
    assert after[:2] == before[:2]  # begun before the pause: unchanged
    assert after[2] == before[2] + timedelta(days=7)
    therapist_client.post(action, {"action": "slow", "factor": "2", "reason": "slower"})
    slowed = [s.starts_on for s in plan.steps.all()]
    assert (slowed[3] - slowed[2]).days == 28
    assert list(
        TaperPlanChange.objects.filter(plan=plan).order_by("-pk").values_list("reason", flat=True)
    )[:3] == ["slower", "better", "shaky"]


def test_the_clinician_page_shows_figures_chart_and_flags(
    therapist_client, therapist, patient, diazepam
) -> None:
    plan = confirmed_plan(patient, therapist, diazepam, start=date(2026, 11, 2))
    from program.diary.actions import save_entry

    for back in range(1, 22):
        day = TODAY - timedelta(days=back)
        saved = save_entry(
            patient=patient,
            diary_date=day,
            changed_by=patient,
            today=TODAY,
            enforce_backfill=False,
            answers=night_answers(),
        )
        NightMedication.objects.create(entry=saved.entry, answer="usual")
        MedicationDose.objects.create(entry=saved.entry, medication=diazepam, dose_mg=Decimal(10))
    page = therapist_client.get(reverse("program:patient_medication", args=[patient.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "svg" in text and "plan-line" in text
    assert "not made" in text  # the step to 8 mg was missed
    assert "7 of 7" in text
    assert "previous step&#x27;s dose" in text or "previous step's dose" in text
    assert plan.medication.name in text


def test_a_mean_dose_reads_as_doses_do_on_every_staff_page(
    therapist_client, patient, diazepam
) -> None:
    from program.diary.actions import save_entry

    # Programme week 3 (16-22 Nov): 5, 2.5 and 2.5 mg, a mean of 3.333... mg.
    for day, dose in ((17, "5"), (18, "2.5"), (19, "2.5")):
        saved = save_entry(
            patient=patient,
            diary_date=date(2026, 11, day),
            changed_by=patient,
            today=TODAY,
            enforce_backfill=False,
            answers=night_answers(),
        )
        NightMedication.objects.create(entry=saved.entry, answer="other")
        MedicationDose.objects.create(entry=saved.entry, medication=diazepam, dose_mg=Decimal(dose))
    for name in ("patient_medication", "patient_detail", "patient_summary"):
        text = therapist_client.get(reverse(f"program:{name}", args=[patient.pk])).content.decode()
        assert "3.3 mg" in text, name
        assert "3.333" not in text and "3.30" not in text, name
    pdf = therapist_client.get(reverse("program:patient_summary_pdf", args=[patient.pk]))
    assert "3.3 mg" in _pdf_text(pdf.content) and "3.333" not in _pdf_text(pdf.content)


def test_other_therapists_get_404(client, other_therapist, therapist, patient, diazepam) -> None:
    plan = confirmed_plan(patient, therapist, diazepam)
    other = client_for(other_therapist)
    for url in (
        reverse("program:patient_medication", args=[patient.pk]),
        reverse("program:taper_plan_new", args=[patient.pk]),
        reverse("program:taper_plan_edit", args=[patient.pk, plan.pk]),
    ):
        assert other.get(url).status_code == 404
    refused = other.post(
        reverse("program:taper_plan_action", args=[patient.pk, plan.pk]), {"action": "pause"}
    )
    assert refused.status_code == 404
    plan.refresh_from_db()
    assert plan.status == "active"


def test_while_paused_nights_are_compared_with_the_paused_step(
    therapist, patient, patient_client, diazepam
) -> None:
    plan = confirmed_plan(patient, therapist, diazepam, start=date(2026, 11, 10))
    medication_service.pause_plan(
        plan=plan, by=therapist, today=date(2026, 11, 20), reason="withdrawal"
    )
    # The step to 8 mg was due on 24 Nov; paused on 20 Nov, 10 mg is still the plan.
    patient_client.post(reverse("program:diary_new"), {**NIGHT, "medication_answer": "usual"})
    entry = DiaryEntry.objects.get(patient=patient, diary_date=TODAY)
    assert [d.dose_mg for d in entry.doses.all()] == [Decimal(10)]
    fig = medication_service.figures(patient, TODAY)
    assert fig.nights[0].check.check == "as_planned"
    assert fig.flags == []
    diary = patient_client.get(reverse("program:diary")).content.decode()
    assert "paused the plan" in diary


@pytest.mark.parametrize(
    ("most", "top"),
    [("0.5", "1"), ("4.5", "5"), ("5", "5"), ("7.5", "10"), ("10", "10"), ("12.5", "15")],
)
def test_the_dose_charts_axis_reaches_the_highest_dose(most: str, top: str) -> None:
    """The axis ends at the next whole step above the highest dose: a 7.5 mg night once
    got a 5 mg axis, its bar drawn above the chart."""
    from program.medication.dose_chart import DoseBar, _axis_top

    bars = [DoseBar("Mon 7", date(2026, 12, 7), Decimal(most), None)]
    assert _axis_top(bars) == Decimal(top)


def test_a_scored_strength_not_among_the_strengths_is_named_in_the_readers_words(
    patient,
) -> None:
    from django.utils import translation

    from program.medication.forms import TaperPlanNewForm

    medicine = Medication.objects.create(
        patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
    )
    data = {"strengths": "2; 5", "scored": "3,75"}
    with translation.override("fr"):
        form = TaperPlanNewForm(data, medicines=[medicine])
        assert form.errors["scored"] == ["3,75 mg ne fait pas partie des dosages de comprimés."]
    form = TaperPlanNewForm({"strengths": "2, 5", "scored": "3.75"}, medicines=[medicine])
    assert form.errors["scored"] == ["3.75 mg is not among the tablet strengths."]


def test_a_paused_plans_next_step_gives_no_evening_already_past(
    therapist, patient, patient_client, diazepam
) -> None:
    """The step to 8 mg was due on 24 November; paused on the 20th, it waits for the
    clinician to resume the plan (which moves it by the pause). On the 25th every page
    said "8 mg from the evening of Tuesday 24 November", beside "stay at the current step"."""
    plan = confirmed_plan(patient, therapist, diazepam, start=date(2026, 11, 10))
    medication_service.pause_plan(
        plan=plan, by=therapist, today=date(2026, 11, 20), reason="withdrawal"
    )
    therapist_client = client_for(therapist)
    pages = {
        "diary": patient_client.get(reverse("program:diary")),
        "medicines": patient_client.get(reverse("program:medicines")),
        "therapist": therapist_client.get(reverse("program:patient_medication", args=[patient.pk])),
        "summary": therapist_client.get(reverse("program:patient_summary", args=[patient.pk])),
    }
    for name, response in pages.items():
        page = " ".join(response.content.decode().split())
        # The next step's words: from its label to the end of its line.
        label = "Next:" if name == "therapist" else "Next step"
        step = page[page.index(label) :]
        step = step[: step.index("</p>" if name == "therapist" else "</dd>")]
        assert "8 mg" in step, (name, step)
        assert "24" not in step, (name, step)
    for name in ("diary", "medicines"):
        page = " ".join(pages[name].content.decode().split())
        assert "once your clinician resumes the plan" in page, name
        assert "paused the plan" in page, name
    for name in ("therapist", "summary"):
        assert "when the plan is resumed" in " ".join(pages[name].content.decode().split()), name
    assert "when the plan is resumed" in _pdf_text(
        therapist_client.get(reverse("program:patient_summary_pdf", args=[patient.pk])).content
    )


def _pace_form(client, patient) -> dict[str, str]:
    """The pace form's hidden fields as the clinician's page drew them."""
    import re

    page = client.get(reverse("program:patient_medication", args=[patient.pk])).content.decode()
    return {"seen": re.search(r'name="seen" value="([^"]+)"', page).group(1)}


def test_a_double_tap_on_slow_down_slows_the_plan_once(therapist, patient, diazepam) -> None:
    """Both requests carry the page as it was drawn: the second finds the plan changed,
    says by whom and when, changes nothing and keeps the reason typed. Each tap used to
    spread the steps again (2 × twice: 4 × as far apart)."""
    plan = confirmed_plan(patient, therapist, diazepam)
    client = client_for(therapist)
    action = reverse("program:taper_plan_action", args=[patient.pk, plan.pk])
    drawn = _pace_form(client, patient)
    send = {**drawn, "action": "slow", "factor": "2", "reason": "withdrawal symptoms"}
    first = client.post(action, send, follow=True)
    assert "Plan slowed" in first.content.decode()
    slowed = [s.starts_on for s in plan.steps.all()]
    second = client.post(action, send)
    page = " ".join(second.content.decode().split())
    assert second.status_code == 200
    assert "This plan was changed after the page was opened (slowed" in page
    assert "Nothing more was changed" in page
    assert 'value="withdrawal symptoms"' in page  # the reason typed, kept
    assert [s.starts_on for s in plan.steps.all()] == slowed
    assert TaperPlanChange.objects.filter(plan=plan, action__startswith="slowed").count() == 1
    # The page drawn again carries the plan as it is now: the clinician can go on.
    again = client.post(action, {**_pace_form(client, patient), "action": "pause"})
    assert again.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "paused"


def test_a_colleagues_pause_is_not_ended_unseen(therapist, patient, diazepam) -> None:
    plan = confirmed_plan(patient, therapist, diazepam)
    client = client_for(therapist)
    action = reverse("program:taper_plan_action", args=[patient.pk, plan.pk])
    drawn = _pace_form(client, patient)
    medication_service.pause_plan(plan=plan, by=therapist, today=TODAY, reason="withdrawal")
    refused = client.post(action, {**drawn, "action": "end"}, follow=True)
    assert "This plan was changed after the page was opened (paused:" in refused.content.decode()
    plan.refresh_from_db()
    assert plan.status == "paused"


@pytest.mark.django_db(transaction=True)
def test_ten_resumes_at_the_same_instant_move_the_steps_once(therapist, patient) -> None:
    """Ten taps at once on Resume (PostgreSQL; SQLite runs one writer at a time): the
    plan's row is locked, so one resumes and the others change nothing. Unlocked, each
    replaced the steps in its own transaction and the plan ended with its steps twice."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's test database is one connection)")
    medicine = Medication.objects.create(
        patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
    )
    plan = confirmed_plan(patient, therapist, medicine)
    medication_service.pause_plan(plan=plan, by=therapist, today=date(2026, 11, 20), reason="x")
    steps = plan.steps.count()
    action = reverse("program:taper_plan_action", args=[patient.pk, plan.pk])
    clients = [client_for(therapist) for _ in range(10)]
    start = threading.Barrier(len(clients))
    errors: list[BaseException] = []

    def send(client) -> None:
        try:
            start.wait()
            client.post(action, {"action": "resume"})
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    plan.refresh_from_db()
    assert plan.status == "active"
    assert plan.steps.count() == steps
    assert TaperPlanChange.objects.filter(plan=plan, action="resumed").count() == 1


def test_steps_edited_on_a_page_drawn_before_a_colleagues_change_are_not_saved_unseen(
    therapist, patient, diazepam
) -> None:
    """The editor, opened before a colleague slowed the plan, would have put the old
    dates back without a word. It says what changed, shows the plan as it is now in the
    form (a second Save must not put the old dates back either) and lists the steps
    typed, to copy; the reason typed is kept."""
    import re

    plan = confirmed_plan(patient, therapist, diazepam)
    client = client_for(therapist)
    edit = reverse("program:taper_plan_edit", args=[patient.pk, plan.pk])
    seen = re.search(r'name="seen" value="([^"]+)"', client.get(edit).content.decode()).group(1)
    medication_service.slow_plan(
        plan=plan, by=therapist, today=TODAY, factor=Decimal(2), reason="withdrawal"
    )
    slowed = [s.starts_on for s in plan.steps.all()]
    typed = [
        (s.starts_on.isoformat(), f"{s.dose_mg.normalize():f}", str(s.drug_free_nights))
        for s in plan.pure_steps()
    ]
    data = {
        "step-TOTAL_FORMS": str(len(typed)),
        "step-INITIAL_FORMS": "0",
        "step-MIN_NUM_FORMS": "0",
        "step-MAX_NUM_FORMS": "80",
        "prescriber": "Dr GP",
        "reason": "my edit",
        "seen": seen,
    }
    for i, (day, dose, free) in enumerate(typed):
        data |= {
            f"step-{i}-starts_on": day,
            f"step-{i}-dose_mg": dose,
            f"step-{i}-drug_free_nights": free,
        }
    moved = date.fromisoformat(typed[1][0]) + timedelta(days=1)
    data["step-1-starts_on"] = moved.isoformat()
    refused = client.post(edit, data)
    page = " ".join(refused.content.decode().split())
    assert refused.status_code == 200
    assert "This plan was changed after the page was opened (slowed" in page
    assert 'value="my edit"' in page
    assert [s.starts_on for s in plan.steps.all()] == slowed
    # The form holds the slowed steps; the moved one is listed as not saved.
    form = page[page.index('class="step-editor') :]
    assert f'value="{moved.isoformat()}"' not in form
    assert f'value="{slowed[2].isoformat()}"' in form
    listed = page[page.index("Your steps, not saved") : page.index('class="step-editor')]
    assert f"{moved.day} {moved:%b} {moved.year}" in listed
    now = re.search(r'name="seen" value="([^"]+)"', page).group(1)
    assert now != seen
    # The clinician makes their change again on the plan as it is: saved.
    saved = client.post(edit, {**data, "seen": now})
    assert saved.status_code == 302
    assert moved in [s.starts_on for s in plan.steps.all()]

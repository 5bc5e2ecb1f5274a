"""Mood during sleep restriction (issue 16, part 7; program.rules.mood).

The PHQ-9 is due at the end of restriction weeks 2 and 4 as well (a programme setting),
and its item 9 goes through the one risk workflow. Patients whose safety screen records
bipolar disorder are asked a weekly elevated-mood question (our own wording, marked as
not validated on the page and in the data); a "yes" is a clinician flag that holds any
shorter window until the therapist has looked.
"""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from accounts.models import User
from program.assessments import actions as assessments
from program.assessments.models import RiskAlert
from program.clinical_text import translated
from program.models import Assessment, MoodCheck, Programme
from program.my_data.export import export
from program.reminders import actions as reminders
from program.rules import mood, titration
from program.sleep_window import actions as sw
from tests.conftest import client_for
from tests.program.test_sleep_window import CLEAR, TODAY, baseline, started
from tests.program.test_titration_workflow import week_of_nights

# The first window is in force from TODAY (Wednesday 25 November 2026).
RESTRICTION_WEEK_2_ENDS = date(2026, 12, 8)
RESTRICTION_WEEK_4_ENDS = date(2026, 12, 22)
PHQ_RISK = {**{f"phq{i}": "0" for i in range(1, 9)}, "phq9": "1"}
PHQ_CALM = {f"phq{i}": "0" for i in range(1, 10)}
REVIEW_DAY = TODAY + timedelta(days=7)
ON_REVIEW_DAY = "2026-12-02 08:00Z"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def at(day: date) -> time_machine.travel:
    return time_machine.travel(f"{day.isoformat()} 09:00Z", tick=False)


# --- The pure rules ----------------------------------------------------------------------


def test_restriction_weeks_end_on_their_seventh_day() -> None:
    assert mood.restriction_occasions(TODAY, [4, 2, 2, 0]) == [
        ("restriction-week-2", RESTRICTION_WEEK_2_ENDS),
        ("restriction-week-4", RESTRICTION_WEEK_4_ENDS),
    ]


def test_a_mistyped_setting_is_ignored_not_an_error() -> None:
    weeks = ["2", None, 2.5, True, {"week": 3}, 4]
    assert mood.restriction_occasions(TODAY, weeks) == [
        ("restriction-week-4", RESTRICTION_WEEK_4_ENDS)
    ]


@given(st.dates(), st.lists(st.integers(min_value=-3, max_value=30), max_size=6))
def test_each_restriction_occasion_is_the_last_day_of_its_week(start, weeks) -> None:
    occasions = mood.restriction_occasions(start, weeks)
    assert [o for o, _ in occasions] == [
        f"restriction-week-{w}" for w in sorted({w for w in weeks if w >= 1})
    ]
    for occasion, due_on in occasions:
        week = int(occasion.rsplit("-", 1)[1])
        assert (due_on - start).days == 7 * week - 1


def test_a_restriction_that_ended_early_drops_the_weeks_due_after_its_end() -> None:
    weeks = [2, 4]
    in_week_2 = RESTRICTION_WEEK_2_ENDS - timedelta(days=3)
    assert mood.restriction_occasions(TODAY, weeks, in_week_2) == []
    # Ended on the day week 2 was due, or later: week 2 fell while restriction was on.
    assert mood.restriction_occasions(TODAY, weeks, RESTRICTION_WEEK_2_ENDS) == [
        ("restriction-week-2", RESTRICTION_WEEK_2_ENDS)
    ]
    assert mood.restriction_occasions(TODAY, weeks, RESTRICTION_WEEK_4_ENDS) == (
        mood.restriction_occasions(TODAY, weeks)
    )


@given(
    st.dates(),
    st.lists(st.integers(min_value=1, max_value=30), max_size=6),
    st.integers(min_value=0, max_value=250),
)
def test_no_restriction_occasion_falls_after_an_early_end(start, weeks, days) -> None:
    ended_on = start + timedelta(days=days)
    kept = mood.restriction_occasions(start, weeks, ended_on)
    assert all(due_on <= ended_on for _o, due_on in kept)
    assert kept == [(o, d) for o, d in mood.restriction_occasions(start, weeks) if d <= ended_on]


def test_only_a_bipolar_history_is_asked_and_at_most_weekly() -> None:
    assert mood.asked_about_elevated_mood({"bipolar": True})
    assert not mood.asked_about_elevated_mood({"bipolar": False, "pregnant": True})
    assert not mood.asked_about_elevated_mood(None)
    assert mood.question_due(None, TODAY)
    assert not mood.question_due(TODAY - timedelta(days=6), TODAY)
    assert mood.question_due(TODAY - timedelta(days=7), TODAY)


@pytest.mark.parametrize("se_minutes", [250, 315])  # SE about 67% and 84%: a cut is due
def test_an_unreviewed_yes_holds_a_shorter_window_for_a_clinician(se_minutes) -> None:
    protocol = titration.SHIPPED[0]
    nights = [
        titration.NightFigures(TODAY + timedelta(days=d), se_minutes, 375) for d in range(1, 8)
    ]
    review = TODAY + timedelta(days=7)
    cut = titration.titrate(
        protocol, 375, nights, review, window_from=TODAY, very_sleepy=False, mood_hold=False
    )
    held = titration.titrate(
        protocol, 375, nights, review, window_from=TODAY, very_sleepy=False, mood_hold=True
    )
    assert cut.rule is titration.Rule.REDUCE and cut.window_min == 360
    assert held.rule is titration.Rule.MOOD_HOLD and held.window_min == 375
    assert titration.Flag.ELEVATED_MOOD in held.flags
    assert not titration.auto_applicable(held.rule, held.flags)


def test_a_held_mood_never_stops_a_lengthening() -> None:
    protocol = titration.SHIPPED[0]
    good = [titration.NightFigures(TODAY + timedelta(days=d), 360, 375) for d in range(1, 8)]
    review = TODAY + timedelta(days=7)
    decision = titration.titrate(
        protocol, 375, good, review, window_from=TODAY, very_sleepy=False, mood_hold=True
    )
    assert decision.rule is titration.Rule.EXTEND and decision.window_min == 390
    sleepy = titration.titrate(
        protocol, 375, good[:2], review, window_from=TODAY, very_sleepy=True, mood_hold=True
    )
    assert sleepy.rule is titration.Rule.SLEEPY_EXTEND


# --- The PHQ-9 during restriction --------------------------------------------------------


def test_a_phq9_is_due_at_the_end_of_restriction_weeks_2_and_4(patient, therapist) -> None:
    started(patient, therapist)
    assert assessments.restriction_start(patient) == mood.Restriction(TODAY)
    with at(RESTRICTION_WEEK_2_ENDS - timedelta(days=1)):
        due = assessments.due(
            patient.enrolments.get(),
            RESTRICTION_WEEK_2_ENDS - timedelta(days=1),
            [],
            mood.Restriction(TODAY),
        )
        assert [o.occasion for o in due if o.key == "phq9"] == ["baseline"]
    with at(RESTRICTION_WEEK_2_ENDS):
        client = client_for(patient)
        page = client.get(reverse("program:progress")).content.decode()
        assert "End of week 2 of your sleep window" in page
        client.post(reverse("program:questionnaire", args=["phq9"]), PHQ_CALM)
    first = Assessment.objects.get(patient=patient, instrument__key="phq9")
    assert (first.occasion, first.due_on) == ("restriction-week-2", RESTRICTION_WEEK_2_ENDS)
    with at(RESTRICTION_WEEK_4_ENDS):
        client = client_for(patient)
        home = client.get(reverse("program:patient_home")).content.decode()
        assert "PHQ-9" in home
        client.post(reverse("program:questionnaire", args=["phq9"]), PHQ_CALM)
    occasions = set(
        Assessment.objects.filter(patient=patient, instrument__key="phq9").values_list(
            "occasion", flat=True
        )
    )
    assert "restriction-week-4" in occasions


def test_item_9_at_a_restriction_week_raises_the_risk_alert(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    started(patient, therapist)
    with at(RESTRICTION_WEEK_2_ENDS), django_capture_on_commit_callbacks(execute=True):
        client_for(patient).post(reverse("program:questionnaire", args=["phq9"]), PHQ_RISK)
    assessment = Assessment.objects.get(patient=patient, occasion="restriction-week-2")
    assert assessment.risk
    alert = RiskAlert.objects.get(patient=patient)
    assert alert.source == "phq9_item9" and alert.assessment == assessment
    assert therapist.email in {m.to[0] for m in mail.outbox}
    with at(RESTRICTION_WEEK_2_ENDS):
        caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert "Urgent: self-harm answer" in caseload


def test_the_restriction_weeks_are_a_programme_setting(patient, therapist) -> None:
    Programme.objects.update(restriction_phq9_weeks=[])
    started(patient, therapist)
    enrolment = patient.enrolments.select_related("programme").get()
    with at(RESTRICTION_WEEK_2_ENDS):
        due = assessments.due(enrolment, RESTRICTION_WEEK_2_ENDS, [], mood.Restriction(TODAY))
    assert not any(o.occasion.startswith("restriction") for o in due)
    Programme.objects.update(restriction_phq9_weeks=[3])
    enrolment = patient.enrolments.select_related("programme").get()
    keys = [o.occasion for o in assessments.occasions(enrolment, mood.Restriction(TODAY))]
    assert "restriction-week-3" in keys and "restriction-week-2" not in keys


def test_no_restriction_phq9_before_a_window_is_in_force(patient) -> None:
    enrolment = patient.enrolments.select_related("programme").get()
    assert assessments.restriction_start(patient) is None
    keys = [o.occasion for o in assessments.occasions(enrolment, None)]
    assert not any(k.startswith("restriction") for k in keys)


def test_restriction_that_ends_early_does_not_ask_the_week_4_phq9(patient, therapist) -> None:
    started(patient, therapist)
    ended = RESTRICTION_WEEK_2_ENDS + timedelta(days=2)  # in week 3: week 2 stands
    with at(ended):
        sw.end(patient.sleep_course, reason="SE high, feels rested")
    assert assessments.restriction_start(patient) == mood.Restriction(TODAY, ended)
    enrolment = patient.enrolments.select_related("programme").get()
    keys = [o.occasion for o in assessments.occasions(enrolment, mood.Restriction(TODAY, ended))]
    assert "restriction-week-2" in keys and "restriction-week-4" not in keys
    assert f"week-{enrolment.programme.weeks}" in keys  # the programme's own end stands
    with at(RESTRICTION_WEEK_4_ENDS):
        client = client_for(patient)
        page = client.get(reverse("program:progress")).content.decode()
        assert "End of week 4 of your sleep window" not in page
        dates = reminders.next_questionnaire_dates(patient, ended)
    assert RESTRICTION_WEEK_4_ENDS not in dates


def test_the_questionnaire_reminder_knows_the_restriction_dates(patient, therapist) -> None:
    started(patient, therapist)
    dates = reminders.next_questionnaire_dates(patient, TODAY)
    assert RESTRICTION_WEEK_2_ENDS in dates and RESTRICTION_WEEK_4_ENDS in dates


# --- The elevated-mood question ------------------------------------------------------------


def started_with_bipolar_history(patient: User, therapist: User) -> None:
    screen, _result = sw.submit_screen(patient, {**CLEAR, "bipolar": True})
    sw.decide_screen(screen, decision="allowed", by=therapist, note="Stable; agreed with her.")
    baseline(patient)
    sw.approve(sw.start(patient, rise_time=time(6, 30)), by=therapist)


def answer_mood(patient: User, answer: str):
    return client_for(patient).post(
        reverse("program:sleep_window_mood"), {"elevated": answer}, follow=True
    )


def test_only_a_patient_with_a_bipolar_history_is_asked(patient, other_patient, therapist):
    started_with_bipolar_history(patient, therapist)
    started(other_patient, therapist)
    page = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    question = translated(mood.ELEVATED_MOOD_QUESTION)
    assert question in page
    assert translated(mood.NOT_VALIDATED) in page
    assert "not a validated questionnaire" in mood.NOT_VALIDATED
    other = client_for(other_patient).get(reverse("program:sleep_window")).content.decode()
    assert question not in other


def test_an_answer_is_stored_as_asked_and_not_validated_then_not_asked_again_that_week(
    patient, therapist
) -> None:
    started_with_bipolar_history(patient, therapist)
    page = answer_mood(patient, "no").content.decode()
    check = MoodCheck.objects.get(patient=patient)
    assert (check.elevated, check.validated) == (False, False)
    assert check.question == mood.ELEVATED_MOOD_QUESTION
    assert translated(mood.ELEVATED_MOOD_QUESTION) not in page  # answered this week
    answer_mood(patient, "yes")
    assert MoodCheck.objects.filter(patient=patient).count() == 1
    exported = export(patient)["mood_checks"]
    assert exported[0]["validated"] is False
    assert exported[0]["question"] == mood.ELEVATED_MOOD_QUESTION
    with time_machine.travel("2026-12-02 08:00Z", tick=False):
        again = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    assert translated(mood.ELEVATED_MOOD_QUESTION) in again


def test_a_missing_answer_is_asked_again_without_losing_the_page(patient, therapist) -> None:
    started_with_bipolar_history(patient, therapist)
    response = client_for(patient).post(reverse("program:sleep_window_mood"), {})
    assert response.status_code == 200
    assert "Please answer yes or no." in response.content.decode()
    assert not MoodCheck.objects.exists()


@pytest.mark.parametrize("has_therapist", [True, False])
def test_a_yes_is_a_clinician_flag_not_the_crisis_workflow(
    has_therapist, patient, therapist, django_capture_on_commit_callbacks
) -> None:
    started_with_bipolar_history(patient, therapist)
    if not has_therapist:
        User.objects.filter(pk=patient.pk).update(therapist=None)
        patient.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        page = answer_mood(patient, "yes").content.decode()
    assert not RiskAlert.objects.exists() and mail.outbox == []
    sentence = "Your therapist will see your answer on their list of patients."
    assert (sentence in page) is has_therapist
    assert "will not be made shorter until a clinician has looked at it" in page
    if has_therapist:
        caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
        assert "Elevated mood reported (to review)" in caseload
        assert "Urgent" not in caseload
    else:
        assert "nobody will see this answer automatically" in page


def test_without_a_therapist_the_duty_list_sees_a_yes_and_marks_it_looked_at(
    patient, therapist, clinic_admin, other_therapist, settings
) -> None:
    settings.RISK_DUTY_EMAILS = []
    started_with_bipolar_history(patient, therapist)
    User.objects.filter(pk=patient.pk).update(therapist=None)
    patient.refresh_from_db()
    page = answer_mood(patient, "yes").content.decode()
    # Told what happens: the duty team's list, not "nobody".
    assert "your clinic&#x27;s duty team will see your answer on their list" in page
    assert "nobody will see this answer automatically" not in page
    check = MoodCheck.objects.get(patient=patient)
    # On the duty list's queue, on the alerts page and the clinic page.
    for url in ("program:risk_alerts", "program:clinic_home"):
        queue = client_for(clinic_admin).get(reverse(url)).content.decode()
        assert "elevated-mood answer to look at" in queue and patient.display_name in queue
    # A therapist not on the duty list neither sees it nor may mark it.
    alerts = client_for(other_therapist).get(reverse("program:risk_alerts")).content.decode()
    assert patient.display_name not in alerts
    url = reverse("program:sleep_window_mood_reviewed", args=[patient.pk, check.pk])
    assert client_for(other_therapist).post(url).status_code == 404
    # The duty list marks it from the patient's sleep-window page.
    staff_page = client_for(clinic_admin).get(
        reverse("program:patient_sleep_window", args=[patient.pk])
    )
    assert "I have looked at this" in staff_page.content.decode()
    done = client_for(clinic_admin).post(url, follow=True).content.decode()
    assert "Marked as looked at." in done
    check.refresh_from_db()
    assert check.reviewed_by == clinic_admin and check.reviewed_at is not None
    queue = client_for(clinic_admin).get(reverse("program:risk_alerts")).content.decode()
    assert "elevated-mood answer to look at" not in queue


def test_a_yes_holds_reductions_until_the_therapist_has_looked(patient, therapist) -> None:
    started_with_bipolar_history(patient, therapist)
    week_of_nights(patient)  # SE 84%: a shorter window is due
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        client_for(patient).post(
            reverse("program:sleep_window_sleepiness"), {"dozing": "0", "unsafe": "no"}
        )
        answer_mood(patient, "yes")
        held = sw.weekly_review(sw.course_for(patient), REVIEW_DAY)
    assert (held.rule, held.proposed_window_min, held.status) == ("mood_hold", 375, "pending")
    assert "elevated_mood" in held.flags
    shown = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    assert "you told us your mood has been unusually high" in shown
    check = MoodCheck.objects.get(patient=patient)
    url = reverse("program:sleep_window_mood_reviewed", args=[patient.pk, check.pk])
    therapist_page = reverse("program:patient_sleep_window", args=[patient.pk])
    assert "I have looked at this" in client_for(therapist).get(therapist_page).content.decode()
    client_for(therapist).post(url)
    check.refresh_from_db()
    assert check.reviewed_by == therapist and check.reviewed_at is not None
    assert not sw.mood_to_review(patient)
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert "Elevated mood reported" not in caseload
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        again = sw._weekly_decision(sw.course_for(patient), REVIEW_DAY, very_sleepy=False)
    assert again is not None and again.rule is titration.Rule.REDUCE


def test_a_yes_after_the_review_holds_the_cut_already_proposed(patient, therapist) -> None:
    started_with_bipolar_history(patient, therapist)
    week_of_nights(patient)
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        client_for(patient).post(
            reverse("program:sleep_window_sleepiness"), {"dozing": "0", "unsafe": "no"}
        )
        cut = sw.weekly_review(sw.course_for(patient), REVIEW_DAY)
        assert (cut.rule, cut.proposed_window_min) == ("reduce", 360)
        answer_mood(patient, "yes")
    cut.refresh_from_db()
    assert (cut.rule, cut.proposed_window_min, cut.status) == ("mood_hold", 375, "pending")


def test_self_guided_a_yes_still_waits_for_a_clinician(patient, therapist) -> None:
    Programme.objects.update(sleep_window_auto_apply=True)
    started_with_bipolar_history(patient, therapist)
    week_of_nights(patient)
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        client_for(patient).post(
            reverse("program:sleep_window_sleepiness"), {"dozing": "0", "unsafe": "no"}
        )
        answer_mood(patient, "yes")
        held = sw.weekly_review(sw.course_for(patient), REVIEW_DAY)
    assert (held.rule, held.status) == ("mood_hold", "pending")
    assert sw.course_for(patient).prescriptions.order_by("-created_at").first().window_min == 375


def test_only_the_patients_own_therapist_marks_an_answer_looked_at(
    patient, therapist, other_therapist, clinic_admin
) -> None:
    started_with_bipolar_history(patient, therapist)
    answer_mood(patient, "yes")
    check = MoodCheck.objects.get(patient=patient)
    url = reverse("program:sleep_window_mood_reviewed", args=[patient.pk, check.pk])
    assert client_for(other_therapist).post(url).status_code == 404
    assert client_for(clinic_admin).post(url).status_code == 404
    assert client_for(patient).post(url).status_code in (302, 403)
    check.refresh_from_db()
    assert check.reviewed_at is None

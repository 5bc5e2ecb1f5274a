"""The sleep-window workflow end to end: screen, first window, weekly review, decisions."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from icalendar import Calendar

from program import clinical_text
from program.diary.actions import save_entry
from program.models import Prescription, Programme, Recommendation, SafetyScreen, SleepCourse
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw
from program.sleep_window.forms import SafetyScreenForm
from tests.conftest import client_for

TODAY = date(2026, 11, 25)  # a Wednesday
CLEAR = {q.key: False for q in SCREEN}


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def night(
    patient,
    day: date,
    *,
    into_bed=time(23),
    out=time(7),
    latency=30,
    awake=60,
    final=time(6, 40),
    unusual=False,
):
    save_entry(
        patient=patient,
        diary_date=day,
        changed_by=patient,
        enforce_backfill=False,
        today=max(day, TODAY),
        answers={
            "into_bed": into_bed,
            "lights_off": into_bed,
            "final_wake": final,
            "out_of_bed": out,
            "sleep_latency_min": latency,
            "awakenings": 2,
            "awake_min": awake,
            "quality": 2,
            "unusual_night": unusual,
            "unusual_reason": "illness" if unusual else "",
        },
    )


def baseline(patient, nights: int = 7) -> None:
    # 23:00-07:00 (480 in bed), asleep 23:30-06:40 less 60 awake = 370 min.
    for back in range(nights):
        night(patient, TODAY - timedelta(days=back))


def started(patient, therapist) -> Recommendation:
    sw.submit_screen(patient, CLEAR)
    baseline(patient)
    recommendation = sw.start(patient, rise_time=time(6, 30))
    sw.approve(recommendation, by=therapist)
    return recommendation


def test_the_first_window_waits_for_the_clinician_then_shows_to_the_patient(
    patient, therapist
) -> None:
    sw.submit_screen(patient, CLEAR)
    baseline(patient)
    recommendation = sw.start(patient, rise_time=time(6, 30))
    assert recommendation.status == "pending"
    assert recommendation.proposed_window_min == 375  # mean TST 370 -> nearest 15
    page = client_for(patient).get(reverse("program:sleep_window"))
    assert b"Your first window is with your therapist" in page.content
    response = client_for(therapist).post(
        reverse("program:decide_recommendation", args=[patient.pk, recommendation.pk]),
        {"action": "approve"},
    )
    assert response.status_code == 302
    page = client_for(patient).get(reverse("program:sleep_window"))
    html = page.content.decode()
    assert "In bed not before <strong>00:15</strong>, up at <strong>06:30</strong>" in html
    # The protocol's notes for the clinic (English, with their caveats) are not the
    # patient's: the page points to the sources the app names for patients.
    assert recommendation.course.protocol.sources
    assert recommendation.course.protocol.sources not in html
    assert f'href="{reverse("program:about")}#sources-heading"' in html
    assert "the average time you slept in the diary nights before it" in html


def test_a_clinician_can_change_a_recommendation_with_a_reason(patient, therapist) -> None:
    sw.submit_screen(patient, CLEAR)
    baseline(patient)
    recommendation = sw.start(patient, rise_time=time(6, 30))
    client = client_for(therapist)
    url = reverse("program:decide_recommendation", args=[patient.pk, recommendation.pk])
    no_reason = client.post(url, {"action": "edit", "window_min": "390"})
    assert no_reason.status_code == 200
    assert b"Say why" in no_reason.content
    assert b'value="390"' in no_reason.content  # what was typed stays
    client.post(url, {"action": "edit", "window_min": "390", "reason": "Works early shifts"})
    prescription = Prescription.objects.get()
    assert (prescription.window_min, prescription.source) == (390, "edited")
    assert prescription.reason == "Works early shifts"
    assert prescription.set_by == therapist


def test_not_enough_baseline_says_how_many_nights_are_missing(patient) -> None:
    sw.submit_screen(patient, CLEAR)
    baseline(patient, nights=5)
    with pytest.raises(sw.SleepWindowError, match="you have 5"):
        sw.start(patient, rise_time=time(6, 30))


def test_a_positive_screen_holds_the_window_until_a_clinician_decides(patient, therapist):
    answers = {**CLEAR, "apnoea": True}
    screen, result = sw.submit_screen(patient, answers)
    assert result.positive and screen.decision == "pending"
    baseline(patient)
    with pytest.raises(sw.SleepWindowError):
        sw.start(patient, rise_time=time(6, 30))
    page = client_for(therapist).get(reverse("program:patient_sleep_window", args=[patient.pk]))
    assert b"Positive" in page.content and b"untreated sleep apnoea" in page.content
    client_for(therapist).post(
        reverse("program:decide_screen", args=[patient.pk, screen.pk]),
        {"decision": "compression", "note": "CPAP since October"},
    )
    recommendation = sw.start(patient, rise_time=time(6, 30))
    assert sw.course_for(patient).protocol.key == "compression"
    assert recommendation.proposed_window_min == 480  # compression starts at the time in bed


def test_self_harm_answers_show_crisis_contacts(patient) -> None:
    response = client_for(patient).post(
        reverse("program:sleep_window_screen"),
        {q.key: "yes" if q.key == "self_harm" else "no" for q in SCREEN},
        follow=True,
    )
    # The clinic's country's lines (CLINIC_DEFAULT_COUNTRY, GB in the tests).
    assert b"116 123" in response.content
    assert b"999" in response.content


@pytest.mark.parametrize("window_on", [False, True], ids=["first screen", "asked again"])
def test_a_self_harm_answer_shows_the_crisis_contacts_once(patient, therapist, window_on) -> None:
    """Was: the crisis lines and "We have alerted your care team" were flashed above the
    page, then shown again in it."""
    client = client_for(patient)
    if window_on:
        started(patient, therapist)
        client.post(reverse("program:sleep_window_changed"))
    self_harm = {q.key: "yes" if q.key == "self_harm" else "no" for q in SCREEN}
    response = client.post(reverse("program:sleep_window_screen"), self_harm, follow=True)
    page = response.content.decode()
    assert page.count("please talk to someone now") == 1
    assert page.count("We have alerted your care team") == 1
    # Shown in the page, the numbers a tap away (not only in the footer).
    assert 'href="tel:116123"' in page.split('class="crisis-footer"')[0]


def test_a_self_harm_answer_after_the_window_ended_shows_the_crisis_contacts(
    patient, therapist
) -> None:
    """A screen sent from a tab left open while the therapist ended the window: the page
    it lands on showed "Sleep restriction has finished" and no crisis box, and (the
    flashed copy gone) nothing said the care team was alerted."""
    started(patient, therapist)
    sw.end(sw.course_for(patient), reason="Finished")
    self_harm = {q.key: "yes" if q.key == "self_harm" else "no" for q in SCREEN}
    response = client_for(patient).post(
        reverse("program:sleep_window_screen"), self_harm, follow=True
    )
    main = response.content.decode().split('class="crisis-footer"')[0]
    assert main.count("please talk to someone now") == 1
    assert main.count("We have alerted your care team") == 1
    assert 'role="alert"' in main and 'href="tel:116123"' in main


@pytest.mark.parametrize("window_on", [False, True], ids=["first screen", "asked again"])
def test_after_a_self_harm_answer_the_crisis_contacts_come_first(
    patient, therapist, window_on
) -> None:
    """Was: the crisis box came last in its card, below what the clinician will decide,
    so on a small phone it was below the fold."""
    client = client_for(patient)
    if window_on:
        started(patient, therapist)
        client.post(reverse("program:sleep_window_changed"))
    self_harm = {q.key: "yes" if q.key == "self_harm" else "no" for q in SCREEN}
    page = client.post(reverse("program:sleep_window_screen"), self_harm, follow=True)
    main = page.content.decode().split('class="crisis-footer"')[0]
    decision = "Some of your new answers mean" if window_on else "Some of your answers mean a"
    assert main.index("please talk to someone now") < main.index(decision)


def test_an_unanswered_screen_keeps_the_answers_given(patient) -> None:
    data = {q.key: "no" for q in SCREEN[:3]}
    response = client_for(patient).post(reverse("program:sleep_window_screen"), data)
    assert response.status_code == 200
    assert b"Please answer every question" in response.content
    html = response.content.decode()
    # The three answers given are still ticked; nothing else is.
    assert html.count(" checked>") == 3, html.count(" checked>")


@pytest.mark.parametrize(("born", "older"), [(date(1950, 1, 2), True), (date(1990, 1, 2), False)])
def test_the_screen_does_not_ask_the_age_the_date_of_birth_gives(patient, born, older) -> None:
    """The date of birth, asked at sign-up, says whether the patient is 65 or older: the
    screen does not ask it a second time, and its answer is stored from the date."""
    patient.date_of_birth = born
    patient.save(update_fields=["date_of_birth"])
    client = client_for(patient)
    html = client.get(reverse("program:sleep_window")).content.decode()
    assert str(clinical_text.screen_question("parasomnia")) in html  # the screen is asked
    assert str(clinical_text.screen_question("older")) not in html
    # Answered "no" in a form drawn before: the date of birth still decides.
    data = {q.key: "no" for q in SCREEN}
    client.post(reverse("program:sleep_window_screen"), data)
    assert SafetyScreen.objects.get(patient=patient).answers["older"] is older


def test_the_screen_asks_the_age_when_no_date_of_birth_is_known(patient) -> None:
    """An account made before sign-up asked the date of birth, screened again."""
    patient.date_of_birth = None
    patient.save(update_fields=["date_of_birth"])
    form = SafetyScreenForm(years=patient.age())
    assert "older" in form.fields


def test_the_weekly_review_extends_a_good_week(patient, therapist) -> None:
    started(patient, therapist)
    course = sw.course_for(patient)
    Prescription.objects.update(effective_from=TODAY - timedelta(days=7))
    # A week of 00:15-06:30 with 360 asleep: SE 96%. The window's nights are the
    # mornings after its evenings: TODAY + 1 to the review day's own morning.
    for after in range(1, 8):
        day = TODAY + timedelta(days=after)
        night(
            patient,
            day,
            into_bed=time(0, 15),
            out=time(6, 30),
            latency=10,
            awake=5,
            final=time(6, 30),
        )
    recommendation = sw.weekly_review(course, TODAY + timedelta(days=7))
    assert (recommendation.rule, recommendation.proposed_window_min) == ("extend", 390)
    assert recommendation.figures["nights"] == 7  # was 6: the review read TODAY's baseline


def test_a_very_sleepy_patient_is_not_cut_and_the_therapist_is_told(patient, therapist):
    """Very sleepy: never shorter, one step longer, proposed to the clinician (a guided
    programme). Was a hold at 375 ("sleepy_hold")."""
    started(patient, therapist)
    course = sw.course_for(patient)
    client_for(patient).post(
        reverse("program:sleep_window_sleepiness"), {"dozing": "3", "unsafe": "yes"}
    )
    review_day = TODAY + timedelta(days=7)
    # A poor week that would shorten the window.
    for back in range(7):
        night(
            patient,
            review_day - timedelta(days=back),
            into_bed=time(0, 15),
            out=time(6, 30),
            latency=60,
            awake=90,
            final=time(6, 0),
        )
    with time_machine.travel("2026-12-02 08:00Z", tick=False):
        client_for(patient).post(
            reverse("program:sleep_window_sleepiness"), {"dozing": "3", "unsafe": "yes"}
        )
        recommendation = sw.weekly_review(course, review_day)
    assert recommendation.rule == "sleepy_extend"
    assert (recommendation.current_window_min, recommendation.proposed_window_min) == (375, 390)
    assert "sleepy" in recommendation.flags
    assert recommendation.status == "pending"


def test_a_self_guided_programme_applies_clear_weeks_automatically(patient, therapist):
    Programme.objects.update(sleep_window_auto_apply=True)
    sw.submit_screen(patient, CLEAR)
    baseline(patient)
    recommendation = sw.start(patient, rise_time=time(6, 30))
    assert recommendation.status == "automatic"
    assert Prescription.objects.get().source == "automatic"


def test_pause_and_resume_without_starting_over(patient, therapist) -> None:
    started(patient, therapist)
    client = client_for(patient)
    before = client.get(reverse("program:patient_home")).content.decode()
    assert 'id="window-heading">Tonight' in before
    # The page offers both pauses, each for what it is: the whole programme's break
    # (Today's, for the days chosen) and the window's alone (its button said only "Pause
    # my sleep window" under "Ill, or travelling?", beside Today's break for the same).
    page = " ".join(client.get(reverse("program:sleep_window")).content.decode().split())
    assert f'<a href="{reverse("program:pause")}">Take a break from the whole programme</a>' in page
    assert "Pause only my sleep window" in page
    client.post(reverse("program:sleep_window_pause"), {"reason": "Flu"})
    assert SleepCourse.objects.get().status == "paused"
    assert b"paused" in client.get(reverse("program:sleep_window")).content
    today = client.get(reverse("program:patient_home")).content.decode()
    assert "Your sleep window is paused" in today and "Flu" in today
    assert 'id="window-heading">Tonight' not in today
    client.post(reverse("program:sleep_window_pause"))
    course = SleepCourse.objects.get()
    assert course.status == "active"
    assert sw.current_prescription(course, TODAY).window_min == 375
    today = client.get(reverse("program:patient_home")).content.decode()
    assert "Your sleep window is paused" not in today


def test_the_care_team_sees_a_paused_window_as_paused(patient, therapist) -> None:
    """The patient paused their window ("Flu"): their therapist's patient page said
    "Sleep window now 00:15–06:30 … since …" as if in force, and the caseload said
    nothing; both say it is paused now, and neither does once it resumes."""
    started(patient, therapist)
    client_for(patient).post(reverse("program:sleep_window_pause"), {"reason": "Flu"})
    staff = client_for(therapist)
    page = staff.get(reverse("program:patient_detail", args=[patient.pk])).content.decode()
    assert '<strong class="flag">paused</strong> (Flu)' in page
    assert "Sleep window paused" in staff.get(reverse("program:caseload")).content.decode()
    client_for(patient).post(reverse("program:sleep_window_pause"))
    page = staff.get(reverse("program:patient_detail", args=[patient.pk])).content.decode()
    assert '<strong class="flag">paused</strong>' not in page
    assert "Sleep window paused" not in staff.get(reverse("program:caseload")).content.decode()


def test_the_therapist_can_end_restriction(patient, therapist) -> None:
    started(patient, therapist)
    client_for(therapist).post(
        reverse("program:sleep_window_action", args=[patient.pk]),
        {"action": "end", "reason": "SE above 90% for 3 weeks"},
    )
    assert (
        b"Sleep restriction has finished"
        in client_for(patient).get(reverse("program:sleep_window")).content
    )


def test_the_calendar_feed_is_in_the_patient_s_language(patient, therapist) -> None:
    """A calendar app fetches the feed without a session: the view uses the patient's."""
    started(patient, therapist)
    patient.language = "fr"
    patient.save(update_fields=["language"])
    course = SleepCourse.objects.get()
    response = client_for(None).get(reverse("program:calendar_feed", args=[course.calendar_token]))
    event = Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["summary"]) == "Coucher"
    assert str(event["description"]).startswith("Au lit pas avant ")


def test_the_calendar_feed_parses_and_follows_the_window(patient, therapist) -> None:
    started(patient, therapist)
    course = SleepCourse.objects.get()
    response = client_for(None).get(reverse("program:calendar_feed", args=[course.calendar_token]))
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = list(calendar.walk("VEVENT"))
    assert events
    tonight = next(e for e in events if e.decoded("dtend").date() == TODAY + timedelta(days=1))
    assert tonight.decoded("dtstart").strftime("%H:%M") == "00:15"
    assert str(tonight["summary"]) == "Bedtime"  # no health details in the text
    assert any(c.name == "VALARM" for c in tonight.subcomponents)
    # A new link revokes the old one.
    client_for(patient).post(reverse("program:sleep_window_calendar_link"))
    assert (
        client_for(None)
        .get(reverse("program:calendar_feed", args=[course.calendar_token]))
        .status_code
        == 404
    )


def test_due_reviews_follow_the_patients_own_weekday(patient, therapist) -> None:
    started(patient, therapist)
    course = SleepCourse.objects.get()
    course.titration_weekday = 2  # Wednesday
    course.save()
    Prescription.objects.update(effective_from=TODAY - timedelta(days=7))
    from datetime import UTC, datetime

    assert [c.pk for c, _ in sw.due_reviews(datetime(2026, 11, 25, 8, tzinfo=UTC))] == [course.pk]
    assert sw.due_reviews(datetime(2026, 11, 26, 8, tzinfo=UTC)) == []
    sw.weekly_review(course, TODAY)
    assert sw.due_reviews(datetime(2026, 11, 25, 9, tzinfo=UTC)) == []  # never twice


def test_the_hourly_tick_makes_each_review_once(patient, therapist) -> None:
    from program.tasks import titration_tick_task

    started(patient, therapist)
    course = SleepCourse.objects.get()
    course.titration_weekday = TODAY.weekday()
    course.save()
    Prescription.objects.update(effective_from=TODAY - timedelta(days=7))
    assert titration_tick_task() == 1
    assert titration_tick_task() == 0
    assert Recommendation.objects.filter(kind="weekly").count() == 1


def test_the_api_shows_the_pending_recommendation_to_the_care_team_only(patient, therapist):
    import json

    from accounts.tokens import issue_token

    started(patient, therapist)
    course = SleepCourse.objects.get()
    Prescription.objects.update(effective_from=TODAY - timedelta(days=7))
    sw.weekly_review(course, TODAY)

    def get(user):
        _, token = issue_token(user, "t")
        response = client_for(None).get(
            f"/api/v1/patients/{patient.pk}/sleep-window", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
        return json.loads(response.content)

    mine = get(patient)
    assert mine["current"]["bedtime"] == "00:15:00"
    assert mine["pending_recommendation"] is None
    theirs = get(therapist)
    assert theirs["pending_recommendation"]["kind"] == "weekly"
    assert theirs["history"][0]["window_min"] == 375

"""The sleep-window workflow around titration's gates (issues 16 and 17): the weekly
sleepiness check before any reduction, very sleepy weeks lengthened (at once when
self-guided, proposed to the clinician when guided), time in bed over the window,
a clinician's window outside the protocol's range, and the words each one shows."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse

from program.models import Prescription, Programme, Recommendation, SleepinessCheck
from program.sleep_window import actions as sw
from tests.conftest import client_for
from tests.program.test_sleep_window import CLEAR, TODAY, baseline, night, started

REVIEW_DAY = TODAY + timedelta(days=7)  # the first window (375 min, 00:15-06:30) from TODAY
ON_REVIEW_DAY = "2026-12-02 08:00Z"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def week_of_nights(patient, *, into_bed=time(0, 15), out=time(6, 30), latency=30, awake=30):
    """Seven nights under the window, on the mornings after its evenings. By default
    375 in bed and 315 asleep: SE 84%, a week that would shorten the window."""
    for after in range(1, 8):
        night(
            patient,
            TODAY + timedelta(days=after),
            into_bed=into_bed,
            out=out,
            latency=latency,
            awake=awake,
            final=time(6, 30),
        )


def answer_sleepiness(patient, *, dozing: int, unsafe: bool = False) -> None:
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        client_for(patient).post(
            reverse("program:sleep_window_sleepiness"),
            {"dozing": str(dozing), "unsafe": "yes" if unsafe else "no"},
        )


def review(patient) -> Recommendation:
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        return sw.weekly_review(sw.course_for(patient), REVIEW_DAY)


def self_guided(patient) -> None:
    Programme.objects.update(sleep_window_auto_apply=True)
    sw.submit_screen(patient, CLEAR)
    baseline(patient)
    first = sw.start(patient, rise_time=time(6, 30))
    assert first.status == "automatic"


# --- The sleepiness check comes before any reduction ---------------------------------------


def test_no_sleepiness_answer_holds_the_window_and_tells_the_therapist(patient, therapist):
    started(patient, therapist)
    week_of_nights(patient)
    recommendation = review(patient)
    assert recommendation.rule == "sleepiness_missing"
    assert recommendation.proposed_window_min == recommendation.current_window_min == 375
    assert "sleepiness_missing" in recommendation.flags
    assert recommendation.status == "pending"


def test_a_held_week_is_worked_out_again_when_the_patient_answers(patient, therapist):
    started(patient, therapist)
    week_of_nights(patient)
    held = review(patient)
    answer_sleepiness(patient, dozing=0)
    held.refresh_from_db()
    assert (held.rule, held.proposed_window_min, held.status) == ("reduce", 360, "pending")
    assert held.flags == []


def test_self_guided_a_held_week_is_applied_once_the_patient_answers(patient):
    self_guided(patient)
    week_of_nights(patient)
    held = review(patient)
    assert (held.rule, held.status) == ("sleepiness_missing", "pending")  # a flag: waits
    answer_sleepiness(patient, dozing=1)
    held.refresh_from_db()
    assert (held.rule, held.status) == ("reduce", "automatic")
    assert Prescription.objects.order_by("-created_at").first().window_min == 360


def test_a_very_sleepy_answer_after_the_review_turns_a_cut_into_a_lengthening(patient, therapist):
    """A clinician never approves a shorter window past a "very sleepy" answer."""
    started(patient, therapist)
    answer_sleepiness(patient, dozing=0)
    week_of_nights(patient)
    pending = review(patient)
    assert (pending.rule, pending.proposed_window_min) == ("reduce", 360)
    answer_sleepiness(patient, dozing=3)
    pending.refresh_from_db()
    assert (pending.rule, pending.proposed_window_min) == ("sleepy_extend", 390)
    assert "sleepy" in pending.flags


# --- Very sleepy: lengthened -------------------------------------------------------------


def test_self_guided_a_very_sleepy_week_is_lengthened_at_once(patient):
    """Was: "very sleepy" turned a self-guided week into a wait for a clinician."""
    self_guided(patient)
    week_of_nights(patient)
    answer_sleepiness(patient, dozing=0, unsafe=True)
    recommendation = review(patient)
    assert (recommendation.rule, recommendation.status) == ("sleepy_extend", "automatic")
    assert recommendation.flags == ["sleepy"]  # kept on the record for the therapist
    window = Prescription.objects.order_by("-created_at").first()
    assert (window.window_min, window.source) == (390, "automatic")
    assert "very sleepy, so your window was made longer" in sw.explain(window.rule, window.figures)


def test_dozing_several_times_a_week_counts_as_very_sleepy(patient, therapist):
    started(patient, therapist)
    week_of_nights(patient)
    answer_sleepiness(patient, dozing=2)
    check = SleepinessCheck.objects.get()
    assert check.very_sleepy
    recommendation = review(patient)
    assert (recommendation.rule, recommendation.proposed_window_min) == ("sleepy_extend", 390)
    assert recommendation.status == "pending"  # guided: the clinician decides


def test_one_very_sleepy_answer_lengthens_the_window_once(patient, therapist):
    """A review made three days after the weekly one (a clinician's "Review this week
    now") read the same "very sleepy" answer again and lengthened the window a second
    time on two nights; an answer counts for one review."""
    started(patient, therapist)
    week_of_nights(patient)
    answer_sleepiness(patient, dozing=3)
    first = review(patient)
    assert (first.rule, first.proposed_window_min) == ("sleepy_extend", 390)
    with time_machine.travel(ON_REVIEW_DAY, tick=False):
        sw.approve(first, by=therapist)
    later = REVIEW_DAY + timedelta(days=3)
    for after in range(1, 4):
        night(
            patient,
            REVIEW_DAY + timedelta(days=after),
            into_bed=time(0),
            out=time(6, 30),
            final=time(6, 20),
        )
    with time_machine.travel(f"{later.isoformat()} 08:00Z", tick=False):
        again = sw.weekly_review(sw.course_for(patient), later)
        assert again.rule != "sleepy_extend"
        assert again.proposed_window_min == again.current_window_min == 390
        # Worked out again while it waits (new screen answers do that): still not twice.
        sw.submit_screen(patient, CLEAR)
        again.refresh_from_db()
        assert again.rule != "sleepy_extend" and again.proposed_window_min == 390
        sw.approve(again, by=therapist)
    # An answer given after that review was decided is the next review's, the same day.
    with time_machine.travel(f"{later.isoformat()} 19:00Z", tick=False):
        client_for(patient).post(
            reverse("program:sleep_window_sleepiness"), {"dozing": "3", "unsafe": "yes"}
        )
    monday = later + timedelta(days=4)
    with time_machine.travel(f"{monday.isoformat()} 13:00Z", tick=False):
        next_week = sw.weekly_review(sw.course_for(patient), monday)
    assert (next_week.rule, next_week.proposed_window_min) == ("sleepy_extend", 405)


# --- Adherence and the protocol's range ----------------------------------------------------


def test_time_in_bed_over_the_window_goes_to_the_therapist(patient, therapist):
    started(patient, therapist)
    answer_sleepiness(patient, dozing=0)
    # In bed 23:30-06:30 (420 min, 45 over the 375 window), 330 asleep: SE 79%.
    week_of_nights(patient, into_bed=time(23, 30), latency=45, awake=45)
    recommendation = review(patient)
    assert (recommendation.rule, recommendation.proposed_window_min) == ("adherence", 375)
    assert "adherence" in recommendation.flags
    text = sw.explain(recommendation.rule, recommendation.figures)
    assert "more than 30 minutes longer in bed than your window" in text


def test_a_window_outside_the_range_needs_a_reason_and_is_never_clamped_back(patient, therapist):
    sw.submit_screen(patient, CLEAR)
    baseline(patient)
    first = sw.start(patient, rise_time=time(6, 30))
    with pytest.raises(sw.SleepWindowError, match="outside this protocol's range"):
        sw.edit(first, by=therapist, window_min=600, reason=" ")
    with pytest.raises(sw.SleepWindowError, match="confirm that you mean it"):
        sw.edit(first, by=therapist, window_min=600, reason="Shift worker, agreed with GP")
    sw.edit(
        first,
        by=therapist,
        window_min=600,
        reason="Shift worker, agreed with GP",
        outside_confirmed=True,
    )
    first.refresh_from_db()
    assert "edited_outside_range" in first.flags
    assert Prescription.objects.get().figures["flags"] == ["edited_outside_range"]
    # A week at SE 96% in the 600-minute window: not "extended" to the 540 ceiling.
    for after in range(1, 8):
        night(
            patient,
            TODAY + timedelta(days=after),
            into_bed=time(20, 30),
            out=time(6, 30),
            latency=10,
            awake=15,
            final=time(6, 30),
        )
    recommendation = review(patient)
    assert (recommendation.rule, recommendation.proposed_window_min) == ("ceiling_hold", 600)
    assert "above_ceiling" in recommendation.flags


# --- Words ---------------------------------------------------------------------------


def test_a_short_week_says_how_many_nights_it_had_and_no_efficiency(patient, therapist):
    started(patient, therapist)
    for after in (1, 2, 3, 4):
        night(patient, TODAY + timedelta(days=after))
    recommendation = review(patient)
    text = sw.explain(recommendation.rule, recommendation.figures)
    assert recommendation.figures["sleep_efficiency"] is None
    assert "(4 of the 5 nights needed)" in text and "sleep efficiency" not in text


def test_a_first_window_raised_to_the_floor_says_so(patient, therapist):
    sw.submit_screen(patient, CLEAR)
    for back in range(7):  # 23:00-07:00, 240 asleep
        night(patient, TODAY - timedelta(days=back), latency=120, awake=120, final=time(6, 40))
    first = sw.start(patient, rise_time=time(6, 30))
    assert (first.proposed_window_min, first.flags) == (300, ["raised_to_floor"])
    assert first.status == "pending"
    text = sw.explain(first.rule, first.figures)
    assert "the shortest window your programme uses" in text


def test_every_rule_has_words() -> None:
    from program.rules.titration import Rule

    for rule in Rule:
        assert rule.value in sw.RULE_WORDS, rule

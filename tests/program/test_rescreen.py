"""The safety screen kept current (issue 16 part 5) and the decisions for a patient
without a therapist (loose ends a and b): asked again every 4 weeks of restriction
and after a reported change, the window held meanwhile, a positive answer back to
the clinician, a safety-critical job or untreated apnoea cleared only with a reason."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
import time_machine
from django.urls import reverse

from accounts.models import AuditEvent
from program.models import Recommendation, SafetyScreen, SleepCourse
from program.sleep_window import actions as sw
from tests.conftest import client_for
from tests.program.test_sleep_window import CLEAR, TODAY, baseline, night, started

DAY_28 = TODAY + timedelta(days=28)  # a Wednesday: the review day, and the 4-week mark
ON_DAY_28 = "2026-12-23 13:00Z"
HOLD_HEADING = "Your window is on hold: please answer the safety questions again"


@pytest.fixture(autouse=True)
def morning():
    with time_machine.travel("2026-11-25 08:00Z", tick=False):
        yield


def answers(**yes: bool) -> dict[str, str]:
    return {key: "yes" if yes.get(key) else "no" for key in CLEAR}


def low_week(patient, last_morning=DAY_28) -> None:
    """Seven nights under the first window (375 min) with SE 84%: a shorter window is due."""
    for back in range(7):
        night(
            patient,
            last_morning - timedelta(days=back),
            into_bed=time(0, 15),
            out=time(6, 30),
            latency=30,
            awake=30,
            final=time(6, 30),
        )


def review_on_day_28(patient) -> Recommendation:
    with time_machine.travel(ON_DAY_28, tick=False):
        sw.record_sleepiness(patient, dozing=0, unsafe=False)
        return sw.weekly_review(sw.course_for(patient), DAY_28)


def page(user, url_name="program:sleep_window", *args) -> str:
    return client_for(user).get(reverse(url_name, args=args)).content.decode()


# --- Every 4 weeks ------------------------------------------------------------------


def test_today_asks_for_the_screen_when_it_is_due_again(patient, therapist) -> None:
    """The window is not made shorter until the screen is answered again, so Today (where
    the patient looks each morning) says so and leads to it, not only the window's page;
    and stops once it is answered."""
    started(patient, therapist)
    with time_machine.travel("2026-12-22 09:00Z", tick=False):
        assert HOLD_HEADING not in page(patient, "program:patient_home")  # 27 days
    with time_machine.travel(ON_DAY_28, tick=False):
        today = page(patient, "program:patient_home")
        assert HOLD_HEADING in today
        assert f'href="{reverse("program:sleep_window")}#screen-heading"' in today
        client_for(patient).post(reverse("program:sleep_window_screen"), answers())
        assert HOLD_HEADING not in page(patient, "program:patient_home")


def test_after_4_weeks_of_restriction_the_screen_is_due_and_the_window_is_held(
    patient, therapist
) -> None:
    started(patient, therapist)
    low_week(patient)
    held = review_on_day_28(patient)
    assert (held.rule, held.proposed_window_min, held.current_window_min) == (
        "screen_due",
        375,
        375,
    )
    assert "screen_due" in held.flags and held.status == "pending"
    with time_machine.travel(ON_DAY_28, tick=False):
        html = page(patient)
        assert HOLD_HEADING in html
        assert "Every 4 weeks of your sleep window we ask these questions again" in html
        assert "Until you answer, your window stays as it is" in html
        therapist_page = page(therapist, "program:patient_sleep_window", patient.pk)
        assert "The safety screen is due again" in therapist_page
        assert "The safety screen is due again and the patient has not answered it" in (
            therapist_page
        )
        # Answered, clear: the held week is worked out again and goes on as usual.
        client = client_for(patient)
        response = client.post(reverse("program:sleep_window_screen"), answers())
        assert response.status_code == 302
        held.refresh_from_db()
        assert (held.rule, held.proposed_window_min) == ("reduce", 360)
        assert SafetyScreen.objects.filter(patient=patient).first().occasion == "periodic"
        html = client.get(response.url).content.decode()
        assert HOLD_HEADING not in html
        assert "Thank you. Your sleep window goes on as before." in html


def test_a_first_window_is_not_started_on_answers_older_than_4_weeks(patient) -> None:
    sw.submit_screen(patient, CLEAR)
    later = TODAY + timedelta(days=30)
    with time_machine.travel("2026-12-25 08:00Z", tick=False):
        for back in range(7):
            night(patient, later - timedelta(days=back))
        with pytest.raises(sw.SleepWindowError, match="answer the safety questions again"):
            sw.start(patient, rise_time=time(6, 30), today=later)
        html = page(patient)
        assert "Your answers are more than 4 weeks old" in html
        assert "Choose your rise time" not in html


def test_a_shorter_window_made_before_the_screen_fell_due_is_not_approved_past_it(
    patient, therapist
) -> None:
    started(patient, therapist)
    low_week(patient, DAY_28 - timedelta(days=7))
    with time_machine.travel("2026-12-16 13:00Z", tick=False):
        sw.record_sleepiness(patient, dozing=0, unsafe=False)
        earlier = sw.weekly_review(sw.course_for(patient), DAY_28 - timedelta(days=7))
    assert (earlier.rule, earlier.proposed_window_min) == ("reduce", 360)
    with time_machine.travel(ON_DAY_28, tick=False):
        with pytest.raises(sw.SleepWindowError, match="safety screen is due again"):
            sw.approve(earlier, by=therapist)
        with pytest.raises(sw.SleepWindowError, match="safety screen is due again"):
            sw.edit(earlier, by=therapist, window_min=345, reason="faster")
        sw.edit(earlier, by=therapist, window_min=390, reason="longer is allowed")
    earlier.refresh_from_db()
    assert earlier.status == "edited"


# --- A positive re-screen -----------------------------------------------------------


def test_a_rescreen_that_turns_positive_stops_reductions_and_goes_to_the_therapist(
    patient, therapist
) -> None:
    started(patient, therapist)
    low_week(patient)
    held = review_on_day_28(patient)
    with time_machine.travel(ON_DAY_28, tick=False):
        client_for(patient).post(reverse("program:sleep_window_screen"), answers(pregnant=True))
        held.refresh_from_db()
        assert (held.rule, held.proposed_window_min) == ("screen_review", 375)
        html = page(patient)
        assert "Your window is on hold" in html
        assert "Some of your new answers mean your therapist should decide" in html
        caseload = page(therapist, "program:caseload")
        assert "Positive safety screen (to review)" in caseload
        screen = SafetyScreen.objects.filter(patient=patient).first()
        client_for(therapist).post(
            reverse("program:decide_screen", args=[patient.pk, screen.pk]),
            {"decision": "allowed", "note": "Discussed: wishes to go on"},
        )
        held.refresh_from_db()
        assert (held.rule, held.proposed_window_min) == ("reduce", 360)


def test_no_sleep_restriction_decided_during_a_course_ends_it(patient, therapist) -> None:
    started(patient, therapist)
    screen, _result = sw.submit_screen(patient, {**CLEAR, "narcolepsy": True})
    sw.decide_screen(screen, decision="not_allowed", by=therapist, note="")
    course = SleepCourse.objects.get(patient=patient)
    assert course.status == "ended"
    html = page(patient)
    assert "No sleep window for you — and that is fine" in html
    assert "Your therapist decided that restricting your time in bed" in html
    assert HOLD_HEADING not in html and "Something has changed?" not in html
    with pytest.raises(sw.SleepWindowError, match="already been decided"):
        sw.decide_screen(screen, decision="allowed", by=therapist, note="changed my mind")


def test_self_guided_a_held_week_is_applied_once_the_screen_is_answered(patient) -> None:
    from program.models import Programme

    Programme.objects.update(sleep_window_auto_apply=True)
    sw.submit_screen(patient, CLEAR)
    baseline(patient)
    assert sw.start(patient, rise_time=time(6, 30)).status == "automatic"
    low_week(patient)
    held = review_on_day_28(patient)
    # Flagged: even a self-guided programme does not apply it; it waits for the answers.
    assert (held.rule, held.status) == ("screen_due", "pending")
    with time_machine.travel(ON_DAY_28, tick=False):
        client_for(patient).post(reverse("program:sleep_window_screen"), answers())
    held.refresh_from_db()
    assert (held.rule, held.status, held.proposed_window_min) == ("reduce", "automatic", 360)


# --- "Something has changed" ----------------------------------------------------------


def test_reporting_a_change_reopens_the_screen_and_holds_the_window(patient, therapist) -> None:
    started(patient, therapist)
    assert "Something has changed?" in page(patient)
    with time_machine.travel("2026-11-27 09:00Z", tick=False):
        client = client_for(patient)
        response = client.post(reverse("program:sleep_window_changed"))
        assert response.url == reverse("program:sleep_window") + "#screen-heading"
        assert SleepCourse.objects.get(patient=patient).change_reported_at is not None
        html = client.get(reverse("program:sleep_window")).content.decode()
    assert HOLD_HEADING in html and "You told us something has changed." in html
    assert "Please answer the safety questions again below" in html
    assert "Something has changed?" not in html
    # A week that would shorten the window is held while it is unanswered.
    low_week(patient, TODAY + timedelta(days=7))
    with time_machine.travel("2026-12-02 13:00Z", tick=False):
        sw.record_sleepiness(patient, dozing=0, unsafe=False)
        held = sw.weekly_review(sw.course_for(patient), TODAY + timedelta(days=7))
        assert (held.rule, held.proposed_window_min) == ("screen_due", 375)
        client = client_for(patient)
        client.post(reverse("program:sleep_window_screen"), answers())
        held.refresh_from_db()
        assert held.rule == "reduce"
    assert SafetyScreen.objects.filter(patient=patient).first().occasion == "change"


def test_a_change_before_the_first_window_asks_again_before_it_starts(patient) -> None:
    sw.submit_screen(patient, CLEAR)
    baseline(patient)
    with time_machine.travel("2026-11-25 09:00Z", tick=False):
        client_for(patient).post(reverse("program:sleep_window_changed"))
        with pytest.raises(sw.SleepWindowError):
            sw.start(patient, rise_time=time(6, 30))
        assert "your first window waits for your answers" in page(patient)


def test_reporting_a_change_is_for_patients_only(therapist, clinic_admin) -> None:
    for user in (therapist, clinic_admin):
        response = client_for(user).post(reverse("program:sleep_window_changed"))
        assert response.status_code in (403, 404)


# --- A safety-critical job or untreated apnoea: a reason, compression first ----------


def test_a_safety_critical_job_is_cleared_only_with_a_typed_reason(patient, therapist) -> None:
    screen, result = sw.submit_screen(patient, {**CLEAR, "drives": True, "vigilance": True})
    assert result.positive and screen.decision == "pending"
    url = reverse("program:decide_screen", args=[patient.pk, screen.pk])
    client = client_for(therapist)
    html = page(therapist, "program:patient_sleep_window", patient.pk)
    # Compression is offered first, and chosen to begin with.
    assert html.index('value="compression"') < html.index('value="allowed"')
    assert 'value="compression" id="id_decision_0" required checked' in html
    assert "(optional)" not in html[html.index('name="decision"') :]
    assert "clearing either needs your typed reason" in html
    refused = client.post(url, {"decision": "allowed", "note": " "})
    assert refused.status_code == 200
    assert "it cannot be cleared without a reason" in refused.content.decode()
    screen.refresh_from_db()
    assert screen.decision == "pending"
    # "No sleep restriction" needs no reason.
    response = client.post(url, {"decision": "compression", "note": "Office job since May"})
    assert response.status_code == 302
    screen.refresh_from_db()
    assert (screen.decision, screen.decided_by, screen.decision_note) == (
        "compression",
        therapist,
        "Office job since May",
    )
    assert sw.course_for(patient).protocol.key == "compression"
    # Audited: who changed this patient's record, where, when.
    assert AuditEvent.objects.filter(
        actor=therapist, patient=patient, action="change", path=url
    ).exists()


def test_untreated_apnoea_is_cleared_only_with_a_reason(patient, therapist) -> None:
    screen, _result = sw.submit_screen(patient, {**CLEAR, "apnoea": True})
    with pytest.raises(sw.SleepWindowError, match="only be cleared with a reason"):
        sw.decide_screen(screen, decision="allowed", by=therapist, note="")
    sw.decide_screen(screen, decision="not_allowed", by=therapist, note="")
    assert SafetyScreen.objects.get(pk=screen.pk).decision == "not_allowed"


def test_other_positive_answers_need_no_reason(patient, therapist) -> None:
    screen, _result = sw.submit_screen(patient, {**CLEAR, "restless_legs": True})
    sw.decide_screen(screen, decision="allowed", by=therapist, note="")
    assert SafetyScreen.objects.get(pk=screen.pk).decision == "allowed"


# --- A patient without a therapist (loose ends a and b) -------------------------------


@pytest.fixture
def alone(patient):
    patient.therapist = None
    patient.save()
    return patient


def test_without_a_therapist_the_first_window_is_not_promised_to_a_therapist(
    alone, clinic_admin
) -> None:
    sw.submit_screen(alone, CLEAR)
    baseline(alone)
    client = client_for(alone)
    response = client.post(reverse("program:sleep_window_start"), {"rise_time": "06:30"})
    html = client.get(response.url).content.decode()
    assert "your therapist will look" not in html.lower()
    assert "Your therapist will confirm your first window" not in html
    assert "your clinic&#x27;s duty team will look at your first sleep window" in html
    assert "Your first window is with your clinic" in html
    # It is on the clinic's queue, and an admin can confirm it.
    clinic = page(clinic_admin, "program:clinic_home")
    assert "1 patient without a therapist waits for a decision" in clinic
    assert "sleep window to confirm" in clinic
    pending = Recommendation.objects.get(course__patient=alone)
    response = client_for(clinic_admin).post(
        reverse("program:decide_recommendation", args=[alone.pk, pending.pk]),
        {"action": "approve"},
    )
    assert response.status_code == 302
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("approved", clinic_admin)


def test_without_a_therapist_or_an_admin_nobody_is_promised(alone) -> None:
    sw.submit_screen(alone, CLEAR)
    baseline(alone)
    client = client_for(alone)
    response = client.post(reverse("program:sleep_window_start"), {"rise_time": "06:30"})
    html = client.get(response.url).content.decode()
    assert "duty team" not in html
    assert "nobody will confirm your first sleep window automatically" in html


def test_an_admin_decides_a_positive_screen_of_a_patient_without_a_therapist(
    alone, clinic_admin
) -> None:
    client = client_for(alone)
    response = client.post(reverse("program:sleep_window_screen"), answers(circadian=True))
    html = client.get(response.url).content.decode()
    assert "your clinic&#x27;s duty team will see your answers on the clinic&#x27;s page" in html
    clinic = page(clinic_admin, "program:clinic_home")
    assert "safety screen to decide" in clinic
    screen = SafetyScreen.objects.get(patient=alone)
    admin_page = page(clinic_admin, "program:patient_sleep_window", alone.pk)
    assert "Record decision" in admin_page
    client_for(clinic_admin).post(
        reverse("program:decide_screen", args=[alone.pk, screen.pk]),
        {"decision": "not_allowed", "note": "Refer to sleep clinic"},
    )
    screen.refresh_from_db()
    assert (screen.decision, screen.decided_by) == ("not_allowed", clinic_admin)
    html = page(alone)
    assert "A clinician at your clinic decided that restricting your time in bed" in html
    assert "Note from the clinician: Refer to sleep clinic" in html
    assert "Your therapist decided" not in html
    assert "waits for a decision" not in page(clinic_admin, "program:clinic_home")


def test_a_therapist_on_the_duty_list_decides_for_a_patient_without_a_therapist(
    alone, outsider_patient, other_therapist, settings
) -> None:
    settings.RISK_DUTY_EMAILS = [other_therapist.email]
    sw.submit_screen(alone, {**CLEAR, "cognitive": True})
    screen = SafetyScreen.objects.get(patient=alone)
    alerts = page(other_therapist, "program:risk_alerts")
    assert "1 patient without a therapist waits for a decision" in alerts
    assert "safety screen to decide" in alerts
    assert "Record decision" in page(other_therapist, "program:patient_sleep_window", alone.pk)
    client_for(other_therapist).post(
        reverse("program:decide_screen", args=[alone.pk, screen.pk]),
        {"decision": "compression", "note": ""},
    )
    screen.refresh_from_db()
    assert (screen.decision, screen.decided_by) == ("compression", other_therapist)
    # Off the duty list: not theirs, and not shown.
    settings.RISK_DUTY_EMAILS = []
    url = reverse("program:patient_sleep_window", args=[alone.pk])
    assert client_for(other_therapist).get(url).status_code == 404


def test_a_duty_therapist_cannot_open_a_patient_who_has_a_therapist(
    patient, other_therapist, settings
) -> None:
    settings.RISK_DUTY_EMAILS = [other_therapist.email]
    screen, _result = sw.submit_screen(patient, {**CLEAR, "pregnant": True})
    client = client_for(other_therapist)
    assert client.get(reverse("program:patient_sleep_window", args=[patient.pk])).status_code == 404
    response = client.post(
        reverse("program:decide_screen", args=[patient.pk, screen.pk]),
        {"decision": "allowed", "note": "x"},
    )
    assert response.status_code == 404


def test_an_admin_cannot_decide_for_a_patient_who_has_a_therapist(patient, clinic_admin) -> None:
    screen, _result = sw.submit_screen(patient, {**CLEAR, "pregnant": True})
    response = client_for(clinic_admin).post(
        reverse("program:decide_screen", args=[patient.pk, screen.pk]),
        {"decision": "allowed", "note": "x"},
    )
    assert response.status_code == 404
    assert "waits for a decision" not in page(clinic_admin, "program:clinic_home")


# --- The demo -------------------------------------------------------------------------


def test_the_demo_shows_a_screen_due_again_and_a_window_waiting_since_its_review(db) -> None:
    from accounts.models import User
    from program.demo.clinic import load_demo

    with time_machine.travel("2026-12-06 10:00Z", tick=False):
        load_demo()
        week6 = User.objects.get(email="week6@example.com")
        assert HOLD_HEADING in page(week6)
        week3 = User.objects.get(email="week3@example.com")
        pending = Recommendation.objects.get(course__patient=week3, status="pending")
        since = pending.review_date
        assert f"(waiting since {since:%a} {since.day} {since:%b})" in page(week3)


def test_a_rescreen_with_a_self_harm_answer_shows_the_numbers_it_points_to(
    patient, therapist
) -> None:
    """The held window's crisis message says "call one of the numbers above": the
    numbers are there, on the page read again later as well as right after sending."""
    started(patient, therapist)
    low_week(patient)
    review_on_day_28(patient)
    with time_machine.travel(ON_DAY_28, tick=False):
        client_for(patient).post(reverse("program:sleep_window_screen"), answers(self_harm=True))
        html = page(patient)
        # The crisis box comes first, above the held window's card.
        held = html[html.index('role="alert"') : html.index("</section>")]
        assert "Your window is on hold" in held
        assert "call one of the numbers above" in held
        # The clinic's country's lines (CLINIC_DEFAULT_COUNTRY, GB in the tests), above it.
        assert held.index("116 123") < held.index("call one of the numbers above")
        assert "999" in held


@pytest.mark.django_db(transaction=True)
def test_two_decisions_on_one_screen_at_the_same_instant_record_one(patient, therapist) -> None:
    """Two clinicians (or two tabs) deciding one positive screen at once, from the sleep
    window page and from the weekly round: the first decides, the others are told it was
    decided and change nothing (the round keeps the note typed, to copy). All were read
    before any wrote, so without a lock the last one won and every clinician was told
    "Your decision is recorded" (PostgreSQL; SQLite runs one writer at a time)."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's test database is one connection)")
    screen, _ = sw.submit_screen(patient, {**CLEAR, "drives": True, "vigilance": True})
    assert screen.decision == "pending"
    page_url = reverse("program:decide_screen", args=[patient.pk, screen.pk])
    round_url = reverse("program:round_decide_screen", args=[patient.pk, screen.pk])
    sends = [
        (page_url, {"decision": "not_allowed", "note": "typed on the page"}),
        (
            round_url,
            {f"s{screen.pk}-decision": "compression", f"s{screen.pk}-note": "on the round"},
        ),
    ] * 5
    clients = [client_for(therapist) for _ in sends]
    start = threading.Barrier(len(clients))
    told: list[tuple[str, str]] = []
    errors: list[BaseException] = []

    def send(client, url: str, data: dict[str, str]) -> None:
        try:
            start.wait()
            page = client.post(url, data, follow=True).content.decode()
            told.append((url, " ".join(page.split())))
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(c, *s)) for c, s in zip(clients, sends, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    recorded = [url for url, page in told if "Your decision is recorded." in page]
    screen.refresh_from_db()
    assert recorded == [page_url if screen.decision == "not_allowed" else round_url]
    for url, page in told:
        if "Your decision is recorded." in page:
            continue
        if url == page_url:
            assert "This safety screen has already been decided." in page
        else:
            assert "Nothing was changed" in page and "on the round" in page

"""The weekly round (issue 21): what it lists, decisions in place, Post/Redirect/Get,
second decisions refused, who sees what."""

from __future__ import annotations

import re
from datetime import time
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from accounts.models import Role
from program.clinic import round as round_service
from program.diary.actions import save_entry
from program.medication.actions import confirm_plan, create_draft
from program.models import Medication, Message, Prescription, Recommendation
from program.risk import actions as risk
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw
from tests.conftest import client_for, make_user
from tests.nights import night_answers
from tests.taper_plans import enter_drug_free_nights

CLEAR = {q.key: False for q in SCREEN}
FIGURES = {
    "nights": 7,
    "sleep_efficiency": 92.0,
    "mean_total_sleep": 345,
    "min_nights": 5,
    "extend_at": 90,
    "reduce_below": 85,
}


def pending_recommendation(patient, proposed: int = 375) -> Recommendation:
    course = sw.course_for(patient)
    course.rise_time = time(6, 30)
    course.status = "active"
    course.save()
    return Recommendation.objects.create(
        course=course,
        review_date=patient.local_today(),
        kind="weekly",
        current_window_min=360,
        proposed_window_min=proposed,
        rule="extend",
        figures=FIGURES,
    )


def diary_today(patient) -> None:
    save_entry(
        patient=patient,
        diary_date=patient.local_today(),
        changed_by=patient,
        answers=night_answers(),
    )


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.fixture
def two_to_decide(patient, other_patient):
    """Two of the therapist's patients, each with a recommendation and nothing else."""
    diary_today(patient)
    diary_today(other_patient)
    return pending_recommendation(patient), pending_recommendation(other_patient, 345)


def test_the_round_lists_only_what_needs_the_therapist(patient, other_patient, therapist):
    diary_today(patient)
    diary_today(other_patient)  # nothing waits for this one
    pending_recommendation(patient)
    page = client_for(therapist).get(reverse("program:round"))
    assert page.status_code == 200
    body = page.content.decode()
    assert patient.display_name in body
    assert other_patient.display_name not in body
    assert "Sleep window to decide" in body


def test_each_kind_of_item_is_on_the_card(patient, therapist, messages_on):
    pending_recommendation(patient)
    risk.submit_screen(patient, {**CLEAR, "apnoea": True, "self_harm": True})
    Message.objects.create(patient=patient, sender=patient, text="Hello")
    medicine = Medication.objects.create(
        patient=patient, name="zopiclone", strengths_mg=["3.75", "7.5"], usual_dose_mg=7.5
    )
    create_draft(
        patient=patient,
        medication=medicine,
        template_key="morin04",
        start_dose=Decimal("7.5"),
        start_on=patient.local_today(),
        strengths=[Decimal("3.75"), Decimal("7.5")],
        scored=[],
        by=therapist,
    )
    (card,) = round_service.build(therapist)
    assert len(card.alerts) == 1 and len(card.recommendations) == 1 and len(card.screens) == 1
    assert card.unread == 1 and len(card.drafts) == 1
    assert card.dropping_out  # no diary at all: the caseload's "no diary for 3+ nights"
    body = client_for(therapist).get(reverse("program:round_patient", args=[patient.pk]))
    text = body.content.decode()
    for words in (
        "Urgent: self-harm answer",
        "Positive safety screen to decide",
        "1 unread message",
        "At risk of dropping out",
        "Taper plan for zopiclone to confirm",
        # The week's figures and the proposed change, inline.
        "6h 00m",
        "6h 15m",
        "92.0%",
        "5h 45m",
    ):
        assert words in text, words


def test_a_reported_problem_puts_the_patient_on_the_round_until_reviewed(patient, therapist):
    """A patient reported feeling shaky and anxious the day after a dose step: a person
    must look, so it is an item of the round (it was not: the patient was left out)."""
    from program.adverse_events import actions as adverse_events

    diary_today(patient)  # nothing else waits
    assert round_service.build(therapist) == []
    event = adverse_events.report(
        patient,
        by=patient,
        what_happened="Shaky and very anxious the day after the dose went down",
        happened_on=patient.local_today(),
        seriousness="moderate",
    )
    (card,) = round_service.build(therapist)
    assert card.problems == 1
    listed = client_for(therapist).get(reverse("program:round")).content.decode()
    assert "Reported problem to review" in listed
    page = client_for(therapist).get(reverse("program:round_patient", args=[patient.pk]))
    assert f'href="{reverse("program:adverse_events")}">Reported problem to review' in (
        page.content.decode()
    )
    adverse_events.mark_reviewed(event, by=therapist, note="Called her; slower steps agreed.")
    assert round_service.build(therapist) == []


def test_the_reason_is_not_called_optional_where_a_change_needs_one(patient, therapist):
    pending_recommendation(patient)
    card = client_for(therapist).get(reverse("program:round_patient", args=[patient.pk]))
    label = re.search(r'<label for="[^"]*reason">(.*?)</label>', card.content.decode())
    assert label and "optional" not in label.group(1)


def test_approving_moves_on_to_the_next_patient(two_to_decide, patient, other_patient, therapist):
    first, second = two_to_decide
    client = client_for(therapist)
    (a, b) = [c.patient for c in round_service.build(therapist)]
    rec = first if a == patient else second
    response = client.post(
        reverse("program:round_decide_recommendation", args=[a.pk, rec.pk]),
        {f"r{rec.pk}-action": "approve", "next": b.pk},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("program:round_patient", args=[b.pk])
    assert said(response) == ["Approved. The patient sees the new window now."]
    rec.refresh_from_db()
    assert rec.status == "approved" and rec.decided_by == therapist
    assert (
        Prescription.objects.filter(course=rec.course, window_min=rec.proposed_window_min).count()
        == 1
    )


def test_a_second_submit_decides_nothing_twice(two_to_decide, patient, therapist):
    rec = two_to_decide[0]
    client = client_for(therapist)
    url = reverse("program:round_decide_recommendation", args=[patient.pk, rec.pk])
    client.post(url, {f"r{rec.pk}-action": "approve"}, follow=True)
    again = client.post(url, {f"r{rec.pk}-action": "approve"})
    assert again.status_code == 302
    assert again["Location"] == reverse("program:round_patient", args=[patient.pk])
    (message,) = said(again)
    assert "had already decided this" in message and "Nothing was changed" in message
    rec.refresh_from_db()
    assert rec.status == "approved"
    assert Prescription.objects.filter(course=rec.course).count() == 1
    # The trail: the first decided, the refused second changed nothing.
    from accounts.models import AuditEvent

    events = AuditEvent.objects.filter(path=url, method="POST").order_by("pk")
    assert list(events.values_list("action", flat=True)) == ["change", "view"]


def test_a_change_without_a_reason_keeps_what_was_typed(two_to_decide, patient, therapist):
    rec = two_to_decide[0]
    response = client_for(therapist).post(
        reverse("program:round_decide_recommendation", args=[patient.pk, rec.pk]),
        {f"r{rec.pk}-action": "edit", f"r{rec.pk}-window_min": "333"},
    )
    assert response.status_code == 200
    assert b"Say why" in response.content and b'value="333"' in response.content
    rec.refresh_from_db()
    assert rec.status == "pending"


def test_rejecting_without_a_reason_asks_why_the_window_stays(two_to_decide, patient, therapist):
    rec = two_to_decide[0]
    response = client_for(therapist).post(
        reverse("program:round_decide_recommendation", args=[patient.pk, rec.pk]),
        {f"r{rec.pk}-action": "reject"},
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Say why, so the patient&#x27;s record explains why the window stays as it is." in body
    assert "explains the change" not in body
    rec.refresh_from_db()
    assert rec.status == "pending"


def test_rejecting_with_a_reason(two_to_decide, patient, therapist):
    rec = two_to_decide[0]
    response = client_for(therapist).post(
        reverse("program:round_decide_recommendation", args=[patient.pk, rec.pk]),
        {f"r{rec.pk}-action": "reject", f"r{rec.pk}-reason": "Holiday week"},
    )
    assert said(response) == ["Rejected. The current window stays."]
    rec.refresh_from_db()
    assert rec.status == "rejected" and rec.decision_reason == "Holiday week"
    assert not Prescription.objects.filter(course=rec.course).exists()


def test_the_last_decision_ends_the_round(patient, therapist):
    diary_today(patient)
    rec = pending_recommendation(patient)
    response = client_for(therapist).post(
        reverse("program:round_decide_recommendation", args=[patient.pk, rec.pk]),
        {f"r{rec.pk}-action": "approve"},
    )
    assert response["Location"] == reverse("program:round")
    assert said(response)[-1] == "That was the last item: your round is done."
    assert round_service.build(therapist) == []


def test_a_screen_decision_in_place_and_not_twice(patient, therapist):
    diary_today(patient)
    screen, _result, _alert = risk.submit_screen(patient, {**CLEAR, "apnoea": True})
    client = client_for(therapist)
    url = reverse("program:round_decide_screen", args=[patient.pk, screen.pk])
    missing = client.post(url, {})
    assert missing.status_code == 200 and b"This field is required" in missing.content
    first = client.post(
        url, {f"s{screen.pk}-decision": "compression", f"s{screen.pk}-note": "CPAP"}, follow=True
    )
    assert "Your decision is recorded." in first.content.decode()
    screen.refresh_from_db()
    assert screen.decision == "compression" and screen.decided_by == therapist
    second = client.post(url, {f"s{screen.pk}-decision": "allowed"})
    assert "Nothing was changed" in said(second)[0]
    screen.refresh_from_db()
    assert screen.decision == "compression"


def test_untreated_apnoea_on_the_round_asks_for_a_reason_as_the_sleep_window_page_does(
    patient, therapist
):
    """The round's card used the lenient form: "Note for the record", restriction offered
    first, and a clearance without a reason refused only by a message, the choice lost."""
    diary_today(patient)
    screen, _result, _alert = risk.submit_screen(patient, {**CLEAR, "apnoea": True})
    client = client_for(therapist)
    card = client.get(reverse("program:round_patient", args=[patient.pk])).content.decode()
    assert "Your reason" in card
    assert card.index('value="compression"') < card.index('value="allowed"')
    url = reverse("program:round_decide_screen", args=[patient.pk, screen.pk])
    refused = client.post(url, {f"s{screen.pk}-decision": "allowed", f"s{screen.pk}-note": ""})
    assert refused.status_code == 200
    page = refused.content.decode()
    assert "Say why sleep restriction is safe for this patient" in page
    assert 'value="allowed" checked' in page or re.search(r'value="allowed"[^>]*checked', page)
    screen.refresh_from_db()
    assert screen.decision == "pending"


def test_an_alert_is_acknowledged_once(patient, therapist):
    _screen, _result, alert = risk.submit_screen(patient, {**CLEAR, "self_harm": True})
    client = client_for(therapist)
    card = client.get(reverse("program:round_patient", args=[patient.pk])).content.decode()
    # The same words as the alerts page and the patient page give the same act.
    assert "I have seen this and am acting on it" in card
    url = reverse("program:round_acknowledge", args=[patient.pk, alert.pk])
    first = client.post(url, follow=True)
    assert (
        "Acknowledged: you are acting on this alert. Follow your clinic&#x27;s risk procedure."
        in first.content.decode()
    )
    alert.refresh_from_db()
    assert alert.acknowledged_by == therapist
    assert "had already acknowledged" in said(client.post(url))[0]


def test_another_therapist_and_patients_see_nothing(patient, other_therapist, outsider_patient):
    rec = pending_recommendation(patient)
    other = client_for(other_therapist)
    assert patient.display_name not in other.get(reverse("program:round")).content.decode()
    assert other.get(reverse("program:round_patient", args=[patient.pk])).status_code == 404
    response = other.post(
        reverse("program:round_decide_recommendation", args=[patient.pk, rec.pk]),
        {f"r{rec.pk}-action": "approve"},
    )
    assert response.status_code == 404
    rec.refresh_from_db()
    assert rec.status == "pending"
    assert client_for(patient).get(reverse("program:round")).status_code == 403


def test_a_clinic_admin_reads_the_clinics_round_without_deciding(
    patient, outsider_patient, clinic_admin
):
    pending_recommendation(patient)
    pending_recommendation(outsider_patient)
    client = client_for(clinic_admin)
    body = client.get(reverse("program:round")).content.decode()
    assert patient.display_name in body and outsider_patient.display_name in body
    card = client.get(reverse("program:round_patient", args=[patient.pk])).content.decode()
    assert "Confirm decision" not in card


def test_the_therapists_navigation_starts_with_this_week(therapist):
    body = client_for(therapist).get(reverse("program:caseload")).content.decode()
    nav = body[body.index('<ul class="nav">') :]
    assert nav.index(reverse("program:round")) < nav.index(reverse("program:caseload"))


def test_a_therapist_with_nothing_to_do_is_told_so(therapist):
    body = client_for(therapist).get(reverse("program:round")).content.decode()
    assert "Nothing needs you this week" in body


def test_patients_of_a_therapist_only(patient, therapist):
    stranger = make_user("stranger@example.test", Role.PATIENT)
    pending_recommendation(stranger)
    pending_recommendation(patient)
    assert [c.patient for c in round_service.build(therapist)] == [patient]


def test_a_confirmed_plan_is_not_a_plan_to_confirm(patient, therapist):
    diary_today(patient)
    medicine = Medication.objects.create(
        patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
    )
    plan = create_draft(
        patient=patient,
        medication=medicine,
        template_key="morin04",
        start_dose=Decimal(10),
        start_on=patient.local_today(),
        strengths=[Decimal(2), Decimal(5)],
        scored=[],
        by=therapist,
    )
    assert round_service.build(therapist)[0].drafts == [plan]
    enter_drug_free_nights(plan, therapist)
    confirm_plan(plan=plan, by=therapist)
    assert round_service.build(therapist) == []


def test_two_submits_at_once_decide_once(patient, therapist):
    """The second request read the recommendation before the first one decided it."""
    rec = pending_recommendation(patient)
    stale = Recommendation.objects.get(pk=rec.pk)
    sw.approve(rec, by=therapist)
    with pytest.raises(sw.SleepWindowError, match="already been decided"):
        sw.approve(stale, by=therapist)
    with pytest.raises(sw.SleepWindowError, match="already been decided"):
        sw.edit(stale, by=therapist, window_min=300, reason="Second tab")
    with pytest.raises(sw.SleepWindowError, match="already been decided"):
        sw.reject(stale, by=therapist, reason="Second tab")
    rec.refresh_from_db()
    assert rec.status == "approved"
    assert Prescription.objects.filter(course=rec.course).count() == 1


def test_an_elevated_mood_answer_not_looked_at_is_on_the_round(patient, therapist):
    """It holds shorter windows until a clinician looks (program.rules.mood), so it needs
    the therapist this week: on the list and on the card, with the way to look at it."""
    from program.models import MoodCheck

    diary_today(patient)  # nothing else waits for this patient
    check = MoodCheck.objects.create(
        patient=patient, week_of=patient.local_today(), question="Q", elevated=True
    )
    client = client_for(therapist)
    listed = client.get(reverse("program:round")).content.decode()
    assert patient.display_name in listed
    assert "Elevated mood reported (to review)" in listed
    card = client.get(reverse("program:round_patient", args=[patient.pk])).content.decode()
    assert reverse("program:patient_sleep_window", args=[patient.pk]) in card
    check.reviewed_at, check.reviewed_by = check.created_at, therapist
    check.save()
    assert patient.display_name not in client.get(reverse("program:round")).content.decode()


def test_severe_daytime_sleepiness_puts_the_patient_on_the_round(patient, therapist):
    """A "very sleepy" weekly check is a drowsy-driving risk while the window is short:
    it brought the patient to the round only when a decision also waited (This week left
    it out while the caseload flagged it). It is an item of its own now."""
    diary_today(patient)  # nothing else waits for this patient
    sw.record_sleepiness(patient, dozing=3, unsafe=True)
    client = client_for(therapist)
    listed = client.get(reverse("program:round")).content.decode()
    assert patient.display_name in listed and "Severe daytime sleepiness" in listed
    card = client.get(reverse("program:round_patient", args=[patient.pk])).content.decode()
    assert "Severe daytime sleepiness" in card


# --- Taper plans confirmed in place ----------------------------------------------------------

SAFETY = "Changes to your medicine are made only with your prescriber."


def zopiclone_draft(patient, therapist, name: str = "zopiclone", *, complete: bool = True):
    """A morin04 draft; ``complete``: with its drug-free nights entered, as a clinician
    must before confirming it."""
    medicine = Medication.objects.create(
        patient=patient, name=name, strengths_mg=["3.75", "7.5"], usual_dose_mg=7.5
    )
    plan = create_draft(
        patient=patient,
        medication=medicine,
        template_key="morin04",
        start_dose=Decimal("7.5"),
        start_on=patient.local_today(),
        strengths=[Decimal("3.75"), Decimal("7.5")],
        scored=[],
        by=therapist,
    )
    return enter_drug_free_nights(plan, therapist) if complete else plan


def test_a_draft_with_drug_free_nights_to_enter_is_not_offered_to_confirm(patient, therapist):
    """The morin04 draft leaves its drug-free nights a week to the clinician: the round
    says so and leads to the steps, rather than a Confirm that would be refused."""
    diary_today(patient)
    zopiclone_draft(patient, therapist, complete=False)
    card = client_for(therapist).get(reverse("program:round_patient", args=[patient.pk]))
    text = card.content.decode()
    assert "Taper plan for zopiclone to confirm" in text
    assert "Confirm plan as" not in text and "Complete the steps" in text
    assert 'class="message message-error"' in text


def test_a_taper_plan_is_confirmed_in_place_and_not_twice(patient, therapist):
    from program.models import TaperPlanChange

    diary_today(patient)
    plan = zopiclone_draft(patient, therapist)
    client = client_for(therapist)
    assert SAFETY not in client_for(patient).get(reverse("program:diary")).content.decode()
    card = client.get(reverse("program:round_patient", args=[patient.pk])).content.decode()
    assert "Taper plan for zopiclone to confirm" in card
    assert "7.5 mg" in card  # the steps, inline
    assert "Confirm plan as Dr Tess Ward" in card
    url = reverse("program:round_confirm_plan", args=[patient.pk, plan.pk])
    done = client.post(url, {f"p{plan.pk}-reason": "Agreed with the GP."})
    assert done.status_code == 302
    assert done["Location"] == reverse("program:round")  # nothing else waits
    assert said(done) == [
        "Plan confirmed by Dr Tess Ward. The patient now sees the current step and the next.",
        "That was the last item: your round is done.",
    ]
    plan.refresh_from_db()
    assert plan.status == "active" and plan.confirmed_by == therapist
    assert SAFETY in client_for(patient).get(reverse("program:diary")).content.decode()
    # Back and submit again (or a second tab): nothing is confirmed twice.
    again = client.post(url, {f"p{plan.pk}-reason": "again"})
    (message,) = [m for m in said(again) if "already" in m]
    assert message.startswith("Dr Tess Ward had already decided this on")
    assert message.endswith("(Active). Nothing was changed.")
    changes = TaperPlanChange.objects.filter(plan=plan, action="confirmed")
    assert list(changes.values_list("reason", flat=True)) == ["Agreed with the GP."]


def test_a_second_plan_is_not_confirmed_while_one_is_in_force(patient, therapist):
    first = zopiclone_draft(patient, therapist)
    confirm_plan(plan=first, by=therapist)
    second = zopiclone_draft(patient, therapist, name="zolpidem")
    client = client_for(therapist)
    url = reverse("program:round_confirm_plan", args=[patient.pk, second.pk])
    refused = client.post(url, {})
    assert refused["Location"] == reverse("program:round_patient", args=[patient.pk])
    assert said(refused) == [
        "This patient already has a plan in force. Finish or withdraw it first."
    ]
    second.refresh_from_db()
    assert second.status == "draft"


def test_only_the_patients_own_therapist_confirms_a_plan(
    patient, therapist, other_therapist, clinic_admin
):
    plan = zopiclone_draft(patient, therapist)
    url = reverse("program:round_confirm_plan", args=[patient.pk, plan.pk])
    assert client_for(other_therapist).post(url, {}).status_code == 404
    assert client_for(clinic_admin).post(url, {}).status_code == 404
    assert client_for(patient).post(url, {}).status_code == 403
    # The admin reads the plan on the clinic's round, without the button.
    page = client_for(clinic_admin).get(reverse("program:round_patient", args=[patient.pk]))
    assert "Taper plan for zopiclone to confirm" in page.content.decode()
    assert "Confirm plan as" not in page.content.decode()
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_a_plan_confirmed_meanwhile_is_said_so(patient, therapist):
    """The request read the draft before another tab confirmed it: the service's
    conditional update refuses, and the therapist is told who confirmed it."""
    from unittest import mock

    plan = zopiclone_draft(patient, therapist)
    url = reverse("program:round_confirm_plan", args=[patient.pk, plan.pk])
    real = confirm_plan

    def other_tab_first(*, plan, by, reason=""):
        real(plan=TaperPlanFresh.objects.get(pk=plan.pk), by=by, reason="the other tab")
        return real(plan=plan, by=by, reason=reason)

    from program.models import TaperPlan as TaperPlanFresh

    with mock.patch("program.medication.actions.confirm_plan", other_tab_first):
        response = client_for(therapist).post(url, {})
    (message,) = said(response)
    assert "Dr Tess Ward had already decided this on" in message
    assert plan.changes.filter(action="confirmed").count() == 1


def test_a_long_round_is_cut_into_pages_with_totals_over_everyone(therapist, programme):
    """Issue 20: the round shows 25 patients a page (its cost does not grow with the
    caseload), and says how many patients and decisions wait on the whole round."""
    from datetime import date

    from program.enrolment.actions import enrol

    patients = []
    for i in range(27):
        p = make_user(f"r{i}@example.test", Role.PATIENT, therapist=therapist)
        enrol(patient=p, programme=programme, start_date=date(2026, 11, 1))
        patients.append(p)
    Message.objects.bulk_create([Message(patient=p, sender=p, text="Hello") for p in patients])
    for p in patients[:2]:
        pending_recommendation(p)
    client = client_for(therapist)
    first = client.get(reverse("program:round"))
    assert len(first.context["cards"]) == 25
    text = first.content.decode()
    assert "27 patients need you this week." in text
    assert "2 decisions wait." in text
    assert "Page 1 of 2" in text and "Start the round" in text
    second = client.get(reverse("program:round") + "?page=2")
    assert len(second.context["cards"]) == 2
    assert "27 patients need you this week." in second.content.decode()
    shown = {c.patient.pk for c in first.context["cards"] + second.context["cards"]}
    assert shown == {p.pk for p in patients}


def test_a_cards_neighbours_and_number_follow_the_rounds_order(therapist):
    """Issue 20: a card's previous and next patients and its "Patient n of N" are read from
    the patient's own row (keyset), not from every id of the round; they agree with the
    list's order for every patient, ties on every key but the row included."""
    from accounts.models import User
    from tests.caseload_data import build_caseload

    users = build_caseload(therapist, 12)
    Message.objects.bulk_create([Message(patient=u, sender=u, text="Hello") for u in users])
    # Six patients of one name: they differ only by their row.
    User.objects.filter(pk__in=[u.pk for u in users[:6]]).update(name="Same Name")
    order = [row.patient_id for row in round_service.on_the_round(therapist)]
    assert sorted(order) == sorted(u.pk for u in users)
    for i, patient_id in enumerate(order):
        where = round_service.position(therapist, patient_id)
        assert (where.index, where.total) == (i, len(order))
        assert where.card is not None and where.card.patient.pk == patient_id
        assert (where.previous.pk if where.previous else None) == (order[i - 1] if i else None)
        following = order[i + 1] if i + 1 < len(order) else None
        assert (where.next.pk if where.next else None) == following


def test_a_patient_not_on_the_round_is_shown_the_first_one(patient, other_patient, therapist):
    diary_today(patient)  # nothing waits for this one
    diary_today(other_patient)
    Message.objects.create(patient=other_patient, sender=other_patient, text="Hello")
    where = round_service.position(therapist, patient.pk)
    assert (where.card, where.index, where.total, where.previous) == (None, None, 1, None)
    assert where.next == other_patient


def test_an_edited_window_is_explained_as_the_clinicians_not_as_the_rule(patient, therapist):
    """The week's rule proposed 6h 15m ("extend"); the therapist set 6h 00m instead. The
    window's reason must not be the rule's ("lengthened by 15 minutes") for a window that
    was not; the round speaks to the clinician, not the patient."""
    recommendation = pending_recommendation(patient)
    (card,) = round_service.build(therapist)
    assert not card.recommendations[0].explained.startswith("Your")
    sw.edit(recommendation, by=therapist, window_min=360, reason="Keep it steady this week")
    mine = client_for(patient).get(reverse("program:sleep_window")).content.decode()
    assert "Your therapist set this window in place of the week&#x27;s recommendation" in mine
    assert sw.explain("extend", FIGURES) not in mine
    staff = (
        client_for(therapist)
        .get(reverse("program:patient_sleep_window", args=[patient.pk]))
        .content.decode()
    )
    assert "Set by the clinician in place of the week&#x27;s recommendation" in staff


@pytest.mark.parametrize("page", ["round", "sleep_window"])
def test_a_window_outside_the_protocol_goes_live_only_once_confirmed(
    two_to_decide, patient, therapist, page
):
    """200 minutes is below the protocol's 5 h floor: a slip of the keyboard is asked
    about, the typed words kept, and nothing is set; ticked, it is set and said so."""
    rec = two_to_decide[0]
    p = f"r{rec.pk}-" if page == "round" else ""
    url = reverse(
        "program:round_decide_recommendation"
        if page == "round"
        else "program:decide_recommendation",
        args=[patient.pk, rec.pk],
    )
    client = client_for(therapist)
    sent = {f"{p}action": "edit", f"{p}window_min": "200", f"{p}reason": "Night shifts"}
    response = client.post(url, sent)
    assert response.status_code == 200
    text = response.content.decode()
    assert "3 h 20 min is outside this protocol&#x27;s range (5 h to 9 h)" in text
    assert 'value="200"' in text and "Night shifts" in text
    rec.refresh_from_db()
    assert rec.status == "pending" and not Prescription.objects.filter(course=rec.course).exists()
    done = client.post(url, {**sent, f"{p}outside_protocol": "on"}, follow=True)
    assert "The window you chose is set. The patient sees it now." in said(done)
    rec.refresh_from_db()
    assert rec.status == "edited" and "edited_outside_range" in rec.flags


def test_approving_an_unchanged_window_says_it_stays(patient, therapist):
    diary_today(patient)
    rec = pending_recommendation(patient, proposed=360)
    url = reverse("program:decide_recommendation", args=[patient.pk, rec.pk])
    done = client_for(therapist).post(url, {"action": "approve"}, follow=True)
    assert "Approved: the window stays as it is." in said(done)
    assert "sees the new window" not in " ".join(said(done))


def test_review_now_after_todays_review_was_decided_says_so(patient, therapist):
    """ "Review this week now" on a day whose review was rejected: not "ready below" over
    "Nothing waiting for you", but that today's review was decided already."""
    from program.models import Prescription as Window

    diary_today(patient)
    rec = pending_recommendation(patient, proposed=345)
    Window.objects.create(
        course=rec.course,
        window_min=360,
        rise_time=time(6, 30),
        effective_from=patient.local_today(),
        source="approved",
    )
    sw.reject(rec, by=therapist, reason="Hold this week")
    url = reverse("program:sleep_window_action", args=[patient.pk])
    done = client_for(therapist).post(url, {"action": "review"}, follow=True)
    assert said(done) == ["Today's review was decided already (rejected): see the decisions below."]


def test_a_change_sent_from_an_outdated_tab_keeps_its_reason_on_that_patients_card(
    two_to_decide, patient, other_patient, therapist
):
    """Two tabs on the same card: approved in one, then "Change" with a reason in the
    other. The change is refused, the clinician stays on this patient's card (not the next
    patient's), and the reason they typed is on the page to copy."""
    rec = two_to_decide[0]
    client = client_for(therapist)
    url = reverse("program:round_decide_recommendation", args=[patient.pk, rec.pk])
    client.post(url, {f"r{rec.pk}-action": "approve", "next": other_patient.pk})
    reason = "Shorter: she naps most afternoons, see my note."
    stale = client.post(
        url,
        {
            f"r{rec.pk}-action": "edit",
            f"r{rec.pk}-window_min": 330,
            f"r{rec.pk}-reason": reason,
            "next": other_patient.pk,
        },
    )
    assert stale.status_code == 200
    assert stale.context["patient"] == patient
    body = stale.content.decode()
    assert "Your reason was not saved" in body
    assert "naps most afternoons, see my note." in body
    (message,) = [m for m in said(stale) if "already" in m]
    assert "had already decided this" in message and "Nothing was changed" in message
    rec.refresh_from_db()
    assert rec.status == "approved" and rec.decision_reason == ""
    assert Prescription.objects.filter(course=rec.course).count() == 1

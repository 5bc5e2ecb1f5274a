"""The clinic's own risk flags (program.risk.models.RiskRule, issue 16): words in what a
patient writes (messages, diary notes, on the page and through the API) and answers to
questionnaire items, each going through the one risk workflow; what the patient is told
and what the staff see; and how an admin keeps the list.

(The matching itself: tests/program/test_risk_flags_rules.py.)
"""

from __future__ import annotations

import json

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from accounts.tokens import issue_token
from program.assessments.actions import ensure_instruments
from program.assessments.models import RiskAlert
from program.enrolment.actions import enrol
from program.models import DiaryEntry, Message, RiskRule
from program.risk import actions as risk
from tests.conftest import client_for, make_user

# The risk tests' settings (an empty duty list unless a test sets one, clock hours).
from tests.program.test_risk import (  # noqa: F401
    ALERT_SUBJECT,
    DUTY,
    NOT_TOLD,
    TOLD,
    _no_duty_list_unless_a_test_sets_one,
    to,
)

FLAGGED = str(risk.FLAGGED_WORDS)
WROTE_SUBJECT = "Something a patient wrote needs a clinician's attention — sign in"
WORDS_FLAG = "Urgent: words the clinic flags, in what the patient wrote"
ITEM_FLAG = "Urgent: a questionnaire answer the clinic flags"
CRISIS = "If you are thinking about harming yourself, please talk to someone now."
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


@pytest.fixture(autouse=True)
def phrases(db) -> None:
    """The shipped list is what migration 0037 wrote (checked below); each test here
    starts from two phrases of its own, so that it says what it tests."""
    RiskRule.objects.all().delete()
    RiskRule.objects.create(kind="phrase", phrase="end my life")
    RiskRule.objects.create(kind="phrase", phrase="overdose", is_active=False)


def test_the_shipped_phrases_are_on(db) -> None:
    from importlib import import_module

    from django.apps import apps

    migration = import_module("program.migrations.0037_ship_risk_phrases")
    shipped = migration.PHRASES
    RiskRule.objects.all().delete()
    migration.ship(apps, None)
    on = set(RiskRule.objects.active().values_list("phrase", flat=True))
    assert on == set(shipped) and {"kill myself", "suicide", "me suicider"} <= on


def test_a_patients_message_with_a_flagged_phrase_starts_the_risk_workflow(
    patient, therapist, clinic_admin, settings, messages_on, django_capture_on_commit_callbacks
) -> None:
    settings.RISK_DUTY_EMAILS = [DUTY]
    text = "Thanks for the lesson. Honestly some nights I just want to End my life, sorry."
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(patient).post(
            reverse("program:messages"), {"text": text}, follow=True
        )
    page = response.content.decode()
    message = Message.objects.get()
    alert = RiskAlert.objects.get(patient=patient)
    assert alert.source == "flagged_words" and alert.message == message
    assert alert.matches == [
        {"rule": "“end my life”", "where": "a message", "excerpt": text, "negated": False}
    ]
    # The alert email to the therapist and the duty list, with no content; it says
    # something was written (not "an answer").
    addresses = (therapist.email, DUTY, clinic_admin.email)
    assert [to(a, WROTE_SUBJECT) for a in addresses] == [1, 1, 1]
    assert not any("End my life" in m.body for m in mail.outbox)
    alerts_sent = [m for m in mail.outbox if m.subject == WROTE_SUBJECT]
    assert all("Something a patient wrote needs" in m.body for m in alerts_sent)
    assert not any("answer" in m.subject + m.body for m in alerts_sent)
    # The patient: the message is sent, the crisis contacts, then only what happened.
    assert "Message sent." in page and CRISIS in page and FLAGGED in page and TOLD in page
    assert "read your message" not in page and "has seen" not in page
    # The staff: which rule matched and the words around it, on the alerts and patient pages.
    alerts = client_for(therapist).get(reverse("program:risk_alerts")).content.decode()
    assert "Matched the clinic's risk flag “end my life” in a message" in alerts
    assert "some nights I just want to End my life" in alerts
    detail = client_for(therapist).get(reverse("program:patient_detail", args=[patient.pk]))
    assert WORDS_FLAG in detail.content.decode()
    assert "some nights I just want to End my life" in detail.content.decode()
    # The caseload, its CSV and the round name the same source, never a self-harm answer.
    for url in ("program:caseload", "program:caseload_export"):
        response = client_for(therapist).get(reverse(url))
        page = response.getvalue().decode() if url.endswith("export") else response.content.decode()
        assert WORDS_FLAG in page and "self-harm answer" not in page
    round_page = client_for(therapist).get(reverse("program:round_patient", args=[patient.pk]))
    assert WORDS_FLAG in round_page.content.decode()
    assert "self-harm answer" not in round_page.content.decode()


def test_the_same_flagged_message_sent_again_shows_the_crisis_notice_again(
    patient, therapist, messages_on, django_capture_on_commit_callbacks
) -> None:
    """Send, the answer lost (a dropped connection), the same form sent again: nothing is
    saved or alerted twice, and the patient reads the crisis notice on the retry too."""
    form = {"text": "Some nights I just want to end my life.", "submission_key": "k" * 22}
    with django_capture_on_commit_callbacks(execute=True):
        # Its answer (and the notice it carried) never arrives.
        client_for(patient).post(reverse("program:messages"), form)
    with django_capture_on_commit_callbacks(execute=True):
        again = client_for(patient).post(reverse("program:messages"), form, follow=True)
    page = again.content.decode()
    assert "Message sent." in page  # as the lost answer said: sent, once
    assert CRISIS in page and FLAGGED in page and TOLD in page
    assert Message.objects.count() == 1 and RiskAlert.objects.count() == 1


def test_a_message_without_a_flagged_phrase_tells_nobody_and_says_nothing_of_it(
    patient, therapist, messages_on, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(patient).post(
            reverse("program:messages"),
            # "overdose" is on the list but switched off.
            {"text": "I worried about an overdose of coffee, and my life is busy."},
            follow=True,
        )
    page = response.content.decode()
    assert not RiskAlert.objects.exists()
    assert "Message sent." in page and FLAGGED not in page and TOLD not in page


def test_the_therapists_own_words_are_not_flagged(
    patient, therapist, messages_on, django_capture_on_commit_callbacks
) -> None:
    url = reverse("program:patient_messages", args=[patient.pk])
    client_for(therapist).post(url, {"text": "If you ever want to end my life-style chats, say."})
    assert Message.objects.count() == 1 and not RiskAlert.objects.exists()


def test_a_negated_phrase_still_flags_and_the_staff_see_it_was_negated(
    patient, therapist, messages_on, django_capture_on_commit_callbacks
) -> None:
    client_for(patient).post(
        reverse("program:messages"), {"text": "Don't worry, I would never end my life."}
    )
    alert = RiskAlert.objects.get()
    assert alert.matches[0]["negated"] is True
    alerts = client_for(therapist).get(reverse("program:risk_alerts")).content.decode()
    assert "after a negation: it may be a denial" in alerts


def test_a_diary_note_with_a_flagged_phrase_flags_once_not_at_each_edit(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    client = client_for(patient)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("program:diary_new"),
            {**NIGHT, "comments": "Awful night. I want to end my life."},
            follow=True,
        )
    page = response.content.decode()
    entry = DiaryEntry.objects.get()
    alert = RiskAlert.objects.get()
    assert alert.diary_entry == entry and alert.matches[0]["where"] == "a diary note"
    assert to(therapist.email, WROTE_SUBJECT) == 1
    assert "Saved." in page and CRISIS in page and FLAGGED in page and TOLD in page
    # An edit that keeps the sentence is not a new alert; one that adds a new phrase is.
    RiskRule.objects.create(kind="phrase", phrase="better off dead")
    edit = reverse("program:diary_edit", args=[entry.diary_date.isoformat()])
    again = client.post(
        edit, {**NIGHT, "comments": "Awful night. I want to end my life. Slept at 2."}, follow=True
    )
    assert RiskAlert.objects.count() == 1 and FLAGGED not in again.content.decode()
    client.post(edit, {**NIGHT, "comments": "I want to end my life. Better off dead."})
    assert RiskAlert.objects.count() == 2
    assert RiskAlert.objects.order_by("-pk").first().matches[0]["rule"] == "“better off dead”"


def test_a_patient_nobody_can_be_told_about_reads_so(programme) -> None:
    solo = make_user("sam@example.test", Role.PATIENT, name="Sam Solo", time_zone="Europe/London")
    enrol(patient=solo, programme=programme, start_date=solo.local_today())
    response = client_for(solo).post(
        reverse("program:diary_new"), {**NIGHT, "comments": "I want to end my life"}, follow=True
    )
    page = response.content.decode()
    assert RiskAlert.objects.filter(patient=solo).exists()
    assert NOT_TOLD in page and TOLD not in page


def test_a_diary_note_through_the_api_flags_and_says_so(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    _, token = issue_token(patient, "test")
    night = {
        **NIGHT,
        "sleep_latency_min": 30,
        "awakenings": 2,
        "awake_min": 40,
        "quality": 3,
        "comments": "I want to end my life",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            f"/api/v1/patients/{patient.pk}/diary",
            json.dumps(night),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
    assert response.status_code == 201, response.content
    assert RiskAlert.objects.get().diary_entry == DiaryEntry.objects.get(patient=patient)
    body = response.json()
    [warning] = [w for w in body["warnings"] if FLAGGED in w]
    assert to(therapist.email, WROTE_SUBJECT) == 1
    # Words that stand alone in an app: nothing points at numbers "above" (none are), the
    # truth about who was told, then the crisis lines themselves, also as data.
    assert "above" not in warning
    assert str(risk.TOLD_STANDALONE) in warning and CRISIS in warning
    crisis = body["crisis"]
    assert crisis["lines"], "the patient's country's lines"
    for line in crisis["lines"]:
        assert line["name"] in warning and line["phone"] in warning
    assert crisis["text"] in warning
    assert warning.index(str(risk.TOLD_STANDALONE)) < warning.index(crisis["lines"][0]["phone"])
    # A note without flagged words carries no crisis block.
    calm = {**night, "diary_date": "2026-11-24", "comments": "Slept better."}
    quiet = Client().post(
        f"/api/v1/patients/{patient.pk}/diary",
        json.dumps(calm),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert quiet.status_code == 201 and quiet.json()["crisis"] is None


def test_the_api_warning_for_a_patient_nobody_can_be_told_about_stands_alone(programme) -> None:
    solo = make_user("sol@example.test", Role.PATIENT, name="Sol", time_zone="Europe/London")
    enrol(patient=solo, programme=programme, start_date=solo.local_today())
    _, token = issue_token(solo, "test")
    night = {**NIGHT, "sleep_latency_min": 30, "awakenings": 2, "awake_min": 40, "quality": 3}
    response = Client().post(
        f"/api/v1/patients/{solo.pk}/diary",
        json.dumps({**night, "comments": "I want to end my life"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    [warning] = [w for w in response.json()["warnings"] if FLAGGED in w]
    assert str(risk.NOT_TOLD_STANDALONE) in warning and str(risk.TOLD_STANDALONE) not in warning
    assert "above" not in warning and response.json()["crisis"]["text"] in warning


def gad7(answer_to_item_7: int) -> dict[str, str]:
    return {**{f"gad{i}": "0" for i in range(1, 7)}, "gad7": str(answer_to_item_7)}


def test_an_item_rule_an_admin_sets_starts_the_workflow_at_its_threshold(
    patient, other_patient, therapist, clinic_admin, django_capture_on_commit_callbacks
) -> None:
    ensure_instruments()
    response = client_for(clinic_admin).post(
        reverse("program:risk_flag_new_item"),
        {"question": "gad7/gad7", "threshold": "2", "note": "Our pilot", "is_active": "on"},
        follow=True,
    )
    assert "It is checked from now on." in response.content.decode()
    rule = RiskRule.objects.get(kind="item")
    assert (rule.instrument, rule.item, rule.threshold) == ("gad7", "gad7", 2)
    below = client_for(other_patient).post(
        reverse("program:questionnaire", args=["gad7"]), gad7(1), follow=True
    )
    assert below.status_code == 200 and not RiskAlert.objects.exists()
    assert str(risk.FLAGGED_ANSWER) not in below.content.decode()
    client = client_for(patient)
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("program:questionnaire", args=["gad7"]), gad7(2), follow=True
        ).content.decode()
    alert = RiskAlert.objects.get()
    assert alert.source == "flagged_item" and alert.matches[0]["rule"] == "GAD-7 item 7 ≥ 2"
    assert to(therapist.email) == 1
    assert str(risk.FLAGGED_ANSWER) in page and CRISIS in page and TOLD in page
    assert "You said you have had thoughts" not in page
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert ITEM_FLAG in caseload and "self-harm answer" not in caseload


def test_the_caseload_flag_counts_more_open_alerts(patient, therapist) -> None:
    risk.raise_alert(patient, RiskAlert.Source.PHQ9_ITEM9)
    risk.raise_alert(patient, RiskAlert.Source.FLAGGED_WORDS)
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    # The latest alert's source, and how many more are open.
    assert f"{WORDS_FLAG} (and 1 more open alert)" in caseload


def test_the_admin_keeps_the_list_and_bad_entries_are_refused_clearly(clinic_admin) -> None:
    client = client_for(clinic_admin)
    page = client.get(reverse("program:risk_flags")).content.decode()
    assert "“end my life”" in page and "“overdose”" in page
    short = client.post(reverse("program:risk_flag_new_phrase"), {"phrase": "ab"})
    assert "Type at least 3 letters" in short.content.decode()
    twice = client.post(reverse("program:risk_flag_new_phrase"), {"phrase": "End  My Life"})
    assert "already on the list" in twice.content.decode()
    assert 'value="End  My Life"' in twice.content.decode()  # nothing typed is lost
    done = client.post(
        reverse("program:risk_flag_new_phrase"),
        {"phrase": "  can't go on ", "is_active": "on"},
        follow=True,
    )
    assert "Saved: “can&#x27;t go on”. It is checked from now on." in done.content.decode()
    rule = RiskRule.objects.get(phrase="can't go on")
    assert rule.updated_by == clinic_admin
    off = client.post(
        reverse("program:risk_flag_edit", args=[rule.pk]), {"phrase": "can't go on"}, follow=True
    )
    assert "It is off." in off.content.decode()
    assert not RiskRule.objects.get(pk=rule.pk).is_active
    ensure_instruments()
    high = client.post(
        reverse("program:risk_flag_new_item"), {"question": "gad7/gad7", "threshold": "4"}
    )
    assert "Choose a score from 1 to 3" in high.content.decode()
    assert not RiskRule.objects.filter(kind="item").exists()


def test_a_therapist_cannot_change_the_list(therapist) -> None:
    response = client_for(therapist).post(
        reverse("program:risk_flag_new_phrase"), {"phrase": "anything at all"}
    )
    assert response.status_code == 403
    assert not RiskRule.objects.filter(phrase="anything at all").exists()

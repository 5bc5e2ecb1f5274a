"""Assessments: schedule, filling in, the PHQ-9 item-9 risk workflow, licensed wording,
clinician-entered results, notes, the caseload and its CSV."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from program.assessments import actions as assessments
from program.clinical_text import CRISIS_MESSAGE
from program.enrolment.actions import current_enrolment
from program.models import Assessment, Enrolment, NoteRevision
from tests.conftest import client_for

PHQ_NONE = {f"phq{i}": "0" for i in range(1, 10)}


@pytest.fixture
def enrolment(patient) -> Enrolment:
    return current_enrolment(patient)


def keys(occasions) -> set[tuple[str, str]]:
    return {(o.key, o.occasion) for o in occasions}


def test_the_schedule_is_baseline_weeks_2_4_6_and_follow_up(enrolment) -> None:
    start = enrolment.start_date
    isi = [o for o in assessments.occasions(enrolment) if o.key == "isi"]
    assert [(o.occasion, (o.due_on - start).days) for o in isi] == [
        ("baseline", 0),
        ("week-2", 13),
        ("week-4", 27),
        ("week-6", 41),
        ("follow-up", 84),
    ]
    mood = keys(o for o in assessments.occasions(enrolment) if o.key != "isi")
    assert mood == {
        ("phq9", "baseline"),
        ("phq9", "week-6"),
        ("gad7", "baseline"),
        ("gad7", "week-6"),
    }


def test_the_isi_weeks_are_configurable_per_programme(enrolment) -> None:
    enrolment.programme.isi_weeks = [3]
    enrolment.programme.follow_up_weeks = 0
    isi = [o.occasion for o in assessments.occasions(enrolment) if o.key == "isi"]
    assert isi == ["baseline", "week-3"]


def test_only_the_newest_due_occasion_is_offered_and_at_most_weekly(enrolment) -> None:
    start = enrolment.start_date
    assert keys(assessments.due(enrolment, start, [])) == {
        ("isi", "baseline"),
        ("phq9", "baseline"),
        ("gad7", "baseline"),
    }
    # At the end of week 4 the week-2 ISI, never filled in, is missed, not stacked.
    due = assessments.due(enrolment, start + timedelta(days=27), [])
    assert ("isi", "week-4") in keys(due) and ("isi", "week-2") not in keys(due)
    # Completed 3 days ago (a late baseline): the week-2 ISI waits a week.
    isi = assessments.ensure_instruments()["isi"]
    recent = Assessment(
        instrument=isi, occasion="baseline", completed_on=start + timedelta(days=10), total=1
    )
    recent.enrolment_id = enrolment.pk
    assert ("isi", "week-2") not in keys(
        assessments.due(enrolment, start + timedelta(days=13), [recent])
    )
    assert ("isi", "week-2") in keys(
        assessments.due(enrolment, start + timedelta(days=17), [recent])
    )


def test_the_isi_is_not_offered_to_patients_without_licensed_wording(patient, enrolment) -> None:
    client = client_for(patient)
    page = client.get(reverse("program:progress")).content.decode()
    assert "has not loaded this questionnaire" in page
    assert "wording not licensed" not in page  # placeholder text is never shown to patients
    assert client.get(reverse("program:questionnaire", args=["isi"])).status_code == 404


def test_a_patient_fills_in_the_phq9_and_sees_the_result(patient, therapist) -> None:
    client = client_for(patient)
    form = client.get(reverse("program:questionnaire", args=["phq9"])).content.decode()
    assert "Little interest or pleasure in doing things" in form
    response = client.post(
        reverse("program:questionnaire", args=["phq9"]), {**PHQ_NONE, "phq1": "2", "phq2": "3"}
    )
    result = Assessment.objects.get(patient=patient)
    assert response["Location"] == reverse("program:questionnaire_result", args=[result.pk])
    assert (result.total, result.band_code, result.risk) == (5, "phq9_mild", False)
    assert result.band == "Mild"
    page = client.get(response["Location"]).content.decode()
    assert "5</span> out of 27" in page and str(CRISIS_MESSAGE) not in page
    # Filled in: no longer offered; its link leads to what was sent.
    again = client.get(reverse("program:questionnaire", args=["phq9"]))
    assert again["Location"] == response["Location"]


def test_an_incomplete_questionnaire_is_refused(patient) -> None:
    client = client_for(patient)
    response = client.post(reverse("program:questionnaire", args=["gad7"]), {"gad1": "1"})
    assert response.status_code == 200
    assert "Please answer every question" in response.content.decode()
    assert not Assessment.objects.exists()


def test_a_self_harm_answer_shows_crisis_contacts_flags_and_emails_the_therapist(
    patient, other_patient, therapist, django_capture_on_commit_callbacks
) -> None:
    client = client_for(patient)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("program:questionnaire", args=["phq9"]), {**PHQ_NONE, "phq9": "1"}
        )
    page = client.get(response["Location"]).content.decode()
    assert str(CRISIS_MESSAGE).split(":")[0] in page and "116 123" in page
    # The email says nothing about the patient or the answer.
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [therapist.email]
    assert message.subject == "A patient's answer needs a clinician's attention — sign in"
    assert patient.email not in message.body and "PHQ" not in message.body
    assert patient.display_name not in message.body
    # The urgent flag comes first on the caseload, whatever the name order.
    caseload = client_for(therapist).get(reverse("program:caseload")).content.decode()
    assert "Urgent: self-harm answer" in caseload
    assert caseload.index(patient.display_name) < caseload.index(other_patient.display_name)
    # ... and on the patient page until the therapist acknowledges it.
    detail_url = reverse("program:patient_detail", args=[patient.pk])
    tclient = client_for(therapist)
    assert "Urgent: self-harm answer" in tclient.get(detail_url).content.decode()
    alert = Assessment.objects.get(patient=patient).risk_alerts.get()
    tclient.post(reverse("program:acknowledge_alert", args=[patient.pk, alert.pk]))
    assert "Urgent: self-harm answer" not in tclient.get(detail_url).content.decode()
    assert "Urgent" not in tclient.get(reverse("program:caseload")).content.decode()


def test_back_after_a_self_harm_answer_shows_the_result_and_records_once(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    """Back (or the link again) after sending: the result with its crisis contacts, not
    "Page not found"; sending the same answers again records nothing more."""
    client = client_for(patient)
    url = reverse("program:questionnaire", args=["phq9"])
    answers = {**PHQ_NONE, "phq9": "2"}
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, answers)
    result = Assessment.objects.get(patient=patient)
    page = client.get(url, follow=True)
    assert page.redirect_chain == [(sent["Location"], 302)]
    text = page.content.decode()
    assert "You sent this questionnaire on " in text and "Here is your result." in text
    assert str(CRISIS_MESSAGE).split(":")[0] in text
    with django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, answers)
    assert again["Location"] == reverse("program:questionnaire_result", args=[result.pk])
    assert Assessment.objects.filter(patient=patient).count() == 1
    assert result.risk_alerts.count() == 1 and len(mail.outbox) == 1
    # Another questionnaire never sent is still "not found" when it is not due.
    assert client.get(reverse("program:questionnaire", args=["isi"])).status_code == 404


def test_answers_changed_after_back_are_recorded_and_read_for_risk(
    patient, therapist, django_capture_on_commit_callbacks
) -> None:
    """Back, an answer changed (item 9 to "more than half the days"), Send again: the
    new answers are recorded for the same occasion and their risk reaches a person; the
    patient reads the new result with the crisis contacts, not the old one."""
    client = client_for(patient)
    url = reverse("program:questionnaire", args=["phq9"])
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, PHQ_NONE)
    with django_capture_on_commit_callbacks(execute=True):
        changed = client.post(url, {**PHQ_NONE, "phq9": "2"})
    assert changed["Location"] != first["Location"]
    before, after = Assessment.objects.filter(patient=patient).order_by("pk")
    assert before.occasion == after.occasion and after.risk and not before.risk
    assert after.risk_alerts.count() == 1 and len(mail.outbox) == 1
    page = client.get(changed["Location"]).content.decode()
    assert str(CRISIS_MESSAGE).split(":")[0] in page and "116 123" in page


def test_a_broker_that_is_down_never_fails_the_risk_submission(
    patient, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    from program import tasks

    def down(*args, **kwargs):
        raise OSError("broker down")

    monkeypatch.setattr(tasks.risk_notice_email_task, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(patient).post(
            reverse("program:questionnaire", args=["phq9"]), {**PHQ_NONE, "phq9": "3"}
        )
    assert response.status_code == 302
    assert Assessment.objects.get(patient=patient).risk


def test_licensed_wording_loads_from_a_json_file(tmp_path, patient) -> None:
    wording = {
        "key": "isi",
        "preamble": "TEST PLACEHOLDER preamble (not the ISI)",
        "recall_period": "the last 2 weeks",
        "items": [f"TEST PLACEHOLDER item {i} (not the ISI)" for i in range(1, 8)],
        "options": ["zero", "one", "two", "three", "four"],
    }
    path = tmp_path / "isi.json"
    path.write_text(json.dumps(wording))
    call_command("load_instrument_wording", str(path))
    isi = assessments.ensure_instruments()["isi"]
    assert isi.wording_loaded and isi.items[6]["text"] == "TEST PLACEHOLDER item 7 (not the ISI)"
    page = client_for(patient).get(reverse("program:questionnaire", args=["isi"]))
    assert "TEST PLACEHOLDER item 1" in page.content.decode()


def test_licensed_wording_loads_from_yaml(tmp_path, db) -> None:
    pytest.importorskip("yaml")
    path = tmp_path / "ess.yaml"
    path.write_text("key: ess\nitems:\n" + "".join(f"  - TEST item {i}\n" for i in range(1, 9)))
    call_command("load_instrument_wording", str(path))
    assert assessments.ensure_instruments()["ess"].wording_loaded


def test_wording_with_the_wrong_number_of_items_is_refused(tmp_path, db) -> None:
    from django.core.management.base import CommandError

    path = tmp_path / "isi.json"
    path.write_text(json.dumps({"key": "isi", "items": ["only one"]}))
    with pytest.raises(CommandError, match="expected 7"):
        call_command("load_instrument_wording", str(path))
    assert not assessments.ensure_instruments()["isi"].wording_loaded


def test_the_therapist_enters_an_isi_total_and_sees_the_change(patient, therapist) -> None:
    client = client_for(therapist)
    url = reverse("program:record_result", args=[patient.pk])
    for day, total in ((date(2026, 11, 2), 19), (date(2026, 11, 16), 11)):
        client.post(
            url, {"instrument": "isi", "total": total, "completed_on": day, "occasion": "baseline"}
        )
    assert list(Assessment.objects.values_list("total", flat=True).order_by("completed_on")) == [
        19,
        11,
    ]
    page = client.get(reverse("program:patient_detail", args=[patient.pk])).content.decode()
    assert "−8" in page and "response" in page
    assert "needs licensed wording" in page
    client.post(
        url, {"instrument": "isi", "total": 29, "completed_on": "2026-11-20", "occasion": "other"}
    )
    assert Assessment.objects.count() == 2  # 29 is more than an ISI holds


def test_the_patient_sees_their_trend_on_the_progress_page(patient, therapist) -> None:
    isi = assessments.ensure_instruments()["isi"]
    for day, total in ((date(2026, 11, 2), 19), (date(2026, 11, 16), 15)):
        assessments.record_result(
            patient=patient,
            instrument=isi,
            total=total,
            completed_on=day,
            occasion="x",
            by=therapist,
        )
    page = client_for(patient).get(reverse("program:progress")).content.decode()
    assert "Insomnia Severity Index" in page and "<svg" in page and "−4" in page


def test_notes_keep_their_history_and_are_never_shown_to_the_patient(patient, therapist) -> None:
    client = client_for(therapist)
    client.post(reverse("program:add_note", args=[patient.pk]), {"text": "Discussed worry time."})
    note = patient.therapist_notes.get()
    client.post(
        reverse("program:edit_note", args=[patient.pk, note.pk]),
        {"text": "Discussed worry time; ok."},
    )
    note.refresh_from_db()
    assert note.text == "Discussed worry time; ok."
    assert list(NoteRevision.objects.values_list("text", flat=True)) == ["Discussed worry time."]
    page = client.get(reverse("program:patient_detail", args=[patient.pk])).content.decode()
    assert "Earlier versions (1)" in page
    patient_client = client_for(patient)
    for url in (
        "program:patient_home",
        "program:progress",
        "program:diary",
        "program:sleep_window",
    ):
        assert "worry time" not in patient_client.get(reverse(url)).content.decode()
    assert (
        patient_client.get(reverse("program:patient_detail", args=[patient.pk])).status_code == 403
    )


def test_the_summary_prints_notes_only_when_asked(patient, therapist) -> None:
    assessments.add_note(patient=patient, author=therapist, text="Private remark")
    client = client_for(therapist)
    url = reverse("program:patient_summary", args=[patient.pk])
    assert "Private remark" not in client.get(url).content.decode()
    assert "Private remark" in client.get(url + "?notes=1").content.decode()


def test_the_caseload_csv_holds_only_the_therapists_own_patients(
    patient, other_patient, outsider_patient, therapist
) -> None:
    response = client_for(therapist).get(reverse("program:caseload_export"))
    text = response.getvalue().decode()
    assert response["Content-Type"].startswith("text/csv")
    assert patient.email in text and other_patient.email in text
    assert outsider_patient.email not in text
    assert text.splitlines()[0].startswith("patient,email,programme week")


def test_the_caseload_filters_and_sorts(patient, other_patient, therapist) -> None:
    client = client_for(therapist)
    by_name = client.get(reverse("program:caseload") + "?sort=name").content.decode()
    assert by_name.index("Olly Other") < by_name.index("Pat Patient")
    # No diary yet: both are flagged; a week filter leaves out who is elsewhere.
    flagged = client.get(reverse("program:caseload") + "?flagged=1").content.decode()
    assert "No diary for 3+ nights" in flagged
    # The week filter reads the week the pace rules opened: nothing read yet, so week 1.
    filtered = client.get(reverse("program:caseload") + "?week=1").content.decode()
    assert "Pat Patient" in filtered and "Olly Other" in filtered
    later = client.get(reverse("program:caseload") + "?week=2").content.decode()
    assert "Pat Patient" not in later and "Olly Other" not in later


def test_the_summary_downloads_as_a_pdf(patient, therapist) -> None:
    isi = assessments.ensure_instruments()["isi"]
    assessments.record_result(
        patient=patient,
        instrument=isi,
        total=19,
        completed_on=date(2026, 11, 2),
        occasion="baseline",
        by=therapist,
    )
    assessments.add_note(patient=patient, author=therapist, text="Rise time fixed → 06:30 − ok")
    response = client_for(therapist).get(
        reverse("program:patient_summary_pdf", args=[patient.pk]) + "?notes=1"
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_patient_home_says_when_a_questionnaire_is_due(patient) -> None:
    client = client_for(patient)
    assert "A questionnaire is due" in client.get(reverse("program:patient_home")).content.decode()
    for key, prefix, n in (("phq9", "phq", 9), ("gad7", "gad", 7)):
        client.post(
            reverse("program:questionnaire", args=[key]),
            {f"{prefix}{i}": "0" for i in range(1, n + 1)},
        )
    # The ISI is due too, but without licensed wording it is never asked for here.
    assert (
        "A questionnaire is due" not in client.get(reverse("program:patient_home")).content.decode()
    )


def test_the_admin_lists_instruments_and_results(clinic_admin, patient) -> None:
    instruments = assessments.ensure_instruments()
    client = client_for(clinic_admin)
    assert client.get("/admin/program/instrument/").status_code == 200
    change = client.get(f"/admin/program/instrument/{instruments['isi'].pk}/change/")
    assert change.status_code == 200
    assert client.get("/admin/program/assessment/").status_code == 200


def _morning_reminder(patient, day: int) -> str:
    """The body of the patient's 07:30 diary reminder on ``day`` November 2026."""
    from datetime import UTC, datetime

    import time_machine

    from program.models import Delivery, ReminderSchedule
    from program.reminders import actions as reminders

    Delivery.objects.all().delete()
    ReminderSchedule.objects.all().delete()
    with time_machine.travel(datetime(2026, 11, day, 6, tzinfo=UTC), tick=False) as clock:
        reminders.refresh_schedules(patient)
        clock.move_to(datetime(2026, 11, day, 7, 30, 20, tzinfo=UTC))  # London = UTC
        mail.outbox.clear()
        for batch in reminders.tick():
            reminders.deliver(batch)
    return mail.outbox[0].body


def test_the_morning_reminder_mentions_a_questionnaire_that_is_due(patient) -> None:
    body = _morning_reminder(patient, 25)  # PHQ-9 and GAD-7 due since baseline
    assert "A short questionnaire is waiting for you too" in body
    assert "/progress/" in body and "PHQ" not in body  # no health details by email
    client = client_for(patient)
    for key, prefix, n in (("phq9", "phq", 9), ("gad7", "gad", 7)):
        client.post(
            reverse("program:questionnaire", args=[key]),
            {f"{prefix}{i}": "0" for i in range(1, n + 1)},
        )
    # Only the ISI is due now, and without licensed wording it is not asked for here.
    assert "questionnaire" not in _morning_reminder(patient, 26)


@pytest.mark.django_db(transaction=True)
def test_the_same_answers_sent_at_the_same_instant_are_recorded_once(patient) -> None:
    """Send tapped twice, or two tabs: ten identical POSTs at once record one result, and
    each is shown it (PostgreSQL; SQLite runs one writer at a time)."""
    import threading

    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite's test database is one connection)")
    url = reverse("program:questionnaire", args=["phq9"])
    clients = [client_for(patient) for _ in range(10)]
    start = threading.Barrier(len(clients))
    sent: list[str] = []
    errors: list[BaseException] = []

    def send(client) -> None:
        try:
            start.wait()
            sent.append(client.post(url, PHQ_NONE)["Location"])
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
    result = Assessment.objects.get(patient=patient)
    assert sent == [reverse("program:questionnaire_result", args=[result.pk])] * 10

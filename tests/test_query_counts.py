"""Every page's query count stays the same as the data grows (1 row, then many)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, time, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from program.enrolment.actions import enrol
from tests.conftest import client_for, make_user
from tests.nights import night_answers
from tests.taper_plans import enter_drug_free_nights


@pytest.fixture(autouse=True)
def _clock_held_still() -> Iterator[None]:
    """Each test counts at one moment. The caseload's kept rows are trusted until each
    patient's next local midnight (program.clinic.summary): one passing between two views
    (00:00, 05:00 or 15:00 UTC for the London, New York and Tokyo patients) put their
    recomputation in one count only, and the counts differed."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def count_queries(client, url: str) -> int:
    """Queries for a page view in a warm session (the first view of a session also
    records it in allauth's session list and stamps the idle timer)."""
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def count_streamed_queries(client, url: str) -> int:
    """``count_queries`` for a streamed response: its rows are read while it is written,
    so the file is read to its end inside the count."""
    client.get(url).getvalue()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
        response.getvalue()
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


def add_patients(therapist, programme, n: int, start: int = 0) -> None:
    for i in range(start, start + n):
        p = make_user(f"p{i}@example.test", Role.PATIENT, therapist=therapist)
        enrol(patient=p, programme=programme, start_date=date(2026, 11, 1))


@pytest.mark.parametrize("page", ["program:caseload", "program:clinic_home"])
def test_lists_use_a_fixed_number_of_queries(page, therapist, clinic_admin, programme) -> None:
    client = client_for(clinic_admin if page == "program:clinic_home" else therapist)
    add_patients(therapist, programme, 1)
    few = count_queries(client, reverse(page))
    add_patients(therapist, programme, 20, start=1)
    many = count_queries(client, reverse(page))
    assert few == many, f"{page}: {few} queries for 1 patient, {many} for 21 (N+1?)"


def test_the_patient_home_uses_a_fixed_number_of_queries(patient) -> None:
    home = count_queries(client_for(patient), reverse("program:patient_home"))
    # Session, user, enrolment with programme and therapist, last entry, the sleep
    # window's prescriptions with their course (tonight's window, and the first one's
    # start for the PHQ-9 of restriction weeks, program.rules.mood), questionnaires
    # done; then the programme overview
    # (program.curriculum.actions.programme_overview): the patient's progress, pace changes,
    # diary nights, and this week's exercises (parts of published versions, in memory
    # once read).
    # (The programme's weeks, lessons and versions are kept in memory per content
    # revision: program.curriculum.actions.programme_structure. Instruments only when one
    # is due.) And the crisis contacts of the footer (program.crisis.actions), one query.
    # The latest break, the latest night, whether a taper plan is in force and the
    # therapist's unread messages come with the enrolment (subqueries); the plan card reads
    # the plan and its steps only when one is in force. So do the patient's special situations
    # (program.curriculum.situations.with_situations: their "About you" answers, the latest
    # screen and first PHQ-9/GAD-7), which the overview reads.
    assert home == 10, home


def test_the_patient_messages_page_uses_a_fixed_number_of_queries(
    patient, therapist, messages_on
) -> None:
    client = client_for(patient)
    client.post(reverse("program:messages"), {"text": "A first message."})
    thread = count_queries(client, reverse("program:messages"))
    # Session, user; the enrolment with its programme (messages on?) and the patient's
    # therapist (active? program.messaging.actions.thread_state), marking read, the thread
    # with its senders, the crisis contacts of the footer. The duty list is read only for
    # a patient without an active therapist.
    assert thread == 6, thread


def test_the_patient_home_reads_the_break_last_night_and_plan_with_the_enrolment(
    patient, therapist
) -> None:
    """Issue 20: Today's latest break, latest night and taper plan flag ride on the
    enrolment's query; the page still shows each of them."""
    from program.today import actions as pauses

    client = client_for(patient)
    url = reverse("program:patient_home")
    bare = count_queries(client, url)
    _medication_world(patient, therapist, 1)  # a plan in force and last night's entry
    response = client.get(url)
    assert response.context["medication"]["plan"] is not None
    assert response.context["last_entry"].diary_date == patient.local_today()
    assert "Last night:" in response.content.decode()
    assert count_queries(client, url) == bare + 2  # the plan, its steps
    pauses.start(patient, reason="ill", days=7)
    response = client.get(url)
    assert response.context["pause"].reason == "ill"
    assert "Your programme is paused" in response.content.decode()
    assert count_queries(client, url) == bare + 2


def test_the_patient_home_and_the_pause_page_on_a_break(patient) -> None:
    """Issue 22, part 5: a break adds no query to Today; the pause page is small."""
    from program.today import actions as pauses

    client = client_for(patient)
    before = count_queries(client, reverse("program:patient_home"))
    form = count_queries(client, reverse("program:pause"))
    assert form <= 6, form  # session, user, the open break, the therapist, crisis contacts
    pauses.start(patient, reason="ill", days=7)
    paused = count_queries(client, reverse("program:patient_home"))
    assert paused == before, (before, paused)


def test_the_caseload_uses_the_same_queries_for_5_and_500_patients(therapist) -> None:
    """Issue 7: the caseload's figures come from a fixed number of queries."""
    from tests.caseload_data import build_caseload

    client = client_for(therapist)
    build_caseload(therapist, 5)
    few = count_queries(client, reverse("program:caseload"))
    few_csv = count_streamed_queries(client, reverse("program:caseload_export"))
    build_caseload(therapist, 495, start=5)
    many = count_queries(client, reverse("program:caseload"))
    many_csv = count_streamed_queries(client, reverse("program:caseload_export"))
    flagged = count_queries(client, reverse("program:caseload") + "?flagged=1&sort=se&page=2")
    assert few == many == flagged, f"caseload: {few} queries for 5 patients, {many} for 500"
    assert few_csv == many_csv, f"CSV: {few_csv} for 5, {many_csv} for 500"
    # Session, user, MFA; the kept rows not to be trusted (none here: the view before
    # worked them out, program/clinic/summary.py); the rows shown, their count, the
    # longest programme (the week filter); pending invitations; the audit event; the
    # crisis contacts of the footer.
    assert many == 10, many
    # The same but the week filter and the invitations; the rows in one query, read in
    # chunks as the file streams.
    assert many_csv == 6, many_csv


def test_the_caseload_works_out_5_or_500_new_rows_in_the_same_queries(therapist) -> None:
    """Issue 20: rows nobody has read yet (or that writes or the date distrusted) are
    worked out from the raw rows in a fixed number of queries, however many they are."""
    from program.curriculum.actions import programme_structure
    from program.models import Programme
    from tests.caseload_data import build_caseload

    client = client_for(therapist)
    client.get(reverse("program:caseload"))  # the session is stamped
    # The programme's weeks and lessons are read once per process and content revision
    # (as for the patients' own pages), not for each view: read before counting.
    programme_structure(Programme.objects.default(), "en")

    def cold() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("program:caseload")).status_code == 200
        return len(ctx.captured_queries)

    build_caseload(therapist, 5)
    few = cold()
    build_caseload(therapist, 495, start=5)
    many = cold()
    assert few == many, f"{few} queries to work out 5 rows, {many} for 500"
    # As above, plus: the rows made for new patients; the raw figures (patients with
    # annotations, enrolments, diary nights, ISI results, medication doses; the pace
    # rules' lesson progress, pace changes, n-th valid nights); the rows written back
    # (in a savepoint or transaction where the driver reports one).
    assert many <= 24, many


def test_the_patient_detail_and_summary_use_a_fixed_number_of_queries(patient, therapist) -> None:
    from program.assessments import actions as assessments

    pages = [
        reverse("program:patient_detail", args=[patient.pk]),
        reverse("program:patient_summary", args=[patient.pk]) + "?notes=1",
    ]
    client = client_for(therapist)
    isi = assessments.ensure_instruments()["isi"]
    _medication_world(patient, therapist, 1)
    assessments.record_result(
        patient=patient,
        instrument=isi,
        total=21,
        completed_on=date(2026, 11, 1),
        occasion="baseline",
        by=therapist,
    )
    first = assessments.add_note(patient=patient, author=therapist, text="first")
    assessments.edit_note(note=first, by=therapist, text="first, changed")
    few = [count_queries(client, url) for url in pages]
    _medication_world(patient, therapist, 20, start_back=1)
    for week in range(5):
        assessments.record_result(
            patient=patient,
            instrument=isi,
            total=20 - week,
            completed_on=date(2026, 11, 2 + 7 * week),
            occasion=f"week-{week}",
            by=therapist,
        )
    for i in range(5):
        note = assessments.add_note(patient=patient, author=therapist, text=f"note {i}")
        assessments.edit_note(note=note, by=therapist, text=f"note {i} changed")
    many = [count_queries(client, url) for url in pages]
    assert few == many, f"{few} queries with little data, {many} with more (N+1?)"
    print("patient detail and summary queries:", many)


def test_the_sleep_window_pages_use_a_fixed_number_of_queries(patient, therapist) -> None:
    from datetime import time, timedelta

    from django.utils import timezone

    from program.diary.actions import save_entry
    from program.models import MoodCheck, Prescription
    from program.rules.safety import SCREEN
    from program.sleep_window import actions as sw

    today = patient.local_today()
    for back in range(7):
        save_entry(
            patient=patient,
            diary_date=today - timedelta(days=back),
            changed_by=patient,
            enforce_backfill=False,
            answers={
                "into_bed": time(23),
                "lights_off": time(23),
                "final_wake": time(6),
                "out_of_bed": time(6, 30),
                "sleep_latency_min": 20,
                "awakenings": 1,
                "awake_min": 20,
                "quality": 3,
            },
        )
    sw.submit_screen(patient, {q.key: False for q in SCREEN})
    sw.approve(sw.start(patient, rise_time=time(6, 30)), by=therapist)
    urls = [
        (client_for(patient), reverse("program:sleep_window")),
        (client_for(therapist), reverse("program:patient_sleep_window", args=[patient.pk])),
        (client_for(patient), reverse("program:diary")),
    ]
    few = [count_queries(c, u) for c, u in urls]
    course = sw.course_for(patient)
    for week in range(1, 20):
        Prescription.objects.create(
            course=course,
            window_min=360 + week,
            rise_time=time(6, 30),
            effective_from=today - timedelta(days=7 * week),
            source="clinician",
            rule="hold",
        )
        # Weekly elevated-mood answers (program.rules.mood), some looked at by the therapist.
        MoodCheck.objects.create(
            patient=patient,
            week_of=today - timedelta(days=7 * week),
            question="q",
            elevated=week % 2 == 0,
            reviewed_by=therapist if week % 4 == 0 else None,
            reviewed_at=timezone.now() if week % 4 == 0 else None,
        )
    many = [count_queries(c, u) for c, u in urls]
    assert few == many, f"{few} queries with one prescription, {many} with twenty"
    # The patient's page: session, user, course with protocol and therapist, its
    # prescriptions (read once: the list, the review week, the screen's schedule), the
    # pending recommendations and the week's review (one read), screen, sleepiness,
    # mood checks, the baseline's nights, the footer's crisis lines. The diary (the third)
    # also reads the device's nights beside it and whether they are hidden (wearables).
    assert many == [10, 15, 9], many


# --- Sleep medication pages: 1 row, then many ------------------------------------------


def _medication_world(patient, therapist, nights: int, start_back: int = 0):
    """A diazepam plan and ``nights`` diary nights with a dose each."""
    from datetime import timedelta
    from decimal import Decimal

    from program.diary.actions import save_entry
    from program.medication.actions import DoseIn, confirm_plan, create_draft, record_night
    from program.models import Medication, TaperPlan

    medicine = Medication.objects.filter(patient=patient).first()
    if medicine is None:
        medicine = Medication.objects.create(
            patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
        )
    today = patient.local_today()
    if not TaperPlan.objects.filter(patient=patient).exists():
        plan = create_draft(
            patient=patient,
            medication=medicine,
            template_key="morin04",
            start_dose=Decimal(10),
            start_on=today - timedelta(days=40),
            strengths=[Decimal(2), Decimal(5)],
            scored=[],
            by=therapist,
        )
        enter_drug_free_nights(plan, therapist)
        confirm_plan(plan=plan, by=therapist)
    for back in range(start_back, start_back + nights):
        saved = save_entry(
            patient=patient,
            diary_date=today - timedelta(days=back),
            changed_by=patient,
            today=today,
            enforce_backfill=False,
            answers=night_answers(),
        )
        record_night(
            entry=saved.entry,
            answer="other",
            doses=[DoseIn(medicine, Decimal(8))],
            changed_by=patient,
        )
    return medicine


def test_the_medication_pages_use_a_fixed_number_of_queries(patient, therapist) -> None:
    from decimal import Decimal

    from program.models import Medication, TaperPlan

    medicine = _medication_world(patient, therapist, 1)
    plan = TaperPlan.objects.get(patient=patient)
    patient_client, therapist_client = client_for(patient), client_for(therapist)
    pages = {
        "medicines": (patient_client, reverse("program:medicines")),
        "medicine_edit": (patient_client, reverse("program:medicine_edit", args=[medicine.pk])),
        "diary": (patient_client, reverse("program:diary")),
        "diary_edit": (
            patient_client,
            reverse("program:diary_edit", args=[patient.local_today().isoformat()]),
        ),
        "patient_medication": (
            therapist_client,
            reverse("program:patient_medication", args=[patient.pk]),
        ),
        "taper_plan_new": (therapist_client, reverse("program:taper_plan_new", args=[patient.pk])),
        "taper_plan_edit": (
            therapist_client,
            reverse("program:taper_plan_edit", args=[patient.pk, plan.pk]),
        ),
    }
    few = {name: count_queries(client, url) for name, (client, url) in pages.items()}
    _medication_world(patient, therapist, 30, start_back=1)
    for i in range(8):
        Medication.objects.create(patient=patient, name=f"m{i}", usual_dose_mg=Decimal(1))
    many = {name: count_queries(client, url) for name, (client, url) in pages.items()}
    assert few == many, f"1 row: {few}; many rows: {many} (N+1?)"
    print("medication page queries:", many)
    # Session, user, MFA (clinicians), then the page's own: medicines, plan, steps,
    # entries, night answers, doses with their medicines, enrolment, changes.
    # And the footer's crisis contacts (one query) on every page.
    assert many["patient_medication"] <= 15, many  # with the audit trail's insert
    assert many["medicines"] <= 6, many


def test_the_curriculum_pages_use_a_fixed_number_of_queries(patient, programme) -> None:
    """Programme, week and lesson pages: one lesson started, then every lesson done with
    answers and pace changes; the counts stay the same (no query per week or lesson)."""
    from program.curriculum.actions import open_lesson, save_answer
    from program.models import Enrolment, EnrolmentChange, Lesson, LessonProgress

    client = client_for(patient)
    enrolment = Enrolment.objects.get(patient=patient)
    lessons = list(Lesson.objects.filter(week__programme=programme).order_by("week__number"))
    first = lessons[0]
    pages = [
        reverse("program:programme"),
        reverse("program:week", args=[1]),
        reverse("program:lesson", args=[first.pk]),
        reverse("program:patient_home"),
    ]
    open_lesson(enrolment=enrolment, lesson=first, language="en")
    few = [count_queries(client, url) for url in pages]
    for lesson in lessons:
        progress = open_lesson(enrolment=enrolment, lesson=lesson, language="en")
        LessonProgress.objects.filter(pk=progress.pk).update(completed_at=progress.last_opened_at)
        for part in progress.version.parts:
            save_answer(progress=progress, part_key=part["key"], data={}, share=False)
    for week in range(2, 7):
        EnrolmentChange.objects.create(
            enrolment=enrolment, kind="advance", week=week, on_date=date(2026, 11, 3)
        )
    many = [count_queries(client, url) for url in pages]
    assert few == many, f"{pages}: {few} queries with one lesson started, {many} with all done"
    # Programme and week: session, user, enrolment, then the overview's three (progress,
    # pace changes, diary nights; the programme's structure is in memory). The lesson
    # page adds a savepoint around the pinned progress (locked for update, its
    # last-opened time updated) and the answers; the version's texts come in one query
    # when the overview read it without them. Each page: the footer's crisis contacts.
    # Today as in test_the_patient_home_uses_a_fixed_number_of_queries. The patient's
    # special situations come with the enrolment (program.curriculum.situations).
    assert many == [7, 7, 11, 10], many


def test_the_curriculum_admin_lists_use_a_fixed_number_of_queries(clinic_admin, programme) -> None:
    from program.models import Lesson, LessonVersion, Week

    client = client_for(clinic_admin)
    pages = [
        reverse("admin:program_lesson_changelist"),
        reverse("admin:program_lessonversion_changelist"),
        reverse("admin:program_week_changelist"),
    ]
    few = [count_queries(client, url) for url in pages]
    week = Week.objects.create(programme=programme, number=7, title="Extra")
    for i in range(10):
        lesson = Lesson.objects.create(week=week, slug=f"extra-{i}", order=i)
        LessonVersion.objects.create(lesson=lesson, title=f"Extra {i}", body="Text")
    many = [count_queries(client, url) for url in pages]
    assert few == many, f"{pages}: {few} then {many} (N+1?)"


def test_the_clinics_curriculum_pages_use_a_fixed_number_of_queries(
    clinic_admin, programme, therapist
) -> None:
    """/clinic/curriculum/ (program.curriculum.admin_views): the list, a lesson's editor
    with who reads which version, and the comparison; the same with one reader and two
    versions as with 20 readers, 6 versions and 10 more lessons."""
    from program.curriculum.actions import open_lesson, publish_version, start_draft
    from program.models import Enrolment, Lesson, LessonVersion, Week

    client = client_for(clinic_admin)
    lesson = Lesson.objects.get(week__programme=programme, slug="how-sleep-works")

    def new_version() -> None:
        draft = start_draft(lesson=lesson, language="en", user=clinic_admin)
        draft.body += " More."
        draft.save()
        publish_version(version=draft, user=clinic_admin)

    def readers(n: int, start: int) -> None:
        add_patients(therapist, programme, n, start=start)
        for enrolment in Enrolment.objects.filter(lesson_progress__isnull=True):
            open_lesson(enrolment=enrolment, lesson=lesson, language="en")

    pages = [
        reverse("program:curriculum"),
        reverse("program:curriculum_lesson", args=[lesson.pk, "en"]),
        reverse("program:curriculum_compare", args=[lesson.pk, "en"]),
        reverse("program:curriculum_import"),
        reverse("program:exercise_recordings"),
    ]
    readers(1, 0)
    new_version()
    few = [count_queries(client, url) for url in pages]
    readers(20, 1)
    for _ in range(4):
        new_version()
    start_draft(lesson=lesson, language="fr", user=clinic_admin)
    week = Week.objects.create(programme=programme, number=7, title="Extra")
    for i in range(10):
        extra = Lesson.objects.create(week=week, slug=f"extra-{i}", order=i)
        LessonVersion.objects.create(lesson=extra, title=f"Extra {i}", body="Text")
    many = [count_queries(client, url) for url in pages]
    assert few == many, f"{pages}: {few} then {many} (N+1?)"
    # Session, user, MFA, the audit event and the footer's crisis lines on each; then the
    # list: lessons with their English titles, versions by language, weeks, programmes;
    # the editor: the lesson, its versions, protocols, readers by version and their
    # names, the lesson's images and recordings; the comparison: the lesson and its
    # versions; the exercises' recordings (test_lesson_recordings counts them growing).
    assert many == [9, 12, 7, 5, 6], many


@pytest.mark.django_db(transaction=True)  # autocommit, as in production
def test_a_diary_night_is_saved_in_five_queries(patient) -> None:
    """Session, user, the week's other nights (is this the same night entered twice?),
    the night's INSERT through the model's save(), and the caseload row's UPDATE: no
    medicines read for a form that asked none, and nothing counted or published for the
    reminders (the tick reads new nights)."""
    from program.models import DiaryEntry
    from tests.live_app import DIARY_NIGHT

    client = client_for(patient)
    client.get(reverse("program:diary_new"))  # the session is stamped (idle timer)
    today = patient.local_today().isoformat()
    with CaptureQueriesContext(connection) as ctx:
        response = client.post(reverse("program:diary_new"), {**DIARY_NIGHT, "diary_date": today})
    assert response.status_code == 302
    assert DiaryEntry.objects.filter(patient=patient, diary_date=today).exists()
    # Its own transaction (or a savepoint inside a caller's, so a refused second entry
    # leaves that one usable): BEGIN and COMMIT where the driver reports them.
    sql = [q["sql"].split()[0] for q in ctx.captured_queries]
    sql = [word for word in sql if word not in ("BEGIN", "COMMIT")]
    # And the patient's caseload row distrusted in the same transaction
    # (program/clinic/signals.py): one UPDATE.
    assert sql == ["SELECT", "SELECT", "SELECT", "INSERT", "UPDATE"], ctx.captured_queries
    # The same morning again (a second tab): the database refuses it, in words.
    again = client.post(reverse("program:diary_new"), {**DIARY_NIGHT, "diary_date": today})
    assert again.status_code == 200
    assert "already an entry for this morning" in again.content.decode()
    assert DiaryEntry.objects.filter(patient=patient).count() == 1


def test_the_crisis_contacts_pages_use_a_fixed_number_of_queries(clinic_admin) -> None:
    """The clinic admin's list of crisis contacts: the same with 12 lines and with 60."""
    from program.models import CrisisContact

    client = client_for(clinic_admin)
    url = reverse("program:crisis_contacts")
    few = count_queries(client, url)
    first = CrisisContact.objects.first()
    edit = count_queries(client, reverse("program:crisis_contact_edit", args=[first.pk]))
    CrisisContact.objects.bulk_create(
        CrisisContact(country=c, name=f"Line {i}", phone="0800 000", emergency_number="112")
        for i in range(12)
        for c in ("FR", "IT", "SE", "PT")
    )
    many = count_queries(client, url)
    assert few == many, f"crisis contacts: {few} queries for 12 lines, {many} for 60"
    # Session, user, MFA, the contacts with who changed them, the audit event, the footer.
    assert many <= 7, many
    assert edit <= 7, edit


# --- Intended purpose and adverse events (issue 16, part 10) ----------------------------


def _events(patients, n: int) -> None:
    from program.models import AdverseEvent

    for i in range(n):
        for p in patients:
            AdverseEvent.objects.create(
                patient=p,
                kind="patient_report",
                what_happened=f"event {i}",
                happened_on=date(2026, 11, 20),
                seriousness="mild",
                reported_by=p,
                reporter_role="patient",
                emailed_to=["therapist@clinic.test"],
            )


def test_the_adverse_event_pages_use_a_fixed_number_of_queries(
    patient, other_patient, therapist, clinic_admin
) -> None:
    from program.models import AdverseEvent

    pages = [
        (client_for(patient), reverse("program:report_problem")),
        (client_for(therapist), reverse("program:adverse_events")),
        (client_for(therapist), reverse("program:adverse_events_export")),
        (client_for(clinic_admin), reverse("program:adverse_events")),
        (client_for(therapist), reverse("program:adverse_event_new", args=[patient.pk])),
        (client_for(therapist), reverse("program:patient_detail", args=[patient.pk])),
        (Client(), reverse("program:about")),
        (client_for(patient), reverse("program:about")),
    ]
    _events([patient, other_patient], 1)
    few = [count_queries(c, u) for c, u in pages]
    _events([patient, other_patient], 15)
    # reviewed ones too, by several people
    for event in AdverseEvent.objects.filter(patient=other_patient)[:5]:
        event.reviewed_by, event.review_note = therapist, "seen"
        event.reviewed_at = event.created_at
        event.save()
    many = [count_queries(c, u) for c, u in pages]
    assert few == many, f"{few} queries for 1 event each, {many} for 16 (N+1?)"


def test_the_clinic_queue_of_patients_without_a_therapist_does_not_grow(
    clinic_admin, programme
) -> None:
    """The "waits for a decision" queue on /clinic/ (program.sleep_window.rescreen)."""
    from program.rules.safety import SCREEN
    from program.sleep_window import actions as sw

    def waiting_patients(n: int, start: int) -> None:
        for i in range(start, start + n):
            p = make_user(f"alone{i}@example.test", Role.PATIENT)
            sw.submit_screen(p, {**{q.key: False for q in SCREEN}, "pregnant": True})

    client = client_for(clinic_admin)
    waiting_patients(1, 0)
    few = count_queries(client, reverse("program:clinic_home"))
    waiting_patients(10, 1)
    many = count_queries(client, reverse("program:clinic_home"))
    assert few == many, (few, many)
    assert "11 patients without a therapist wait for a decision" in (
        client.get(reverse("program:clinic_home")).content.decode()
    )


def test_the_duty_lists_unread_messages_do_not_grow_the_pages(
    other_therapist, clinic_admin, messages_on, settings
) -> None:
    """The unread messages of patients without a therapist, on /clinic/alerts/ (for
    those on the duty list) and /clinic/ (program.messaging.actions): one query however
    many patients and messages."""
    from program.messaging import actions as messaging

    settings.RISK_DUTY_EMAILS = [other_therapist.email]

    def writing_patients(n: int, start: int) -> None:
        for i in range(start, start + n):
            p = make_user(f"alone{i}@example.test", Role.PATIENT)
            enrol(patient=p, programme=messages_on, start_date=date(2026, 11, 1))
            for text in ("Hello?", "Anyone there?", "I slept two hours."):
                messaging.send(patient=p, sender=p, text=text)

    pages = [
        (client_for(other_therapist), reverse("program:risk_alerts")),
        (client_for(clinic_admin), reverse("program:risk_alerts")),
        (client_for(clinic_admin), reverse("program:clinic_home")),
    ]
    writing_patients(1, 0)
    few = [count_queries(client, url) for client, url in pages]
    writing_patients(10, 1)
    many = [count_queries(client, url) for client, url in pages]
    assert few == many, (few, many)
    for client, url in pages:
        page = client.get(url).content.decode()
        assert "11 patients without a therapist have unread messages" in page, url
        assert page.count("3 unread messages") == 11, url


def test_the_round_uses_the_same_queries_for_5_and_50_patients(therapist) -> None:
    """Issue 21: the round and a patient's card on it, whatever the caseload's size."""
    from program.models import Message
    from tests.caseload_data import build_caseload

    def draft(user, name: str) -> None:
        from decimal import Decimal

        from program.medication.actions import create_draft
        from program.models import Medication

        medicine = Medication.objects.create(
            patient=user, name=name, strengths_mg=["3.75", "7.5"], usual_dose_mg=7.5
        )
        create_draft(
            patient=user,
            medication=medicine,
            template_key="morin04",
            start_dose=Decimal("7.5"),
            start_on=user.local_today(),
            strengths=[Decimal("3.75"), Decimal("7.5")],
            scored=[],
            by=therapist,
        )

    def more(n: int, start: int) -> list:
        users = build_caseload(therapist, n, start=start)
        Message.objects.bulk_create(
            [Message(patient=u, sender=u, text="Hello") for u in users[::3]]
        )
        for user in users[::4]:  # taper plans to confirm, in place (steps and checks)
            draft(user, "zopiclone")
        return users

    client = client_for(therapist)
    first = more(5, 0)
    card = reverse("program:round_patient", args=[first[0].pk])
    few, few_card = count_queries(client, reverse("program:round")), count_queries(client, card)
    more(45, 5)
    draft(first[0], "zolpidem")  # a second plan on the card
    many, many_card = count_queries(client, reverse("program:round")), count_queries(client, card)
    assert few == many, f"the round: {few} queries for 5 patients, {many} for 50"
    assert few_card == many_card, f"a card: {few_card} queries for 5 patients, {many_card} for 50"


def test_a_card_on_the_round_reads_its_neighbours_not_the_whole_round(
    therapist, monkeypatch
) -> None:
    """Issue 20: the card of a patient in the middle of the round finds its number and
    neighbours in the database and reads back that one row: the same queries for a round
    of 5 and of 50, and no query hands back more than a few rows (the round's ids were
    read whole before)."""
    from django.db.backends.utils import CursorWrapper

    from program.clinic import round as round_service
    from program.models import Message
    from tests.caseload_data import build_caseload

    fetched: list[int] = []

    def counted(name: str):
        def fetch(self, *args):
            rows = getattr(self.cursor, name)(*args)
            fetched.append(0 if rows is None else 1 if name == "fetchone" else len(rows))
            return rows

        return fetch

    for name in ("fetchone", "fetchmany", "fetchall"):
        monkeypatch.setattr(CursorWrapper, name, counted(name), raising=False)

    def card() -> tuple[int, int]:
        order = list(round_service.on_the_round(therapist))
        middle = order[len(order) // 2].patient_id
        fetched.clear()
        with CaptureQueriesContext(connection) as captured:
            where = round_service.position(therapist, middle)
        assert where.previous is not None and where.next is not None
        assert where.total == len(order)
        return len(captured.captured_queries), max(fetched)

    users = build_caseload(therapist, 5)
    Message.objects.bulk_create([Message(patient=u, sender=u, text="Hi") for u in users])
    few, few_rows = card()
    more = build_caseload(therapist, 45, start=5)
    Message.objects.bulk_create([Message(patient=u, sender=u, text="Hi") for u in more])
    many, many_rows = card()
    assert few == many, f"a card: {few} queries for 5 patients, {many} for 50"
    assert max(few_rows, many_rows) <= 3, f"a query of the card read {many_rows} rows of 50"


# --- Patient pages: a month of diary nights, then a year -------------------------------


def test_the_patient_pages_use_the_same_queries_with_30_and_365_nights(patient, therapist):
    """Today, the diary (both pages of its table), the diary form, the sleep window and
    the therapist's view of the diary read only what they show: a year of history costs
    no more queries than a month."""
    from datetime import timedelta

    from program.diary.actions import save_entry

    today = patient.local_today()

    def nights(first_back: int, last_back: int) -> None:
        for back in range(first_back, last_back + 1):
            save_entry(
                patient=patient,
                diary_date=today - timedelta(days=back),
                changed_by=patient,
                enforce_backfill=False,
                answers=night_answers(),
            )

    # Today's and yesterday's mornings stay open, so the diary form has one to offer.
    nights(2, 31)
    patient_client, therapist_client = client_for(patient), client_for(therapist)
    urls = [
        (patient_client, reverse("program:patient_home")),
        (patient_client, reverse("program:diary")),
        (patient_client, reverse("program:diary") + "?page=2"),
        (patient_client, reverse("program:diary_new")),
        (patient_client, reverse("program:sleep_window")),
        (therapist_client, reverse("program:patient_diary", args=[patient.pk])),
        (therapist_client, reverse("program:patient_detail", args=[patient.pk])),
    ]
    month = [count_queries(c, u) for c, u in urls]
    nights(32, 366)
    # A year of a watch's nights too (program/wearables): read for the table's nights only.
    from datetime import UTC, datetime

    from program.models import DeviceSleepPeriod

    DeviceSleepPeriod.objects.bulk_create(
        DeviceSleepPeriod(
            patient=patient,
            source="Watch",
            stage=stage,
            start=datetime.combine(today - timedelta(days=back + 1), time(23), UTC)
            + timedelta(minutes=30 * n),
            end=datetime.combine(today - timedelta(days=back + 1), time(23), UTC)
            + timedelta(minutes=30 * n + 30),
            diary_date=today - timedelta(days=back),
        )
        for back in range(366)
        for n, stage in enumerate(["awake", "core", "deep", "rem", "core", "awake"])
    )
    year = [count_queries(c, u) for c, u in urls]
    assert month == year, f"{month} queries with 30 nights, {year} with 365"
    # Each page also reads the footer's crisis lines; Today the start of restriction too;
    # the diary pages the device's nights and whether they are hidden from the patient.
    # The therapist's patient page: 29, the same with 365 nights. The patient's special
    # situations come with the enrolments (Today's, and the patient page's); the patient's
    # therapist with the patient; the sleep window's prescriptions and recommendations are
    # each read once, for the charts and the sections alike. The diary form reads the
    # programme's start (no morning before it is offered).
    assert month == [10, 9, 9, 7, 10, 13, 29], month


def test_the_patient_page_reads_the_kept_caseload_row(patient, therapist, monkeypatch) -> None:
    """Issue 20: the therapist's patient page shows the caseload's kept row for the
    patient (program/clinic/summary.py), not the caseload worked out again for one."""
    from program.clinic import caseload
    from program.diary.actions import save_entry

    client = client_for(therapist)
    url = reverse("program:patient_detail", args=[patient.pk])
    client.get(url)  # works the row out once

    def refuse(*args, **kwargs):
        raise AssertionError("the patient page worked the caseload row out again")

    monkeypatch.setattr(caseload, "build_rows", refuse)
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["row"].nights_last_7 == 0
    monkeypatch.undo()
    # A new night distrusts the row: the page shows it at once.
    save_entry(
        patient=patient,
        diary_date=patient.local_today() - timedelta(days=1),
        changed_by=patient,
        answers=night_answers(),
    )
    assert client.get(url).context["row"].nights_last_7 == 1


def test_the_clinic_admin_pages_use_a_fixed_number_of_queries(
    clinic_admin, therapist, programme
) -> None:
    """Issue 21: staff, one staff member, the duty list, programmes and the audit log
    read the same number of queries with little data and with a lot."""
    from accounts.models import AuditEvent, User
    from program.models import Programme, RotaLine

    client = client_for(clinic_admin)
    pages = [
        reverse("program:clinic_staff"),
        reverse("program:clinic_staff_member", args=[therapist.pk]),
        reverse("program:clinic_duty"),
        reverse("program:duty_rota"),
        reverse("program:clinic_programmes"),
        reverse("program:clinic_audit"),
        reverse("program:clinic_audit") + f"?actor={therapist.pk}&patient=p&since=2020-01-01",
    ]

    def grow(start: int, n: int) -> None:
        add_patients(therapist, programme, n, start=start)
        for i in range(start, start + n):
            make_user(f"t{i}@clinic.test", Role.THERAPIST)
            make_user(f"a{i}@clinic.test", Role.ADMIN)
            Programme.objects.create(name=f"Course {i}", slug=f"course-{i}")
            RotaLine.objects.create(
                member=f"a{i}@clinic.test", weekday=i % 7, starts=time(9), ends=time(17)
            )
        patients = list(User.objects.caseload_of(therapist))
        AuditEvent.objects.bulk_create(
            AuditEvent(
                actor=therapist,
                actor_role="therapist",
                patient=patients[i % len(patients)],
                action="view",
                path=f"/patients/{i}/",
                method="GET",
                status=200,
            )
            for i in range(start * 10, (start + n) * 10)
        )

    grow(0, 1)
    few = [count_queries(client, url) for url in pages]
    grow(1, 60)
    many = [count_queries(client, url) for url in pages]
    assert few == many, f"{pages}: {few} queries with little data, {many} with a lot"
    # Session, user, MFA, then the page's own (and the footer's crisis contacts): the
    # staff list with its caseload counts and the count of patients needing a therapist;
    # a member, their caseload and the therapists to move it to; the staff to tick, the
    # saved duty list (twice: its lines, whom to email) or the admins, the saved hours and
    # the saved delays (11 with the audit row); programmes with their enrolment counts; the
    # audit log's count, page and the staff for its filter.
    assert max(many) <= 11, many


def test_clinic_outcomes_use_the_same_queries_for_5_and_2000_patients(
    therapist, clinic_admin
) -> None:
    """Issue 22, part 4: the outcomes page and its CSV in a fixed number of queries
    (program.clinic.outcomes), the clinic bulk-created, for an admin and a therapist."""
    import time

    from tests.caseload_data import build_caseload

    admin, own = client_for(clinic_admin), client_for(therapist)
    page, export = reverse("program:clinic_outcomes"), reverse("program:clinic_outcomes_export")
    urls = [(admin, page), (admin, export), (own, page), (own, export)]
    build_caseload(therapist, 5)
    few = [count_queries(client, url) for client, url in urls]
    build_caseload(therapist, 1995, start=5)
    many = [count_queries(client, url) for client, url in urls]
    assert few == many, f"outcomes: {few} queries for 5 patients, {many} for 2000"
    started = time.perf_counter()
    figures = admin.get(page).context["figures"]
    print(f"outcomes page, 2000 patients: {time.perf_counter() - started:.2f} s")
    assert figures.patients == 2000
    # Session, user, MFA; the instruments (which is the outcome); patients, enrolments,
    # invitations, diary nights, first windows, outcome results, recommendations, risk alerts,
    # adverse events, positive screens; (admins: the therapists for the filter); the audit
    # event; the crisis contacts of the footer (pages only).
    assert many == [17, 15, 16, 15], many  # admin page, admin CSV, therapist page, CSV


def test_the_alerts_page_uses_the_same_queries_for_1_and_12_alerts(
    therapist, clinic_admin, programme
) -> None:
    """/clinic/alerts/: each alert with its notices, whom they emailed and pushed to."""
    from program.assessments.models import RiskAlert, RiskNotice
    from program.models import PushSubscription

    def alerts(n: int, start: int) -> None:
        for i in range(start, start + n):
            p = make_user(f"risk{i}@example.test", Role.PATIENT, therapist=therapist)
            alert = RiskAlert.objects.create(patient=p, source="phq9_item9", therapist=therapist)
            RiskNotice.objects.create(
                alert=alert, kind="alert", recipients=[therapist.email], pushed_to=[therapist.email]
            )
            PushSubscription.objects.create(
                user=clinic_admin, endpoint=f"https://push.test/{i}", p256dh="k", auth="a"
            )

    client = client_for(clinic_admin)
    alerts(1, 0)
    few = count_queries(client, reverse("program:risk_alerts"))
    alerts(11, 1)
    many = count_queries(client, reverse("program:risk_alerts"))
    assert few == many, (few, many)
    page = client.get(reverse("program:risk_alerts")).content.decode()
    assert page.count(f"and by web push to {therapist.email}") == 12


def test_the_risk_flags_page_uses_the_same_queries_for_few_and_many_rules(clinic_admin) -> None:
    """/clinic/risk-flags/: the phrases and the item rules, with who changed each."""
    from program.assessments.actions import ensure_instruments
    from program.models import RiskRule

    ensure_instruments()
    RiskRule.objects.all().delete()

    def rules(n: int, start: int) -> None:
        for i in range(start, start + n):
            RiskRule.objects.create(kind="phrase", phrase=f"phrase {i}", updated_by=clinic_admin)
            RiskRule.objects.create(
                kind="item", instrument="gad7", item=f"gad{i % 7 + 1}x{i}", threshold=1
            )

    client = client_for(clinic_admin)
    rules(1, 0)
    few = count_queries(client, reverse("program:risk_flags"))
    rules(20, 1)
    many = count_queries(client, reverse("program:risk_flags"))
    assert few == many, (few, many)
    for url in ("program:risk_flag_new_phrase", "program:risk_flag_new_item"):
        assert count_queries(client, reverse(url)) <= few + 2, url


def test_the_exercise_pages_use_the_same_queries_for_1_and_60_sessions(patient, therapist):
    """The patient's exercises, history and record, and the therapist's count per week on
    the patient page (program.exercises.actions.weekly_counts: one query)."""
    from datetime import timedelta

    from django.utils import timezone

    from program.exercises import actions as exercises

    def sessions(n: int) -> None:
        now = timezone.now()
        for i in range(n):
            kind = ("breathing", "muscles", "worry", "imagery", "body-scan")[i % 5]
            exercises.record(
                patient=patient,
                kind=kind,
                seconds=300,
                completed=True,
                now=now - timedelta(hours=13 * i),
            )

    patient_client, therapist_client = client_for(patient), client_for(therapist)
    pages = [
        (patient_client, reverse("program:exercises")),
        (patient_client, reverse("program:exercise", args=["breathing"])),
        (patient_client, reverse("program:exercise", args=["muscles"])),
        (patient_client, reverse("program:exercise", args=["imagery"])),
        (patient_client, reverse("program:exercise", args=["body-scan"])),
        (therapist_client, reverse("program:patient_detail", args=[patient.pk])),
    ]
    sessions(1)
    few = [count_queries(c, u) for c, u in pages]
    sessions(60)
    many = [count_queries(c, u) for c, u in pages]
    assert few == many, f"{few} queries for 1 session, {many} for 61 (N+1?)"
    # Session, user, the footer's crisis lines; the history: counts per week, latest.
    assert many[0] <= 6 and max(many[1:5]) <= 4, many
    print("exercise pages queries:", many)

    # Recording one is one insert (with the session and user of the request).
    url = reverse("program:exercise_record", args=["breathing"])
    patient_client.post(url, {"minutes": "5"})
    with CaptureQueriesContext(connection) as ctx:
        patient_client.post(url, {"minutes": "5"})
    inserts = [q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
    assert len([q for q in inserts if "exercisesession" in q["sql"]]) == 1


def test_the_fhir_downloads_use_the_same_queries_for_7_and_60_nights(patient, therapist) -> None:
    """The record as FHIR, from My data, the patient page and the API: 60 nights cost no
    more queries than 7."""
    from datetime import timedelta

    from accounts.tokens import issue_token
    from program.diary.actions import save_entry
    from tests.conftest import reauthenticated_client_for

    first = patient.local_today() - timedelta(days=70)

    def nights(start: int, end: int) -> None:
        for n in range(start, end):
            save_entry(
                patient=patient,
                diary_date=first + timedelta(days=n),
                changed_by=patient,
                enforce_backfill=False,
                answers=night_answers(),
            )

    _, token = issue_token(patient, "test")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    pages = [
        (reauthenticated_client_for(patient), reverse("program:my_data_fhir")),
        (client_for(therapist), reverse("program:patient_fhir", args=[patient.pk])),
        (api, f"/api/v1/patients/{patient.pk}/fhir"),
    ]
    nights(0, 7)
    week = [count_queries(c, u) for c, u in pages]
    nights(7, 60)
    months = [count_queries(c, u) for c, u in pages]
    assert week == months, f"{week} queries with 7 nights, {months} with 60"

"""Demo data: a clinic a visitor can walk through at once (the journeys the browser tests
walk: docs/testing.md).

Idempotent: running it again keeps existing data and adds only what is missing; the demo
invitation, not yet accepted, is sent again (its link lasts INVITATION_VALID_DAYS from then).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from accounts.services import create_user, set_research_consent
from program.demo.curriculum import load_demo_curriculum
from program.diary import actions as diary_service
from program.enrolment.actions import enrol
from program.medication import actions as medication_service
from program.models import (
    DiaryEntry,
    Enrolment,
    Invitation,
    Medication,
    MoodCheck,
    NightMedication,
    Programme,
    SafetyScreen,
    SleepinessCheck,
    TaperPlan,
    TaperPlanChange,
    hash_token,
)
from program.rules import rescreen, taper
from program.rules.safety import SCREEN
from program.sleep_window import actions as sw

DEMO_PASSWORD = "sleep-demo-2026"
# A fixed TOTP secret for the demo staff, so a visitor can add it to an
# authenticator app. Demo only: real staff enrol their own.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
DEMO_INVITATION_TOKEN = "demo-invitation-for-new-patient"
# The invited patient's name, as the invitation's page offers it to her.
INVITED_NAME = "Hana"


@dataclass(frozen=True)
class DemoPerson:
    email: str
    name: str
    role: Role
    time_zone: str
    about: str
    therapist: str | None = None
    days_into_programme: int | None = None
    # Mornings before today with no diary (e.g. a patient who stopped filling it).
    stopped_days_ago: int = 0
    # Where they live: their crisis contacts ("" not said: the clinic's country's).
    country: str = ""
    # Asked at onboarding (program.rules.age); None: an account made before it was asked.
    born: date | None = None

    @property
    def listing(self) -> str:
        """What ``load_demo`` prints beside the login: a patient's stage is here, not in
        their name (the app greets them by it)."""
        return f"{self.name}: {self.about}" if self.role == Role.PATIENT else self.about


THERAPISTS = [
    DemoPerson(
        "therapist@example.com",
        "Dr Amira Haddad",
        Role.THERAPIST,
        "Europe/London",
        "therapist with most of the demo caseload; This week: Chloe's window and message, "
        "Dev's elevated-mood answer, Frank's lapsed diary",
    ),
    DemoPerson(
        "therapist2@example.com",
        "Sam Okafor",
        Role.THERAPIST,
        "America/New_York",
        "a second therapist, who must not see the first one's patients",
    ),
]
ADMINS = [
    DemoPerson(
        "admin@example.com",
        "Clinic Admin",
        Role.ADMIN,
        "Europe/London",
        "clinic admin: curriculum, users, reassignment",
    ),
]
PATIENTS = [
    DemoPerson(
        "baseline@example.com",
        "Ben",
        Role.PATIENT,
        "Europe/London",
        "in the baseline week, day 4",
        "therapist@example.com",
        3,
        country="GB",
        born=date(1986, 2, 14),
    ),
    DemoPerson(
        "week3@example.com",
        "Chloe",
        Role.PATIENT,
        "Europe/London",
        "in week 3; this week's sleep-window review awaits the therapist",
        "therapist@example.com",
        16,
        country="GB",
        born=date(1991, 9, 3),
    ),
    DemoPerson(
        "week6@example.com",
        "Dev",
        Role.PATIENT,
        "America/New_York",
        "in week 6, after five weeks of sleep windows; bipolar history: said yes to this "
        "week's elevated-mood question",
        "therapist@example.com",
        38,
        country="US",
        born=date(1979, 6, 21),
    ),
    DemoPerson(
        "taper@example.com",
        "Eva",
        Role.PATIENT,
        "Europe/Berlin",
        "in week 4; takes diazepam at night",
        "therapist@example.com",
        24,
        country="DE",
        born=date(1968, 11, 30),
    ),
    DemoPerson(
        "lapsed@example.com",
        "Frank",
        Role.PATIENT,
        "Europe/London",
        "in week 2, stopped filling in the diary three days ago; 65 or over, so sleep "
        "compression was proposed",
        "therapist@example.com",
        11,
        stopped_days_ago=3,
        born=date(1954, 4, 8),
    ),
    DemoPerson(
        "done@example.com",
        "Iris",
        Role.PATIENT,
        "Europe/London",
        "finished the six weeks and filled in the follow-up ISI at week 12, so the clinic "
        "outcomes page has an end and a follow-up result to show",
        "therapist@example.com",
        86,
        stopped_days_ago=44,
        country="GB",
        born=date(1983, 3, 12),
    ),
    DemoPerson(
        "grace@example.com",
        "Grace",
        Role.PATIENT,
        "America/New_York",
        "in week 2; a positive safety screen awaits the second therapist; no date of birth "
        "yet (an account from before it was asked)",
        "therapist2@example.com",
        9,
        country="US",
    ),
]


# The names the demo gave its people until December 2026, with their stage in brackets:
# Today greeted "Chloe (week 3)" by it. Names are plain now (the stage is in each person's
# ``about``, printed by ``load_demo``, and in the README's table); a demo database made
# before is renamed when the demo is loaded again.
STAGED_NAMES = {
    "baseline@example.com": "Ben (baseline week)",
    "week3@example.com": "Chloe (week 3)",
    "week6@example.com": "Dev (week 6)",
    "taper@example.com": "Eva (takes diazepam)",
    "lapsed@example.com": "Frank (stopped the diary)",
    "done@example.com": "Iris (finished)",
    "grace@example.com": "Grace (safety screen)",
    "invited@example.com": "Hana (just invited)",
}

# Demo patients who did not agree to research use, so the research export leaves them out
# (docs/research-export.md); the other five agreed.
NO_RESEARCH_CONSENT = ("baseline@example.com", "lapsed@example.com")


def _ensure_user(person: DemoPerson, therapists: dict[str, User]) -> tuple[User, bool]:
    user = User.objects.filter(email=person.email).first()
    if user:
        if user.name == STAGED_NAMES.get(person.email):
            user.name = person.name
            user.save(update_fields=["name"])
        return user, False
    user = create_user(
        email=person.email,
        password=DEMO_PASSWORD,
        role=person.role,
        name=person.name,
        time_zone=person.time_zone,
        therapist=therapists.get(person.therapist or ""),
        date_of_birth=person.born,
    )
    if person.role == Role.PATIENT:
        # Joined and consented on the morning the programme started, as an invitation
        # accepted that day: the patient page's dates tell the same story as the diary's.
        start = user.local_today() - timedelta(days=person.days_into_programme or 0)
        joined = datetime.combine(start, time(9), tzinfo=user.zone)
        user.consent_given_at = user.date_joined = joined
        user.country = person.country
        user.save(update_fields=["consent_given_at", "date_joined", "country"])
        if person.email not in NO_RESEARCH_CONSENT:
            set_research_consent(user, given=True, now=joined)
            user.research_consents.update(created_at=joined)
    return user, True


def _ensure_totp(user: User) -> None:
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)


@transaction.atomic
def load_demo() -> list[tuple[DemoPerson, bool]]:
    """Create the demo clinic; returns each person and whether they were new."""
    programme = Programme.objects.default()
    if not programme.messages_enabled:  # the demo clinic uses secure messages
        programme.messages_enabled = True
        programme.save(update_fields=["messages_enabled"])
    created: list[tuple[DemoPerson, bool]] = []
    therapists: dict[str, User] = {}
    for person in THERAPISTS + ADMINS:
        user, new = _ensure_user(person, therapists)
        _ensure_totp(user)
        if person.role == Role.THERAPIST:
            therapists[person.email] = user
        created.append((person, new))
    patients = []
    for person in PATIENTS:
        patient, new = _ensure_user(person, therapists)
        if not Enrolment.objects.current().filter(patient=patient).exists():
            start = patient.local_today() - timedelta(days=person.days_into_programme or 0)
            enrol(patient=patient, programme=programme, start_date=start)
        if new:
            _fill_diary(patient, person)
        patients.append((person, patient, new))
    # The lessons read before the sleep windows: whether the programme has run its course
    # decides whether a week without a diary is reviewed (sleep_window.rests_after_programme).
    load_demo_curriculum(programme)
    for person, patient, new in patients:
        if new:
            _sleep_window(patient, person, therapists[person.therapist or ""])
        if person.email == TAPER_PATIENT:
            _taper_demo(patient, therapists["therapist@example.com"])
        _assessments_demo(patient, person, therapists[person.therapist or ""])
        _adverse_events_demo(patient, person, therapists[person.therapist or ""])
        created.append((person, new))
    # Reminders at each person's local time (run by the worker and beat of `make run`).
    from program.reminders import actions as reminders

    for user in User.objects.filter(email__endswith="@example.com"):
        reminders.refresh_schedules(user)
    # A patient who has been invited but has not yet accepted: sent again each time the
    # demo is loaded (``make run``), so its link works for the clinic's usual
    # INVITATION_VALID_DAYS from then, as any invitation's does.
    now = timezone.now()
    expires_at = now + timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation = Invitation.objects.filter(token_hash=hash_token(DEMO_INVITATION_TOKEN)).first()
    if invitation is None:
        Invitation.objects.create(
            email="invited@example.com",
            name=INVITED_NAME,
            therapist=therapists["therapist@example.com"],
            programme=programme,
            token_hash=hash_token(DEMO_INVITATION_TOKEN),
            expires_at=expires_at,
            sent_at=now,
        )
    elif invitation.accepted_at is None and invitation.revoked_at is None:
        invitation.expires_at, invitation.sent_at = expires_at, now
        if invitation.name == STAGED_NAMES[invitation.email]:
            invitation.name = INVITED_NAME
        invitation.save(update_fields=["expires_at", "sent_at", "name"])
    return created


def _fill_diary(patient: User, person: DemoPerson) -> None:
    """Realistic nights from the programme's start to yesterday: irregular and
    poor at baseline, then shorter in bed and more efficient once the sleep
    window starts (week 2), with the odd missed or unusual night.

    The first window is set on the programme's eighth day (``_sleep_window``) and first
    slept that evening, so the night before it (the eighth morning's) is still a
    baseline night: the first window reads it with week 1's seven
    (``titration.initial_window``: the mornings up to its own day's), and it must not
    look kept to a window that was not yet in force."""
    rng = random.Random(person.email)  # the same nights on every machine
    today = patient.local_today()
    days = person.days_into_programme or 0
    # Up to yesterday's morning: this morning's entry is left for the visitor to fill.
    for back in range(days, 0, -1):
        week = (days - back) // 7 + 1
        # Mornings 0-7 (the programme's first day's to the first window's day's): no
        # window was in force the night before any of them.
        baseline = days - back <= 7
        if back <= person.stopped_days_ago or (not baseline and back > 1 and rng.random() < 0.08):
            continue  # a missed morning stays missing (the baseline is complete)
        diary_date = today - timedelta(days=back)
        progress = 0.0 if baseline else min(1.0, (week - 1) / 4)  # 1 by week 5
        if baseline:
            into_bed = time(22, 15) if rng.random() < 0.5 else time(23, 0)
            into_bed = _shift(into_bed, rng.randint(-20, 40))
            rise = _shift(time(7, 0), rng.randint(-30, 45))
        else:  # a prescribed window: later to bed, fixed rise time
            # Keeping (mostly) to a window of about 5 h 45 min, lengthening as sleep improves.
            into_bed = _shift(time(0, 45), rng.randint(-10, 20) - int(30 * progress))
            rise = _shift(time(6, 30), rng.randint(-5, 10))
        lights_off = _shift(
            into_bed, rng.randint(0, 45) if baseline else rng.choice([0, 0, 5, 10, 20])
        )
        if baseline:  # long to fall asleep, broken nights, lying in
            latency = max(5, int(rng.gauss(45, 12)))
            awakenings = max(0, int(rng.gauss(3, 1)))
            awake = max(0, int(rng.gauss(60, 15))) if awakenings else 0
            linger = max(0, int(rng.gauss(25, 8)))
        else:  # sleep consolidates once the window starts
            # (by week 5 sleep fills about 94 % of the window: it is lengthened)
            latency = max(5, int(rng.gauss(17 - 9 * progress, 5)))
            awakenings = max(0, round(rng.gauss(1.3 - 0.7 * progress, 0.6)))
            awake = max(0, int(rng.gauss(20 - 12 * progress, 6))) if awakenings else 0
            linger = max(0, int(rng.gauss(7 - 3 * progress, 3)))
        final_wake = _shift(rise, -linger)
        answers = {
            "into_bed": into_bed,
            "lights_off": lights_off,
            "final_wake": final_wake,
            "out_of_bed": rise,
            "sleep_latency_min": latency,
            "awakenings": awakenings,
            "awake_min": awake,
            "quality": max(1, min(5, round(2 + 2 * progress + rng.uniform(-1, 1)))),
            "nap_count": 1 if baseline and rng.random() < 0.3 else 0,
            "caffeine_drinks": rng.randint(1, 3),
            "alcohol_drinks": rng.choice([0, 0, 0, 1, 2]),
            "unusual_night": not baseline and rng.random() < 0.04,
        }
        answers["nap_min"] = 30 if answers["nap_count"] else 0
        answers["unusual_reason"] = "illness" if answers["unusual_night"] else ""
        try:
            diary_service.save_entry(
                patient=patient,
                diary_date=diary_date,
                answers=answers,
                changed_by=patient,
                today=today,
                enforce_backfill=False,
            )
        except diary_service.DiaryError:
            continue  # an implausible random night is simply not recorded
    DiaryEntry.objects.filter(patient=patient, diary_date__lt=today).update(is_late=False)
    # As if each had been filled in on its own morning (the curriculum's pace reads it).
    for entry in DiaryEntry.objects.filter(patient=patient):
        morning = datetime.combine(entry.diary_date, time(8, 0), tzinfo=patient.zone)
        DiaryEntry.objects.filter(pk=entry.pk).update(entered_at=morning)


TAPER_PATIENT = "taper@example.com"
# Dev: a history of bipolar disorder on the screen, asked the weekly mood question.
MOOD_PATIENT = "week6@example.com"


def _taper_demo(patient: User, therapist: User) -> None:
    """Eva takes diazepam (2 mg and 5 mg tablets, usually 10 mg). Her therapist set and
    confirmed a plan three weeks ago from the Morin 2004 template; her diary nights
    follow it, except one night above the plan. Idempotent: each part is added once."""
    medicine = Medication.objects.filter(patient=patient, name="diazepam").first()
    if medicine is None:
        medicine = Medication.objects.create(
            patient=patient, name="diazepam", strengths_mg=["2", "5"], usual_dose_mg=Decimal(10)
        )
    today = patient.local_today()
    first_night = today - timedelta(days=21)
    plan = TaperPlan.objects.filter(patient=patient).first()
    if plan is None:
        plan = medication_service.create_draft(
            patient=patient,
            medication=medicine,
            template_key="morin04",
            start_dose=Decimal(10),
            start_on=first_night,
            strengths=[Decimal(2), Decimal(5)],
            scored=[],
            by=therapist,
        )
        # The template's source gives no number of drug-free nights: the demo's
        # clinician enters the one agreed with Eva's GP, as the step editor asks.
        steps = [
            replace(s, drug_free_nights=2, message=None)
            if s.message and s.message.code is taper.Note.DRUG_FREE_TO_SET
            else s
            for s in plan.pure_steps()
        ]
        medication_service.update_steps(plan=plan, steps=steps, by=therapist, reason="")
        plan.prescriber = "Dr Lena Vogel (GP)"
        plan.notes = "Agreed with Eva and her GP at the week-1 session."
        plan.save(update_fields=["prescriber", "notes"])
        medication_service.confirm_plan(plan=plan, by=therapist)
        # Drafted, completed and confirmed at that week-1 session, on the day of the plan's
        # first night: its history and "confirmed on" read so, not the day the demo was
        # loaded (three weeks into a plan the patient sees only once it is confirmed).
        session = datetime.combine(first_night, time(11), tzinfo=patient.zone)
        changes = list(plan.changes.order_by("pk"))  # drafted, edited, confirmed
        for i, change in enumerate(changes):
            change.changed_at = session + timedelta(minutes=5 * i)
        TaperPlanChange.objects.bulk_update(changes, ["changed_at"])
        confirmed = changes[-1].changed_at
        TaperPlan.objects.filter(pk=plan.pk).update(
            created_at=session, confirmed_at=confirmed, updated_at=confirmed
        )
    steps = plan.pure_steps()
    above_plan_night = today - timedelta(days=3)
    answered = set(
        NightMedication.objects.filter(entry__patient=patient).values_list("entry_id", flat=True)
    )
    for entry in DiaryEntry.objects.for_patient(patient).exclude(pk__in=answered):
        index = taper.current_index(steps, taper.night_of(entry.diary_date))
        planned = steps[index].dose_mg if index is not None else medicine.usual_dose_mg
        if entry.diary_date == above_plan_night:
            dose = planned + 2  # a bad evening: one 2 mg tablet more than the plan
            doses = [medication_service.DoseIn(medicine, dose, time(22, 40))]
            answer = "other"
        else:
            doses = [medication_service.DoseIn(medicine, planned, time(22, 30))]
            answer = "usual"
        medication_service.record_night(entry=entry, answer=answer, doses=doses, changed_by=patient)


def _shift(clock: time, minutes: int) -> time:
    moment = datetime.combine(date(2000, 1, 2), clock) + timedelta(minutes=minutes)
    return moment.time()


def _sleep_window(patient: User, person: DemoPerson, therapist: User) -> None:
    """From week 2 on: a clear safety screen, a first window approved by the therapist,
    and a weekly review each week since — the latest left pending for the week-3
    patient (waiting since its review day), and the week-6 patient's 4-weekly screen due
    again. The second therapist's patient has a positive screen awaiting a decision."""
    days = person.days_into_programme or 0
    if days < 7:
        return
    today = patient.local_today()
    start = today - timedelta(days=days)
    if person.email == "grace@example.com":
        sw.submit_screen(patient, {**{q.key: False for q in SCREEN}, "apnoea": True})
        return
    bipolar = person.email == MOOD_PATIENT
    screen, _result = sw.submit_screen(
        patient, {**{q.key: False for q in SCREEN}, "bipolar": bipolar}
    )
    if bipolar:
        # A history of bipolar disorder, cleared by the therapist: asked the weekly
        # elevated-mood question during restriction (program.rules.mood).
        sw.decide_screen(
            screen,
            decision="allowed",
            by=therapist,
            note="Bipolar II, stable for six years on lamotrigine; agreed to go ahead and "
            "watch mood weekly.",
        )
    first_day = start + timedelta(days=7)
    try:
        first = sw.start(patient, rise_time=time(6, 30), today=first_day)
    except sw.SleepWindowError:
        return  # too few baseline nights in this random diary: the visitor sees why
    reviews = [first]
    review_day = first_day + timedelta(days=7)
    course = sw.course_for(patient)
    while review_day <= today:
        _approve_as_of(reviews[-1], therapist)
        course.refresh_from_db()
        # The weekly sleepiness check, answered the day before each review: a shorter
        # window is never proposed without it (sleep_window.weekly_review). The taper
        # patient dozed off several times in the latest week: very sleepy, so that week
        # lengthens the window (and the therapist sees why).
        sleepy = person.email == TAPER_PATIENT and review_day + timedelta(days=7) > today
        SleepinessCheck.objects.create(
            patient=patient,
            week_of=review_day - timedelta(days=1),
            dozing=2 if sleepy else 1,
            unsafe=False,
            very_sleepy=sleepy,
        )
        recommendation = None
        if not sw.rests_after_programme(course, review_day):
            recommendation = sw.weekly_review(course, review_day)
        if recommendation is None:
            break
        reviews.append(recommendation)
        review_day += timedelta(days=7)
    if person.email != "week3@example.com" or len(reviews) == 1:
        _approve_as_of(reviews[-1], therapist)
    else:  # waiting for the therapist since its review day (program.sleep_window.waiting)
        from program.models import Recommendation

        Recommendation.objects.filter(pk=reviews[-1].pk).update(
            created_at=_noon(patient, reviews[-1].review_date)
        )
    _screens_as_of(patient, screen, first_day, today, due_again=person.email == MOOD_PATIENT)
    if bipolar:
        _mood_demo(patient, first_day, today)


def _mood_demo(patient: User, first_day: date, today: date) -> None:
    """Weekly elevated-mood answers since the first window: "no", then a "yes" this
    week that the therapist has not looked at yet (the caseload flags it, and the
    next shorter window would wait for them)."""
    from program.rules import mood

    week_of = first_day + timedelta(days=6)
    while week_of <= today:
        MoodCheck.objects.create(
            patient=patient,
            week_of=week_of,
            question=mood.ELEVATED_MOOD_QUESTION,
            elevated=week_of + timedelta(days=7) > today,
        )
        week_of += timedelta(days=7)


def _noon(patient: User, day):
    from datetime import datetime

    return datetime.combine(day, time(12), tzinfo=patient.zone)


# Demo data: ISI totals entered as earlier results by the therapist (the ISI's wording is
# licensed and not shipped, so the demo never shows a made-up ISI questionnaire).
DEMO_ISI = {
    "week6@example.com": [(0, 19, "baseline"), (13, 15, "week-2"), (27, 10, "week-4")],
    "week3@example.com": [(0, 17, "baseline"), (13, 16, "week-2")],
    "done@example.com": [
        (0, 21, "baseline"),
        (13, 17, "week-2"),
        (27, 12, "week-4"),
        (41, 9, "week-6"),
        (84, 7, "follow-up"),
    ],
}
DEMO_NOTES = {
    "week6@example.com": "Good progress: sleep efficiency above 85% for three weeks. "
    "Discussed relapse prevention for week 6.",
    "week3@example.com": "Finding the later bedtime hard; agreed to keep the rise time fixed "
    "at weekends.",
}


def _assessments_demo(patient: User, person: DemoPerson, therapist: User) -> None:
    """ISI results and a note (idempotent: added only when the patient has none)."""
    from program.assessments import actions as assessments

    if person.email in DEMO_ISI and not patient.assessments.exists():
        isi = assessments.ensure_instruments()["isi"]
        start = patient.local_today() - timedelta(days=person.days_into_programme or 0)
        for day, total, occasion in DEMO_ISI[person.email]:
            assessments.record_result(
                patient=patient,
                instrument=isi,
                total=total,
                completed_on=start + timedelta(days=day),
                occasion=occasion,
                by=therapist,
            )
    if person.email in DEMO_NOTES and not patient.therapist_notes.exists():
        assessments.add_note(patient=patient, author=therapist, text=DEMO_NOTES[person.email])
    if person.email == "week3@example.com" and not patient.message_thread.exists():
        from program.models import Message

        Message.objects.create(
            patient=patient,
            sender=patient,
            text="Is it all right to read in bed if I can't sleep at the new bedtime?",
        )


def _approve_as_of(recommendation, therapist: User) -> None:
    """Approve as the therapist would have on the review day itself."""
    if recommendation.status != "pending":
        return
    prescription = sw.approve(recommendation, by=therapist)
    decided = _noon(recommendation.course.patient, recommendation.review_date)
    prescription.effective_from = recommendation.review_date
    prescription.created_at = decided
    prescription.save(update_fields=["effective_from", "created_at"])
    recommendation.created_at = recommendation.decided_at = decided
    recommendation.save(update_fields=["created_at", "decided_at"])


def _screens_as_of(
    patient: User, screen: SafetyScreen, first_day: date, today: date, *, due_again: bool
) -> None:
    """The safety screen answered the day before the first window (and decided then), and
    answered again at each 4-week mark of restriction since (program.rules.rescreen), as a
    patient kept up to date would have. ``due_again``: the week-6 patient has not answered
    at the latest mark, so the visitor sees the window on hold until the screen is answered."""
    answered = _noon(patient, first_day - timedelta(days=1))
    SafetyScreen.objects.filter(pk=screen.pk).update(
        completed_at=answered, decided_at=answered if screen.decided_by_id else None
    )
    if due_again:
        return
    mark = first_day + timedelta(days=rescreen.RESCREEN_EVERY_DAYS)
    while mark <= today:
        again = SafetyScreen.objects.create(
            patient=patient,
            answers=screen.answers,
            positive=False,
            decision=SafetyScreen.Decision.ALLOWED,
            occasion=rescreen.Due.PERIODIC.value,
        )
        SafetyScreen.objects.filter(pk=again.pk).update(completed_at=_noon(patient, mark))
        mark += timedelta(days=rescreen.RESCREEN_EVERY_DAYS)


def _adverse_events_demo(patient: User, person: DemoPerson, therapist: User) -> None:
    """A problem the taper patient reported (emailed to the care team after the commit, as
    any report is), and one the therapist recorded and reviewed for the week-6 patient
    (idempotent: only for a patient who has none)."""
    from program.adverse_events import actions as adverse_events

    if person.email not in (TAPER_PATIENT, "week6@example.com"):
        return
    if patient.adverse_events.exists():
        return
    today = patient.local_today()
    if person.email == TAPER_PATIENT:
        adverse_events.report(
            patient,
            by=patient,
            what_happened="The day after my dose went down I felt shaky and very anxious, "
            "and I could not settle in the evening.",
            happened_on=today - timedelta(days=3),
            seriousness="moderate",
        )
        return
    event = adverse_events.report(
        patient,
        by=therapist,
        kind="fall_or_accident",
        what_happened="Tripped on the stairs at 2 am in week 3 while very sleepy; bruised "
        "knee, no other injury.",
        happened_on=today - timedelta(days=20),
        seriousness="mild",
    )
    adverse_events.mark_reviewed(
        event,
        by=therapist,
        note="Discussed a night light and getting up slowly; window lengthened that week.",
    )

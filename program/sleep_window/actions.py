"""The sleep-window workflow: screening, the first window, weekly recommendations,
a clinician's decisions, pausing and ending. Each action is one transaction.

The arithmetic is in ``program.rules.titration`` (pure); the wording of the screen and
the sleepiness check in ``program.rules.safety``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from program import clinical_text
from program.models import (
    CaseloadSummary,
    DiaryEntry,
    Enrolment,
    MoodCheck,
    Prescription,
    Recommendation,
    SafetyScreen,
    SleepCourse,
    SleepinessCheck,
    SleepProtocol,
)
from program.publish import run_after_commit
from program.rules import age, mood, safety, titration
from program.sleep_window import words as window_words
from program.sleep_window.models import threshold_age

DEFAULT_PROTOCOL_KEY = "weekly-90-85"
SLEEPINESS_VALID_DAYS = 7
# Design decision: a weekly review waits on its day until the patient has entered
# that morning's diary (the week's seventh night, titration.review_span) or until
# noon in their own zone, whichever comes first; the hourly tick would otherwise
# review just after midnight, before the last night could be entered.
REVIEW_FROM_HOUR = 12


class SleepWindowError(Exception):
    """An action that cannot be taken now, with the reason in plain words."""


def newest_protocol(key: str) -> SleepProtocol | None:
    """The newest active version of a protocol (versions are saved as new rows)."""
    return SleepProtocol.objects.filter(key=key, is_active=True).order_by("-version").first()


def _switch_protocol(course: SleepCourse, key: str) -> None:
    protocol = newest_protocol(key)
    if protocol:
        course.protocol = protocol
        course.save(update_fields=["protocol", "updated_at"])


def default_protocol() -> SleepProtocol:
    protocol = newest_protocol(DEFAULT_PROTOCOL_KEY)
    if protocol is None:  # a database emptied by tests: recreate the shipped default
        rules = next(p for p in titration.SHIPPED if p.key == DEFAULT_PROTOCOL_KEY)
        protocol = SleepProtocol.objects.create(
            key=rules.key,
            name=rules.name,
            initial_rule=rules.initial_rule,
            floor_min=rules.floor_min,
            reduce_mode=rules.reduce_mode,
        )
    return protocol


def course_for(patient: User) -> SleepCourse:
    """The patient's course (made on first use), with its protocol and the patient's
    therapist (one join: the pages that show a course say who decides)."""
    course = (
        SleepCourse.objects.select_related("protocol", "patient__therapist")
        .filter(patient=patient)
        .first()
    )
    if course is None:
        course, _created = SleepCourse.objects.get_or_create(
            patient=patient, defaults={"protocol": _proposed_protocol(patient)}
        )
    return course


def _proposed_protocol(patient: User) -> SleepProtocol:
    """The protocol a new course starts with: by age (``program.rules.age``: compression from
    65 [BSM-COMP]), else the default."""
    key = age.proposed_protocol(patient.age(), default_key=DEFAULT_PROTOCOL_KEY)
    return newest_protocol(key) or default_protocol()


def _age(patient: User) -> int | None:
    """The age the protocol's thresholds read (``models.threshold_age``)."""
    return threshold_age(patient)


def follow_age(patient: User) -> None:
    """After a date of birth is given or corrected: a course still being set up, whose
    protocol no clinician has chosen, takes the protocol proposed for the age."""
    course = (
        SleepCourse.objects.select_related("protocol")
        .filter(patient=patient, status=SleepCourse.Status.SETTING_UP)
        .first()
    )
    if course is None:
        return
    key = age.should_propose(
        patient.age(),
        current_key=course.protocol.key,
        default_key=DEFAULT_PROTOCOL_KEY,
        chosen_by_clinician=course.protocol_set_by_id is not None,
    )
    if key:
        _switch_protocol(course, key)


def latest_screen(patient: User) -> SafetyScreen | None:
    return SafetyScreen.objects.filter(patient=patient).order_by("-completed_at", "-pk").first()


def night_figures(
    patient: User, first: date, last: date, denominator: str = "in_bed"
) -> list[titration.NightFigures]:
    """The diary nights titration reads, with TIB by the protocol's denominator."""
    from program.diary import actions as diary_service

    figures = []
    for entry in DiaryEntry.objects.for_patient(patient).between(first, last):
        metrics = diary_service.entry_metrics(entry)
        tib = (
            metrics.time_in_bed_from_lights_out
            if denominator == "lights_out"
            else metrics.time_in_bed
        )
        figures.append(
            titration.NightFigures(entry.diary_date, metrics.total_sleep, tib, entry.unusual_night)
        )
    return figures


def recent_sleepiness(
    patient: User, today: date, after: datetime | None = None
) -> SleepinessCheck | None:
    """The latest sleepiness check of the week up to ``today`` (a later answer does
    not count for a review of an earlier day); with ``after``, only one given after that
    moment (``_answered_for``: an answer counts for one review)."""
    checks = SleepinessCheck.objects.filter(
        patient=patient,
        week_of__gt=today - timedelta(days=SLEEPINESS_VALID_DAYS),
        week_of__lte=today,
    )
    if after is not None:
        checks = checks.filter(created_at__gt=after)
    return checks.order_by("-created_at").first()


# A weekly review whose decision was made: the sleepiness answer it read was used.
_DECIDED = ("approved", "edited", "rejected", "automatic")


def _answered_for(course: SleepCourse, review_date: date) -> datetime | None:
    """When the weekly review before ``review_date`` was decided (approved, changed,
    rejected or applied): an answer given before then was that review's to read (when it
    was made, or when the answer reworked it while it waited), so a review made days
    later (a clinician's "Review this week now") does not read it again. A review that
    was never decided (superseded, set aside) used nothing. None: no such review."""
    return (
        course.recommendations.filter(
            kind="weekly", review_date__lt=review_date, status__in=_DECIDED
        )
        .order_by("-review_date")
        .values_list("decided_at", flat=True)
        .first()
    )


def _sleepiness_for(course: SleepCourse, review_date: date, today: date) -> bool | None:
    """The sleepiness answer a review of ``review_date`` reads (``_too_sleepy``), from the
    week up to ``today`` and given after the review before was decided."""
    after = _answered_for(course, review_date)
    return _too_sleepy(recent_sleepiness(course.patient, today, after=after))


def _too_sleepy(check: SleepinessCheck | None) -> bool | None:
    """The check's answer for titration (``titration.too_sleepy``), None if unanswered."""
    return None if check is None else titration.too_sleepy(check.dozing, check.unsafe)


def review_week(
    course: SleepCourse, today: date, prescriptions: list[Prescription] | None = None
) -> titration.ReviewWeek:
    """The week whose figures the caseload, the sleep-window pages and the API show:
    the nights the latest weekly review on or before ``today`` reads
    (``titration.review_week``; the caseload calls it with annotated values).
    ``prescriptions``: the course's, newest first, when the caller has read them."""
    if prescriptions is not None:
        current = in_force(prescriptions, today)
    else:
        current = current_prescription(course, today) if course.pk else None
    has_window = current is not None and course.status == SleepCourse.Status.ACTIVE
    return titration.review_week(
        today,
        titration_weekday=course.titration_weekday if has_window else None,
        window_from=current.effective_from if current else None,
        lookback_days=course.protocol.lookback_days,
    )


def windows_by_day(
    patient: User, days: list[date], prescriptions: list[Prescription] | None = None
) -> dict[date, int]:
    """The prescribed window (minutes) on each of ``days``, for charts: one query, none
    when the caller has read the patient's ``prescriptions`` already."""
    prescriptions = sorted(
        Prescription.objects.filter(course__patient=patient)
        if prescriptions is None
        else prescriptions,
        key=lambda p: (p.effective_from, p.created_at),
    )
    result: dict[date, int] = {}
    for day in days:
        in_force = [p for p in prescriptions if p.effective_from <= day]
        if in_force:
            result[day] = in_force[-1].window_min
    return result


def current_prescription(course: SleepCourse, today: date) -> Prescription | None:
    return course.prescriptions.in_force_on(today).first()


def in_force(prescriptions: list[Prescription], day: date) -> Prescription | None:
    """The window in force on ``day`` among ``prescriptions`` read newest first (as
    ``Prescription.Meta.ordering`` and ``in_force_on`` order them)."""
    return next((p for p in prescriptions if p.effective_from <= day), None)


def _auto_apply(patient: User) -> bool:
    enrolment = (
        Enrolment.objects.current().select_related("programme").filter(patient=patient).first()
    )
    return bool(enrolment and enrolment.programme.sleep_window_auto_apply)


def _figures(decision: titration.Decision, rules: titration.Protocol) -> dict[str, Any]:
    """What a recommendation (and the prescription made from it) keeps of the week:
    the figures, the mornings read, and what the words need."""
    return {
        "nights": decision.nights,
        "sleep_efficiency": decision.sleep_efficiency,
        "mean_total_sleep": decision.mean_total_sleep,
        "mean_time_in_bed": decision.mean_time_in_bed,
        "extend_at": decision.extend_at,
        "reduce_below": decision.reduce_below,
        "first_morning": decision.first_morning.isoformat() if decision.first_morning else None,
        "last_morning": decision.last_morning.isoformat() if decision.last_morning else None,
        "min_nights": decision.min_nights,
        "floor_min": rules.floor_min,
        "ceiling_min": rules.ceiling_min,
        "initial_rule": rules.initial_rule.value,
        "adherence_margin_min": titration.ADHERENCE_MARGIN_MIN,
        "flags": [f.value for f in decision.flags],
    }


# --- Safety -----------------------------------------------------------------------


@transaction.atomic
def submit_screen(
    patient: User, answers: dict[str, bool]
) -> tuple[SafetyScreen, safety.ScreenResult]:
    """Save the screen's answers, first or again (``program.sleep_window.rescreen``): a positive one
    waits for a clinician, and a weekly review held for want of it is worked out again."""
    from program.sleep_window import rescreen

    result = safety.evaluate_screen(answers)
    course = course_for(patient)
    occasion = rescreen.due(patient, course, latest_screen(patient))
    screen = SafetyScreen.objects.create(
        patient=patient,
        answers=answers,
        positive=result.positive,
        decision=(
            SafetyScreen.Decision.PENDING if result.positive else SafetyScreen.Decision.ALLOWED
        ),
        occasion=occasion.value or "change",
    )
    # Without a date of birth (an account made before it was asked), the screen's age
    # answer chooses the older adults' thresholds, as before; with one, follow_age did.
    if (
        result.older_adult
        and patient.date_of_birth is None
        and course.protocol_set_by_id is None
        and course.protocol.key == DEFAULT_PROTOCOL_KEY
    ):
        _switch_protocol(course, "older-85-80")
    _rework_held(course)
    return screen, result


@transaction.atomic
def decide_screen(screen: SafetyScreen, *, decision: str, by: User, note: str) -> None:
    """A clinician's decision after a positive screen, once (the decision, who, when
    and the note stay on the screen's row). A safety-critical job or untreated sleep
    apnoea (``safety.STRICT_KEYS``) is cleared only with a typed reason. "No sleep
    restriction" during a course ends it; "compression" switches its protocol."""
    if decision not in SafetyScreen.Decision.values or decision == "pending":
        raise SleepWindowError(_("Choose a decision."))
    # The row locked and read again: of two decisions at once (two clinicians, two
    # tabs) only the first is recorded; the other was read before it and is refused.
    now = (
        SafetyScreen.objects.select_for_update()
        .filter(pk=screen.pk)
        .values_list("decision", flat=True)
        .first()
    )
    if screen.decision != SafetyScreen.Decision.PENDING or now != SafetyScreen.Decision.PENDING:
        raise SleepWindowError(_("This safety screen has already been decided."))
    if (
        decision != SafetyScreen.Decision.NOT_ALLOWED
        and safety.strict_answers(screen.answers)
        and not note.strip()
    ):
        raise SleepWindowError(
            _(
                "A safety-critical job or untreated sleep apnoea can only be cleared with a "
                "reason: type why restriction is safe for this patient."
            )
        )
    screen.decision = decision
    screen.decided_by = by
    screen.decided_at = timezone.now()
    screen.decision_note = note
    # Only what the decision writes: the object was read before the row was locked.
    screen.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
    course = course_for(screen.patient)
    if decision == SafetyScreen.Decision.COMPRESSION_ONLY:
        _switch_protocol(course, "compression")
    if decision == SafetyScreen.Decision.NOT_ALLOWED and course.status in (
        SleepCourse.Status.ACTIVE,
        SleepCourse.Status.PAUSED,
    ):
        end(course, reason="Safety screen: no sleep restriction")
    else:
        _rework_held(course)


def restriction_allowed(patient: User) -> bool:
    screen = latest_screen(patient)
    return screen is not None and screen.decision in (
        SafetyScreen.Decision.ALLOWED,
        SafetyScreen.Decision.COMPRESSION_ONLY,
    )


@transaction.atomic
def record_sleepiness(patient: User, *, dozing: int, unsafe: bool) -> SleepinessCheck:
    """The weekly check. ``very_sleepy`` is the one rule (``safety.very_sleepy``:
    dozing several times a week counts), which the safety advice, the caseload's flag
    and the window all read. A week held for want of this answer is worked out
    again now (``_review_again``)."""
    check = SleepinessCheck.objects.create(
        patient=patient,
        week_of=patient.local_today(),
        dozing=dozing,
        unsafe=unsafe,
        very_sleepy=safety.very_sleepy(dozing, unsafe),
    )
    course = (
        SleepCourse.objects.select_related("protocol", "patient").filter(patient=patient).first()
    )
    if course is not None:
        _review_again(course, check)
    return check


# --- Elevated mood (program.rules.mood) ------------------------------------------------


def last_mood_check(patient: User) -> MoodCheck | None:
    return MoodCheck.objects.filter(patient=patient).order_by("-created_at").first()


def mood_to_review(patient: User) -> bool:
    """An elevated-mood "yes" no clinician has marked as looked at yet."""
    return MoodCheck.objects.filter(
        patient=patient, elevated=True, reviewed_at__isnull=True
    ).exists()


def mood_question_due(
    course: SleepCourse, screen: SafetyScreen | None, last: MoodCheck | None, today: date
) -> bool:
    """Asked weekly while restriction is on, of patients whose screen records bipolar
    disorder (``mood.asked_about_elevated_mood``)."""
    return (
        course.status == SleepCourse.Status.ACTIVE
        and mood.asked_about_elevated_mood(screen.answers if screen else None)
        and mood.question_due(last.week_of if last else None, today)
    )


@transaction.atomic
def record_mood(patient: User, *, elevated: bool) -> MoodCheck:
    """The weekly elevated-mood answer, stored with the question as asked and marked
    not validated. A "yes" is a clinician flag (the caseload's "Elevated mood
    reported"), not the crisis workflow, and holds shorter windows until a clinician
    looks (``review_mood``): a weekly review still waiting for a clinician is worked
    out again now, so a shorter window already proposed is held too."""
    check = MoodCheck.objects.create(
        patient=patient,
        week_of=patient.local_today(),
        question=mood.ELEVATED_MOOD_QUESTION,
        elevated=elevated,
    )
    course = (
        SleepCourse.objects.select_related("protocol", "patient").filter(patient=patient).first()
    )
    if elevated and course is not None:
        held = course.recommendations.pending().filter(kind="weekly").first()
        if held is not None and course.status == SleepCourse.Status.ACTIVE:
            sleepy = _sleepiness_for(course, held.review_date, patient.local_today())
            decision = _weekly_decision(course, held.review_date, very_sleepy=sleepy)
            if decision is not None:
                held.current_window_min = decision.previous_window_min
                held.proposed_window_min = decision.window_min
                held.rule = decision.rule.value
                held.figures = _figures(decision, course.protocol.rules())
                held.flags = [f.value for f in decision.flags]
                held.save()
    return check


@transaction.atomic
def review_mood(check: MoodCheck, *, by: User) -> None:
    """A clinician has looked at an elevated-mood answer: shorter windows are no longer
    held for it (a recommendation already held stays for the clinician to decide)."""
    if check.reviewed_at is None:
        check.reviewed_by = by
        check.reviewed_at = timezone.now()
        check.save(update_fields=["reviewed_by", "reviewed_at"])


# --- Prescriptions ------------------------------------------------------------------


@dataclass(frozen=True)
class BaselineStatus:
    nights: int
    needed: int

    @property
    def ready(self) -> bool:
        return self.nights >= self.needed


def baseline_status(patient: User, course: SleepCourse, today: date) -> BaselineStatus:
    rules = course.protocol.rules()
    first = today - timedelta(days=rules.baseline_lookback_days - 1)
    nights = [n for n in night_figures(patient, first, today) if not n.unusual]
    return BaselineStatus(len(nights), rules.baseline_min_nights)


def _apply(
    recommendation: Recommendation,
    *,
    window: int,
    source: str,
    by: User | None,
    reason: str,
    effective_from: date,
) -> Prescription:
    course = recommendation.course
    assert course.rise_time is not None
    prescription = Prescription.objects.create(
        course=course,
        window_min=window,
        rise_time=course.rise_time,
        effective_from=effective_from,
        source=source,
        rule=recommendation.rule,
        figures=recommendation.figures,
        reason=reason,
        set_by=by,
    )
    recommendation.prescription = prescription
    if course.status == SleepCourse.Status.SETTING_UP:
        course.status = SleepCourse.Status.ACTIVE
        course.save(update_fields=["status", "updated_at"])
    _reminders_follow(course)
    return prescription


def _reminders_follow(course: SleepCourse) -> None:
    """The wind-down and diary reminders follow the window (in this process, after commit)."""
    run_after_commit("program.tasks.refresh_reminders_task", course.patient_id, [])


def _needs_clinician(recommendation: Recommendation) -> bool:
    """Flags go to a clinician (except a lengthening for sleepiness:
    ``titration.auto_applicable``); so does a first window after a positive screen."""
    if not titration.auto_applicable(recommendation.rule, recommendation.flags):
        return True
    return recommendation.kind == "initial" and not _screen_clear(recommendation.course.patient)


def _screen_clear(patient: User) -> bool:
    screen = latest_screen(patient)
    return screen is not None and not screen.positive and screen.decision == "allowed"


def _store(
    course: SleepCourse,
    *,
    review_date: date,
    kind: str,
    decision: titration.Decision,
    rules: titration.Protocol,
) -> Recommendation:
    """Save a recommendation, once per review (a repeated tick finds the first one).
    One that replaces a recommendation still waiting keeps its ``waiting_since``."""
    replaced = Recommendation.objects.filter(
        course=course, status=Recommendation.Status.PENDING
    ).exclude(review_date=review_date, kind=kind)
    waiting_since = min(
        (r.waiting_since or r.created_at for r in replaced.only("waiting_since", "created_at")),
        default=None,
    )
    replaced.update(status=Recommendation.Status.SUPERSEDED)
    CaseloadSummary.objects.mark_changed([course.patient_id])  # no signal from update()
    try:
        with transaction.atomic():
            recommendation = Recommendation.objects.create(
                course=course,
                review_date=review_date,
                kind=kind,
                waiting_since=waiting_since,
                current_window_min=decision.previous_window_min,
                proposed_window_min=decision.window_min,
                rule=decision.rule.value,
                figures=_figures(decision, rules),
                flags=[f.value for f in decision.flags],
            )
    except IntegrityError:
        earlier = Recommendation.objects.get(course=course, review_date=review_date, kind=kind)
        undecided = (
            Recommendation.Status.PENDING,
            Recommendation.Status.SUPERSEDED,
            Recommendation.Status.SET_ASIDE,
        )
        if earlier.status not in undecided:
            return earlier  # decided: a repeated tick finds the decision
        # Not decided: worked out again from the nights there are now. A repeated tick
        # computes the same; a row made early under a clock that had jumped ahead (and
        # superseded since by the real reviews) is replaced, so that week's titration
        # still happens.
        earlier.current_window_min = decision.previous_window_min
        earlier.proposed_window_min = decision.window_min
        earlier.rule = decision.rule.value
        earlier.figures = _figures(decision, rules)
        earlier.flags = [f.value for f in decision.flags]
        earlier.status = Recommendation.Status.PENDING
        earlier.save()
        recommendation = earlier
    _apply_if_self_guided(recommendation, effective_from=review_date)
    return recommendation


def _apply_if_self_guided(recommendation: Recommendation, *, effective_from: date) -> None:
    """A self-guided programme applies what needs no clinician at once."""
    if _auto_apply(recommendation.course.patient) and not _needs_clinician(recommendation):
        _apply(
            recommendation,
            window=recommendation.proposed_window_min,
            source=Prescription.Source.AUTOMATIC,
            by=None,
            reason="Self-guided programme: applied automatically.",
            effective_from=effective_from,
        )
        recommendation.status = Recommendation.Status.AUTOMATIC
        recommendation.decided_at = timezone.now()
        recommendation.save()


@transaction.atomic
def start(
    patient: User,
    *,
    rise_time: time,
    titration_weekday: int | None = None,
    today: date | None = None,
) -> Recommendation:
    """The patient has chosen a fixed rise time: propose the first window.

    Needs a screen that is clear or cleared by a clinician, and enough baseline diary.
    """
    from program.sleep_window import rescreen

    today = today or patient.local_today()
    if patient.date_of_birth is None:
        raise SleepWindowError(_("Please give your date of birth first."))
    if not age.eligible(patient.age()):
        raise SleepWindowError(
            _("This programme is for adults aged %(age)s and over.") % {"age": age.ADULT_AGE}
        )
    follow_age(patient)
    course = course_for(patient)
    if not restriction_allowed(patient):
        raise SleepWindowError(_("Your therapist needs to look at your safety answers first."))
    if rescreen.due(patient, course, latest_screen(patient), today):
        raise SleepWindowError(
            _("Please answer the safety questions again before your first window.")
        )
    status = baseline_status(patient, course, today)
    if not status.ready:
        raise SleepWindowError(
            _(
                "Your first sleep window needs %(needed)s diary nights from the last two "
                "weeks; you have %(nights)s. Keep filling in your diary."
            )
            % {"needed": status.needed, "nights": status.nights}
        )
    rules = course.protocol.rules()
    nights = night_figures(
        patient,
        today - timedelta(days=rules.baseline_lookback_days - 1),
        today,
        rules.se_denominator,
    )
    decision = titration.initial_window(rules, nights, today, age=_age(patient))
    course.rise_time = rise_time
    course.titration_weekday = today.weekday() if titration_weekday is None else titration_weekday
    if rules.reduce_mode is titration.ReduceMode.COMPRESSION and decision.mean_total_sleep:
        course.compression_target_min, course.compression_step_min = titration.compression_plan(
            rules, decision.mean_time_in_bed or 0, decision.mean_total_sleep
        )
    course.save()
    return _store(course, review_date=today, kind="initial", decision=decision, rules=rules)


def _weekly_decision(
    course: SleepCourse, review_date: date, *, very_sleepy: bool | None
) -> titration.Decision | None:
    """The protocol's decision for the window in force on ``review_date``, from the
    nights slept under it (``titration.review_span``: the mornings after the
    evenings from its ``effective_from`` on, the review day's morning included)."""
    current = current_prescription(course, review_date)
    if current is None:
        return None
    rules = course.protocol.rules()
    first, last = titration.review_span(review_date, current.effective_from, rules.lookback_days)
    nights = night_figures(course.patient, first, last, rules.se_denominator)
    return titration.titrate(
        rules,
        current.window_min,
        nights,
        review_date,
        window_from=current.effective_from,
        age=_age(course.patient),
        very_sleepy=very_sleepy,
        compression_target_min=course.compression_target_min,
        compression_step_min=course.compression_step_min,
        mood_hold=mood.holds_reductions(mood_to_review(course.patient)),
    )


@transaction.atomic
def weekly_review(course: SleepCourse, review_date: date) -> Recommendation | None:
    """The titration day's recommendation from the nights slept under the window in
    force (``_weekly_decision``), with the week's sleepiness check (``_sleepiness_for``;
    unanswered: no shorter window, titration.titrate step 6). None when the course is
    not active or has no window in force."""
    if course.status != SleepCourse.Status.ACTIVE:
        return None
    very_sleepy = _sleepiness_for(course, review_date, review_date)
    decision = _weekly_decision(course, review_date, very_sleepy=very_sleepy)
    if decision is None:
        return None
    decision = _screen_hold(course, decision, review_date)
    return _store(
        course,
        review_date=review_date,
        kind="weekly",
        decision=decision,
        rules=course.protocol.rules(),
    )


def _review_again(course: SleepCourse, check: SleepinessCheck) -> None:
    """A new sleepiness answer is the week's answer: a weekly review still waiting
    for a clinician (held for want of the answer, or made with an earlier one) is
    worked out again with it, in place (one recommendation per review), and applied
    at once where a self-guided programme allows. So a clinician never approves a
    shorter window past a "very sleepy" answer given after the review."""
    held = course.recommendations.pending().filter(kind="weekly").first()
    if held is None or course.status != SleepCourse.Status.ACTIVE:
        return
    _rework(course, held, very_sleepy=_too_sleepy(check))


def _screen_hold(
    course: SleepCourse, decision: titration.Decision, review_date: date
) -> titration.Decision:
    """No shorter window while the screen is due again or waits for a clinician
    (``program.sleep_window.rescreen.hold_reason``, ``rescreen_rules.hold_for_screen``)."""
    from program.rules import rescreen as rescreen_rules
    from program.sleep_window import rescreen

    reason = rescreen.hold_reason(
        course.patient, course, latest_screen(course.patient), review_date
    )
    return rescreen_rules.hold_for_screen(decision, reason)


def _rework_held(course: SleepCourse) -> None:
    """New screen answers, or a clinician's decision on them: a weekly review still
    waiting (held for the screen, or for anything else) is worked out again."""
    held = course.recommendations.pending().filter(kind="weekly").first()
    if held is None or course.status != SleepCourse.Status.ACTIVE:
        return
    sleepy = _sleepiness_for(course, held.review_date, course.patient.local_today())
    _rework(course, held, very_sleepy=sleepy)


def _rework(course: SleepCourse, held: Recommendation, *, very_sleepy: bool | None) -> None:
    decision = _weekly_decision(course, held.review_date, very_sleepy=very_sleepy)
    if decision is None:
        return
    decision = _screen_hold(course, decision, course.patient.local_today())
    held.current_window_min = decision.previous_window_min
    held.proposed_window_min = decision.window_min
    held.rule = decision.rule.value
    held.figures = _figures(decision, course.protocol.rules())
    held.flags = [f.value for f in decision.flags]
    held.save()
    _apply_if_self_guided(held, effective_from=_effective(held))


def _decide(recommendation: Recommendation, status: str, by: User, reason: str) -> None:
    recommendation.status = status
    recommendation.decided_by = by
    recommendation.decided_at = timezone.now()
    recommendation.decision_reason = reason
    recommendation.save()


def _refuse_shorter_past_the_screen(recommendation: Recommendation, window_min: int) -> None:
    """A clinician does not shorten the window either while the safety screen is due
    again and unanswered, or its answers wait for a decision (``rescreen.hold_reason``):
    a recommendation made before then could otherwise be approved past it."""
    from program.sleep_window import rescreen

    course = recommendation.course
    current = current_prescription(course, course.patient.local_today())
    if current is None or window_min >= current.window_min:
        return
    reason = rescreen.hold_reason(
        course.patient, course, latest_screen(course.patient), course.patient.local_today()
    )
    if reason is titration.Flag.SCREEN_DUE:
        raise SleepWindowError(
            _(
                "The patient's safety screen is due again and not answered yet: the window "
                "cannot be made shorter until they answer."
            )
        )
    if reason is titration.Flag.SCREEN_REVIEW:
        raise SleepWindowError(
            _(
                "The patient's latest safety-screen answers wait for a decision: decide them "
                "before making the window shorter."
            )
        )


def _still_pending(recommendation: Recommendation) -> None:
    """Lock the row and read its status again: of two submits at once (a double tap, a
    second tab) only the first decides; the other was read before it and is refused."""
    status = (
        Recommendation.objects.select_for_update()
        .filter(pk=recommendation.pk)
        .values_list("status", flat=True)
        .first()
    )
    pending = Recommendation.Status.PENDING
    if recommendation.status == pending and status == pending:
        return
    raise SleepWindowError(
        set_aside_words(status or "") or _("This recommendation has already been decided.")
    )


def set_aside_words(status: str) -> str | None:
    """For a recommendation nobody decided (replaced, or set aside by a pause), what
    happened to it, rather than "already decided"; else None."""
    if status not in (Recommendation.Status.SUPERSEDED, Recommendation.Status.SET_ASIDE):
        return None
    return _(
        "This recommendation no longer waits for a decision (%(status)s). Nothing was changed."
    ) % {"status": Recommendation.Status(status).label}


@transaction.atomic
def approve(recommendation: Recommendation, *, by: User) -> Prescription:
    _still_pending(recommendation)
    _refuse_shorter_past_the_screen(recommendation, recommendation.proposed_window_min)
    prescription = _apply(
        recommendation,
        window=recommendation.proposed_window_min,
        source=Prescription.Source.APPROVED,
        by=by,
        reason="",
        effective_from=_effective(recommendation),
    )
    _decide(recommendation, Recommendation.Status.APPROVED, by, "")
    return prescription


@transaction.atomic
def edit(
    recommendation: Recommendation,
    *,
    by: User,
    window_min: int,
    reason: str,
    outside_confirmed: bool = False,
) -> Prescription:
    """A clinician's own window. Outside the protocol's floor and ceiling it needs a
    typed reason (as every edit does) and the clinician's word that they mean it
    (``outside_confirmed``: the decision form's box), and is flagged on the decision
    (EDITED_OUTSIDE_RANGE) and on the prescription's figures; the weekly reviews
    that follow flag it too (BELOW_FLOOR / ABOVE_CEILING) and never clamp it the
    wrong way (titration._move)."""
    _still_pending(recommendation)
    if not 180 <= window_min <= 720:
        raise SleepWindowError(_("A window is between 3 and 12 hours."))
    _refuse_shorter_past_the_screen(recommendation, window_min)
    rules = recommendation.course.protocol.rules()
    outside = not rules.in_range(window_min)
    if not reason.strip():
        if outside:
            raise SleepWindowError(
                _(
                    "%(window)s minutes is outside this protocol's range (%(floor)s to "
                    "%(ceiling)s minutes): say why you chose it."
                )
                % {"window": window_min, "floor": rules.floor_min, "ceiling": rules.ceiling_min}
            )
        raise SleepWindowError(_("Say why you changed the recommendation."))
    if outside and not outside_confirmed:
        raise SleepWindowError(
            _(
                "%(window)s is outside this protocol's range (%(floor)s to %(ceiling)s): "
                "confirm that you mean it."
            )
            % {
                "window": clinical_text.duration(window_min),
                "floor": clinical_text.duration(rules.floor_min),
                "ceiling": clinical_text.duration(rules.ceiling_min),
            }
        )
    if outside:
        flag = titration.Flag.EDITED_OUTSIDE_RANGE.value
        recommendation.flags = [*recommendation.flags, flag]
        recommendation.figures = {
            **recommendation.figures,
            "flags": [*recommendation.figures.get("flags", []), flag],
        }
    prescription = _apply(
        recommendation,
        window=window_min,
        source=Prescription.Source.EDITED,
        by=by,
        reason=reason,
        effective_from=_effective(recommendation),
    )
    _decide(recommendation, Recommendation.Status.EDITED, by, reason)
    return prescription


@transaction.atomic
def reject(recommendation: Recommendation, *, by: User, reason: str) -> None:
    _still_pending(recommendation)
    if not reason.strip():
        raise SleepWindowError(_("Say why you rejected the recommendation."))
    _decide(recommendation, Recommendation.Status.REJECTED, by, reason)


def _effective(recommendation: Recommendation) -> date:
    """A decision takes effect from the patient's today (never in the past)."""
    return max(recommendation.review_date, recommendation.course.patient.local_today())


@transaction.atomic
def pause(course: SleepCourse, *, reason: str) -> None:
    """Illness, travel: the window is set aside and resumes where it was."""
    if course.status != SleepCourse.Status.ACTIVE:
        raise SleepWindowError(_("Only an active sleep window can be paused."))
    course.status = SleepCourse.Status.PAUSED
    course.paused_reason = reason[:200]
    course.save()
    _reminders_follow(course)
    _set_aside(course)


@transaction.atomic
def resume(course: SleepCourse) -> None:
    """The window goes on where it was; a change set aside by the pause comes back to the
    clinician if its week has not ended meanwhile (a later one is reviewed afresh on the
    next titration day, from the nights there are then)."""
    if course.status != SleepCourse.Status.PAUSED:
        raise SleepWindowError(_("Only a paused sleep window can be resumed."))
    course.status = SleepCourse.Status.ACTIVE
    course.paused_reason = ""
    course.save()
    _reminders_follow(course)
    week_ago = course.patient.local_today() - timedelta(days=7)
    # It waits for the clinician from now: the break's days are not counted as waiting
    # (program.sleep_window.waiting's reminders).
    back = Recommendation.objects.filter(
        course=course, status=Recommendation.Status.SET_ASIDE, review_date__gt=week_ago
    ).update(status=Recommendation.Status.PENDING, waiting_since=timezone.now())
    if back:
        CaseloadSummary.objects.mark_changed([course.patient_id])  # no signal from update()


def _set_aside(course: SleepCourse) -> None:
    """The undecided changes wait no longer: the window is paused or ended."""
    Recommendation.objects.filter(course=course, status=Recommendation.Status.PENDING).update(
        status=Recommendation.Status.SET_ASIDE
    )
    CaseloadSummary.objects.mark_changed([course.patient_id])  # no signal from update()


@transaction.atomic
def end(course: SleepCourse, *, reason: str) -> None:
    """The clinician ends restriction (e.g. SE stays high and the patient feels rested)."""
    if course.status == SleepCourse.Status.ENDED:
        raise SleepWindowError(_("This sleep window has already ended."))
    course.status = SleepCourse.Status.ENDED
    course.ended_reason = reason[:200]
    course.ended_on = course.patient.local_today()
    course.save()
    _reminders_follow(course)
    _set_aside(course)


def due_reviews(now: Any = None) -> list[tuple[SleepCourse, date]]:
    """Active courses whose titration day it is in the patient's own zone and that
    have no weekly review for that date yet.

    A review waits for that morning's diary or for ``REVIEW_FROM_HOUR`` (the week's
    seventh night is the review day's morning). A first window runs a full week
    before its first review, and a window set late (approved days after its review)
    is reviewed once it has had the protocol's ``min_nights`` nights: before that a
    review could only say "not enough diary" for nights that could not be slept.
    After the programme, a week without a diary night or a "very sleepy" answer makes
    none (``rests_after_programme``).
    """
    now = now or timezone.now()
    due = []
    courses = SleepCourse.objects.filter(status=SleepCourse.Status.ACTIVE).select_related(
        "patient", "protocol"
    )
    for course in courses:
        local = course.patient.local_now(now)
        today = local.date()
        if today.weekday() != course.titration_weekday:
            continue
        if course.recommendations.filter(review_date=today, kind="weekly").exists():
            continue
        windows = list(
            course.prescriptions.filter(effective_from__lte=today)
            .order_by("effective_from", "created_at")
            .values_list("effective_from", flat=True)
        )
        if not windows or (today - windows[0]).days < 7:
            continue  # a new window runs a full week before its first review
        if (today - windows[-1]).days < course.protocol.min_nights:
            continue
        if (
            local.hour < REVIEW_FROM_HOUR
            and not DiaryEntry.objects.for_patient(course.patient).filter(diary_date=today).exists()
        ):
            continue
        if rests_after_programme(course, today):
            continue
        due.append((course, today))
    return due


def rests_after_programme(course: SleepCourse, review_date: date) -> bool:
    """After the programme (its last week open a full week, ``unlocking.ran_its_course``,
    or the enrolment completed or withdrawn), a week with no diary night and no "very
    sleepy" answer makes no weekly review: it could only keep the window "for want of a
    diary" and ask the clinician to approve that every week for as long as the course
    stays open. A patient who goes on with the diary goes on being reviewed; a "very
    sleepy" answer is reviewed whatever the diary (the window is made longer,
    titration.titrate step 2); and a clinician can still review at once from the
    patient's page."""
    from program.curriculum.actions import pace_summaries

    current = current_prescription(course, review_date)
    if current is None:
        return False
    lookback = course.protocol.rules().lookback_days
    first, last = titration.review_span(review_date, current.effective_from, lookback)
    if DiaryEntry.objects.for_patient(course.patient).between(first, last).exists():
        return False
    if _sleepiness_for(course, review_date, review_date):
        return False
    enrolment = (
        Enrolment.objects.filter(patient=course.patient)
        .select_related("programme", "patient")
        .order_by("-start_date", "-pk")
        .first()
    )
    if enrolment is None:
        return False
    if enrolment.status not in Enrolment.CURRENT:
        return True  # completed or withdrawn: the programme is over
    return pace_summaries([enrolment])[enrolment.pk].finished


# The words of a decision, for the patient or their care team (program.sleep_window.words).
RULE_WORDS = window_words.PATIENT_RULE_WORDS
INITIAL_WORDS = window_words.PATIENT_INITIAL_WORDS
NO_WEEK_FIGURES = window_words.NO_WEEK_FIGURES
explain = window_words.explain


def explain_window(
    prescription: Prescription,
    audience: str = window_words.Audience.PATIENT,
    *,
    therapist: bool = True,
) -> str:
    """Why a window is what it is: its rule and week (``explain``), or, for a window the
    clinician set in place of the recommendation, that they did."""
    return explain(
        prescription.rule,
        prescription.figures,
        audience,
        therapist=therapist,
        edited=prescription.source == Prescription.Source.EDITED,
    )

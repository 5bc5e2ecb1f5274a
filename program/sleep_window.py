"""The sleep-window workflow: screening, the first window, weekly recommendations,
a clinician's decisions, pausing and ending. Each action is one transaction.

The arithmetic is in ``program.titration`` (pure); the wording of the screen and
the sleepiness check in ``program.safety``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from . import safety, sleep, titration
from .models import (
    DiaryEntry,
    Enrolment,
    Prescription,
    Recommendation,
    SafetyScreen,
    SleepCourse,
    SleepinessCheck,
    SleepProtocol,
)

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
    course = SleepCourse.objects.select_related("protocol").filter(patient=patient).first()
    if course is None:
        course, _created = SleepCourse.objects.get_or_create(
            patient=patient, defaults={"protocol": default_protocol()}
        )
    return course


def latest_screen(patient: User) -> SafetyScreen | None:
    return SafetyScreen.objects.filter(patient=patient).order_by("-completed_at").first()


def night_figures(
    patient: User, first: date, last: date, denominator: str = "in_bed"
) -> list[titration.NightFigures]:
    """The diary nights titration reads, with TIB by the protocol's denominator."""
    from . import diary as diary_service

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


def recent_sleepiness(patient: User, today: date) -> SleepinessCheck | None:
    """The latest sleepiness check of the week up to ``today`` (a later answer does
    not count for a review of an earlier day)."""
    return (
        SleepinessCheck.objects.filter(
            patient=patient,
            week_of__gt=today - timedelta(days=SLEEPINESS_VALID_DAYS),
            week_of__lte=today,
        )
        .order_by("-created_at")
        .first()
    )


def _too_sleepy(check: SleepinessCheck | None) -> bool | None:
    """The check's answer for titration (``titration.too_sleepy``), None if unanswered."""
    return None if check is None else titration.too_sleepy(check.dozing, check.unsafe)


def review_week(course: SleepCourse, today: date) -> titration.ReviewWeek:
    """The week whose figures the caseload, the sleep-window pages and the API show:
    the nights the latest weekly review on or before ``today`` reads
    (``titration.review_week``; the caseload calls it with annotated values)."""
    current = current_prescription(course, today) if course.pk else None
    has_window = current is not None and course.status == SleepCourse.Status.ACTIVE
    return titration.review_week(
        today,
        titration_weekday=course.titration_weekday if has_window else None,
        window_from=current.effective_from if current else None,
        lookback_days=course.protocol.lookback_days,
    )


def windows_by_day(patient: User, days: list[date]) -> dict[date, int]:
    """The prescribed window (minutes) on each of ``days``, for charts: one query."""
    prescriptions = sorted(
        Prescription.objects.filter(course__patient=patient),
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


def _age(patient: User) -> int | None:
    screen = latest_screen(patient)
    return titration.OLDER_ADULT_AGE if screen and screen.answers.get("older") else None


# --- Safety -----------------------------------------------------------------------


@transaction.atomic
def submit_screen(
    patient: User, answers: dict[str, bool]
) -> tuple[SafetyScreen, safety.ScreenResult]:
    result = safety.evaluate_screen(answers)
    screen = SafetyScreen.objects.create(
        patient=patient,
        answers=answers,
        positive=result.positive,
        decision=(
            SafetyScreen.Decision.PENDING if result.positive else SafetyScreen.Decision.ALLOWED
        ),
    )
    course = course_for(patient)
    if result.older_adult and course.protocol.key == DEFAULT_PROTOCOL_KEY:
        _switch_protocol(course, "older-85-80")
    return screen, result


@transaction.atomic
def decide_screen(screen: SafetyScreen, *, decision: str, by: User, note: str) -> None:
    """A clinician's decision after a positive screen."""
    if decision not in SafetyScreen.Decision.values or decision == "pending":
        raise SleepWindowError(_("Choose a decision."))
    screen.decision = decision
    screen.decided_by = by
    screen.decided_at = timezone.now()
    screen.decision_note = note
    screen.save()
    if decision == SafetyScreen.Decision.COMPRESSION_ONLY:
        _switch_protocol(course_for(screen.patient), "compression")


def restriction_allowed(patient: User) -> bool:
    screen = latest_screen(patient)
    return bool(screen) and screen.decision in (
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
    """The wind-down and diary reminders follow the window (after commit)."""
    from . import reminders

    patient = course.patient
    transaction.on_commit(lambda: reminders.refresh_schedules(patient))


def _needs_clinician(recommendation: Recommendation) -> bool:
    """Flags go to a clinician (except a lengthening for sleepiness:
    ``titration.auto_applicable``); so does a first window after a positive screen."""
    if not titration.auto_applicable(recommendation.rule, recommendation.flags):
        return True
    return recommendation.kind == "initial" and not _screen_clear(recommendation.course.patient)


def _screen_clear(patient: User) -> bool:
    screen = latest_screen(patient)
    return bool(screen) and not screen.positive and screen.decision == "allowed"


def _store(
    course: SleepCourse,
    *,
    review_date: date,
    kind: str,
    decision: titration.Decision,
    rules: titration.Protocol,
) -> Recommendation:
    """Save a recommendation, once per review (a repeated tick finds the first one)."""
    Recommendation.objects.filter(course=course, status=Recommendation.Status.PENDING).exclude(
        review_date=review_date, kind=kind
    ).update(status=Recommendation.Status.SUPERSEDED)
    try:
        with transaction.atomic():
            recommendation = Recommendation.objects.create(
                course=course,
                review_date=review_date,
                kind=kind,
                current_window_min=decision.previous_window_min,
                proposed_window_min=decision.window_min,
                rule=decision.rule.value,
                figures=_figures(decision, rules),
                flags=[f.value for f in decision.flags],
            )
    except IntegrityError:
        earlier = Recommendation.objects.get(course=course, review_date=review_date, kind=kind)
        if earlier.status not in (Recommendation.Status.PENDING, Recommendation.Status.SUPERSEDED):
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
    today = today or patient.local_today()
    course = course_for(patient)
    if not restriction_allowed(patient):
        raise SleepWindowError(_("Your therapist needs to look at your safety answers first."))
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
    )


@transaction.atomic
def weekly_review(course: SleepCourse, review_date: date) -> Recommendation | None:
    """The titration day's recommendation from the nights slept under the window in
    force (``_weekly_decision``), with the week's sleepiness check (None when not
    answered: then no shorter window, titration.titrate step 6)."""
    if course.status != SleepCourse.Status.ACTIVE:
        return None
    very_sleepy = _too_sleepy(recent_sleepiness(course.patient, review_date))
    decision = _weekly_decision(course, review_date, very_sleepy=very_sleepy)
    if decision is None:
        return None
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
    decision = _weekly_decision(course, held.review_date, very_sleepy=_too_sleepy(check))
    if decision is None:
        return
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
    if recommendation.status != pending or status != pending:
        raise SleepWindowError(_("This recommendation has already been decided."))


@transaction.atomic
def approve(recommendation: Recommendation, *, by: User) -> Prescription:
    _still_pending(recommendation)
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
def edit(recommendation: Recommendation, *, by: User, window_min: int, reason: str) -> Prescription:
    """A clinician's own window. Outside the protocol's floor and ceiling it needs a
    typed reason (as every edit does), and is flagged on the decision
    (EDITED_OUTSIDE_RANGE) and on the prescription's figures; the weekly reviews
    that follow flag it too (BELOW_FLOOR / ABOVE_CEILING) and never clamp it the
    wrong way (titration._move)."""
    _still_pending(recommendation)
    if not 180 <= window_min <= 720:
        raise SleepWindowError(_("A window is between 3 and 12 hours."))
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
    Recommendation.objects.filter(course=course, status=Recommendation.Status.PENDING).update(
        status=Recommendation.Status.SUPERSEDED
    )


@transaction.atomic
def resume(course: SleepCourse) -> None:
    if course.status != SleepCourse.Status.PAUSED:
        raise SleepWindowError(_("Only a paused sleep window can be resumed."))
    course.status = SleepCourse.Status.ACTIVE
    course.paused_reason = ""
    course.save()
    _reminders_follow(course)


@transaction.atomic
def end(course: SleepCourse, *, reason: str) -> None:
    """The clinician ends restriction (e.g. SE stays high and the patient feels rested)."""
    if course.status == SleepCourse.Status.ENDED:
        raise SleepWindowError(_("This sleep window has already ended."))
    course.status = SleepCourse.Status.ENDED
    course.ended_reason = reason[:200]
    course.save()
    _reminders_follow(course)
    Recommendation.objects.filter(course=course, status=Recommendation.Status.PENDING).update(
        status=Recommendation.Status.SUPERSEDED
    )


def due_reviews(now: Any = None) -> list[tuple[SleepCourse, date]]:
    """Active courses whose titration day it is in the patient's own zone and that
    have no weekly review for that date yet.

    A review waits for that morning's diary or for ``REVIEW_FROM_HOUR`` (the week's
    seventh night is the review day's morning). A first window runs a full week
    before its first review, and a window set late (approved days after its review)
    is reviewed once it has had the protocol's ``min_nights`` nights: before that a
    review could only say "not enough diary" for nights that could not be slept.
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
        due.append((course, today))
    return due


RULE_WORDS = {
    "initial": _("Your first window: the average time you slept during your baseline week"),
    "extend": _("Your sleep efficiency was at or above {extend_at:.0f}%, so your window grew"),
    "hold": _(
        "Your sleep efficiency was between {reduce_below:.0f}% and {extend_at:.0f}%, so "
        "your window stayed the same"
    ),
    "reduce": _("Your sleep efficiency was below {reduce_below:.0f}%, so your window got shorter"),
    "compress": _("Your time in bed is being stepped down gently toward the time you sleep"),
    "not_enough_diary": _(
        "There were not enough diary nights last week to change your window — keep filling it in"
    ),
    "sleepy_hold": _("You told us you were very sleepy, so your window was not shortened"),
    "sleepy_extend": _(
        "You told us you have been very sleepy, so your window was made longer to help you catch up"
    ),
    "sleepiness_missing": _(
        "Your window was not shortened this week: before a shorter window we need your "
        "answer to the weekly sleepiness check, so it stayed the same"
    ),
    "adherence": _(
        "On average you spent more than {adherence_margin_min} minutes longer in bed than "
        "your window, so your window was not shortened; your therapist will talk it through "
        "with you"
    ),
    "floor_hold": _(
        "Your window is already as short as your programme allows, so it stayed the same; "
        "your therapist will look at what else could help"
    ),
    "ceiling_hold": _(
        "Your window is already as long as your programme allows, so it stayed the same; "
        "your therapist will talk with you about what comes next"
    ),
    "clinician_hold": _(
        "Your window stayed the same this week, and your therapist will decide the next step "
        "with you"
    ),
}
# A first window that is not simply the baseline's average sleep.
INITIAL_WORDS = {
    "compression": _(
        "Your first window: the average time you spent in bed during your baseline week; it "
        "will come down gently from here"
    ),
    "raised_to_floor": _(
        "Your first window: the shortest window your programme uses, which is a little more "
        "than you slept on average during your baseline week"
    ),
    "lowered_to_ceiling": _(
        "Your first window: the longest window your programme uses, which is a little less "
        "than your baseline week gave"
    ),
}
# Rules whose figures are not a week's (too few nights): no sleep efficiency is quoted.
NO_WEEK_FIGURES = {"not_enough_diary"}


def _words(rule: str, figures: dict[str, Any]) -> Any:
    if rule == "initial":
        flags = figures.get("flags") or []
        for key in ("raised_to_floor", "lowered_to_ceiling"):
            if key in flags:
                return INITIAL_WORDS[key]
        if figures.get("initial_rule") == "compression":
            return INITIAL_WORDS["compression"]
    return RULE_WORDS.get(rule, rule)


def explain(rule: str, figures: dict[str, Any]) -> str:
    """The rule in the patient's words, with the week's sleep efficiency where the
    nights make a week (a "not enough diary" week says how many nights there were)."""
    words = _words(rule, figures)
    try:
        text = str(words).format(**{k: v or 0 for k, v in figures.items()})
    except (KeyError, ValueError):
        text = str(words)
    if rule in NO_WEEK_FIGURES:
        if figures.get("min_nights"):
            text += " " + str(
                _("(%(nights)s of the %(needed)s nights needed)")
                % {"nights": figures.get("nights", 0), "needed": figures["min_nights"]}
            )
        return text + "."
    se = figures.get("sleep_efficiency")
    if se is not None:
        text += " " + str(
            _("(sleep efficiency %(se)s%% over %(nights)s nights)")
            % {"se": number_format(sleep.percent(se), 1), "nights": figures.get("nights", 0)}
        )
    return text + "."

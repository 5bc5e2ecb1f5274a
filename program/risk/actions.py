"""One risk workflow for every answer that signals a risk of self-harm (issue 16).

Signals (``RiskAlert.Source``): PHQ-9 item 9 above 0 (``program.assessments.actions.submit``)
and "yes" to the safety screen's self-harm question (``submit_screen`` below; the
screen must be submitted through it, not through ``program.sleep_window.actions`` alone). A
later instrument plugs in by adding a ``Source`` and calling ``raise_alert`` in the
transaction that saves its answer.

The steps, each written to the alert's own append-only trail (``RiskAlertEvent``: what,
who, when; the views that open or change the patient's record are in
``accounts.AuditEvent`` as always):

1. The urgent flag, first, in the answer's own transaction: an open ``RiskAlert`` shows
   on the therapist's caseload (``program.clinic.caseload`` reads ``RiskAlert.objects.open()``)
   and the weekly round, worded by what raised it (``RiskAlert.urgent_label``), on the
   patient's page, on the clinic page and on the alerts page (``/clinic/alerts/``).
2. The alert email, after the commit, through Celery (``program.publish``): to the
   patient's therapist and to the duty list, with no health detail ("a patient's answer
   needs a clinician's attention — sign in" and a link). A patient with no therapist is
   the duty list's. An email published while the broker is down is queued again by the
   reminder tick (``program.notifications``). After the emails, the same people who
   turned alert notifications on for a device (on the alerts page) get a web push
   (``push_notice``); a push that fails is recorded and never stops the email.
3. Acknowledgement by a person (``acknowledge``): who and when. The patient's therapist,
   anyone on the duty list and the clinic admins may (``can_acknowledge``).
4. Escalation (``escalate_due``, run by the reminder tick every minute): an alert nobody
   acknowledged within the clinic's escalation delay (kept on /clinic/duty/,
   ``accounts.duty.escalate_after_hours``; ``RISK_ESCALATE_AFTER_HOURS`` until an admin
   saves it; default 4) *working* hours is
   emailed again, once, to the duty list and the admins. Working hours are the clinic's
   open hours (kept on /clinic/duty/, ``accounts.duty.opening_hours``; ``CLINIC_HOURS`` in
   ``CLINIC_TIME_ZONE`` until an admin saves them; ``program.rules.working_hours``):
   an alert raised on Friday at 16:00 in a Mon-Fri 09:00-17:00 clinic escalates on
   Monday at 12:00. Out of hours steps 1 and 2 still happen at once; only this clock
   waits, and the patient's page says when the clinic opens (``patient_words``).

The duty list is clinic data (``accounts.duty``, kept by clinic admins on /clinic/duty/):
the addresses saved there, which must include at least one active therapist or admin; until
an admin first saves it, the addresses in ``RISK_DUTY_EMAILS`` plus every active clinic admin,
so a clinic that never opens the page still has a person for every alert (``createsuperuser``
makes the first one). It may hold a shared on-call inbox, or named clinicians who are not
admins, without giving them the admin's rights. A person on the list acknowledges from the
alerts page, signed in as a therapist or admin account with that address; the clinic admins
may always. Who on it is on duty when is clinic data, the rota
(``RotaLine``, /clinic/duty/rota/, the pure rule ``program.rules.rota``): the alert email,
the escalation and problem reports go to the members on duty at that instant
(``duty_now``: a member with no line is always on duty, and a rota that leaves nobody
means everyone), while who may see and acknowledge every alert is still the whole list.

What the patient reads says only what happened (``patient_words``): "we have alerted your
care team" when an alert email was written for at least one person, otherwise that
nobody was told automatically and whom to call now; and, while the clinic is closed and
nobody has acknowledged the alert, the clinic's hours and when it opens again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest
from django.utils import formats, timezone, translation
from django.utils.dates import WEEKDAYS
from django.utils.formats import date_format
from django.utils.translation import gettext, gettext_lazy

from accounts import duty
from accounts.access import active_therapist, is_own_therapist, is_therapist
from accounts.duty import duty_list, on_duty, opening_hours
from accounts.models import Role, User
from program.assessments.models import RiskAlert, RiskAlertEvent, RiskAlertQuerySet, RiskNotice
from program.models import (
    AdverseEvent,
    Assessment,
    CaseloadSummary,
    DiaryEntry,
    Message,
    SafetyScreen,
)
from program.publish import publish_on_commit
from program.reminders import push
from program.risk.models import RiskRule, RotaLine
from program.rules import risk_flags, rota, safety, working_hours

log = logging.getLogger(__name__)

BATCH = 200
# Acknowledged alerts stay on the alerts page this long, for the hand-over.
RECENTLY = timedelta(days=7)

# What the patient reads after a risk answer, beneath the crisis message.
TOLD = gettext_lazy(
    "We have alerted your care team so that a clinician can follow this up with you. "
    "They may not see it straight away: if you need help now, please call one of the "
    "numbers above."
)
NOT_TOLD = gettext_lazy(
    "This app has not been able to pass your answer on to anyone: you do not have a "
    "therapist here, and your clinic has not set anyone up to receive alerts. Please do "
    "not wait for us — call one of the numbers above now, or your doctor."
)

# The same, for a reader with no crisis contacts shown above them (an app reading the API):
# the contacts follow these words (``program.crisis.actions.Crisis.text``).
TOLD_STANDALONE = gettext_lazy(
    "We have alerted your care team so that a clinician can follow this up with you. "
    "They may not see it straight away: if you need help now, please call one of the "
    "crisis lines below."
)
NOT_TOLD_STANDALONE = gettext_lazy(
    "This app has not been able to pass your answer on to anyone: you do not have a "
    "therapist here, and your clinic has not set anyone up to receive alerts. Please do "
    "not wait for us — call one of the crisis lines below now, or your doctor."
)

# Beneath TOLD while the clinic is closed and nobody has acknowledged the alert yet.
CLOSED = gettext_lazy(
    "Your clinic is open %(hours)s. It is closed now, so nobody may read your answer "
    "before it opens again on %(opens)s."
)


# --- Settings and who may act -------------------------------------------------------


def escalate_after() -> timedelta:
    """The clinic's escalation delay in working hours (``accounts.duty.escalate_after_hours``:
    as an admin saved it on /clinic/duty/, else ``RISK_ESCALATE_AFTER_HOURS``, default 4)."""
    return timedelta(hours=duty.escalate_after_hours())


def hours_words(hours: float | Decimal) -> str:
    """A number of hours, for people to read in the active language ("4", "0.5"; "0,5" in
    French and German)."""
    return formats.number_format(Decimal(f"{hours:g}"))


def escalate_after_hours() -> str:
    """The escalation delay in working hours, for people to read ("4", "0.5")."""
    return hours_words(duty.escalate_after_hours())


def clinic_hours(read: tuple[str, str] | None = None) -> working_hours.Hours:
    """The clinic's opening hours (``accounts.duty.opening_hours``: as an admin saved them
    on /clinic/duty/, else ``CLINIC_HOURS`` in ``CLINIC_TIME_ZONE``, checked at start-up).
    Saved hours that do not parse (written around the form) fall back to the settings:
    an alert must never fail on them. ``read``: ``opening_hours()``, if already read."""
    text, zone_name = read or opening_hours()
    try:
        return working_hours.parse(text, zone_name)
    except ValueError as error:
        log.error("The clinic's saved hours %r (%s) are unusable: %s", text, zone_name, error)
        return working_hours.parse(settings.CLINIC_HOURS, settings.CLINIC_TIME_ZONE)


def escalates_at(
    raised: datetime,
    hours: working_hours.Hours | None = None,
    after: timedelta | None = None,
) -> datetime:
    """When an alert raised at ``raised`` is escalated if nobody acknowledges it: the
    escalation delay (``after``, read if not given) counted in the clinic's working hours
    (``hours``, read if not given)."""
    after = escalate_after() if after is None else after
    return working_hours.add(raised, after.total_seconds() / 3600, hours or clinic_hours())


def _days_words(days: frozenset[int]) -> str:
    ordered = sorted(days)
    if len(ordered) > 2 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return gettext("%(first)s to %(last)s") % {
            "first": WEEKDAYS[ordered[0]],
            "last": WEEKDAYS[ordered[-1]],
        }
    return ", ".join(str(WEEKDAYS[d]) for d in ordered)


def clinic_hours_words(language: str = "", hours: working_hours.Hours | None = None) -> str:
    """The clinic's hours for people to read: "Monday to Friday, 09:00–17:00
    (Europe/London time)"; "every day and night" when always open. In ``language``
    (an email's reader's) if given, else the active one; ``hours`` if already read."""
    if language:
        with translation.override(language):
            return clinic_hours_words(hours=hours)
    hours = hours or clinic_hours()
    if working_hours.always_open(hours):
        return gettext("every day and night")
    periods = "; ".join(
        f"{_days_words(p.days)}, {p.opens // 60:02d}:{p.opens % 60:02d}–"
        f"{p.closes // 60:02d}:{p.closes % 60:02d}"
        for p in sorted(hours.periods, key=lambda p: min(p.days))
    )
    return gettext("%(periods)s (%(zone)s time)") % {"periods": periods, "zone": hours.zone.key}


def can_acknowledge(user: User, patient: User) -> bool:
    """The patient's own therapist, anyone on the duty list, or a clinic admin."""
    if on_duty(user):
        return True
    return user.is_authenticated and user.is_active and is_own_therapist(user, patient)


def alerts_for(user: User) -> RiskAlertQuerySet:
    """The alerts ``user`` may see and acknowledge: every alert for the duty list and the
    admins, their own patients' for a therapist, none for anyone else."""
    alerts = RiskAlert.objects.select_related(
        "patient__therapist", "acknowledged_by", "assessment__instrument", "adverse_event"
    )
    if on_duty(user):
        return alerts
    if user.is_authenticated and user.is_active and is_therapist(user):
        return alerts.filter(patient__therapist=user, patient__role=Role.PATIENT)
    return alerts.none()


def _event(
    alert: RiskAlert, kind: str, *, actor: User | None = None, detail: str = ""
) -> RiskAlertEvent:
    return RiskAlertEvent.objects.create(alert=alert, kind=kind, actor=actor, detail=detail[:500])


def rota_lines() -> list[rota.Line]:
    return [line.as_rule() for line in RotaLine.objects.all()]


def duty_now(now: datetime | None = None) -> list[str]:
    """The members of the duty list on duty at ``now`` by the clinic's rota
    (``program.rules.rota``): those with no rota line (a shared inbox) and those whose
    line covers ``now``; the whole list if that is nobody. Alerts, escalations and
    problem reports go to these."""
    zone = clinic_hours().zone
    return rota.route(duty_list(), rota_lines(), now or timezone.now(), zone)


def on_duty_by_rota(now: datetime | None = None) -> list[str]:
    """``duty_now`` without the fall-back: empty when the rota leaves nobody on duty."""
    return rota_state(now)[2]


def rota_state(now: datetime | None = None) -> tuple[list[str], list[RotaLine], list[str]]:
    """For the rota page, in two queries: the duty list, every rota line, and who is on
    duty at ``now`` by the rota (before the fall-back to everyone)."""
    members = duty_list()
    lines = list(RotaLine.objects.all())
    zone = clinic_hours().zone
    on = rota.on_duty(members, [line.as_rule() for line in lines], now or timezone.now(), zone)
    return members, lines, on


# --- Raising an alert ---------------------------------------------------------------


@transaction.atomic
def raise_alert(
    patient: User,
    source: str,
    *,
    assessment: Assessment | None = None,
    screen: SafetyScreen | None = None,
    message: Message | None = None,
    diary_entry: DiaryEntry | None = None,
    adverse_event: AdverseEvent | None = None,
    matches: list[dict[str, object]] | None = None,
) -> RiskAlert:
    """The urgent flag now, and after the commit the alert email to the therapist and
    the duty list; with nobody to email, the trail says so (and the patient is told).

    For a problem report (``adverse_event``) the report's own email, to the same people,
    goes out marked urgent instead of a second email (``program.adverse_events.actions``);
    if it reaches nobody, ``email_alert`` sends this one after all."""
    therapist = active_therapist(patient)
    alert = RiskAlert.objects.create(
        patient=patient,
        source=source,
        assessment=assessment,
        screen=screen,
        message=message,
        diary_entry=diary_entry,
        adverse_event=adverse_event,
        matches=matches or [],
        therapist=therapist,
    )
    rules = "; ".join(str(m["rule"]) for m in matches or [])
    _event(
        alert,
        RiskAlertEvent.Kind.RAISED,
        detail=" ".join(filter(None, [str(RiskAlert.Source(source).label), rules])),
    )
    if adverse_event is None:
        email_alert(alert)
    return alert


@transaction.atomic
def email_alert(alert: RiskAlert) -> RiskNotice | None:
    """The alert email, after the commit, to the therapist (as raised) and the duty list;
    with nobody to email, the trail says so."""
    therapist = alert.therapist
    recipients = [therapist.email.lower()] if therapist else []
    recipients += [a for a in duty_now() if a not in recipients]
    if not recipients:
        _event(alert, RiskAlertEvent.Kind.NOBODY_TO_TELL)
        log.error(
            "Risk alert %s has nobody to email: keep the duty list on /clinic/duty/", alert.pk
        )
        return None
    notice = RiskNotice.objects.create(
        alert=alert, kind=RiskNotice.Kind.ALERT, recipients=recipients
    )
    publish_on_commit("program.tasks.risk_notice_email_task", notice.pk)
    return notice


@transaction.atomic
def submit_screen(
    patient: User, answers: dict[str, bool]
) -> tuple[SafetyScreen, safety.ScreenResult, RiskAlert | None]:
    """Save the safety screen (``program.sleep_window.actions.submit_screen``) and, in the same
    transaction, raise the alert for a self-harm answer."""
    from program.sleep_window import actions as sleep_window

    screen, result = sleep_window.submit_screen(patient, answers)
    alert = None
    if result.crisis:
        alert = raise_alert(patient, RiskAlert.Source.SCREEN_SELF_HARM, screen=screen)
    return screen, result, alert


# --- The clinic's own risk flags (program.risk.models.RiskRule) ----------------------

# What the patient reads above the crisis contacts after a flag in their own words.
FLAGGED_WORDS = gettext_lazy(
    "Some words in what you wrote are ones your clinic asks a clinician to look at, in case "
    "you are having thoughts of harming yourself."
)
FLAGGED_ANSWER = gettext_lazy(
    "Some of your answers are ones your clinic asks a clinician to look at, in case you are "
    "having thoughts of harming yourself."
)


def active_phrases() -> list[str]:
    return list(
        RiskRule.objects.active()
        .filter(kind=RiskRule.Kind.PHRASE)
        .order_by("phrase")
        .values_list("phrase", flat=True)
    )


def flag_words(
    patient: User,
    text: str,
    *,
    before: str = "",
    where: str,
    message: Message | None = None,
    diary_entry: DiaryEntry | None = None,
    adverse_event: AdverseEvent | None = None,
) -> RiskAlert | None:
    """The risk workflow for a flagged phrase newly in ``text`` (one the patient wrote;
    ``before``: what it said until this edit), with each match and the words around it
    for the clinician. None when nothing new matched."""
    if not text.strip() or text == before:
        return None  # nothing (new) to read: no query, as for most diary nights
    found = risk_flags.new_phrases(before, text, active_phrases())
    if not found:
        return None
    matches: list[dict[str, object]] = [
        {"rule": f"“{m.phrase}”", "where": where, "excerpt": m.excerpt, "negated": m.negated}
        for m in found
    ]
    return raise_alert(
        patient,
        RiskAlert.Source.FLAGGED_WORDS,
        message=message,
        diary_entry=diary_entry,
        adverse_event=adverse_event,
        matches=matches,
    )


def tell_patient_flagged(request: HttpRequest, alert: RiskAlert | None) -> None:
    """After a flag in the patient's own words: the crisis contacts (base.html shows a
    message tagged "crisis" with them), then what happened, said only as it did."""
    if alert is not None:
        messages.error(request, f"{FLAGGED_WORDS} {patient_words(alert)}", extra_tags="crisis")


def item_rules() -> list[risk_flags.ItemRule]:
    return [
        risk_flags.ItemRule(instrument, item, threshold or 1)
        for instrument, item, threshold in RiskRule.objects.active()
        .filter(kind=RiskRule.Kind.ITEM)
        .values_list("instrument", "item", "threshold")
    ]


def flag_answers(patient: User, assessment: Assessment) -> RiskAlert | None:
    """The risk workflow for a questionnaire answer at or above a clinic's item rule."""
    found = risk_flags.items_matching(assessment.instrument.key, assessment.answers, item_rules())
    if not found:
        return None
    items = {item["key"]: i for i, item in enumerate(assessment.instrument.items, start=1)}
    matches: list[dict[str, object]] = [
        {
            "rule": f"{assessment.instrument.short_name} item {items.get(rule.item, rule.item)} "
            f"≥ {rule.threshold}",
            "where": assessment.instrument.short_name,
            "excerpt": f"answered {assessment.answers[rule.item]}",
            "negated": False,
        }
        for rule in found
    ]
    return raise_alert(
        patient, RiskAlert.Source.FLAGGED_ITEM, assessment=assessment, matches=matches
    )


# --- Web push, beside the email ---------------------------------------------------

# A push shows on a lock screen: like the email, it carries no health detail.
PUSH_TITLE = gettext_lazy("A patient's answer needs a clinician's attention")
PUSH_BODY = gettext_lazy("Sign in to see the risk alert.")
ESCALATION_PUSH_TITLE = gettext_lazy("Not yet acknowledged: a risk alert is waiting")


def push_notice(notice: RiskNotice, url: str) -> list[str]:
    """Push ``notice`` to the devices of the people it emails who turned alerts on for
    a device (staff accounts only). Called after the emails: a push that fails is
    written to the alert's trail and never raised, so it cannot stop or repeat an
    email. Returns the addresses at least one of whose devices accepted it, also
    kept on the notice (``pushed_to``) for the alerts page."""
    escalation = notice.kind == RiskNotice.Kind.ESCALATION
    staff = User.objects.active().filter(
        email__in=notice.recipients, role__in=[Role.THERAPIST, Role.ADMIN]
    )
    reached: list[str] = []
    for person in staff.filter(push_subscriptions__isnull=False).distinct().order_by("email"):
        with translation.override(person.language or None):
            title = str(ESCALATION_PUSH_TITLE if escalation else PUSH_TITLE)
            body = str(PUSH_BODY)
        try:
            devices = push.send_to_user(person, title=title, body=body, url=url)
        except Exception as error:  # the push service is down, a bad key: the email stands
            log.warning(
                "Risk alert %s: web push to %s failed: %s", notice.alert_id, person.pk, error
            )
            _event(
                notice.alert,
                RiskAlertEvent.Kind.PUSH_FAILED,
                detail=f"{notice.get_kind_display()} to {person.email}: {type(error).__name__}",
            )
            continue
        if devices:
            reached.append(person.email.lower())
            _event(
                notice.alert,
                RiskAlertEvent.Kind.PUSHED,
                detail=f"{notice.get_kind_display()} to {person.email} ({devices} devices)",
            )
    if reached:
        RiskNotice.objects.filter(pk=notice.pk).update(pushed_to=reached)
        notice.pushed_to = reached
    return reached


# --- What the patient is told -------------------------------------------------------


def told_care_team(alert: RiskAlert | None) -> bool:
    """True when an alert email was written for at least one person (it goes out after
    the commit, and again until sent if the broker was down)."""
    return alert is not None and alert.notices.filter(kind=RiskNotice.Kind.ALERT).exists()


def closed_words(alert: RiskAlert | None, now: datetime | None = None) -> str:
    """While the clinic is closed and nobody has acknowledged ``alert``: its hours and
    when it opens again, on the patient's own clock (nobody may read the alert before).
    Empty otherwise."""
    if alert is None or alert.acknowledged_at is not None:
        return ""
    now = now or timezone.now()
    hours = clinic_hours()
    if working_hours.is_open(now, hours):
        return ""
    # The hours are worded in the clinic's zone, and say so; the opening is on the
    # reader's (the patient's) own clock, which may be another zone's.
    opens = working_hours.next_opening(now, hours).astimezone(alert.patient.zone)
    return str(CLOSED) % {
        "hours": clinic_hours_words(),
        "opens": gettext("%(day)s at %(time)s (your time)")
        % {
            "day": date_format(opens, "LONG_WEEKDAY_DAY_MONTH_FORMAT"),
            "time": f"{opens:%H:%M}",
        },
    }


def patient_words(alert: RiskAlert | None, *, standalone: bool = False) -> str:
    """What happened, for beneath the crisis contacts; ``standalone``: for before them,
    where nothing is shown above (the API's warning)."""
    if not told_care_team(alert):
        return str(NOT_TOLD_STANDALONE if standalone else NOT_TOLD)
    return " ".join(
        filter(None, [str(TOLD_STANDALONE if standalone else TOLD), closed_words(alert)])
    )


# --- Acknowledging and escalating ---------------------------------------------------


@transaction.atomic
def acknowledge(alert: RiskAlert, *, by: User) -> bool:
    """Record that ``by`` has seen the alert and is acting on it (the view checks
    ``can_acknowledge``). False if someone acknowledged it first."""
    now = timezone.now()
    done = RiskAlert.objects.filter(pk=alert.pk, acknowledged_at__isnull=True).update(
        acknowledged_at=now, acknowledged_by=by
    )
    if not done:
        return False
    alert.acknowledged_at, alert.acknowledged_by = now, by
    CaseloadSummary.objects.mark_changed([alert.patient_id])  # no signal from update()
    _event(alert, RiskAlertEvent.Kind.ACKNOWLEDGED, actor=by, detail=str(by.get_role_display()))
    if alert.assessment_id:
        Assessment.objects.filter(pk=alert.assessment_id, risk_acknowledged_at__isnull=True).update(
            risk_acknowledged_at=now, risk_acknowledged_by=by
        )
    return True


def escalate_due(now: datetime) -> list[int]:
    """Alerts still open ``escalate_after()`` after they were raised are escalated once:
    an escalation email to the duty list and the admins. Returns the new notices' ids,
    for the caller to publish (one that is not published is queued again later by
    ``program.notifications``)."""
    # N working hours are at least N clock hours: only those alerts can be due, and each
    # one's own deadline (``escalates_at``) decides.
    after = escalate_after()  # once, not per alert
    cutoff = now - after
    candidates = (
        RiskAlert.objects.open()
        .filter(escalated_at__isnull=True, created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", "created_at")
    )
    hours = clinic_hours()  # once, not per alert
    due = [pk for pk, raised in candidates.iterator() if escalates_at(raised, hours, after) <= now]
    due = due[:BATCH]
    notices = []
    for pk in due:
        with transaction.atomic():
            claimed = RiskAlert.objects.filter(
                pk=pk, escalated_at__isnull=True, acknowledged_at__isnull=True
            ).update(escalated_at=now)
            if not claimed:  # acknowledged meanwhile, or another tick took it
                continue
            alert = RiskAlert.objects.get(pk=pk)
            recipients = duty_now(now)
            _event(
                alert,
                RiskAlertEvent.Kind.ESCALATED,
                detail=f"not acknowledged within {after.total_seconds() / 3600:g} working hours",
            )
            if recipients:
                notice = RiskNotice.objects.create(
                    alert=alert, kind=RiskNotice.Kind.ESCALATION, recipients=recipients
                )
                notices.append(notice.pk)
            else:
                _event(alert, RiskAlertEvent.Kind.NOBODY_TO_TELL)
                log.error("Risk alert %s cannot be escalated: nobody on the duty list", pk)
    return notices


def escalate_and_publish(now: datetime, publish: Callable[[int], None]) -> int:
    """The reminder tick's step: escalate what is due and publish the emails; a broker
    that is down leaves them for ``program.notifications`` to queue again."""
    ids = escalate_due(now)
    for pk in ids:
        try:
            publish(pk)
        except Exception as error:
            log.warning("Could not publish risk escalations, queued again later: %s", error)
            break
    return len(ids)

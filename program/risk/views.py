"""Risk alerts (program.risk.actions): the page every alert email links to, and acknowledging one.

The page is under /clinic/ so that each visit is in the audit trail as a list of
patients (accounts.audit.LIST_PATHS); an acknowledgement names its patient in the URL,
so the audit middleware records it against them.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import admin_required, can_view_patient, clinician_required
from accounts.audit import note_read, note_unchanged
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.assessments.models import RiskAlert
from program.messaging import actions as messaging
from program.models import Instrument, RiskRule, RotaLine
from program.reminders import push
from program.risk import actions as risk
from program.risk.forms import ItemRuleForm, PhraseRuleForm, RotaLineForm
from program.sleep_window import rescreen


@clinician_required
def risk_alerts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Open alerts first, then those acknowledged in the last week: every patient's for
    the duty list and the admins, a therapist's own patients' otherwise."""
    user: User = request.user
    alerts = risk.alerts_for(user).prefetch_related("notices")
    on_duty = risk.on_duty(user)
    ctx = {
        "open_alerts": list(alerts.filter(acknowledged_at__isnull=True)),
        "recent": list(
            alerts.filter(acknowledged_at__gte=timezone.now() - risk.RECENTLY).order_by(
                "-acknowledged_at"
            )
        ),
        "on_duty": on_duty,
        # Patients without a therapist whose screen or window waits: the duty list's.
        "decisions_waiting": list(rescreen.waiting_without_therapist()) if on_duty else [],
        # And those whose messages nobody has read yet (emailed to the duty list too).
        "messages_waiting": list(messaging.waiting_without_therapist()) if on_duty else [],
        "escalate_after_hours": risk.escalate_after_hours(),
        "clinic_hours": risk.clinic_hours_words(),
        # Web push of the alerts to this person's own devices (alongside the email).
        "push_key": keys.public if (keys := push.keys()) else "",
        "devices": user.push_subscriptions.count(),
    }
    return render(request, "program/risk_alerts.html", ctx)


@clinician_required
@require_POST
def alert_push_subscribe(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Store this browser's push subscription for risk alerts (static/js/push.js on the
    alerts page). Staff only: a patient's devices are turned on from their reminders."""
    try:
        push.subscribe_from_body(request.user, request.body)
    except push.SubscriptionError as error:
        return JsonResponse({"error": str(error)}, status=400)
    return JsonResponse({"ok": True})


@clinician_required
@require_POST
def alert_push_off(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Stop risk alert pushes to every device of this person; the emails go on."""
    removed, _ignored = request.user.push_subscriptions.all().delete()
    if removed:
        messages.success(
            request,
            _("Alert notifications are off on all your devices. Alert emails still reach you."),
        )
    else:
        messages.info(request, _("Alert notifications were not on for any of your devices."))
    return redirect("program:risk_alerts")


def acknowledge_and_say(request: AuthenticatedHttpRequest, alert: RiskAlert) -> None:
    """Record that ``request.user`` has seen ``alert`` and say what happened: marked now,
    or already acknowledged by someone else (two people at once, Back, a double tap). The
    alerts page and the weekly round both acknowledge through this."""
    if risk.acknowledge(alert, by=request.user):
        messages.success(
            request,
            _("Acknowledged: you are acting on this alert. Follow your clinic's risk procedure."),
        )
    else:
        alert.refresh_from_db()
        first = alert.acknowledged_by
        messages.info(
            request,
            _("%(name)s had already acknowledged this alert.") % {"name": first.display_name}
            if first
            else _("Someone had already acknowledged this alert."),
        )


@clinician_required
@require_POST
def acknowledge_alert(
    request: AuthenticatedHttpRequest, patient_id: int, alert_id: int
) -> HttpResponse:
    """The patient's therapist, the duty list or an admin records that they have seen the
    alert and are acting on it; anyone else is told it does not exist."""
    user: User = request.user
    alert = get_object_or_404(
        RiskAlert.objects.select_related("patient", "acknowledged_by"),
        pk=alert_id,
        patient_id=patient_id,
    )
    if not risk.can_acknowledge(user, alert.patient):
        raise Http404
    note_read(request, user, alert.patient)
    acknowledge_and_say(request, alert)
    if can_view_patient(user, alert.patient):
        return redirect("program:patient_detail", alert.patient_id)
    return redirect("program:risk_alerts")


# --- The clinic's risk flags, kept by its admins (program.risk.models.RiskRule) -------


@admin_required
def risk_flags(request: AuthenticatedHttpRequest) -> HttpResponse:
    rules = list(RiskRule.objects.select_related("updated_by"))
    instruments = {i.key: i for i in Instrument.objects.current()}
    items = []
    for rule in (r for r in rules if r.kind == RiskRule.Kind.ITEM):
        instrument = instruments.get(rule.instrument)
        keys = [item["key"] for item in instrument.items] if instrument else []
        label = (
            f"{instrument.short_name} {_('item')} {keys.index(rule.item) + 1}"
            if instrument and rule.item in keys
            else f"{rule.instrument} {rule.item}"
        )
        items.append({"rule": rule, "label": label})
    ctx = {"phrases": [r for r in rules if r.kind == RiskRule.Kind.PHRASE], "items": items}
    return render(request, "program/risk_flags.html", ctx)


def _edit_rule(request: AuthenticatedHttpRequest, kind: str, rule: RiskRule | None) -> HttpResponse:
    form_class = PhraseRuleForm if kind == RiskRule.Kind.PHRASE else ItemRuleForm
    form = form_class(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.updated_by = request.user
        saved.save()
        if saved.is_active:
            messages.success(
                request, _("Saved: %(rule)s. It is checked from now on.") % {"rule": saved}
            )
        else:
            messages.success(request, _("Saved: %(rule)s. It is off.") % {"rule": saved})
        return redirect("program:risk_flags")
    if request.method == "POST":
        note_unchanged(request)  # refused, to be corrected: nothing was saved
    ctx = {"form": form, "rule": rule, "kind": kind}
    return render(request, "program/risk_flag_form.html", ctx)


@admin_required
def risk_flag_new_phrase(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit_rule(request, RiskRule.Kind.PHRASE, None)


@admin_required
def risk_flag_new_item(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit_rule(request, RiskRule.Kind.ITEM, None)


@admin_required
def risk_flag_edit(request: AuthenticatedHttpRequest, rule_id: int) -> HttpResponse:
    rule = get_object_or_404(RiskRule, pk=rule_id)
    return _edit_rule(request, rule.kind, rule)


# --- The duty list's rota (program.rules.rota) ------------------------------------------


@admin_required
def duty_rota(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who on the duty list is on duty when: each member's lines, who is on duty now (whom
    an alert would reach), and a form to add a line."""
    members, lines, on = risk.rota_state()
    form = RotaLineForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        line = form.save(by=request.user)
        messages.success(
            request,
            _("Added to the rota: %(member)s. Alerts follow it from now on.")
            % {"member": line.member},
        )
        return redirect("program:duty_rota")
    if request.method == "POST":
        note_unchanged(request)  # refused, to be corrected: nothing was saved
    # Whom an alert would reach now: those on duty by the rota, or everyone.
    now = on or members
    rows = [
        {
            "member": m,
            "lines": [line for line in lines if line.member == m],
            "now": m in now,
        }
        for m in members
    ]
    ctx = {
        "form": form,
        "rows": rows,
        # Lines of addresses no longer on the list: shown, so they can be removed.
        "orphans": [line for line in lines if line.member not in members],
        "zone": risk.clinic_hours().zone.key,
        "nobody_by_rota": bool(members) and not on,
    }
    return render(request, "program/duty_rota.html", ctx)


@admin_required
@require_POST
def duty_rota_delete(request: AuthenticatedHttpRequest, line_id: int) -> HttpResponse:
    line = get_object_or_404(RotaLine, pk=line_id)
    line.delete()
    messages.success(request, _("Removed from the rota: %(line)s.") % {"line": line.member})
    return redirect("program:duty_rota")

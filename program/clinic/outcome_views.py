"""The clinic outcomes page and its CSV (issue 22, part 4): a clinic admin sees the whole
clinic or one therapist's caseload; a therapist sees their own caseload. The figures are
worked out in ``program.clinic.outcomes`` in a fixed number of queries."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import clinician_required, is_clinic_admin, visible_patients
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program import spreadsheet
from program.assessments import actions as assessments
from program.assessments.models import RiskAlert
from program.clinic import outcome_charts, outcomes
from program.models import AdverseEvent, Instrument

STAGES = {
    "invited": gettext_lazy("Invited"),
    "accepted": gettext_lazy("Accepted (enrolled)"),
    "baseline": gettext_lazy("Baseline diary complete"),
    "window": gettext_lazy("Sleep window started"),
    "last_week": gettext_lazy("Last programme week reached"),
    "follow_up": gettext_lazy("Follow-up questionnaire done"),
}
OCCASIONS = {
    "end": gettext_lazy("End of the programme"),
    "follow-up": gettext_lazy("Follow-up"),
}


def _pct(value: float | None) -> str:
    return "" if value is None else f"{number_format(value, 0)} %"


def _num(value: float | None, places: int = 1) -> str:
    return "" if value is None else str(number_format(value, places))


def _scope(request: AuthenticatedHttpRequest) -> tuple[QuerySet[User], QuerySet[User], User | None]:
    """The patients and therapists the page covers, and the therapist chosen (admins)."""
    user = request.user
    if not is_clinic_admin(user):
        return visible_patients(user), User.objects.filter(pk=user.pk), user
    therapists = User.objects.therapists()
    chosen = None
    raw = request.GET.get("therapist", "")
    if raw.isdigit():
        chosen = therapists.filter(pk=int(raw)).first()
    if chosen is None:
        return visible_patients(user), therapists, None
    return visible_patients(user).filter(therapist=chosen), therapists.filter(pk=chosen.pk), chosen


def _outcome() -> Instrument | None:
    """The insomnia outcome the schedule asks (the ISI unless only the PROMIS is loaded)."""
    instruments = assessments.current_instruments()
    return instruments.get(assessments.outcome_key(instruments))


@clinician_required
def outcomes_page(request: AuthenticatedHttpRequest) -> HttpResponse:
    patients, therapists, chosen = _scope(request)
    figures = outcomes.build(patients, therapists, outcome=_outcome())
    funnel_top = max((s.count for s in figures.funnel), default=0)
    funnel = [(STAGES[s.key], s.count) for s in figures.funnel]
    outcome_rows = [(OCCASIONS[o.occasion], o) for o in figures.outcomes]
    ctx = {
        "figures": figures,
        "chosen": chosen,
        "therapists": list(User.objects.therapists().order_by("name", "email"))
        if is_clinic_admin(request.user)
        else [],
        "funnel": funnel,
        "outcome_rows": outcome_rows,
        "risk_alerts": [
            (label, figures.risk_alerts.get(key, 0)) for key, label in RiskAlert.Source.choices
        ],
        "adverse_events": [
            (label, figures.adverse_events.get(key, 0)) for key, label in AdverseEvent.Kind.choices
        ],
        "funnel_chart": outcome_charts.bar_chart(
            [(str(label), n, str(n)) for label, n in funnel],
            top=funnel_top,
            title=_("Patients at each step"),
            description=", ".join(f"{label}: {n}" for label, n in funnel),
            chart_id="funnel",
        ),
        "weeks_chart": outcome_charts.bar_chart(
            [
                (
                    _("Week %(week)s") % {"week": w.week},
                    w.active_pct,
                    _pct(w.active_pct) or _("no one yet"),
                )
                for w in figures.weeks
            ],
            top=100,
            title=_("Patients writing their diary, by week"),
            description=", ".join(
                _("week %(week)s: %(active)s of %(eligible)s")
                % {"week": w.week, "active": w.active, "eligible": w.eligible}
                for w in figures.weeks
            ),
            chart_id="weeks",
        ),
    }
    return render(request, "program/clinic_outcomes.html", ctx)


@clinician_required
def outcomes_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The same figures as CSV: one row a figure, with its n."""
    patients, therapists, _chosen = _scope(request)
    figures = outcomes.build(patients, therapists, outcome=_outcome())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="clinic-outcomes.csv"'
    writer = spreadsheet.Writer(response)
    writer.writerow(["section", "figure", "value", "n"])
    for stage in figures.funnel:
        writer.writerow(["funnel", STAGES[stage.key], stage.count, figures.enrolled])
    for w in figures.weeks:
        writer.writerow([f"week {w.week}", "patients writing the diary", w.active, w.eligible])
        writer.writerow([f"week {w.week}", "dropped out", w.dropped, w.eligible])
        writer.writerow([f"week {w.week}", "mean diary nights", _num(w.nights_mean), w.eligible])
    writer.writerow(["enrolments", "withdrawn", figures.withdrawn, figures.enrolled])
    change = "mean T-score change from baseline" if figures.t_scores else "mean change"
    for o in figures.outcomes:
        section = f"{figures.measure} {OCCASIONS[o.occasion]}"
        writer.writerow([section, change, _num(o.mean_change), o.n])
        if o.responders is not None and o.remitters is not None:
            writer.writerow([section, "responders (fall > 7)", o.responders, o.n])
            writer.writerow([section, "in remission (< 8)", o.remitters, o.n])
        writer.writerow([section, "missing", len(o.missing), o.due])
    for d in figures.decisions:
        for kind, n in (
            ("first window", d.first),
            ("longer", d.longer),
            ("same", d.same),
            ("shorter", d.shorter),
        ):
            writer.writerow(["sleep-window decisions", f"{d.label}: {kind}", n, d.total])
    for key, label in RiskAlert.Source.choices:
        writer.writerow(["risk alerts", label, figures.risk_alerts.get(key, 0), ""])
    for key, label in AdverseEvent.Kind.choices:
        writer.writerow(["adverse events", label, figures.adverse_events.get(key, 0), ""])
    writer.writerow(["safety screens", "positive", figures.positive_screens, ""])
    return response

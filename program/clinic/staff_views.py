"""The clinic admin's own pages under /clinic/: staff and their caseloads, invitations,
deactivation and reassignment, the duty list and the clinic's settings, programmes and
their settings, and the audit log. Only clinic admins open them; each is in the audit
trail (a /clinic/ page, ``accounts.audit``)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.access import admin_required
from accounts.audit import describe, note_moved, note_unchanged
from accounts.countries import country_name, default_country
from accounts.duty import (
    delays,
    duty_list,
    opening_hours,
    save_delays,
    save_duty_list,
    save_opening_hours,
    saved_delays,
    saved_hours,
    saved_list_has_a_person,
)
from accounts.http import AuthenticatedHttpRequest
from accounts.models import AuditEvent, DutyMember, Role, User
from program.clinic import actions
from program.clinic.forms import (
    AuditFilterForm,
    ClinicDelaysForm,
    ClinicHoursForm,
    DeactivateForm,
    DutyListForm,
    MoveCaseloadForm,
    ProgrammeForm,
    StaffInviteForm,
    refusal,
)
from program.models import CaseloadSummary, Programme
from program.risk import actions as risk

AUDIT_PAGE_SIZE = 50
UNPUBLISHED = gettext_lazy(
    "The account is made, but its email could not be queued just now (the mail service is "
    "unavailable). Use “Send the invitation again” on their page in a few minutes."
)


def _staff_list():
    return (
        actions.staff()
        .annotate(patient_count=Count("caseload", filter=Q(caseload__role=Role.PATIENT)))
        .order_by("-is_active", "role", "name", "email")
    )


@admin_required
def staff(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Therapists and admins with their caseloads; invite a new one."""
    form = StaffInviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            published = actions.invite_staff(
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                name=form.cleaned_data["name"],
                invited_by=request.user,
            )
        except actions.StaffError as error:
            form.add_error("email", str(error))
        else:
            if published.ok is False:
                messages.warning(request, UNPUBLISHED)
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s. They choose a password from the email.")
                    % {"email": form.cleaned_data["email"]},
                )
            return redirect("program:clinic_staff")
    if request.method == "POST":
        note_unchanged(request)  # refused, to be corrected: nothing was saved
    members = list(_staff_list())
    for member in members:
        member.pending = actions.invitation_pending(member)
    ctx = {
        "form": form,
        "members": members,
        "needing": actions.needing_a_therapist().count(),
    }
    return render(request, "program/clinic_staff.html", ctx)


def _member(member_id: int) -> User:
    return get_object_or_404(_staff_list(), pk=member_id)


@admin_required
def staff_member(request: AuthenticatedHttpRequest, member_id: int) -> HttpResponse:
    """One staff account: its caseload, deactivate or reactivate, move every patient."""
    member = _member(member_id)
    caseload = list(User.objects.caseload_of(member).order_by("name", "email"))
    ctx = {
        "member": member,
        "pending": actions.invitation_pending(member),
        "caseload": caseload,
        "move_form": MoveCaseloadForm(member=member, prefix="move"),
        "deactivate_form": DeactivateForm(member=member, prefix="deactivate"),
        "is_me": member.pk == request.user.pk,
    }
    return render(request, "program/clinic_staff_member.html", ctx)


@admin_required
@require_POST
def staff_deactivate(request: AuthenticatedHttpRequest, member_id: int) -> HttpResponse:
    member = _member(member_id)
    form = DeactivateForm(request.POST, member=member, prefix="deactivate")
    if not form.is_valid():
        note_unchanged(request)
        messages.error(
            request,
            refusal(form, "move_to", _("Choose a therapist from the list, or nobody yet.")),
        )
        return redirect("program:clinic_staff_member", member.pk)
    move_to = form.cleaned_data.get("move_to")
    try:
        patients = actions.deactivate(member=member, by=request.user, move_to=move_to)
    except actions.StaffError as error:
        note_unchanged(request)
        messages.error(request, str(error))
        return redirect("program:clinic_staff_member", member.pk)
    moved = len(patients)
    if move_to is not None:
        note_moved(request, patients, by=request.user, therapist=move_to, previous=member)
    waiting = User.objects.caseload_of(member).count()
    words: dict[str, object] = {"name": member.display_name, "count": waiting}
    if move_to is not None:
        words.update(count=moved, therapist=move_to.display_name)
        messages.success(
            request,
            ngettext(
                "%(name)s can no longer sign in. Their %(count)s patient is now with "
                "%(therapist)s.",
                "%(name)s can no longer sign in. Their %(count)s patients are now with "
                "%(therapist)s.",
                moved,
            )
            % words,
        )
    elif waiting:
        messages.success(
            request,
            ngettext(
                "%(name)s can no longer sign in. Their %(count)s patient is listed as "
                "needing a therapist; until then the duty list is alerted for them.",
                "%(name)s can no longer sign in. Their %(count)s patients are listed as "
                "needing a therapist; until then the duty list is alerted for them.",
                waiting,
            )
            % words,
        )
    else:
        messages.success(request, _("%(name)s can no longer sign in.") % words)
    if not saved_list_has_a_person():
        messages.warning(
            request,
            _(
                "Nobody left on the duty list can sign in to act on an alert: only the clinic "
                "admins can now. Choose who is on duty on the “Duty list and settings” page."
            ),
        )
    return redirect("program:clinic_staff_member", member.pk)


@admin_required
@require_POST
def staff_reactivate(request: AuthenticatedHttpRequest, member_id: int) -> HttpResponse:
    member = _member(member_id)
    actions.reactivate(member=member)
    messages.success(request, _("%(name)s can sign in again.") % {"name": member.display_name})
    return redirect("program:clinic_staff_member", member.pk)


@admin_required
@require_POST
def staff_move_caseload(request: AuthenticatedHttpRequest, member_id: int) -> HttpResponse:
    member = _member(member_id)
    form = MoveCaseloadForm(request.POST, member=member, prefix="move")
    if not form.is_valid():
        note_unchanged(request)
        messages.error(
            request, refusal(form, "move_to", _("Choose an active therapist from the list."))
        )
        return redirect("program:clinic_staff_member", member.pk)
    to = form.cleaned_data["move_to"]
    try:
        patients = actions.move_caseload(from_therapist=member, to_therapist=to)
    except actions.StaffError as error:
        note_unchanged(request)
        messages.error(request, str(error))
    else:
        note_moved(request, patients, by=request.user, therapist=to, previous=member)
        moved = len(patients)
        messages.success(
            request,
            ngettext(
                "%(count)s patient moved from %(from)s to %(to)s.",
                "%(count)s patients moved from %(from)s to %(to)s.",
                moved,
            )
            % {"count": moved, "from": member.display_name, "to": to.display_name},
        )
    return redirect("program:clinic_staff_member", member.pk)


@admin_required
@require_POST
def staff_resend(request: AuthenticatedHttpRequest, member_id: int) -> HttpResponse:
    member = _member(member_id)
    if not actions.invitation_pending(member) or not member.is_active:
        note_unchanged(request)  # nothing sent
        messages.info(request, _("%(name)s has already signed in.") % {"name": member.display_name})
        return redirect("program:clinic_staff_member", member.pk)
    published = actions.send_invitation(member, invited_by=request.user)
    # The task is published after the commit, which is now (no transaction is open).
    if published.ok is False:
        messages.warning(request, UNPUBLISHED)
    else:
        messages.success(
            request, _("A new invitation was sent to %(email)s.") % {"email": member.email}
        )
    return redirect("program:clinic_staff_member", member.pk)


@admin_required
def duty(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The duty list and the clinic's opening hours, which clinic admins keep here
    (``accounts.duty``; the environment settings are their defaults until saved), and the
    clinic's other settings, which are the deployment's environment: shown, and changed
    where the page says."""
    people = list(actions.staff().filter(is_active=True).order_by("name", "email"))
    by_email = {p.email.lower(): p for p in people}
    members = list(DutyMember.objects.select_related("added_by"))
    current = duty_list()
    hours_row = saved_hours()
    hours_text, zone_name = opening_hours(hours_row)
    posted = request.POST.get("form") if request.method == "POST" else None
    duty_form = DutyListForm(
        request.POST if posted == "duty" else None,
        people=people,
        initial={
            "staff": [a for a in current if a in by_email],
            "other": "\n".join(a for a in current if a not in by_email),
        },
    )
    hours_form = ClinicHoursForm(
        request.POST if posted == "hours" else None,
        current_zone=zone_name,
        current_hours=hours_text,
        initial={"time_zone": zone_name},
    )
    delays_row = saved_delays()
    escalate_hours, remind_days = delays(delays_row)
    delays_form = ClinicDelaysForm(
        request.POST if posted == "delays" else None,
        initial={"escalate_after_hours": f"{escalate_hours:g}", "remind_after_days": remind_days},
    )
    if posted == "duty" and duty_form.is_valid():
        saved = save_duty_list(duty_form.cleaned_data["addresses"], by=request.user)
        messages.success(
            request,
            _("The duty list is saved. Alerts for patients without a therapist now go to: %(who)s.")
            % {"who": ", ".join(saved)},
        )
        return redirect("program:clinic_duty")
    if posted == "hours" and hours_form.is_valid():
        save_opening_hours(
            hours_form.cleaned_data["hours"], hours_form.cleaned_data["time_zone"], by=request.user
        )
        messages.success(
            request,
            _("The clinic's hours are saved: %(hours)s.") % {"hours": risk.clinic_hours_words()},
        )
        return redirect("program:clinic_duty")
    if posted == "delays" and delays_form.is_valid():
        row = save_delays(
            delays_form.cleaned_data["escalate_after_hours"],
            delays_form.cleaned_data["remind_after_days"],
            by=request.user,
        )
        CaseloadSummary.objects.mark_all_changed()  # its waiting-too-long flags read the delay
        hours_now, days_now = delays(row)
        messages.success(
            request,
            _(
                "Saved: an urgent alert nobody acknowledges is escalated after %(hours)s working "
                "hours; a waiting sleep-window change reminds after %(days)s."
            )
            % {
                "hours": risk.hours_words(hours_now),
                "days": ngettext("%(n)s day", "%(n)s days", days_now) % {"n": days_now},
            },
        )
        return redirect("program:clinic_duty")
    if request.method == "POST":
        note_unchanged(request)  # refused, to be corrected: nothing was saved
    added = {m.email: m for m in members}
    rows = [{"address": a, "account": by_email.get(a), "member": added.get(a)} for a in current]
    days = settings.INVITATION_VALID_DAYS
    kept = settings.AUDIT_RETENTION_DAYS
    clinic_settings = [
        (_("Clinic name"), "CLINIC_NAME", settings.CLINIC_NAME or "—"),
        (_("Clinic contact"), "CLINIC_CONTACT", settings.CLINIC_CONTACT or "—"),
        (
            _("Country for patients who have not said"),
            "CLINIC_DEFAULT_COUNTRY",
            country_name(default_country()),
        ),
        (
            _("Invitations valid for"),
            "INVITATION_VALID_DAYS",
            ngettext("%(days)s day", "%(days)s days", days) % {"days": days},
        ),
        (
            _("Open sign-up"),
            "ALLOW_SELF_SIGNUP",
            _("on: anyone can sign up, with no therapist until you assign one")
            if settings.ALLOW_SELF_SIGNUP
            else _("off: patients join by a therapist's invitation"),
        ),
        (
            _("Audit log kept for"),
            "AUDIT_RETENTION_DAYS",
            ngettext("%(days)s day", "%(days)s days", kept) % {"days": kept},
        ),
    ]
    ctx = {
        "rows": rows,
        "list_saved": bool(members),
        # Invited and not signed in yet is not a person who can act on an alert.
        "no_person": not any(
            a in by_email and not actions.invitation_pending(by_email[a]) for a in current
        ),
        "duty_form": duty_form,
        "hours_form": hours_form,
        "hours_row": hours_row,
        "delays_form": delays_form,
        "delays_row": delays_row,
        "escalate_hours": risk.hours_words(escalate_hours),
        "remind_days": remind_days,
        "hours_words": risk.clinic_hours_words(hours=risk.clinic_hours((hours_text, zone_name))),
        "settings_rows": clinic_settings,
    }
    return render(request, "program/clinic_duty.html", ctx)


@admin_required
def programmes(request: AuthenticatedHttpRequest) -> HttpResponse:
    rows = Programme.objects.annotate(
        enrolled=Count("enrolments", filter=Q(enrolments__status__in=["active", "paused"]))
    ).order_by("-is_default", "-is_active", "name")
    return render(request, "program/clinic_programmes.html", {"programmes": rows})


@admin_required
def programme_edit(request: AuthenticatedHttpRequest, programme_id: int) -> HttpResponse:
    programme = get_object_or_404(Programme, pk=programme_id)
    saved_name = programme.name  # the form writes what was typed onto the instance
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Saved the settings of %(name)s.") % {"name": programme.name})
        return redirect("program:clinic_programmes")
    if request.method == "POST":
        note_unchanged(request)  # refused, to be corrected: nothing was saved
    ctx = {"form": form, "programme_name": saved_name}
    return render(request, "program/clinic_programme_edit.html", ctx)


@admin_required
def audit_log(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Who opened which patient's record, and what they changed; newest first, paged."""
    form = AuditFilterForm(request.GET or None)
    events = AuditEvent.objects.select_related("actor", "patient").order_by("-created_at", "-pk")
    if form.is_valid():
        data = form.cleaned_data
        if data["patient"]:
            events = events.filter(
                Q(patient__email__icontains=data["patient"])
                | Q(patient__name__icontains=data["patient"])
            )
        if data["actor"]:
            events = events.filter(actor=data["actor"])
        zone = request.user.zone
        if data["since"]:
            events = events.filter(
                created_at__gte=timezone.make_aware(datetime.combine(data["since"], time()), zone)
            )
        if data["until"]:
            end = datetime.combine(data["until"] + timedelta(days=1), time())
            events = events.filter(created_at__lt=timezone.make_aware(end, zone))
    elif form.is_bound:
        events = events.none()
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    ctx = {
        "form": form,
        "page": page,
        "rows": [(e, describe(e.path, staff=True, detail=e.detail)) for e in page],
        "filters": query.urlencode(),
    }
    return render(request, "program/clinic_audit.html", ctx)

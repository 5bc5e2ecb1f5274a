"""The clinic's crisis contacts, kept by its admins: list, add, edit, stop showing.

Every request here is in the audit trail (``accounts.audit``: a /clinic/ page), and
each contact keeps who changed it last and when.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import admin_required
from accounts.audit import note_unchanged
from accounts.countries import country_name, default_country
from accounts.http import AuthenticatedHttpRequest
from program.crisis.forms import CrisisContactForm
from program.models import CrisisContact


def _described(contact: CrisisContact) -> dict[str, str]:
    return {
        "name": contact.name,
        "phone": contact.phone,
        "country": country_name(contact.country) or contact.country,
    }


@admin_required
def crisis_contacts(request: AuthenticatedHttpRequest) -> HttpResponse:
    contacts = list(CrisisContact.objects.select_related("updated_by"))
    countries: dict[str, list[CrisisContact]] = {}
    for contact in contacts:
        countries.setdefault(contact.country, []).append(contact)
    groups = sorted(
        ((code, country_name(code) or code, rows) for code, rows in countries.items()),
        key=lambda g: g[1],
    )
    ctx = {
        "groups": [
            {"code": code, "name": name, "rows": rows, "shown": any(r.is_active for r in rows)}
            for code, name, rows in groups
        ],
        "default_country": country_name(default_country()),
    }
    return render(request, "program/crisis_contacts.html", ctx)


def _edit(request: AuthenticatedHttpRequest, contact: CrisisContact | None) -> HttpResponse:
    form = CrisisContactForm(
        request.POST or None, instance=contact, today=request.user.local_today()
    )
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.updated_by = request.user
        saved.save()
        words = _described(saved)
        if saved.is_active:
            messages.success(
                request,
                _("Saved: %(name)s, %(phone)s. Patients in %(country)s see it now.") % words,
            )
        else:
            messages.success(
                request,
                _("Saved: %(name)s, %(phone)s. It is not shown to patients.") % words,
            )
        return redirect("program:crisis_contacts")
    if request.method == "POST":
        note_unchanged(request)  # refused, to be corrected: nothing was saved
    ctx = {"form": form, "contact": contact}
    return render(request, "program/crisis_contact_form.html", ctx)


@admin_required
def crisis_contact_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, None)


@admin_required
def crisis_contact_edit(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    return _edit(request, get_object_or_404(CrisisContact, pk=contact_id))


@admin_required
@require_POST
def crisis_contact_active(request: AuthenticatedHttpRequest, contact_id: int) -> HttpResponse:
    """Stop showing a line (or show it again): nothing is deleted."""
    contact = get_object_or_404(CrisisContact, pk=contact_id)
    contact.is_active = request.POST.get("active") == "1"
    contact.updated_by = request.user
    contact.save(update_fields=["is_active", "updated_by", "updated_at"])
    words = _described(contact)
    if contact.is_active:
        messages.success(request, _("%(name)s (%(phone)s) is shown to patients again.") % words)
    else:
        messages.success(request, _("%(name)s (%(phone)s) is no longer shown to patients.") % words)
        if not CrisisContact.objects.active().filter(country=contact.country).exists():
            messages.warning(
                request,
                _(
                    "Patients in %(country)s now see no crisis line, only “call your local "
                    "emergency number”. Add or show a line for them."
                )
                % words,
            )
    return redirect("program:crisis_contacts")

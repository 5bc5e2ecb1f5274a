from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.models import User

from .. import reminders
from ..forms import ReminderPreferenceForm


def _edit(request: HttpRequest, user: User, *, token: str = "") -> HttpResponse:
    preference = reminders.preference_for(user)
    if request.method == "POST" and request.POST.get("stop_all"):
        for name in ("diary", "wind_down", "digest", "email"):
            setattr(preference, name, False)
        preference.save()
        reminders.refresh_schedules(user)
        messages.success(request, "All reminders are off. You can turn them on again here.")
        return redirect(request.path)
    if request.method == "POST":
        form = ReminderPreferenceForm(request.POST, instance=preference, user=user)
        if form.is_valid():
            form.save()
            reminders.refresh_schedules(user)
            messages.success(request, "Your reminder choices are saved.")
            return redirect(request.path)
    else:
        form = ReminderPreferenceForm(instance=preference, user=user)
    upcoming = user.reminder_schedules.order_by("next_due_at")
    ctx = {"form": form, "token": token, "upcoming": upcoming, "person": user}
    return render(request, "program/reminders.html", ctx)


@login_required
def reminder_settings(request: HttpRequest) -> HttpResponse:
    return _edit(request, request.user)  # type: ignore[arg-type]


def manage_reminders(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in every reminder email: manage or stop reminders without
    signing in. The link changes nothing else and shows no health data."""
    user = reminders.user_for_manage_token(token)
    if user is None:
        return render(request, "program/reminders_link_invalid.html", status=404)
    return _edit(request, user, token=token)

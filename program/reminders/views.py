from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.access import login_required
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.models import ReminderPreference
from program.reminders import actions as reminders
from program.reminders import push
from program.reminders.forms import ReminderPreferenceForm


def _edit(request: HttpRequest, user: User, *, token: str = "") -> HttpResponse:
    """The reminder choices, signed in or through the link in a reminder email.

    Through the link, the page shows the choices and nothing else about the person (no
    email address, no next reminder times, which would give their bedtime away, no time
    zone): whoever holds an old email may be someone else. Saving there changes the
    link (``reminders.manage_token``), so the page moves to the new one."""
    if token:
        # Opening the link must not change it: a person without saved choices yet gets
        # the defaults, stored only when they save.
        preference = getattr(user, "reminder_preference", None) or ReminderPreference(user=user)
    else:
        preference = reminders.preference_for(user)

    def saved() -> HttpResponse:
        reminders.refresh_schedules(user)
        if token:
            return redirect("program:manage_reminders", reminders.manage_token(user, preference))
        return redirect(request.path)

    if request.method == "POST" and request.POST.get("stop_all"):
        for name in ("diary", "wind_down", "digest", "new_week", "questionnaire", "email", "push"):
            setattr(preference, name, False)
        preference.save()
        messages.success(request, _("All reminders are off. You can turn them on again here."))
        return saved()
    if request.method == "POST":
        form = ReminderPreferenceForm(request.POST, instance=preference, user=user)
        if form.is_valid():
            preference = form.save()
            messages.success(request, _("Your reminder choices are saved."))
            return saved()
    else:
        form = ReminderPreferenceForm(instance=preference, user=user)
    ctx: dict[str, object] = {"form": form, "token": token}
    if not token:
        ctx |= {
            "upcoming": user.reminder_schedules.order_by("next_due_at"),
            "person": user,
            "push_key": keys.public if (keys := push.keys() if push.available() else None) else "",
            "devices": user.push_subscriptions.count(),
        }
    return render(request, "program/reminders.html", ctx)


@login_required
def reminder_settings(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _edit(request, request.user)


def manage_reminders(request: HttpRequest, token: str) -> HttpResponse:
    """The signed link in every reminder email: manage or stop reminders without
    signing in. The link changes nothing else and shows nothing but the choices. It
    works for ``REMINDER_LINK_VALID_DAYS`` and stops when the choices are saved, the
    person signs out everywhere, or their email address or password changes."""
    user = reminders.user_for_manage_token(token)
    if user is None:
        ctx = {"days": settings.REMINDER_LINK_VALID_DAYS}
        return render(request, "program/reminders_link_invalid.html", ctx, status=404)
    return _edit(request, user, token=token)


@login_required
@require_POST
def push_subscribe(request: AuthenticatedHttpRequest) -> JsonResponse:
    """Store this browser's push subscription (sent by static/js/push.js)."""
    try:
        push.subscribe_from_body(request.user, request.body)
    except push.SubscriptionError as error:
        return JsonResponse({"error": str(error)}, status=400)
    preference = reminders.preference_for(request.user)
    if not preference.push:
        preference.push = True
        preference.save(update_fields=["push", "updated_at"])
    return JsonResponse({"ok": True})


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker must be served from the site root to cover every page."""
    body = (settings.BASE_DIR / "static" / "js" / "sw.js").read_text()
    response = HttpResponse(body, content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response

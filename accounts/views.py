from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from .forms import ProfileForm
from .models import Role

ROLE_HOMES = {
    Role.PATIENT: "program:patient_home",
    Role.THERAPIST: "program:caseload",
    Role.ADMIN: "program:clinic_home",
}


def home(request: HttpRequest) -> HttpResponse:
    """The front door: visitors see what the service is; users go to their role's home."""
    if request.user.is_authenticated:
        return redirect(ROLE_HOMES[request.user.role])  # type: ignore[union-attr]
    return render(request, "accounts/landing.html")


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            form.save()
            messages.success(request, "Your settings are saved.")
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=user)
    ctx = {"form": form}
    return render(request, "accounts/profile.html", ctx)

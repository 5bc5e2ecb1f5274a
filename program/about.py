"""About this software: its intended purpose, who it is for and not for, the
contraindications to sleep restriction, that clinicians decide, that it is not an
emergency service, its version and who runs and makes it (from the settings, never
invented). Open to everyone, signed in or not; every page's footer links here."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from program.clinical_text import CRISIS_MESSAGE, screen_question
from program.rules import age, safety

# The screen's "hold for a clinician" answers (safety.HOLD_KEYS), as conditions. A key
# without an entry here is shown as the screen asks it, so the page never leaves one out.
CONDITIONS = {
    "bipolar": _("bipolar disorder (less sleep can trigger mania)"),
    "seizures": _("epilepsy or seizures (sleep loss lowers the seizure threshold)"),
    "apnoea": _("sleep apnoea that is not treated, or signs of it"),
    "parasomnia": _("sleepwalking or acting out dreams"),
    "pregnant": _("pregnancy"),
    "vigilance": _("driving, operating machinery or other work where falling asleep is dangerous"),
    "shifts": _("night or rotating shifts"),
    "psychosis": _("schizophrenia, psychosis, or a mental health condition that is unstable"),
    "self_harm": _("current thoughts of self-harm or suicide (a clinician first, at once)"),
    "sleepy": _("marked daytime sleepiness"),
}


def contraindications() -> list[str]:
    return [
        str(CONDITIONS.get(q.key) or screen_question(q.key))
        for q in safety.SCREEN
        if q.key in safety.HOLD_KEYS
    ]


def about(request: HttpRequest) -> HttpResponse:
    ctx = {
        "contraindications": contraindications(),
        "crisis_message": str(CRISIS_MESSAGE),
        "adult_age": age.ADULT_AGE,
        "older_age": age.OLDER_ADULT_AGE,
        "version": settings.APP_VERSION,
        "manufacturer": settings.SOFTWARE_MANUFACTURER,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_contact": settings.CLINIC_CONTACT,
    }
    return render(request, "program/about.html", ctx)

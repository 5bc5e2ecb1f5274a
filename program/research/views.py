"""The clinic admin's research export page (issue 23, part 4; docs/research-export.md)."""

from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.access import admin_required
from accounts.audit import note_read
from accounts.http import AuthenticatedHttpRequest
from accounts.models import User
from program.research import export


@admin_required
def research_export(request: AuthenticatedHttpRequest) -> HttpResponse:
    ctx = {
        "consenting": export.cohort().count(),
        "patients": User.objects.patients().count(),
    }
    return render(request, "program/research_export.html", ctx)


@admin_required
def research_export_download(request: AuthenticatedHttpRequest) -> StreamingHttpResponse:
    """The ZIP, streamed. Each patient in it gets an event in the audit trail (their own
    trail shows the export); the export as a whole is the admin's event."""
    free_text = request.GET.get("free_text") == "1"
    patients = export.patients_for_export()
    for patient in patients:
        note_read(request, request.user, patient)
    now = timezone.now()
    response = StreamingHttpResponse(
        export.stream(patients, free_text=free_text, now=now), content_type="application/zip"
    )
    name = f"research-export-{now:%Y-%m-%d}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response

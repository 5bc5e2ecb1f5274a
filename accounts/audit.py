"""The audit trail of access to patients' data by anyone but the patient.

Every view about one patient takes a ``patient_id`` URL argument (the project's
convention, enforced by the URL matrix test), so one middleware records them
all, the API included, without each view remembering to. Caseload lists and the
Django admin are recorded too; an admin page about one object (change, history,
delete) is recorded against the patient it belongs to — the patient themself
(a patient's user record) or the object's ``patient`` or ``user`` — so the patient's
own trail shows it. Events are kept for AUDIT_RETENTION_DAYS.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .models import AuditEvent, Role, User

Handler = Callable[[HttpRequest], HttpResponse]
LIST_PATHS = ("/caseload/", "/clinic/", "/round/")


def client_ip(request: HttpRequest) -> str | None:
    """The client's address, trusting only the configured number of proxies."""
    proxies = getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [h.strip() for h in forwarded.split(",") if h.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR")


class AuditMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def process_view(self, request: HttpRequest, view: Any, args: Any, kwargs: dict) -> None:
        # Noted on the request for the response hook below (HttpRequest declares neither).
        request._audit_patient_id = kwargs.get("patient_id")  # type: ignore[attr-defined]
        # The Django admin's object pages: ModelAdmin.get_urls marks its views.
        model_admin = getattr(view, "model_admin", None)
        if model_admin is not None and kwargs.get("object_id"):
            request._audit_admin_object = (model_admin.model, kwargs["object_id"])  # type: ignore[attr-defined]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = request.user
        if not user.is_authenticated or user.role == Role.PATIENT:
            return response
        patient_id = getattr(request, "_audit_patient_id", None)
        admin_object = getattr(request, "_audit_admin_object", None)
        if admin_object is not None and response.status_code < 400:
            patient_id = admin_object_patient_id(*admin_object)
        path = request.path
        about_patients = (
            patient_id is not None or path.startswith(LIST_PATHS) or path.startswith("/admin/")
        )
        if about_patients and response.status_code < 400:
            AuditEvent.objects.create(
                actor=user,
                actor_role=user.role,
                patient_id=patient_id,
                action=(
                    AuditEvent.Action.VIEW
                    if request.method in ("GET", "HEAD")
                    else AuditEvent.Action.CHANGE
                ),
                path=path[:500],
                method=request.method or "",
                status=response.status_code,
                ip=client_ip(request),
            )
        return response


def admin_object_patient_id(model: type[Model], object_id: str) -> int | None:
    """The patient an admin page's object belongs to, if any (one query): a patient's
    own user record, or an object with a ``patient`` (or a patient's ``user``) field."""
    from django.contrib.admin.utils import unquote

    fields = {f.name for f in model._meta.concrete_fields}
    if model is User:
        rows = User.objects.filter(role=Role.PATIENT).values_list("pk", flat=True)
    elif "patient" in fields:
        rows = model._default_manager.values_list("patient_id", flat=True)
    elif "user" in fields:
        rows = model._default_manager.filter(user__role=Role.PATIENT).values_list(
            "user_id", flat=True
        )
    else:
        return None
    try:
        return rows.filter(pk=unquote(object_id)).first()
    except (ValueError, ValidationError):
        return None  # not a valid key: the admin shows its own "not found"


def purge(now: Any = None) -> int:
    """Delete events older than the retention period (the only way they are deleted)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    count, _ = AuditEvent.objects.filter(created_at__lt=cutoff).delete()
    return count


def describe(path: str) -> str:
    """What a recorded path showed, in words for the patient."""
    for fragment, words in (
        ("/diary/import", "imported diary entries"),
        ("/diary", "your sleep diary"),
        ("/sleep-window", "your sleep window"),
        ("/medication", "your sleep medication"),
        ("/summary", "your summary report"),
        ("/notes", "notes about you"),
        ("/adverse-events", "problems reported about your care"),
        ("/metrics", "your sleep figures"),
        ("/admin/", "records in the administration pages"),
    ):
        if fragment in path:
            return words
    return "your record"

"""The audit trail of access to patients' data by anyone but the patient.

A read is recorded where it happens: the permission-checked fetch every patient view
and API endpoint starts with (``accounts.access.get_patient_for``) notes who read which
patient on the request (``note_read``), whatever the URL argument is called; the few
views that reach a patient through another object (an alert, an adverse event) note it
themselves. The middleware writes the notes once the response is known, one event per
request and patient, and only for a successful response: a view (GET or HEAD), or a
change (any other method) unless the view noted that the request changed nothing
(``note_unchanged``: a check that is a dry run). Caseload lists and the Django
admin are recorded by the middleware itself; an admin page about one object (change,
history, delete) is recorded against the patient it belongs to — the patient themself
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
from django.utils.translation import gettext_lazy as _

from .models import AuditEvent, Role, User

Handler = Callable[[HttpRequest], HttpResponse]
LIST_PATHS = ("/caseload/", "/clinic/", "/round/")
# The request attribute holding the reads noted so far: {patient id: who read them}.
READS = "_audit_reads"
# The request attribute set when a request that could change something did not.
UNCHANGED = "_audit_unchanged"
# The request attribute holding what a change was, by patient: {patient id: detail}.
DETAILS = "_audit_details"


def note_read(request: HttpRequest, reader: User, patient: User) -> None:
    """Note that ``reader`` read ``patient``'s data in this request, for the trail.

    Noted once per patient however often a view fetches them; a patient's reads of
    their own record are not audited. The event is written after the response.
    """
    if reader.pk == patient.pk:
        return
    reads: dict[int, User] = getattr(request, READS, {})
    reads.setdefault(patient.pk, reader)
    setattr(request, READS, reads)


def note_unchanged(request: HttpRequest) -> None:
    """Note that this request, whatever its method, changed nothing (a check that runs a
    change and rolls it back): the trail records it as a view, not a change."""
    setattr(request, UNCHANGED, True)


def note_reassigned(
    request: HttpRequest, patient: User, *, therapist: User, previous: User | None
) -> None:
    """Note that this request moved ``patient`` from ``previous`` (None: no therapist) to
    ``therapist``, so the trail names both, as they were named then (``describe``)."""
    details: dict[int, dict[str, Any]] = getattr(request, DETAILS, {})
    details[patient.pk] = {
        "therapist": therapist.display_name,
        "therapist_id": therapist.pk,
        "previous": previous.display_name if previous else None,
        "previous_id": previous.pk if previous else None,
    }
    setattr(request, DETAILS, details)


def note_moved(
    request: HttpRequest, patients: list[User], *, by: User, therapist: User, previous: User
) -> None:
    """Note that this request moved each of ``patients`` (a whole caseload) from
    ``previous`` to ``therapist``: one change in each patient's trail, naming both, as a
    move of one patient is recorded, rather than one event about a clinic page."""
    for patient in patients:
        note_read(request, by, patient)
        note_reassigned(request, patient, therapist=therapist, previous=previous)


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
        # The Django admin's object pages: ModelAdmin.get_urls marks its views. Noted on
        # the request for the response hook below (HttpRequest does not declare it).
        model_admin = getattr(view, "model_admin", None)
        if model_admin is not None and kwargs.get("object_id"):
            request._audit_admin_object = (model_admin.model, kwargs["object_id"])  # type: ignore[attr-defined]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code >= 400:
            return response
        # Reads noted by the access helpers, with their reader: the API's token holder
        # is not request.user.
        reads: dict[int | None, User] = dict(getattr(request, READS, {}))
        user = request.user
        if not reads and user.is_authenticated and user.role != Role.PATIENT:
            admin_object = getattr(request, "_audit_admin_object", None)
            if admin_object is not None:
                reads[admin_object_patient_id(*admin_object)] = user
            elif request.path.startswith(LIST_PATHS) or request.path.startswith("/admin/"):
                reads[None] = user
        if reads:
            AuditEvent.objects.bulk_create(
                [event(request, response, reader, pk) for pk, reader in reads.items()]
            )
        return response


def event(
    request: HttpRequest, response: HttpResponse, reader: User, patient_id: int | None
) -> AuditEvent:
    """The trail's record of one request about one patient (or about a list)."""
    return AuditEvent(
        actor=reader,
        actor_role=reader.role,
        patient_id=patient_id,
        action=(
            AuditEvent.Action.VIEW
            if request.method in ("GET", "HEAD") or getattr(request, UNCHANGED, False)
            else AuditEvent.Action.CHANGE
        ),
        path=request.path[:500],
        detail=getattr(request, DETAILS, {}).get(patient_id, {}),
        method=request.method or "",
        status=response.status_code,
        ip=client_ip(request),
    )


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


# What a recorded path showed, in the patient's words and in the staff's: the first whose
# fragment is in the path.
PLACES = (
    (
        "/research-export",
        _("a de-identified research export (without your name)"),
        _("a de-identified research export"),
    ),
    ("/diary/import", _("imported diary entries"), _("imported diary entries")),
    ("/diary", _("your sleep diary"), _("the sleep diary")),
    ("/sleep-window", _("your sleep window"), _("the sleep window")),
    ("/medication", _("your sleep medication"), _("the sleep medication")),
    ("/summary", _("your summary report"), _("the summary report")),
    ("/notes", _("notes about you"), _("the notes")),
    ("/adverse-events", _("problems reported about your care"), _("the adverse events")),
    ("/metrics", _("your sleep figures"), _("the sleep figures")),
    (
        "/admin/",
        _("records in the administration pages"),
        _("records in the administration pages"),
    ),
)
# The staff's pages that list patients (``LIST_PATHS``), in their words.
LISTS = (
    ("/caseload/", _("the caseload")),
    ("/round/", _("the weekly round")),
    ("/clinic/", _("a clinic page")),
)


def describe(path: str, *, staff: bool = False, detail: dict[str, Any] | None = None) -> str:
    """What a recorded path showed, in words for the patient (their privacy page), or for
    the clinic's audit log (``staff``); a change whose ``detail`` names a therapist (a
    reassignment, ``note_reassigned``) names the new one and the previous one."""
    if detail and detail.get("therapist"):
        if detail.get("previous"):
            words = (
                _("the therapist (now %(therapist)s, previously %(previous)s)")
                if staff
                else _("your therapist (now %(therapist)s, previously %(previous)s)")
            )
        else:
            words = (
                _("the therapist (now %(therapist)s)")
                if staff
                else _("your therapist (now %(therapist)s)")
            )
        return str(words) % {"therapist": detail["therapist"], "previous": detail.get("previous")}
    for fragment, patient_words, staff_words in PLACES:
        if fragment in path:
            return str(staff_words if staff else patient_words)
    if not staff:
        return str(_("your record"))
    return str(next((words for prefix, words in LISTS if path.startswith(prefix)), _("the record")))


def role_name(role: str) -> str:
    """A recorded role in the reader's language (the role's code if it is no longer one)."""
    return str(Role(role).label) if role in Role.values else role

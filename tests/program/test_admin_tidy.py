"""The Django admin, kept for superusers, tidied (issue 21): one accounts section, nothing
to add by hand that the app writes itself, and the app's dates."""

from __future__ import annotations

from datetime import UTC, datetime

from django.urls import reverse
from django.utils import formats, translation

from accounts.models import AuditEvent
from program.models import WorkerHeartbeat


def test_the_admin_index_has_one_accounts_section_and_no_groups(admin_client) -> None:
    page = admin_client.get(reverse("admin:index"))
    sections = [app["name"] for app in page.context["app_list"]]
    assert [name for name in sections if "ccount" in name] == ["Accounts and care team"]
    models = {m["object_name"] for app in page.context["app_list"] for m in app["models"]}
    assert "Group" not in models and "EmailAddress" not in models
    heartbeat = next(
        m
        for app in page.context["app_list"]
        for m in app["models"]
        if m["object_name"] == "WorkerHeartbeat"
    )
    assert heartbeat["add_url"] is None


def test_the_admin_writes_dates_as_the_app_does(admin_client, therapist) -> None:
    moment = datetime(2026, 12, 1, 22, 14, tzinfo=UTC)
    with translation.override("en"):
        assert formats.date_format(moment, "DATETIME_FORMAT") == "1 Dec 2026 22:14"
        assert formats.date_format(moment.date()) == "1 Dec 2026"
    WorkerHeartbeat.objects.create(name="worker", seen_at=moment)
    page = admin_client.get(reverse("admin:program_workerheartbeat_changelist"))
    assert "1 Dec 2026 22:14" in page.content.decode()
    assert "Dec. 1, 2026" not in page.content.decode()
    event = AuditEvent(
        actor=therapist,
        actor_role="therapist",
        action="view",
        path="/x/",
        method="GET",
        status=200,
    )
    event.save()
    assert admin_client.get(reverse("admin:accounts_auditevent_changelist")).status_code == 200

"""Put reminder schedules pushed ahead by a past forward clock jump back where their rule
says (program/reminders/repair.py). Safe to run again: a second run finds nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from program import clock_guard
from program.reminders import repair as schedule_repair


class Command(BaseCommand):
    help = (
        "Find reminder schedules due later than their rule allows (left by a host clock that "
        "was ahead) and recompute them from the rule. --dry-run lists them and changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would change; change nothing."
        )
        parser.add_argument(
            "--remove-future-deliveries",
            action="store_true",
            help="Also delete outbox rows written before their reminder was due, which "
            "would stop that day's real reminder.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        # Under the very fault it repairs, the repair would do the damage again.
        if not clock_guard.may_act_at(now, "the reminder schedule repair"):
            raise CommandError(
                "This host's clock is ahead of the database's: fix the host's time first."
            )
        dry_run = options["dry_run"]
        found = schedule_repair.find_pushed_ahead(now)
        for item in found:
            self.stdout.write(
                f"{item.kind} for user {item.user_id}: next due {item.stored:%Y-%m-%d %H:%M} "
                f"UTC, its rule says {item.planned:%Y-%m-%d %H:%M} UTC "
                f"({_span(item.ahead)} ahead)"
            )
        future = schedule_repair.future_deliveries(now)
        for row in future:
            self.stdout.write(
                f"outbox row {row.pk}: {row.kind} for user {row.user_id} on {row.local_date} "
                f"({row.status}), written before it was due ({row.due_at:%Y-%m-%d %H:%M} UTC)"
            )
        remove = options["remove_future_deliveries"]
        if dry_run:
            self.stdout.write(
                f"Dry run: {len(found)} schedule(s) would be recomputed"
                + (f" and {len(future)} outbox row(s) removed" if remove else "")
                + "; nothing was changed."
            )
            return
        with transaction.atomic():
            moved = schedule_repair.recompute(found, now)
            removed = 0
            if remove and future:
                removed, _ = schedule_repair.Delivery.objects.filter(
                    pk__in=[row.pk for row in future]
                ).delete()
        self.stdout.write(self.style.SUCCESS(f"Recomputed {moved} schedule(s)."))
        if remove:
            self.stdout.write(f"Removed {removed} outbox row(s) written before they were due.")
        elif future:
            self.stdout.write(
                f"{len(future)} outbox row(s) were written before they were due: that day's "
                "reminder will not be sent. Run again with --remove-future-deliveries."
            )


def _span(delta: Any) -> str:
    hours = round(delta.total_seconds() / 3600)
    return f"{hours // 24} d {hours % 24} h" if hours >= 24 else f"{hours} h"

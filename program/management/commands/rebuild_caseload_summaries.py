"""Rebuild every patient's kept caseload row from the raw rows (program/clinic/summary.py).

The rows are worked out again on read whenever a write or the date distrusts them, so this
is a repair for the unexpected (data changed by hand in the database, a restore): safe to
run at any time, a second run changes nothing."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from accounts.models import User
from program.clinic import summary


class Command(BaseCommand):
    help = "Work out every patient's caseload row again from the diary, results and programme."

    def handle(self, *args: Any, **options: Any) -> None:
        count = summary.refresh(User.objects.patients(), everyone=True)
        self.stdout.write(f"Rebuilt the caseload rows of {count} patients.")

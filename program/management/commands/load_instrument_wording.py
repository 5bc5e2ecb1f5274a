"""Load a clinic's licensed questionnaire wording from a JSON or YAML file (README)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from program.assessments import actions as assessments


class Command(BaseCommand):
    help = (
        "Load licensed wording for the ISI, ESS or PSQI (or a translation of PHQ-9/GAD-7) "
        "from a JSON or YAML file: one object or a list of them, each with key, items, and "
        "optionally preamble, recall_period and options. Scoring never changes."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        try:
            entries = assessments.read_wording_file(file)
            with transaction.atomic():
                for data in entries:
                    instrument = assessments.load_wording(data, source=file.name)
                    self.stdout.write(f"Loaded wording for {instrument.name} from {file.name}.")
        except (assessments.AssessmentError, ValueError, ImportError) as error:
            raise CommandError(str(error)) from error

"""Load a curriculum folder (see program/curriculum/files.py) as new lesson versions."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from program.curriculum.files import CurriculumFileError, import_directory


class Command(BaseCommand):
    help = (
        "Import a programme from DIR (programme.md and <language>/week-<n>/*.md). New text "
        "becomes drafts unless --publish is given; unchanged lessons are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish changed lessons as new versions (patients part-way keep theirs).",
        )

    def handle(self, *args: object, **options: object) -> None:
        directory = Path(str(options["directory"]))
        if not (directory / "programme.md").is_file():
            raise CommandError(f"{directory} has no programme.md.")
        try:
            report = import_directory(directory, publish=bool(options["publish"]))
        except CurriculumFileError as error:
            raise CommandError(str(error)) from error
        for path in report.created:
            self.stdout.write(f"  new version: {path}")
        self.stdout.write(f"Imported {directory}: {report}.")

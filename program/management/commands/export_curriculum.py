"""Write a programme's curriculum to a folder of Markdown files (program/curriculum/files.py)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from program.curriculum.files import export_programme
from program.models import Programme


class Command(BaseCommand):
    help = "Export a programme's weeks and lessons to DIR as Markdown files with front matter."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--programme", default=None, help="The programme's slug (default: the default one)."
        )
        parser.add_argument(
            "--drafts", action="store_true", help="Write drafts where a lesson has one."
        )

    def handle(self, *args: object, **options: object) -> None:
        slug = options["programme"]
        programme = (
            Programme.objects.filter(slug=slug).first() if slug else Programme.objects.default()
        )
        if programme is None:
            raise CommandError(f"No programme with the slug “{slug}”.")
        written = export_programme(
            programme,
            Path(str(options["directory"])),
            drafts=bool(options["drafts"]),
        )
        self.stdout.write(f"Wrote {len(written)} files to {options['directory']}.")

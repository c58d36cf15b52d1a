"""Export the public community (docs/export-format.md); see exports.writer."""

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from exports.writer import write_export


class Command(BaseCommand):
    help = (
        "Write the public community (categories, public profiles, topics, posts "
        "with their revisions, likes, idea votes and decisions, polls, the "
        "moderation log) into DIR, in the JSON-lines format import_forum reads "
        "(docs/export-format.md)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--with-emails",
            action="store_true",
            help="Also write members' e-mail addresses (personal data: only to "
            "move the community to another server).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        if directory.exists() and any(directory.iterdir()):
            raise CommandError(f"{directory} is not empty")
        started = time.perf_counter()
        result = write_export(directory, emails=options["with_emails"])
        seconds = time.perf_counter() - started
        for kind, n in result.counts.items():
            self.stdout.write(f"  {kind:<16} {n:>10,}")
        self.stdout.write(
            f"Exported {result.rows:,} rows to {directory} in {seconds:.1f} s"
        )

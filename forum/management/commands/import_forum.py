"""Import a forum export (neutral JSON-lines format); see forum.importer."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from forum.importer import Importer, ImportFormatError, summary


class Command(BaseCommand):
    help = (
        "Import categories, users, topics, posts and likes from a directory of "
        "JSON-lines files (the format of docs/import-format.md), and everything "
        "else export_forum writes (docs/export-format.md). Safe to "
        "re-run: an interrupted import resumes where it stopped."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", type=Path)
        parser.add_argument(
            "--source",
            help="Label of this export in the import bookkeeping (default: the "
            "directory's name). Re-runs with the same label resume; another "
            "label imports the data again.",
        )
        parser.add_argument("--batch-size", type=int, default=2000)
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Processes rendering Markdown (default: the number of cores; "
            "1 renders in this process).",
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument(
            "--max-errors-shown", type=int, default=50, help="Errors listed in full."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory: Path = options["directory"]
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a directory")
        importer = Importer(
            directory,
            source=options["source"],
            batch_size=max(1, options["batch_size"]),
            workers=options["workers"],
            progress=not options["no_progress"],
            out=self.stdout,
        )
        try:
            report = importer.run()
        except (FileNotFoundError, ImportFormatError) as exc:
            raise CommandError(str(exc)) from exc
        except KeyboardInterrupt:
            self.stderr.write(
                "\nInterrupted. Every finished batch is saved; run the same "
                "command again to resume."
            )
            summary(importer.report, self.stdout.write, max_problems=10)
            raise SystemExit(130) from None
        summary(report, self.stdout.write, max_problems=options["max_errors_shown"])

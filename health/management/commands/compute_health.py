"""manage.py compute_health [--since YYYY-MM]: recompute the health figures."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from health import compute


def _month(value: str) -> dt.date:
    year, _, month = value.partition("-")
    try:
        return dt.date(int(year), int(month), 1)
    except ValueError as error:
        raise argparse.ArgumentTypeError(
            f"--since wants a month as YYYY-MM, not {value!r}"
        ) from error


class Command(BaseCommand):
    help = (
        "Recompute the community health figures per month and category "
        "(docs/health.md). Idempotent: the months recomputed are replaced."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since",
            type=_month,
            default=None,
            help="recompute this month (YYYY-MM) and later only; default: every month",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        since: dt.date | None = options["since"]
        started = time.perf_counter()
        quiet = options["verbosity"] < 1

        def progress(steps: Any) -> Any:
            return tqdm(
                steps,
                desc="compute_health",
                unit="query",
                disable=quiet,
                file=self.stderr,
            )

        rows = compute.compute(since, progress=progress)
        seconds = time.perf_counter() - started
        if not quiet:
            self.stdout.write(
                f"compute_health: {rows} rows "
                f"({'since ' + since.strftime('%Y-%m') if since else 'every month'}) "
                f"in {seconds:.1f} s"
            )

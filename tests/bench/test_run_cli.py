"""`make bench`'s driver parses its own options: a merge once left it with two
`--database` options, and argparse stopped it before anything ran."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_bench_driver_parses_its_options():
    for script in ("bench/run.py", "bench/profile.py"):
        done = subprocess.run(
            [sys.executable, script, "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "--scale" in done.stdout
    assert (
        "--pages-only"
        in subprocess.run(
            [sys.executable, "bench/run.py", "--help"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout
    )

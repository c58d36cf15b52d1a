# ruff: noqa: S603, T201 -- a command-line driver: it prints and runs fixed local tools
"""`make bench-profile`: where a page's time goes, under load, in production settings.

Serves the benchmark database (imported by `make bench`) with gunicorn like
`make bench` does, loads one page with wrk and samples every worker with
py-spy meanwhile, then sums the samples by what the code was doing:

  .venv/bin/python bench/profile.py --scale 1 --page "topic (member)"

Prints a table (share of samples per activity) and keeps py-spy's raw
collapsed stacks in var/bench/profile-<page>.txt for a flame graph.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    PY,
    VAR,
    django_env,
    ensure_dataset,
    fetch,
    log,
    run,
    start_gunicorn,
    wait_for,
)

# First match wins: the innermost activity that explains a sample.
ACTIVITIES = [
    ("SQL (psycopg2 and the database round trip)", r"psycopg2|db/backends/"),
    ("ORM: building queries and model instances", r"django/db/models/"),
    ("permission policy checks", r"permissions/policy\.py"),
    ("Redis (cache, sessions)", r"redis/|core/cache/"),
    ("URL reversing", r"django/urls/"),
    ("template rendering", r"django/template/|templatetags/"),
    ("middleware, sessions, auth", r"middleware|contrib/sessions|contrib/auth"),
    ("WSGI server: reading the request, writing the response", r"gunicorn/"),
]


def classify(stack: str) -> str:
    # Frames run outermost first; the innermost matching activity wins.
    for frame in reversed(stack.split(";")):
        for name, pattern in ACTIVITIES:
            if re.search(pattern, frame):
                return name
    return "other (views, Python)"


def summarize(raw: Path) -> list[tuple[str, float]]:
    counts: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        # Only a worker serving a request: not the arbiter, not a worker
        # waiting for the next connection.
        if not n.isdigit() or "handle_request (gunicorn" not in stack:
            continue
        counts[classify(stack)] += int(n)
        total += int(n)
    return [(name, n / total) for name, n in counts.most_common()] if total else []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default=os.environ.get("SCALE", "1"))
    parser.add_argument("--page", default="topic (member)")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--port", type=int, default=8098)
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    args.scale = str(float(args.scale)).removesuffix(".0")
    db = "hearth_bench_" + args.scale.replace(".", "_")
    data = ensure_dataset(args.scale)
    env = django_env(args, db)
    spec = json.loads(
        run([PY, "-m", "bench.steps", "pages", str(data / "meta.json")], env=env)
    )
    member = args.page.endswith("(member)")
    url = dict(spec["pages"])[args.page.removesuffix(" (member)")]
    cookie = spec["session_cookie"] if member else ""
    base = f"http://127.0.0.1:{args.port}"
    slug = re.sub(r"\W+", "-", args.page).strip("-")
    raw = VAR / f"profile-{slug}.txt"
    server = start_gunicorn(args.port, args.workers, env, subprocess.DEVNULL)
    try:
        wait_for(f"{base}/healthz")
        for _ in range(5):
            fetch(base + url, cookie)  # warm imports and caches
        log(f"wrk + py-spy {args.duration}s: {args.page} {url}")
        wrk_cmd = ["wrk", "-t2", "-c8", f"-d{args.duration + 2}s", base + url]
        if cookie:
            wrk_cmd[1:1] = ["-H", f"Cookie: {cookie}"]
        load = subprocess.Popen(wrk_cmd, stdout=subprocess.PIPE, text=True)
        time.sleep(1)
        subprocess.run(
            [
                str(ROOT / ".venv" / "bin" / "py-spy"),
                "record",
                "--pid",
                str(server.pid),
                "--subprocesses",
                "--duration",
                str(args.duration),
                "--rate",
                "200",
                "--format",
                "raw",
                "--output",
                str(raw),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        out, _ = load.communicate()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    rps = re.search(r"Requests/sec:\s+([0-9.]+)", out or "")
    print(f"\n{args.page} {url} (scale {args.scale}, {args.workers} workers)")
    if rps:
        print(f"wrk: {float(rps.group(1)):,.0f} req/s")
    print("| activity | share of samples |\n|---|---:|")
    for name, share in summarize(raw):
        print(f"| {name} | {share:.0%} |")
    print(f"\nraw stacks: {raw.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

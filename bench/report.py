# ruff: noqa: T201 -- a command-line tool: it prints its results
"""Render docs/benchmarks.md from var/bench/results-<scale>.json.

The main table is the scale 1 run (or the largest scale measured); query
counts of every measured scale are compared side by side; bench/analysis.md
(written by hand after looking at the figures and profiles) is appended.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "home",
    "category",
    "latest",
    "topic",
    "giant first page",
    "giant last page",
    "profile",
    "search",
]


def _ms(us: float) -> str:
    return f"{us / 1000:.1f}"


def _load(var: Path) -> dict[str, dict[str, Any]]:
    runs = {}
    for path in sorted(var.glob("results-*.json")):
        data = json.loads(path.read_text())
        runs[data["scale"]] = data
    return runs


def render(var: Path) -> str:
    runs = _load(var)
    if not runs:
        return "# Benchmarks\n\nNo results yet: run `make bench`.\n"
    main_scale = max(runs, key=float)
    run = runs[main_scale]
    res = run["results"]
    ceiling = res["static ceiling"]["rps"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py); do not edit by hand, except "
        "`bench/analysis.md`, which is appended below.",
        "",
        f"- date: {run['date']}",
        f"- scale: {main_scale} ({run['meta']['counts']['posts']:,} posts, "
        f"{run['meta']['counts']['topics']:,} topics, {run['meta']['counts']['users']:,} users)",
        "- machine: " + ", ".join(f"{k} {v}" for k, v in run["machine"].items()),
        "- versions: " + ", ".join(f"{k} {v}" for k, v in run["versions"].items()),
        f"- load: wrk, {run['args']['threads']} threads, {run['args']['connections']} "
        f"connections, {run['args']['duration']} s per page; gunicorn "
        f"{run['args']['workers']} sync workers, `bench.settings` (production settings), "
        "PostgreSQL, Redis cache",
        f"- import: {run['import_seconds']:.0f} s"
        if run.get("import_seconds")
        else "- import: skipped (database already imported)",
        f"- signed-in pages as `{run['member']}` (read state on)",
        "",
        "| page | req/s | × ceiling | p50 ms | p99 ms | p99/p50 | bytes | SQL queries | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = ["static ceiling"] + PAGES + [f"{p} (member)" for p in PAGES]
    for name in names:
        r = res.get(name)
        if r is None:
            continue
        base = name.removesuffix(" (member)")
        who = "member" if name.endswith("(member)") else "anonymous"
        q = (
            run["queries"].get(base, {}).get(who, "–")
            if name != "static ceiling"
            else 0
        )
        ratio = r["p99_us"] / r["p50_us"] if r["p50_us"] else 0
        lines.append(
            f"| {name} | {r['rps']:,.0f} | {r['rps'] / ceiling:.2f} | {_ms(r['p50_us'])} "
            f"| {_ms(r['p99_us'])} | {ratio:.1f} | {r['bytes_per_request']:,} | {q} "
            f"| {r['errors']} |"
        )
    lines += [
        "",
        "SQL queries are counted per page with the page cache off (what a cache "
        "miss costs); an anonymous cache hit runs none.",
        "",
        "## Query counts by scale",
        "",
        "| page | "
        + " | ".join(f"scale {s} anon / member" for s in sorted(runs, key=float))
        + " |",
        "|---|" + "---:|" * len(runs),
    ]
    for page in PAGES:
        cells = []
        for scale in sorted(runs, key=float):
            q = runs[scale]["queries"].get(page, {})
            cells.append(f"{q.get('anonymous', '–')} / {q.get('member', '–')}")
        lines.append(f"| {page} | " + " | ".join(cells) + " |")
    same = all(runs[s]["queries"] == run["queries"] for s in runs)
    lines += [
        "",
        f"Identical at every scale: **{'yes' if same else 'no'}**.",
        "",
        "## Fan-out (worker side, `manage.py bench_fanout`)",
        "",
        "```",
        run.get("fanout", "not measured"),
        "```",
        "",
    ]
    analysis = ROOT / "bench" / "analysis.md"
    if analysis.is_file():
        lines += [analysis.read_text().rstrip(), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(ROOT / "var" / "bench"))

# ruff: noqa: T201 -- a command-line tool: it prints its results
"""Render docs/benchmarks.md from var/bench/results-<scale>.json.

The main table is the scale 1 run (or the largest scale measured); query
counts of every measured scale are compared side by side; bench/analysis.md
(written by hand after looking at the figures and profiles) is appended.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PAGES = [
    "home",
    "category",
    "category last page",
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


def _health_seconds(text: str) -> float | None:
    """The seconds `manage.py compute_health` printed ("… in 12.3 s")."""
    match = re.search(r"in ([0-9.]+) s", text)
    return float(match.group(1)) if match else None


def _fanout_seconds(text: str) -> float | None:
    match = re.search(r"fan-out: ([0-9.]+) s", text or "")
    return float(match.group(1)) if match else None


def targets(run: dict[str, Any], same_queries: bool) -> list[str]:
    """The issue's targets against this run's figures."""
    res = run["results"]
    ceiling = res["static ceiling"]["rps"]

    def ratio(name: str) -> float:
        return res[name]["rps"] / ceiling if name in res else 0.0

    def row(target: str, figure: str, met: bool) -> str:
        return f"| {target} | {figure} | {'met' if met else '**missed**'} |"

    rows = []
    anon = [ratio("giant first page"), ratio("giant last page")]
    rows.append(
        row(
            "anonymous topic page (giant first / last) ≥ 0.50 × ceiling",
            " / ".join(f"{r:.2f}" for r in anon),
            min(anon) >= 0.5,
        )
    )
    member = [
        ratio(f"{p} (member)") for p in ("topic", "giant first page", "giant last page")
    ]
    rows.append(
        row(
            "signed-in topic page (topic / giant first / last) ≥ 0.30 × ceiling",
            " / ".join(f"{r:.2f}" for r in member),
            min(member) >= 0.3,
        )
    )
    spreads = {
        name: r["p99_us"] / r["p50_us"] for name, r in res.items() if r["p50_us"]
    }
    worst = max(spreads, key=spreads.__getitem__) if spreads else "–"
    rows.append(
        row(
            "p99 ≤ 3 × p50 on every page",
            f"worst {spreads.get(worst, 0):.1f} ({worst})",
            all(v <= 3 for v in spreads.values()),
        )
    )
    for who in ("", " (member)"):
        first = res.get(f"giant first page{who}")
        last = res.get(f"giant last page{who}")
        if first and last:
            change = last["rps"] / first["rps"] - 1
            rows.append(
                row(
                    f"last page of the giant topic within 10 % of its first{who}",
                    f"{change:+.1%} req/s",
                    abs(change) <= 0.10 or change > 0,
                )
            )
    search = res.get("search, one client (member)")
    if search:
        p50 = search["p50_us"] / 1000
        rows.append(
            row("search p50 ≤ 50 ms (one client, uncached)", f"{p50:.1f} ms", p50 <= 50)
        )
    rows.append(
        row(
            "SQL queries per page identical at every scale",
            "yes" if same_queries else "no",
            same_queries,
        )
    )
    fan = _fanout_seconds(run.get("fanout", ""))
    if fan is not None:
        rows.append(
            row(
                "fan-out of one reply to 10,000 watchers ≤ 5 s",
                f"{fan:.2f} s",
                fan <= 5,
            )
        )
    health = _health_seconds(run.get("health", ""))
    if health is not None:
        rows.append(
            row(
                "full community health recomputation ≤ 60 s (scale 1)",
                f"{health:.1f} s",
                health <= 60,
            )
        )
    return [
        "## Targets",
        "",
        "| target | this run | |",
        "|---|---:|---|",
        *rows,
        "",
    ]


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
    names.append("search, one client (member)")
    for name in names:
        r = res.get(name)
        if r is None:
            continue
        base = name.removesuffix(" (member)")
        who = "member" if name.endswith("(member)") else "anonymous"
        base = base.replace(", one client", "")
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
        "## Community health (`manage.py compute_health`, docs/health.md)",
        "",
        "A full recomputation of every month's figures, per category and site-wide:",
        "",
        "```",
        run.get("health", "not measured"),
        "```",
        "",
        "## Markup: pathological input (`bench/markup.py`)",
        "",
        "CPU seconds to render each input of `tests/forum/test_markup.py` (best of",
        "three); the tests bound the work (calls grow linearly), this measures the time.",
        "",
        "```",
        run.get("markup", "not measured"),
        "```",
        "",
    ]
    lines += targets(run, same)
    analysis = ROOT / "bench" / "analysis.md"
    if analysis.is_file():
        lines += [analysis.read_text().rstrip(), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(ROOT / "var" / "bench"))

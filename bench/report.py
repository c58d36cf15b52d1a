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


def export_line(export: dict[str, Any] | None) -> str:
    if not export:
        return "- export: not measured in this run (above scale 1: `bench/run.py --export-only`)"
    return (
        f"- export (`export_forum`, the whole public forum): {export['seconds']:.1f} s, "
        f"{export['rows']:,} rows, {export['bytes'] / 1e6:.0f} MB written, peak memory "
        f"(max RSS) {export['peak_rss_kib'] / 1024:.0f} MiB"
    )


def _ms(us: float) -> str:
    return f"{us / 1000:.1f}"


CEILING = "static ceiling"
CACHE_OFF = " (anonymous, cache off)"
MEMBER_CACHE_OFF = " (member, cache off)"
TOPIC_PAGES = ("topic", "giant first page", "giant last page")


def _load(var: Path) -> dict[str, dict[str, Any]]:
    runs = {}
    for path in sorted(var.glob("results-*.json")):
        data = json.loads(path.read_text())
        runs[data["scale"]] = _by_connections(data)
    return runs


def _by_connections(data: dict[str, Any]) -> dict[str, Any]:
    """Results as {connections: {row: figures}}; runs written before the
    4-and-16 table held one connection count."""
    results = data["results"]
    if CEILING in results:
        data["results"] = {str(data["args"]["connections"]): results}
    connections = data["args"]["connections"]
    if not isinstance(connections, list):
        data["args"]["connections"] = [connections]
    return data


def _main_connections(run: dict[str, Any]) -> str:
    """The connection count the targets are read at: the largest measured."""
    return str(max(int(c) for c in run["results"]))


def _health_seconds(text: str) -> float | None:
    """The seconds `manage.py compute_health` printed ("… in 12.3 s")."""
    match = re.search(r"in ([0-9.]+) s", text)
    return float(match.group(1)) if match else None


def _fanout_seconds(text: str) -> dict[int, float]:
    """{watchers: seconds} from the `bench_fanout` outputs of one run."""
    found = re.findall(r"watchers: (\d+)\n(?:.*\n)*?fan-out: ([0-9.]+) s", text or "")
    return {int(watchers): float(seconds) for watchers, seconds in found}


def scales(runs: dict[str, dict[str, Any]], main_scale: str) -> list[str]:
    """Every other scale's pages against the main scale's (req/s at the
    connection count both measured most; the targets ask scale 10 to stay
    within 10 % of scale 1)."""
    others = [s for s in sorted(runs, key=float) if s != main_scale]
    if not others:
        return []
    main = runs[main_scale]
    lines = ["## Other scales against scale " + main_scale, ""]
    for scale in others:
        run = runs[scale]
        shared = set(run["results"]) & set(main["results"])
        if not shared:
            continue
        c = str(max(int(n) for n in shared))
        mine, theirs = run["results"][c], main["results"][c]
        posts = run["meta"]["counts"]["posts"]
        lines += [
            f"Scale {scale} ({posts:,} posts, run {run['date']}; import "
            + (
                f"{run['import_seconds']:.0f} s"
                if run.get("import_seconds")
                else "not timed in that run"
            )
            + f"), req/s at {c} connections:",
            "",
            f"| page | scale {main_scale} | scale {scale} | change | × ceiling at {scale} | p50 ms at {scale} |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, r in mine.items():
            if name not in theirs:
                continue
            before = theirs[name]["rps"]
            change = (r["rps"] - before) / before * 100 if before else 0.0
            ceiling = mine.get(CEILING, {}).get("rps") or 0
            lines.append(
                f"| {name} | {before:,.0f} | {r['rps']:,.0f} | {change:+.0f} % "
                f"| {r['rps'] / ceiling if ceiling else 0:.2f} | {_ms(r['p50_us'])} |"
            )
        lines.append("")
    return lines


def targets(run: dict[str, Any], same_queries: bool) -> list[str]:
    """The issue's targets against this run's figures."""
    by_connections = run["results"]
    res = by_connections[_main_connections(run)]

    def ratio(name: str, connections: str = "") -> float:
        rows = by_connections.get(connections, {}) if connections else res
        if name not in rows or CEILING not in rows:
            return 0.0
        return float(rows[name]["rps"] / rows[CEILING]["rps"])

    def row(target: str, figure: str, met: bool) -> str:
        return f"| {target} | {figure} | {'met' if met else '**missed**'} |"

    rows = []
    for connections in sorted(by_connections, key=int):
        anon = [
            ratio(page, connections) for page in ("giant first page", "giant last page")
        ]
        rows.append(
            row(
                f"cached anonymous topic page (giant first / last) ≥ 0.50 × ceiling"
                f" at {connections} connections",
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
    lists = [p for p in PAGES if p not in TOPIC_PAGES]
    worst_list = min(lists, key=lambda p: ratio(f"{p} (member)"))
    rows.append(
        row(
            "every signed-in list page ≥ 0.30 × ceiling",
            f"worst {ratio(f'{worst_list} (member)'):.2f} ({worst_list})",
            ratio(f"{worst_list} (member)") >= 0.3,
        )
    )
    if f"topic{MEMBER_CACHE_OFF}" in res:
        rows.append(
            row(
                "every cache off: signed-in topic page ≥ 0.04 × ceiling",
                f"{ratio(f'topic{MEMBER_CACHE_OFF}'):.3f}",
                ratio(f"topic{MEMBER_CACHE_OFF}") >= 0.04,
            )
        )
    if f"topic{CACHE_OFF}" in res:
        rows.append(
            row(
                "every cache off: anonymous topic page ≥ 0.06 × ceiling",
                f"{ratio(f'topic{CACHE_OFF}'):.3f}",
                ratio(f"topic{CACHE_OFF}") >= 0.06,
            )
        )
    weights = [
        res[f"{p} (member)"]["bytes_per_request"] / res[p]["bytes_per_request"]
        for p in ("topic", "giant first page")
        if p in res and f"{p} (member)" in res and res[p]["bytes_per_request"]
    ]
    if weights:
        rows.append(
            row(
                "signed-in page weight ≤ 1.2 × the anonymous page (topic, giant first)",
                " / ".join(f"{w:.2f}" for w in weights),
                max(weights) <= 1.2,
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
    search = res.get("search, one client (member, cache off)")
    if search:
        p50 = search["p50_us"] / 1000
        rows.append(
            row("search p50 ≤ 30 ms (one client, uncached)", f"{p50:.1f} ms", p50 <= 30)
        )
    rows.append(
        row(
            "SQL queries per page identical at every scale",
            "yes" if same_queries else "no",
            same_queries,
        )
    )
    fans = _fanout_seconds(run.get("fanout") or "")
    for watchers, limit in ((10_000, 5), (100_000, 20)):
        if watchers in fans:
            rows.append(
                row(
                    f"fan-out of one reply to {watchers:,} watchers ≤ {limit} s",
                    f"{fans[watchers]:.2f} s",
                    fans[watchers] <= limit,
                )
            )
    health = _health_seconds(run.get("health") or "")
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
    # The table is scale 1's when it was run (the issue's reference); other
    # scales are compared with it below.
    main_scale = "1" if "1" in runs else max(runs, key=float)
    run = runs[main_scale]
    by_connections = run["results"]
    counts = sorted(by_connections, key=int)
    res = by_connections[_main_connections(run)]
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
        f"- load: wrk, {run['args']['threads']} threads, "
        + " and ".join(counts)
        + f" connections, {run['args']['duration']} s per page and count; gunicorn "
        f"{run['args']['workers']} sync workers, `bench.settings` (production settings), "
        "PostgreSQL, Redis cache",
        "- static ceiling: a plain `django-admin startproject` app (Django's default "
        "middleware, DEBUG off, bench/ceiling) returning the anonymous giant topic "
        "page held in memory, under the same gunicorn settings and load",
        f"- import: {run['import_seconds']:.0f} s"
        if run.get("import_seconds")
        else "- import: skipped (database already imported)",
        export_line(run.get("export")),
        f"- signed-in pages as `{run['member']}` (read state on); "
        "“cache off” rows: a second Hearth server with `ANON_CACHE_SECONDS=0`",
        "",
        "| page | "
        + " | ".join(f"req/s @{c} | × ceiling @{c}" for c in counts)
        + f" | p50 ms @{counts[-1]} | p99 ms | p99/p50 | bytes | SQL queries | errors |",
        "|---|" + "---:|---:|" * len(counts) + "---:|---:|---:|---:|---:|---:|",
    ]
    names = [CEILING] + PAGES + [f"{p}{CACHE_OFF}" for p in PAGES]
    names += [f"{p} (member)" for p in PAGES]
    names += ["search, one client (member, cache off)"]
    names += [f"{p}{MEMBER_CACHE_OFF}" for p in TOPIC_PAGES]
    for name in names:
        r = res.get(name)
        if r is None:
            continue
        who = "member" if "(member" in name else "anonymous"
        base = name.removesuffix(" (member)").removesuffix(CACHE_OFF)
        base = base.removesuffix(MEMBER_CACHE_OFF)
        base = base.replace(", one client", "").removesuffix(" (member, cache off)")
        q = run["queries"].get(base, {}).get(who, "–") if name != CEILING else 0
        cells = []
        for c in counts:
            rows = by_connections[c]
            if name in rows and CEILING in rows:
                rps = rows[name]["rps"]
                cells.append(f"{rps:,.0f} | {rps / rows[CEILING]['rps']:.2f}")
            else:
                cells.append("– | –")
        ratio = r["p99_us"] / r["p50_us"] if r["p50_us"] else 0
        lines.append(
            f"| {name} | " + " | ".join(cells) + f" | {_ms(r['p50_us'])} "
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
        run.get("fanout") or "not measured",
        "```",
        "",
        "## Community health (`manage.py compute_health`, docs/health.md)",
        "",
        "A full recomputation of every month's figures, per category and site-wide:",
        "",
        "```",
        run.get("health") or "not measured",
        "```",
        "",
        "## Markup: pathological input (`bench/markup.py`)",
        "",
        "CPU seconds to render each input of `tests/forum/test_markup.py` (best of",
        "three); the tests bound the work (calls grow linearly), this measures the time.",
        "",
        "```",
        run.get("markup") or "not measured",
        "```",
        "",
    ]
    lines += scales(runs, main_scale)
    lines += targets(run, same)
    analysis = ROOT / "bench" / "analysis.md"
    if analysis.is_file():
        lines += [analysis.read_text().rstrip(), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render(ROOT / "var" / "bench"))

# ruff: noqa: S603, S607, S608, T201 -- a command-line driver: it prints and runs fixed local tools
"""`make bench`: import a generated forum, serve it with gunicorn in production
settings, load it with wrk, and write docs/benchmarks.md.

Everything runs on 127.0.0.1 and every load is bounded in time. The script
stops what it started (gunicorn) even when interrupted.

  .venv/bin/python bench/run.py --scale 1
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python")
DATASET = (
    ROOT / "bench" / "dataset.py"
)  # the project's generator (docs/import-format.md)
VAR = ROOT / "var" / "bench"
DOC = ROOT / "docs" / "benchmarks.md"
SEARCH_ONE_CLIENT = "search, one client (member, cache off)"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(cmd: list[str], env: dict[str, str] | None = None, **kw: Any) -> str:
    result = subprocess.run(
        cmd, env=env, cwd=ROOT, check=True, text=True, capture_output=True, **kw
    )
    return result.stdout


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    log("installing wrk (apt-get)")
    apt = ["apt-get", "install", "-y", "-qq", "wrk"]
    if subprocess.run(apt, check=False).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(apt, check=True)


def ensure_dataset(scale: str) -> Path:
    data = VAR / f"data-{scale}"
    if not (data / "meta.json").is_file():
        log(f"generating the scale {scale} dataset in {data}")
        subprocess.run(
            [sys.executable, str(DATASET), "--scale", scale, "--out", str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return data


def psql(sql: str) -> str:
    return run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", sql]).strip()


def django_env(args: argparse.Namespace, db: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{db}",
        REDIS_URL=f"redis://127.0.0.1:6379/{args.redis_db}",
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(64),
        ALLOWED_HOSTS="127.0.0.1,testserver",
        SECURE_SSL_REDIRECT="false",
        DEBUG="false",
        BENCH_CEILING_FILE=str(VAR / "ceiling.html"),
        PYTHONPATH=str(ROOT),
    )
    return env


def ensure_database(
    args: argparse.Namespace, data: Path, env: dict[str, str], db: str
) -> float | None:
    if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{db}'"):
        log(f"creating database {db}")
        psql(f"CREATE DATABASE {db}")
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env=env)
    if (
        subprocess.run(
            [PY, "-m", "bench.steps", "is-imported", str(data / "meta.json")],
            env=env,
            cwd=ROOT,
            check=False,
        ).returncode
        == 0
    ):
        log(f"{db} already holds the scale {args.scale} forum; import skipped")
        return None
    log(f"importing {data} into {db}")
    started = time.perf_counter()
    subprocess.run(
        [PY, "manage.py", "import_forum", str(data), "--source", f"bench-{args.scale}"],
        env=env,
        cwd=ROOT,
        check=True,
    )
    return time.perf_counter() - started


def start_gunicorn(
    port: int,
    workers: int,
    env: dict[str, str],
    output: Any,
    app: str = "config.wsgi:application",
) -> subprocess.Popen[bytes]:
    """*app* (Hearth by default) under gunicorn on 127.0.0.1:*port*, in a
    session of its own so that the caller can stop it and its workers with
    one killpg."""
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            app,
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--access-logfile",
            "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
        ],
        env=env,
        cwd=ROOT,
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(server: subprocess.Popen[bytes]) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


# The three servers of a run, loaded one after the other (never side by side):
# Hearth as configured, Hearth with the anonymous page cache (and the post
# fragments it governs) off, and the ceiling: a plain `startproject` app
# returning the same page from memory (bench/ceiling).
HEARTH, HEARTH_UNCACHED, CEILING = "hearth", "hearth, caches off", "ceiling"
CACHE_OFF = " (anonymous, cache off)"
MEMBER_CACHE_OFF = " (member, cache off)"
TOPIC_PAGES = ("topic", "giant first page", "giant last page")


def server_env(which: str, env: dict[str, str]) -> tuple[str, dict[str, str]]:
    if which == CEILING:
        return "bench.ceiling.wsgi:application", env | {
            "DJANGO_SETTINGS_MODULE": "bench.ceiling.settings"
        }
    if which == HEARTH_UNCACHED:
        return "config.wsgi:application", env | {"ANON_CACHE_SECONDS": "0"}
    return "config.wsgi:application", env


def plan(pages: list[list[str]], cookie: str) -> list[tuple[str, str, str, str, int]]:
    """(row name, server, url, cookie, clients) for every row of the table."""
    runs = [("static ceiling", CEILING, "/", "", 0)]
    runs += [(name, HEARTH, url, "", 0) for name, url in pages]
    runs += [(f"{name} (member)", HEARTH, url, cookie, 0) for name, url in pages]
    # Search latency as one reader sees it on a query nobody asked before:
    # the page cache off (a member's search is cached per class too), one
    # client (no queueing).
    runs += [(SEARCH_ONE_CLIENT, HEARTH_UNCACHED, dict(pages)["search"], cookie, 1)]
    runs += [(f"{name}{CACHE_OFF}", HEARTH_UNCACHED, url, "", 0) for name, url in pages]
    runs += [
        (f"{name}{MEMBER_CACHE_OFF}", HEARTH_UNCACHED, url, cookie, 0)
        for name, url in pages
        if name in TOPIC_PAGES
    ]
    return runs


def connection_counts(text: str) -> list[int]:
    """--connections: "4,16" loads every page at 4 and at 16 connections."""
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise SystemExit("--connections: one or more positive numbers, e.g. 4,16")
    return counts


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within {seconds} s")


def fetch(url: str, cookie: str = "") -> bytes:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})  # noqa: S310
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
        return response.read()


def wrk(
    args: argparse.Namespace,
    url: str,
    cookie: str = "",
    clients: int = 0,
    connections: int = 16,
) -> dict[str, Any]:
    """Load *url* for args.duration seconds over *connections*; *clients*
    (when set) replaces the thread and connection counts, for a latency
    measurement without queueing."""
    cmd = [
        "wrk",
        f"-t{min(clients or connections, args.threads)}",
        f"-c{clients or connections}",
        f"-d{args.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(ROOT / "bench" / "report.lua"),
    ]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = run([*cmd, url])
    match = re.search(r"BENCH_JSON (\{.*\})", out)
    if not match:
        raise SystemExit(f"wrk printed no summary for {url}:\n{out}")
    result = json.loads(match.group(1))
    seconds = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / seconds if seconds else 0.0
    result["bytes_per_request"] = (
        result["bytes"] // result["requests"] if result["requests"] else 0
    )
    return result


def versions(env: dict[str, str]) -> dict[str, str]:
    def first_line(cmd: list[str]) -> str:
        try:
            out = subprocess.run(
                cmd, capture_output=True, text=True, check=False, env=env
            )
            return (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    django_version = first_line(
        [PY, "-c", "import django; print(django.get_version())"]
    )
    return {
        "Python": platform.python_version(),
        "Django": django_version,
        "PostgreSQL": psql("SHOW server_version"),
        "Redis": first_line(["redis-server", "--version"]),
        "gunicorn": first_line([str(ROOT / ".venv" / "bin" / "gunicorn"), "--version"]),
        "wrk": first_line(["wrk", "--version"]),
    }


def machine() -> dict[str, str]:
    cpu = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(Path("/proc/meminfo").read_text().split()[1])
    return {
        "cores": str(os.cpu_count()),
        "memory": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "kernel": platform.release(),
        "load before the run": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


def fanout(env: dict[str, str], watchers: list[int]) -> str:
    """One `bench_fanout` run per watcher count, their outputs one after the
    other (bench/report.py reads each "watchers:" block)."""
    outputs = []
    for count in watchers:
        log(f"timing the fan-out of one reply to {count:,} watchers")
        out = run([PY, "manage.py", "bench_fanout", "--watchers", str(count)], env=env)
        outputs.append(out.strip())
    return "\n\n".join(outputs)


def health(env: dict[str, str]) -> str:
    """Time a full recomputation of the community health figures
    (docs/health.md): the command prints its rows and seconds."""
    log("timing a full recomputation of the community health figures")
    out = run([PY, "manage.py", "compute_health"], env=env)
    return out.strip()


def export_timing(env: dict[str, str], scale: str) -> dict[str, Any]:
    """Time ``export_forum`` of the whole imported forum (docs/export-format.md)
    and its peak memory (the child's maximum resident set size)."""

    out_dir = VAR / f"export-{scale}"
    shutil.rmtree(out_dir, ignore_errors=True)
    log(f"timing export_forum of the whole forum into {out_dir}")
    started = time.perf_counter()
    # Through a small parent of its own, whose only child is the export: its
    # RUSAGE_CHILDREN maximum resident set size (KiB on Linux) is the export's.
    measure = (
        "import resource, subprocess, sys; "
        "subprocess.run(sys.argv[1:], check=True); "
        "print('peak_rss_kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = run(
        [PY, "-c", measure, PY, "manage.py", "export_forum", str(out_dir)], env=env
    )
    seconds = time.perf_counter() - started
    peak_kib = int(re.search(r"peak_rss_kib (\d+)", out).group(1))  # type: ignore[union-attr]
    rows = int(re.search(r"Exported ([\d,]+) rows", out).group(1).replace(",", ""))  # type: ignore[union-attr]
    size = sum(p.stat().st_size for p in out_dir.iterdir())
    shutil.rmtree(out_dir, ignore_errors=True)
    return {"seconds": seconds, "rows": rows, "bytes": size, "peak_rss_kib": peak_kib}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", default=os.environ.get("SCALE", "1"))
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--connections",
        default="4,16",
        help="comma-separated: every page is loaded at each (ratios at each)",
    )
    parser.add_argument("--port", type=int, default=8099)
    parser.add_argument("--redis-db", type=int, default=13)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--watchers",
        default="10000,100000",
        help="comma-separated watcher counts for the fan-out timing",
    )
    parser.add_argument(
        "--database",
        default="",
        help="PostgreSQL database to import into and serve (default hearth_bench_<scale>)",
    )
    parser.add_argument(
        "--no-doc", action="store_true", help="don't write docs/benchmarks.md"
    )
    parser.add_argument(
        "--pages-only",
        action="store_true",
        help="pages, search and query counts only (no export, fan-out, health or "
        "markup timing); still writes the results and the document",
    )
    parser.add_argument(
        "--import-only",
        action="store_true",
        help="generate and import the dataset if needed, print the import time and stop",
    )
    parser.add_argument(
        "--export-only",
        action="store_true",
        help="import the dataset if needed, time export_forum, print it and stop",
    )
    parser.add_argument(
        "--only",
        default="",
        help="load only the pages whose name matches this regex (implies --no-doc)",
    )
    args = parser.parse_args()
    args.connections = connection_counts(str(args.connections))
    args.scale = str(float(args.scale)).removesuffix(".0")
    VAR.mkdir(parents=True, exist_ok=True)
    db = args.database or "hearth_bench_" + args.scale.replace(".", "_")

    ensure_wrk()
    data = ensure_dataset(args.scale)
    meta = json.loads((data / "meta.json").read_text())
    env = django_env(args, db)
    import_seconds = ensure_database(args, data, env, db)
    if args.import_only:
        print(
            f"import: {import_seconds:.0f} s"
            if import_seconds is not None
            else f"import: {db} already held the scale {args.scale} forum"
        )
        return
    if args.export_only:
        from bench.report import export_line

        print(export_line(export_timing(env, args.scale)))
        return
    run([PY, "manage.py", "collectstatic", "--noinput", "-v0"], env=env)
    subprocess.run(
        ["redis-cli", "-h", "127.0.0.1", "-n", str(args.redis_db), "FLUSHDB"],
        check=True,
        stdout=subprocess.DEVNULL,
    )

    spec_path = VAR / f"pages-{args.scale}.json"
    spec = json.loads(
        run([PY, "-m", "bench.steps", "pages", str(data / "meta.json")], env=env)
    )
    spec_path.write_text(json.dumps(spec))
    log("counting SQL queries per page")
    query_counts = json.loads(
        run([PY, "-m", "bench.steps", "queries", str(spec_path)], env=env)
    )

    base = f"http://127.0.0.1:{args.port}"
    pages = spec["pages"]
    runs = plan(pages, spec["session_cookie"])
    if args.only:
        runs = [r for r in runs if re.search(args.only, r[0])]
    # results[connections][row name]
    results: dict[str, dict[str, dict[str, Any]]] = {
        str(c): {} for c in args.connections
    }
    gunicorn_log = open(VAR / "gunicorn.log", "w")  # noqa: SIM115
    try:
        for which in (HEARTH, HEARTH_UNCACHED, CEILING):
            mine = [r for r in runs if r[1] == which]
            # Hearth serves the ceiling's page, so it starts for the ceiling too.
            needed = mine or (which == HEARTH and any(r[1] == CEILING for r in runs))
            if not needed:
                continue
            app, server_environment = server_env(which, env)
            log(f"starting gunicorn ({args.workers} workers): {which} on {base}")
            server = start_gunicorn(
                args.port, args.workers, server_environment, gunicorn_log, app
            )
            try:
                wait_for(f"{base}/" if which == CEILING else f"{base}/healthz")
                if which == HEARTH:
                    # The ceiling's page: the anonymous giant topic's first
                    # page (a full topic page, 20 posts), as Hearth serves it.
                    giant_first = dict(pages)["giant first page"]
                    (VAR / "ceiling.html").write_bytes(fetch(base + giant_first))
                for name, _which, url, cookie, clients in mine:
                    fetch(
                        base + url, cookie
                    )  # warm: per-process caches, the page cache
                    for connections in args.connections:
                        log(f"wrk {args.duration}s, {connections} conn.: {name} {url}")
                        results[str(connections)][name] = wrk(
                            args, base + url, cookie, clients, connections
                        ) | {"url": url}
            finally:
                stop(server)
    finally:
        gunicorn_log.close()

    if args.only:
        for connections, rows in results.items():
            for name, result in rows.items():
                print(
                    f"{name:44} {connections:>3} conn. {result['rps']:8.0f} req/s"
                    f"  p50 {result['p50_us'] / 1000:.1f} ms"
                )
        return
    # Export time grows with the forum (16.7 s at scale 0.1): at scale 10 it
    # would add most of an hour to the run; `--export-only` times it there.
    export_out = fanout_out = health_out = markup_out = None
    if not args.pages_only:
        if float(args.scale) <= 1:
            export_out = export_timing(env, args.scale)
        fanout_out = fanout(env, [int(n) for n in args.watchers.split(",")])
        health_out = health(env)
        log("timing the markup tests' pathological inputs (CPU per render)")
        markup_out = run([PY, "-m", "bench.markup"], env=env).strip()
    outcome = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": args.scale,
        "meta": meta,
        "args": {
            k: getattr(args, k)
            for k in ("duration", "threads", "connections", "workers")
        },
        "import_seconds": import_seconds,
        "export": export_out,
        "machine": machine(),
        "versions": versions(env),
        "queries": query_counts,
        "results": results,
        "fanout": fanout_out,
        "health": health_out,
        "markup": markup_out,
        "member": spec["member"],
    }
    (VAR / f"results-{args.scale}.json").write_text(json.dumps(outcome, indent=2))
    from bench.report import render

    text = render(VAR)
    if not args.no_doc:
        DOC.write_text(text)
        log(f"wrote {DOC.relative_to(ROOT)}")
    print(text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()

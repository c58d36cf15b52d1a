"""make bench's honest ceiling (issue 21): a plain Django project serving the
page from memory, every page at 4 and 16 connections, and the report's table
of ratios — exercised fast, without wrk or gunicorn."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench.report import render
from bench.run import (
    CACHE_OFF,
    CEILING,
    HEARTH,
    HEARTH_UNCACHED,
    MEMBER_CACHE_OFF,
    connection_counts,
    plan,
    server_env,
)

STATIC_CEILING = "static ceiling"  # the row; CEILING names its server
ROOT = Path(__file__).resolve().parent.parent.parent
PAGES = [
    ["home", "/"],
    ["category", "/c/machines/"],
    ["category last page", "/c/machines/?page=9"],
    ["latest", "/latest/"],
    ["topic", "/t/a/1/"],
    ["giant first page", "/t/giant/2/"],
    ["giant last page", "/t/giant/2/?page=700"],
    ["profile", "/u/someone/"],
    ["search", "/search/?q=crema"],
]


def test_the_ceiling_app_serves_the_page_from_memory(tmp_path):
    page = tmp_path / "ceiling.html"
    page.write_bytes(b"<!DOCTYPE html><title>Giant</title>" + b"x" * 57_000)
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "from bench.ceiling.wsgi import application\n"
        "from django.conf import settings\n"
        "r = Client().get('/')\n"
        "print(r.status_code, len(r.content), r['Content-Type'], settings.DEBUG,"
        " len(settings.MIDDLEWARE))\n"
    )
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "bench.ceiling.settings",
        "BENCH_CEILING_FILE": str(page),
        "PYTHONPATH": str(ROOT),
    }
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    assert out == ["200", str(57_035), "text/html;", "charset=utf-8", "False", "7"]


def test_the_ceiling_runs_as_its_own_django_project():
    app, env = server_env(CEILING, {"DJANGO_SETTINGS_MODULE": "bench.settings"})
    assert app == "bench.ceiling.wsgi:application"
    assert env["DJANGO_SETTINGS_MODULE"] == "bench.ceiling.settings"
    app, env = server_env(HEARTH_UNCACHED, {"DJANGO_SETTINGS_MODULE": "bench.settings"})
    assert (app, env["ANON_CACHE_SECONDS"]) == ("config.wsgi:application", "0")


def test_every_page_is_loaded_cached_uncached_and_signed_in():
    runs = plan(PAGES, "sessionid=abc")
    names = {name: (server, cookie) for name, server, _url, cookie, _c in runs}
    assert names[STATIC_CEILING] == (CEILING, "")
    for page, _url in PAGES:
        assert names[page] == (HEARTH, "")
        assert names[f"{page}{CACHE_OFF}"] == (HEARTH_UNCACHED, "")
        assert names[f"{page} (member)"] == (HEARTH, "sessionid=abc")
    assert names[f"topic{MEMBER_CACHE_OFF}"] == (HEARTH_UNCACHED, "sessionid=abc")
    assert connection_counts("4,16") == [4, 16]


def _figures(rps: float, size: int = 57_000) -> dict[str, float]:
    return {
        "rps": rps,
        "p50_us": 2000,
        "p99_us": 5000,
        "bytes_per_request": size,
        "errors": 0,
    }


def test_the_report_gives_ratios_at_each_connection_count(tmp_path):
    results: dict[str, dict[str, dict[str, float]]] = {}
    for connections, ceiling in (("4", 4000.0), ("16", 3900.0)):
        rows = {STATIC_CEILING: _figures(ceiling)}
        for n, (page, _url) in enumerate(PAGES):
            rows[page] = _figures(2000.0 + n)
            rows[f"{page}{CACHE_OFF}"] = _figures(300.0)
            rows[f"{page} (member)"] = _figures(200.0, 60_000)
        rows[f"topic{MEMBER_CACHE_OFF}"] = _figures(100.0)
        rows["search, one client (member)"] = _figures(40.0)
        results[connections] = rows
    run = {
        "date": "2026-12-06 17:00 UTC",
        "scale": "1",
        "meta": {"counts": {"posts": 200_000, "topics": 10_000, "users": 5_000}},
        "args": {"duration": 10, "threads": 2, "connections": [4, 16], "workers": 2},
        "import_seconds": None,
        "machine": {"cores": "2"},
        "versions": {"Django": "5.2"},
        "queries": {page: {"anonymous": 9, "member": 12} for page, _ in PAGES},
        "results": results,
        "member": "someone",
    }
    (tmp_path / "results-1.json").write_text(json.dumps(run))

    text = render(tmp_path)

    assert "| page | req/s @4 | × ceiling @4 | req/s @16 | × ceiling @16 |" in text
    assert "| static ceiling | 4,000 | 1.00 | 3,900 | 1.00 |" in text
    assert "| home | 2,000 | 0.50 | 2,000 | 0.51 |" in text
    assert "| topic (anonymous, cache off) | 300 | 0.07 | 300 | 0.08 |" in text
    assert "| topic (member, cache off) | 100 | 0.03 | 100 | 0.03 |" in text
    assert "at 4 connections | 0.50 / 0.50 | met |" in text
    assert "signed-in topic page (topic / giant first / last) ≥ 0.30" in text
    assert (
        "every cache off: signed-in topic page ≥ 0.04 × ceiling | 0.026 | **missed**"
        in text
    )
    assert "signed-in page weight ≤ 1.2 × the anonymous page" in text


def test_the_report_still_reads_a_run_at_one_connection_count(tmp_path):
    rows = {STATIC_CEILING: _figures(2000.0)}
    rows |= {page: _figures(1000.0) for page, _ in PAGES}
    run = {
        "date": "2026-11-01 10:00 UTC",
        "scale": "1",
        "meta": {"counts": {"posts": 1, "topics": 1, "users": 1}},
        "args": {"duration": 10, "threads": 2, "connections": 16, "workers": 2},
        "import_seconds": 5.0,
        "machine": {},
        "versions": {},
        "queries": {},
        "results": rows,
        "member": "someone",
    }
    (tmp_path / "results-1.json").write_text(json.dumps(run))

    text = render(tmp_path)

    assert "| static ceiling | 2,000 | 1.00 |" in text

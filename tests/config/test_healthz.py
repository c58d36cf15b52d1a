import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent.parent

HEALTHZ_IN_FRESH_PROCESS = """
import django
django.setup()
from django.test import Client
response = Client().get("/healthz")
print(response.status_code, response.content.decode())
"""


@pytest.mark.django_db
def test_healthz_is_up_when_services_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["down"] == []
    assert body["checks"]["database"] == "ok"
    if settings.CACHE_URL:
        assert body["checks"]["cache"] == "ok"


@pytest.mark.parametrize(
    ("env", "status", "down"),
    [
        (
            {"DATABASE_URL": "sqlite:////nonexistent-dir/hearth.sqlite3"},
            503,
            ["database"],
        ),
        (
            {
                "DATABASE_URL": "sqlite:////nonexistent-dir/hearth.sqlite3",
                "REDIS_URL": "redis://127.0.0.1:1/0",
            },
            503,
            ["broker", "cache", "database"],
        ),
        (
            {"DATABASE_URL": "postgres://postgres@127.0.0.1:1/hearth", "REDIS_URL": ""},
            503,
            ["database"],
        ),
        # Without Redis the site still serves: degraded, not down (200 keeps
        # the web processes in a load balancer's rotation).
        (
            {
                "DATABASE_URL": "sqlite:///:memory:",
                "REDIS_URL": "redis://127.0.0.1:1/0",
            },
            200,
            ["broker", "cache"],
        ),
    ],
)
def test_healthz_names_what_is_down(env, status, down):
    """Runs a process whose services really are unreachable (nothing listens on port 1)."""
    process_env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        **env,
    }
    process_env.setdefault("REDIS_URL", "")
    result = subprocess.run(
        [sys.executable, "-c", HEALTHZ_IN_FRESH_PROCESS],
        cwd=ROOT,
        env=process_env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    code, body = result.stdout.strip().splitlines()[-1].split(" ", 1)
    assert int(code) == status
    assert json.loads(body)["down"] == down
    assert json.loads(body)["status"] == ("down" if status == 503 else "degraded")

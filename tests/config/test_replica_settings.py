"""DATABASE_REPLICA_URLS: one database alias per replica, same options as the primary."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent

PRINT = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "aliases": s.REPLICA_DATABASE_ALIASES,
    "databases": {k: [v["HOST"], v["PORT"], v["NAME"], v["TEST"].get("MIRROR")]
                  for k, v in s.DATABASES.items()},
    "sticky": s.REPLICA_STICKY_SECONDS,
    "lag": s.REPLICA_MAX_LAG_SECONDS,
    "routers": s.DATABASE_ROUTERS,
}))
"""


def _settings(**env: str) -> dict:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DATABASE_REPLICA_URLS", "DJANGO_SETTINGS_MODULE")
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings.dev")
    result = subprocess.run(
        [sys.executable, "-c", PRINT],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_each_replica_url_becomes_an_alias_mirroring_the_primary_in_tests():
    found = _settings(
        DATABASE_URL="postgres://hearth@primary:5432/hearth",
        DATABASE_REPLICA_URLS="postgres://hearth@r1:5432/hearth, postgres://hearth@r2:5433/hearth",
        REPLICA_STICKY_SECONDS="30",
        REPLICA_MAX_LAG_SECONDS="2",
    )

    assert found["aliases"] == ["replica1", "replica2"]
    assert found["databases"]["replica1"] == ["r1", 5432, "hearth", "default"]
    assert found["databases"]["replica2"] == ["r2", 5433, "hearth", "default"]
    assert (found["sticky"], found["lag"]) == (30, 2)
    assert found["routers"] == ["config.db_router.ReplicaRouter"]


def test_without_replica_urls_there_is_only_the_primary():
    found = _settings(DATABASE_URL="postgres://hearth@primary:5432/hearth")

    assert found["aliases"] == []
    assert list(found["databases"]) == ["default"]

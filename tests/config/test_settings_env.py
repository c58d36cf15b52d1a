"""Settings come from the environment; production settings pass check --deploy."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PROD_SECRET = "k8Jq2vN0xR7tL4mP9sZ3wB6yC1dF5gH8jK2lM4nQ7rT0uV3xY6zA9bE2cD5fG8hJ"

PRINT_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "ALLOWED_HOSTS": s.ALLOWED_HOSTS,
    "DB_ENGINE": s.DATABASES["default"]["ENGINE"],
    "DB_NAME": str(s.DATABASES["default"]["NAME"]),
    "CACHE": s.CACHES["default"]["BACKEND"],
    "CACHE_LOCATION": s.CACHES["default"].get("LOCATION"),
    "BROKER": s.CELERY_BROKER_URL,
    "EAGER": s.CELERY_TASK_ALWAYS_EAGER,
    "EMAIL_BACKEND": s.EMAIL_BACKEND,
    "EMAIL_HOST": s.EMAIL_HOST,
    "EMAIL_PORT": s.EMAIL_PORT,
    "SITE_NAME": s.SITE_NAME,
    "SECRET_KEY": s.SECRET_KEY,
}))
"""

CLEARED = (
    "DATABASE_URL",
    "REDIS_URL",
    "CACHE_URL",
    "BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "SITE_NAME",
)


def _run(code: str, settings_module: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CLEARED}
    clean.update(env, DJANGO_SETTINGS_MODULE=settings_module)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _settings(settings_module: str, **env: str) -> dict:
    result = _run(PRINT_SETTINGS, settings_module, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_dev_defaults_need_no_services():
    values = _settings("config.settings.dev")

    assert values["DEBUG"] is True
    assert values["DB_ENGINE"] == "django.db.backends.sqlite3"
    assert values["DB_NAME"].endswith("var/hearth.sqlite3")
    assert values["CACHE"].endswith("LocMemCache")
    assert values["EAGER"] is True
    # The short console summary (config/mail.py), issue 20.
    assert values["EMAIL_BACKEND"] == "config.mail.SummaryConsoleBackend"
    assert values["SITE_NAME"] == "Hearth"


def test_settings_follow_environment_variables():
    values = _settings(
        "config.settings.dev",
        DATABASE_URL="postgres://hearth:pw@db.internal:5433/forum",
        REDIS_URL="redis://cache.internal:6379/2",
        DEBUG="false",
        SECRET_KEY="from-the-env",
        ALLOWED_HOSTS="forum.example.org, www.forum.example.org",
        EMAIL_BACKEND="smtp",
        EMAIL_HOST="mail.example.org",
        EMAIL_PORT="587",
        SITE_NAME="Espresso Commons",
    )

    assert values["DEBUG"] is False
    assert values["DB_ENGINE"] == "django.db.backends.postgresql"
    assert values["DB_NAME"] == "forum"
    assert values["CACHE"].endswith("RedisCache")
    assert values["BROKER"] == "redis://cache.internal:6379/2"
    assert values["EAGER"] is False
    assert values["ALLOWED_HOSTS"] == ["forum.example.org", "www.forum.example.org"]
    assert values["EMAIL_BACKEND"].endswith("smtp.EmailBackend")
    assert (values["EMAIL_HOST"], values["EMAIL_PORT"]) == ("mail.example.org", 587)
    assert values["SITE_NAME"] == "Espresso Commons"
    assert values["SECRET_KEY"] == "from-the-env"


def test_cache_and_broker_can_use_separate_redis_databases():
    values = _settings(
        "config.settings.dev",
        REDIS_URL="redis://redis.internal:6379/0",
        BROKER_URL="redis://redis.internal:6379/1",
    )

    # The cache is resilient: a Redis outage is a miss (config.resilience).
    assert values["CACHE"] == "config.resilience.ResilientRedisCache"
    assert values["CACHE_LOCATION"] == "redis://redis.internal:6379/0"
    assert values["BROKER"] == "redis://redis.internal:6379/1"
    assert values["EAGER"] is False


def test_invalid_boolean_is_a_clear_error():
    result = _run(PRINT_SETTINGS, "config.settings.dev", DEBUG="maybe")

    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


def test_production_refuses_to_start_without_secret_key():
    result = _run(
        PRINT_SETTINGS, "config.settings.prod", ALLOWED_HOSTS="forum.example.org"
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_debug():
    result = _run(
        PRINT_SETTINGS, "config.settings.prod", SECRET_KEY=PROD_SECRET, DEBUG="true"
    )

    assert result.returncode != 0
    assert "DEBUG must be false" in result.stderr


def test_production_settings_pass_check_deploy_without_warnings():
    result = _run(
        "import sys; from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])",
        "config.settings.prod",
        SECRET_KEY=PROD_SECRET,
        ALLOWED_HOSTS="forum.example.org",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

"""Papercuts of the first hour with `make run` (issue 20): SITE_URL follows
PORT, `make check-deploy` without SECRET_KEY, /favicon.ico, "Not Found"
logged once, one "Accounts" section in the admin, short emails in the
development terminal."""

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import override_settings

from accounts.roles import Role
from config.mail import SummaryConsoleBackend
from tests.factories import make_user

ROOT = Path(__file__).resolve().parent.parent.parent
CLEARED = ("SITE_URL", "PORT", "SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE")


def _python(code: str, settings_module: str = "config.settings.dev", **env: str):
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


SITE_URL = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"


def test_site_url_follows_port_when_not_set():
    assert _python(SITE_URL).stdout.strip() == "http://127.0.0.1:8000"
    assert _python(SITE_URL, PORT="18000").stdout.strip() == "http://127.0.0.1:18000"
    explicit = _python(SITE_URL, PORT="18000", SITE_URL="https://forum.example.org")
    assert explicit.stdout.strip() == "https://forum.example.org"


def test_make_run_passes_port_to_the_server():
    makefile = (ROOT / "Makefile").read_text()
    assert (
        "PORT=$(PORT) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)" in makefile
    )


def test_make_check_deploy_works_without_secret_key():
    with tempfile.NamedTemporaryFile() as stamp:  # newer than requirements: no install
        env = {k: v for k, v in os.environ.items() if k not in CLEARED}
        result = subprocess.run(
            [
                "make",
                "--no-print-directory",
                "check-deploy",
                f"BIN={Path(sys.executable).parent}",
                f"STAMP={stamp.name}",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SECRET_KEY is not set: checking the production settings" in result.stdout
    assert "no issues" in result.stdout
    assert "Traceback" not in result.stderr


def test_not_found_is_logged_once():
    result = _python(
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('Not Found: /nowhere')",
        DEBUG="true",
    )
    assert result.stderr.count("Not Found: /nowhere") == 1, result.stderr


@pytest.mark.django_db
def test_favicon_is_served(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:4] == b"\x00\x00\x01\x00"  # an ICO file
    page = client.get("/").content.decode()
    assert '<link rel="icon" href="/favicon.ico"' in page


@pytest.mark.django_db
def test_the_admin_has_one_accounts_section(client):
    client.force_login(
        make_user("ines", role=Role.ADMIN, is_staff=True, is_superuser=True)
    )

    page = client.get("/admin/").content.decode()

    assert page.count(">Accounts</a>") == 1, page
    assert "Email addresses" in page  # allauth's, in the same section
    assert "Users" in page


@override_settings(EMAIL_BACKEND="config.mail.SummaryConsoleBackend")
def test_the_development_console_prints_a_summary_with_the_link():
    stream = io.StringIO()
    message = EmailMultiAlternatives(
        subject="[Hearth] Please confirm your email address",
        body=(
            "Hello from Hearth!\n\nTo confirm, go to "
            "http://127.0.0.1:18000/accounts/confirm-email/MTA:1t2:abc/\n\n"
            "Thanks,\nHearth\n" + "padding " * 500
        ),
        to=["newcomer@example.org"],
    )
    message.attach_alternative("<p>" + "html " * 500 + "</p>", "text/html")

    SummaryConsoleBackend(stream=stream).send_messages([message])

    out = stream.getvalue()
    assert "Email to newcomer@example.org" in out
    assert "Subject: [Hearth] Please confirm your email address" in out
    assert "http://127.0.0.1:18000/accounts/confirm-email/MTA:1t2:abc/" in out
    assert "Content-Type" not in out and "padding" not in out
    assert len(out.splitlines()) < 8
    assert mail.outbox == []

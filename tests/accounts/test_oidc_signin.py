"""Sign-in with an existing identity, against a REAL OpenID Connect provider:
django-oauth-toolkit in a separate Django project (tests/oidc_provider),
started here in a second process on an ephemeral port. Hearth fetches its
discovery document, exchanges the code, checks the signed ID token against
its keys and reads userinfo, all over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from django.test import Client

from accounts.models import User
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "hearth-test-client"
SECRET = "hearth-test-secret-0123456789"
LOGIN = "/accounts/oidc/sso/login/"
REDIRECT = f"http://testserver{LOGIN}callback/"


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.oidc_provider.serve",
            str(tmp_path / "provider.sqlite3"),
            CLIENT_ID,
            SECRET,
            REDIRECT,
            "alice",
            "alice@example.com",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if not line.isdigit():
            process.kill()
            raise AssertionError(process.communicate()[1])
        yield f"http://127.0.0.1:{line}"
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture
def hearth(settings, provider: str) -> str:
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [
                {
                    "provider_id": "sso",
                    "name": "Test SSO",
                    "client_id": CLIENT_ID,
                    "secret": SECRET,
                    "settings": {"server_url": f"{provider}/o"},
                }
            ],
        }
    }
    return provider


def _path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _round_trip(client: Client, provider: str):
    """Hearth -> the provider (signed in there as alice) -> back to Hearth."""
    start = client.post(LOGIN)
    assert start.status_code == 302, start.content
    authorize = start["Location"]
    assert authorize.startswith(f"{provider}/o/authorize/"), authorize
    browser = requests.Session()
    signed_in = browser.get(
        f"{provider}/sign-in/",
        params={"username": "alice", "next": _path(authorize)},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302
    granted = browser.get(
        provider + signed_in.headers["Location"], allow_redirects=False, timeout=10
    )
    assert granted.status_code == 302, granted.text
    callback = granted.headers["Location"]
    assert callback.startswith(REDIRECT), callback
    assert "code=" in callback
    return client.get(_path(callback))


def test_sign_in_links_the_account_with_the_same_verified_email(hearth):
    alice = make_user("alice_here", email="alice@example.com")  # verified here
    client = Client()

    response = _round_trip(client, hearth)

    assert response.status_code == 302, response.content
    assert client.session["_auth_user_id"] == str(alice.pk)
    account = SocialAccount.objects.get(provider="sso")
    assert account.user == alice
    assert client.get("/").context["user"] == alice


def test_an_unverified_local_address_is_not_linked(hearth):
    squatter = make_user("squatter", email="alice@example.com", verified=False)
    EmailAddress.objects.create(
        user=squatter, email="alice@example.com", verified=False, primary=True
    )
    client = Client()

    response = _round_trip(client, hearth)

    assert not SocialAccount.objects.filter(user=squatter).exists()
    squatter.refresh_from_db()
    assert squatter.has_usable_password()  # nothing of theirs was touched
    # allauth treats it as a sign-up with a taken address: "check your email"
    # (revealing nothing), and no account is created, linked or signed in.
    assert response.status_code == 302
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session
    assert list(User.objects.values_list("username", flat=True)) == ["squatter"]


def test_a_new_person_signs_up_with_the_providers_verified_address(hearth):
    client = Client()
    assert b"Test SSO" in client.get("/accounts/login/").content

    response = _round_trip(client, hearth)

    assert response.status_code == 302, response.content
    alice = User.objects.get(username="alice")
    assert client.session["_auth_user_id"] == str(alice.pk)
    assert EmailAddress.objects.get(user=alice).verified is True
    assert SocialAccount.objects.get(provider="sso").user == alice

"""Members' API tokens: created and revoked in settings, shown once, stored
hashed, last use recorded; refused once revoked or while the owner is
suspended; rate-limited per token and per address."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone

from api.models import ApiToken
from tests.api.conftest import bearer
from tests.factories import make_category, make_topic, make_user

pytestmark = pytest.mark.django_db


def _create(client, name="Home dashboard"):
    response = client.post("/settings/api-tokens/", {"name": name})
    assert response.status_code == 200
    return response.context["secret"], response.content.decode()


def test_a_member_creates_a_token_sees_it_once_and_it_reads_as_them(client):
    member = make_user("ada")
    client.force_login(member)

    secret, page = _create(client)

    assert secret.startswith("hth_") and secret in page
    token = ApiToken.objects.get(user=member)
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {token.name, token.prefix, token.key_hash}
    again = client.get("/settings/api-tokens/").content.decode()
    assert secret not in again
    assert "Home dashboard" in again and token.prefix in again and "never" in again

    response = bearer(client.__class__(), secret=secret)("/api/v1/categories")

    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert "never" not in client.get("/settings/api-tokens/").content.decode()


def test_a_revoked_token_is_refused(client):
    member = make_user("ada")
    client.force_login(member)
    secret, _page = _create(client)
    token = ApiToken.objects.get(user=member)

    response = client.post(f"/settings/api-tokens/{token.pk}/revoke/")

    assert response.status_code == 302
    answer = bearer(client.__class__(), secret=secret)("/api/v1/categories")
    assert answer.status_code == 401
    assert "revoked" in answer.json()["detail"]
    assert "revoked" in client.get("/settings/api-tokens/").content.decode()


def test_someone_elses_token_cannot_be_revoked(client):
    owner = make_user("ada")
    _token, secret = __import__("api.actions").actions.create_token(owner, name="x")
    client.force_login(make_user("eve"))

    client.post(f"/settings/api-tokens/{ApiToken.objects.get().pk}/revoke/")

    assert ApiToken.objects.get().revoked_at is None
    assert (
        bearer(client.__class__(), secret=secret)("/api/v1/categories").status_code
        == 200
    )


def test_a_blank_name_re_renders_the_form_with_a_message(client):
    client.force_login(make_user("ada"))

    response = client.post("/settings/api-tokens/", {"name": "   "})

    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_suspended_members_token_stops_working_and_comes_back(client):
    member = make_user("ada")
    get = bearer(client, member)
    assert get("/api/v1/categories").status_code == 200

    member.suspended_until = timezone.now() + timedelta(days=3)
    member.save(update_fields=["suspended_until"])
    refused = get("/api/v1/categories")

    assert refused.status_code == 401
    assert "suspended" in refused.json()["detail"]
    member.suspended_until = timezone.now() - timedelta(minutes=1)
    member.save(update_fields=["suspended_until"])
    assert get("/api/v1/categories").status_code == 200


def test_an_unknown_token_or_scheme_is_a_401_never_a_visitor(client, db):
    assert bearer(client, secret="hth_nope")("/api/v1/categories").status_code == 401
    response = client.get("/api/v1/categories", HTTP_AUTHORIZATION="Basic YTpi")
    assert response.status_code == 401


def test_rate_limited_per_token_with_retry_after(client, settings):
    settings.API_REQUESTS_PER_MINUTE = 3
    member = make_user("ada")
    get = bearer(client, member)
    other = bearer(client, make_user("bea"))

    statuses = [get("/api/v1/categories").status_code for _ in range(4)]
    limited = get("/api/v1/categories")

    assert statuses == [200, 200, 200, 429]
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert "Too many requests" in limited.json()["detail"]
    assert other("/api/v1/categories").status_code == 200  # per token


def test_anonymous_requests_are_limited_per_address(client, settings):
    settings.API_ANONYMOUS_REQUESTS_PER_MINUTE = 2
    make_topic(make_category(), make_user())

    here = [client.get("/api/v1/topics/latest").status_code for _ in range(3)]
    there = client.get("/api/v1/topics/latest", REMOTE_ADDR="10.0.0.9")

    assert here == [200, 200, 429]
    assert there.status_code == 200


def test_the_tokens_page_costs_the_same_with_many_tokens(client):
    from api import actions

    member = make_user("ada")
    client.force_login(member)
    actions.create_token(member, name="first")
    client.get("/settings/api-tokens/")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get("/settings/api-tokens/").status_code == 200
        return len([q for q in queries if "django_session" not in q["sql"]])

    few = count()
    for n in range(9):
        token, _secret = actions.create_token(member, name=f"token {n}")
        actions.revoke_token(member, token.pk)
    assert count() == few

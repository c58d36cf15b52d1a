"""The read-replica router (config.db_router): which database each query hit.

Two aliases on the test PostgreSQL database: ``default`` (the primary) and
``replica_test`` (config.settings.test). The tests make ``replica_test`` the
replica, run each page through the test client and count the queries each
connection executed: routing is proven per alias, not assumed from a mirror.
The data is committed (transactional tests) so both connections see it.

What a real streaming standby adds (lag, replay position, a replica stopped
under load) is proven by ``make scale-test`` (bench/scale.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from config import db_router
from forum.models import Topic
from tests import factories

REPLICA = "replica_test"

pytestmark = [
    pytest.mark.skipif(
        REPLICA not in settings.DATABASES,
        reason="needs PostgreSQL (DATABASE_URL): two connections to one test database",
    ),
    pytest.mark.django_db(transaction=True, databases=["default", REPLICA]),
]


@pytest.fixture(autouse=True)
def _replica(settings: Any) -> Iterator[None]:
    settings.REPLICA_DATABASE_ALIASES = [REPLICA]
    settings.REPLICA_STICKY_SECONDS = 15
    settings.REPLICA_MAX_LAG_SECONDS = 5
    db_router.reset_states()
    yield
    db_router.reset_states()


class Hits:
    """The SQL each alias ran (copied when the block ends: the next request
    resets Django's query logs)."""

    def __init__(self) -> None:
        self.primary: list[str] = []
        self.replica: list[str] = []

    def primary_reads_of(self, table: str) -> list[str]:
        return [
            sql
            for sql in self.primary
            if sql.lstrip().upper().startswith("SELECT") and f'"{table}"' in sql
        ]


@contextmanager
def queries() -> Iterator[Hits]:
    hits = Hits()
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections[REPLICA]) as replica,
    ):
        yield hits
    hits.primary = [q["sql"] for q in primary.captured_queries]
    hits.replica = [q["sql"] for q in replica.captured_queries]


@pytest.fixture
def scene() -> dict[str, Any]:
    category = factories.make_category("Espresso", slug="espresso")
    author = factories.make_user("author")
    topic = factories.make_topic(
        category, author, title="Descaling the Duo", body="Citric acid, twice."
    )
    factories.make_post(topic, factories.make_user("bob"), body="Vinegar? Never.")
    return {"category": category, "topic": topic, "author": author}


def pages(scene: dict[str, Any]) -> dict[str, str]:
    topic: Topic = scene["topic"]
    return {
        "home": "/",
        "category": scene["category"].get_absolute_url(),
        "topic": topic.get_absolute_url(),
        "search": "/search/?q=descaling",
        "feed": "/feeds/latest/",
    }


@pytest.mark.parametrize("page", ["home", "category", "topic", "search", "feed"])
def test_anonymous_page_reads_only_from_the_replica(client, scene, page):
    path = pages(scene)[page]

    with queries() as hits:
        response = client.get(path)

    assert response.status_code == 200
    assert "the Duo" in response.content.decode()  # search marks "Descaling"
    assert hits.primary == []
    assert any('"forum_topic"' in sql for sql in hits.replica)


@pytest.mark.parametrize("page", ["home", "category", "topic", "search", "feed"])
def test_member_page_reads_content_from_the_replica(client, scene, page):
    member = factories.make_user("alice")
    client.force_login(member)
    path = pages(scene)[page]

    with queries() as hits:
        response = client.get(path)

    assert response.status_code == 200
    assert "the Duo" in response.content.decode()
    assert any('"forum_topic"' in sql for sql in hits.replica)
    # What the page shows was read from the replica; the primary saw at
    # most the page's own bookkeeping writes (read state, last seen).
    assert hits.primary_reads_of("forum_topic") == []
    assert hits.primary_reads_of("forum_post") == []
    assert not any(
        sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
        for sql in hits.replica
    )


def test_a_reply_goes_to_the_primary_and_the_member_then_reads_from_it(client, scene):
    member = factories.make_user("alice")
    client.force_login(member)
    topic = scene["topic"]

    with queries() as hits:
        response = client.post(
            f"/t/{topic.pk}/reply/", {"body": "Read-your-own-writes, please."}
        )

    assert response.status_code == 302
    assert hits.replica == []
    assert any(sql.startswith("INSERT") and "forum_post" in sql for sql in hits.primary)
    assert response.cookies[db_router.STICKY_COOKIE]["max-age"] == 15

    with queries() as hits:
        page = client.get(topic.get_absolute_url())

    assert "Read-your-own-writes, please." in page.content.decode()
    assert hits.replica == []
    assert hits.primary_reads_of("forum_post") != []


def test_a_change_records_the_fence_before_the_cache_generation_moves(client, scene):
    """Replicas are used only once they replayed the WAL up to the fence
    (checked against a real standby by make scale-test)."""
    member = factories.make_user("alice")
    client.force_login(member)
    before = db_router.current_fence()

    client.post(f"/t/{scene['topic'].pk}/reply/", {"body": "Moves the fence."})

    assert db_router.current_fence() > before > 0


def test_after_the_sticky_window_reads_return_to_the_replica(client, scene):
    client.cookies[db_router.STICKY_COOKIE] = "1"
    with queries() as hits:
        client.get("/")
    assert hits.replica == []

    del client.cookies[db_router.STICKY_COOKIE]  # what the browser does at max-age
    with queries() as hits:
        client.get("/")
    assert hits.primary == []
    assert hits.replica != []


def test_admin_reads_from_the_primary(client, scene):
    client.force_login(
        factories.make_user("ines", role=Role.ADMIN, is_staff=True, is_superuser=True)
    )

    with queries() as hits:
        response = client.get("/admin/forum/category/")

    assert response.status_code == 200
    assert hits.replica == []
    assert hits.primary_reads_of("forum_category") != []


def test_reads_inside_a_transaction_go_to_the_primary(scene):
    token = db_router._route.set(REPLICA)
    try:
        with queries() as hits:
            assert Topic.objects.filter(pk=scene["topic"].pk).exists()
        assert hits.primary == [] and len(hits.replica) == 1

        with queries() as hits, transaction.atomic():
            assert Topic.objects.filter(pk=scene["topic"].pk).exists()
        assert hits.replica == []
        assert hits.primary_reads_of("forum_topic") != []
    finally:
        db_router._route.reset(token)


def test_after_a_write_the_rest_of_the_request_reads_from_the_primary(scene):
    """A GET that records something (a read position) may read it back."""
    token = db_router._route.set(REPLICA)
    try:
        with queries() as hits:
            Topic.objects.filter(pk=scene["topic"].pk).update(is_pinned=True)
            assert Topic.objects.get(pk=scene["topic"].pk).is_pinned
        assert hits.replica == []
    finally:
        db_router._route.reset(token)


def test_without_a_request_everything_goes_to_the_primary(scene):
    """Tasks and management commands: nothing routes them to a replica."""
    with queries() as hits:
        assert list(Topic.objects.all())
    assert hits.replica == []


@contextmanager
def replica_unreachable() -> Iterator[None]:
    connection = connections[REPLICA]
    connection.close()
    saved = connection.settings_dict["PORT"]
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict["PORT"] = saved


def test_a_replica_that_is_down_is_skipped(client, scene):
    with replica_unreachable():
        with CaptureQueriesContext(connections["default"]) as primary:
            response = client.get(scene["topic"].get_absolute_url())
        on_primary = [q["sql"] for q in primary.captured_queries]
        healthz = client.get("/healthz").json()

    assert response.status_code == 200
    assert "Descaling the Duo" in response.content.decode()
    assert any('"forum_topic"' in sql for sql in on_primary)
    assert healthz["status"] == "degraded"
    assert healthz["down"] == [REPLICA]


def test_a_replica_failing_mid_request_is_retried_on_the_primary(client, scene):
    assert db_router.healthy_replica() == REPLICA  # checked and cached as ok
    with replica_unreachable():
        response = client.get(scene["topic"].get_absolute_url())
        again = client.get(scene["category"].get_absolute_url())

    assert response.status_code == 200
    assert "Descaling the Duo" in response.content.decode()
    assert again.status_code == 200  # skipped now, without trying it first


def test_a_lagging_replica_is_skipped(client, scene, settings):
    settings.REPLICA_MAX_LAG_SECONDS = -1  # every replica lags more than that

    with queries() as hits:
        response = client.get("/")

    assert response.status_code == 200
    assert hits.primary_reads_of("forum_topic") != []
    assert not any('"forum_topic"' in sql for sql in hits.replica)


def test_healthz_reports_replica_lag(client):
    body = client.get("/healthz").json()

    assert body["status"] == "ok"
    assert body["replica_lag_seconds"] == {REPLICA: 0.0}
    assert body["checks"][REPLICA] == "ok"


def test_without_replicas_the_router_and_middleware_do_nothing(client, scene, settings):
    settings.REPLICA_DATABASE_ALIASES = []
    member = factories.make_user("alice")
    client.force_login(member)

    with queries() as hits:
        response = client.post(f"/t/{scene['topic'].pk}/reply/", {"body": "Plain."})
        page = client.get("/")
    body = client.get("/healthz").json()

    assert response.status_code == 302 and page.status_code == 200
    assert hits.replica == []
    assert db_router.STICKY_COOKIE not in response.cookies
    assert "replica_lag_seconds" not in body
    assert db_router.ReplicaRouter().db_for_read(Topic) is None
    assert db_router.ReplicaRouter().db_for_write(Topic) is None

"""The site keeps serving when Redis or PostgreSQL fails: real processes.

A private PostgreSQL cluster and Redis server (tests.config.services), Hearth
under gunicorn in production settings and a Celery worker; the tests stop
Redis and PostgreSQL under the running site and check over HTTP what
visitors and members get, then that everything recovers without a restart
and every notification and email arrives exactly once.

Skipped only where the server binaries are missing; CI has them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg2  # type: ignore[import-untyped]
import pytest

from tests.config import services
from tests.config.services import (
    Client,
    PostgresCluster,
    Process,
    RedisServer,
    wait_for,
)
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.worker,
    pytest.mark.skipif(
        bool(services.missing_binaries()), reason=services.missing_binaries() or "-"
    ),
]

SEED = """
import json
from django.utils import timezone
from forum.models import Category
from notifications.models import Event, TopicWatch, WatchLevel
from tests.factories import make_category, make_topic, make_user

category = make_category("General", slug="general")
author = make_user("author")
alice = make_user("alice")
bob = make_user("bob")
topic = make_topic(category, author, title="Descaling the Duo")
for member in (alice, bob):
    TopicWatch.objects.create(user=member, topic=topic, level=WatchLevel.WATCHING)
Event.objects.update(dispatched_at=timezone.now())  # the setup is not under test
print(json.dumps({
    "topic": topic.get_absolute_url(),
    "topic_id": topic.pk,
    "category": category.get_absolute_url(),
    "users": {u.username: u.pk for u in (author, alice, bob)},
}))
"""


@dataclass
class Stack:
    pg: PostgresCluster
    redis: RedisServer
    web: Process
    worker: Process
    env: dict[str, str]
    port: int
    mail: Path
    scene: dict[str, Any]

    def client(self) -> Client:
        return Client(self.port)

    def member(self, username: str) -> Client:
        client = self.client()
        response = client.login(username, PASSWORD)
        assert response.status == 302, response.text[:2000]
        assert client.signed_in
        return client

    def sql(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        connection = psycopg2.connect(self.pg.url("hearth"))
        try:
            with connection.cursor() as cursor:
                cursor.execute(query, params)
                return cursor.fetchall()
        finally:
            connection.close()

    def web_log(self) -> str:
        return self.web.log.read_text(errors="replace")


def _answers(port: int) -> bool:
    try:
        return Client(port, timeout=5).get("/healthz").status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    workdir = tmp_path_factory.mktemp("outages")
    pg = PostgresCluster()
    redis = RedisServer()
    processes: list[Process] = []
    try:
        pg.init()
        pg.start()
        pg.create_database("hearth")
        redis.start()
        port = services.free_port()
        mail = workdir / "mail"
        mail.mkdir()
        # The cache and the broker in separate logical databases (README).
        env = services.hearth_env(
            pg.url("hearth"), redis.url(0), redis.url(1), mail, port
        )
        services.manage(env, "migrate", "--noinput", "-v0")
        services.manage(env, "collectstatic", "--noinput", "-v0")
        scene = json.loads(services.run_django(env, SEED).strip().splitlines()[-1])
        web = services.gunicorn(env, port, workdir / "gunicorn.log")
        worker = services.celery(env, workdir / "worker.log")
        processes += [web, worker]
        web.start()
        worker.start()
        wait_for(lambda: _answers(port), "gunicorn to answer")
        wait_for(lambda: "ready." in worker.log.read_text(), "the worker to be ready")
        yield Stack(pg, redis, web, worker, env, port, mail, scene)
    finally:
        for process in processes:
            process.stop()
        redis.destroy()
        pg.destroy()


def _pages(stack: Stack) -> list[str]:
    users = stack.scene["users"]
    return [
        "/",
        "/latest/",
        stack.scene["category"],
        stack.scene["topic"],
        "/u/alice/",
        "/search/?q=descaling",
        "/accounts/login/",
        "/accounts/signup/",
        f"/feeds/t/{stack.scene['topic_id']}/",
    ] + [f"/u/{name}/" for name in users]


MEMBER_PAGES = [
    "/notifications/",
    "/settings/",
    "/settings/notifications/",
    "/bookmarks/",
    "/new/",
    "/unread/",
]


def _statuses(client: Client, paths: list[str]) -> dict[str, int]:
    return {path: client.get(path).status for path in paths}


def _reply(client: Client, stack: Stack, body: str) -> int:
    response = client.post(f"/t/{stack.scene['topic_id']}/reply/", {"body": body})
    assert response.status == 302, response.text[:2000]
    assert "/reply" not in response.headers["Location"], (
        response.headers,
        client.cookies,
    )
    number = int(response.headers["Location"].rstrip("/").rsplit("/", 1)[-1])
    return number


def _emails_to(mail: Path, address: str) -> int:
    return sum(
        path.read_text(errors="replace").count(f"To: {address}")
        for path in mail.glob("*.log")
    )


def _worker_caught_up(stack: Stack) -> bool:
    [(undispatched, unsettled)] = stack.sql(
        "SELECT (SELECT count(*) FROM notifications_event WHERE dispatched_at IS NULL),"
        " (SELECT count(*) FROM notifications_delivery"
        "  WHERE channel = 'email' AND status IN ('pending', 'claimed', 'sending'))"
    )
    return undispatched == 0 and unsettled == 0


def test_postgres_outage_is_a_503_and_cached_pages_keep_serving(stack: Stack) -> None:
    anonymous = stack.client()
    alice = stack.member("alice")
    topic = stack.scene["topic"]
    # An anonymous visitor's page in the page cache.
    wait_for(
        lambda: anonymous.get(topic).headers.get("X-Hearth-Cache") == "hit",
        "the topic page to be cached",
        attempts=50,
    )
    workers_before = stack.web.children()
    assert len(workers_before) == 2
    log_before = len(stack.web_log())

    stack.pg.stop()
    try:
        cached = anonymous.get(topic)
        uncached = anonymous.get("/latest/?page=1")
        signed_in = alice.get(topic)
        member_page = alice.get("/notifications/")
        reply = alice.post(f"/t/{stack.scene['topic_id']}/reply/", {"body": "Lost?"})
        health = stack.client().get("/healthz")
    finally:
        stack.pg.start()

    # Cached anonymous pages are served without the database.
    assert cached.status == 200
    assert cached.headers.get("X-Hearth-Cache") == "hit"
    assert "Descaling the Duo" in cached.text
    # Pages that need it: 503, Retry-After, the site's own error page.
    for response in (uncached, signed_in, member_page, reply):
        assert response.status == 503
        assert int(response.headers["Retry-After"]) > 0
        assert "Back in a moment" in response.text
        assert 'class="site-header"' in response.text
    assert health.status == 503
    assert health.json()["down"] == ["database"]
    assert health.json()["status"] == "down"
    # One warning line per request, no traceback.
    outage_log = stack.web_log()[log_before:]
    assert "Database unavailable, 503 for GET /latest/" in outage_log
    assert "Traceback" not in outage_log

    # The same gunicorn workers serve again, without a restart.
    wait_for(lambda: stack.client().get("/healthz").status == 200, "the database")
    for _ in range(6):  # every worker reconnects on its next request
        assert alice.get(topic).status == 200
        assert anonymous.get("/latest/?page=1").status == 200
        assert alice.get("/notifications/").status == 200
    assert stack.web.children() == workers_before


def test_redis_outage_serves_every_page_and_delivers_once_when_back(
    stack: Stack,
) -> None:
    anonymous = stack.client()
    author = stack.member("author")
    alice = stack.member("alice")
    pages = _pages(stack)
    # Signed-in members are sent away from the sign-in and sign-up pages.
    member_pages = [p for p in pages if not p.startswith("/accounts/")] + MEMBER_PAGES
    wait_for(lambda: _worker_caught_up(stack), "setup notifications", attempts=600)
    events_before = stack.sql("SELECT coalesce(max(id), 0) FROM notifications_event")[
        0
    ][0]
    for path in pages:  # fill the page cache
        anonymous.get(path)

    stack.redis.stop()
    try:
        anonymous_statuses = _statuses(anonymous, pages)
        member_statuses = _statuses(alice, member_pages)
        # Signing in works: the session goes to the database.
        bob = stack.client()
        login = bob.login("bob", PASSWORD)
        bob_home = bob.get("/")
        assert bob.signed_in, (login.status, login.headers, login.text[:3000])
        # Posting works: the broker is down, the outbox keeps the events.
        alice_number = _reply(
            alice, stack, "Citric acid at 60 degrees, posted in the dark."
        )
        bob_number = _reply(bob, stack, "Thanks alice, that worked while Redis slept.")
        topic_page = anonymous.get(stack.scene["topic"])
        author_page = author.get(stack.scene["topic"])
        health = stack.client().get("/healthz")
    finally:
        stack.redis.start()

    assert anonymous_statuses == dict.fromkeys(pages, 200)
    assert member_statuses == dict.fromkeys(member_pages, 200)
    assert login.status == 302
    assert bob_home.status == 200
    assert 'href="/u/bob/"' in bob_home.text  # signed in as bob
    assert (alice_number, bob_number) == (2, 3)
    for page in (topic_page, author_page):
        assert page.status == 200
        assert "posted in the dark" in page.text
        assert "while Redis slept" in page.text
    assert health.status == 200  # the web still serves: degraded, not down
    assert health.json()["status"] == "degraded"
    assert health.json()["down"] == ["broker", "cache"]
    assert "Traceback" not in stack.web_log()

    # Redis is back: bob's session (written to the database during the
    # outage) still signs him in, and pages show what was posted.
    wait_for(lambda: stack.client().get("/healthz").json()["down"] == [], "redis")
    assert 'href="/u/bob/"' in bob.get("/").text
    # Redis kept the pages cached before the outage (append-only file), and
    # the generation bumps of the replies were lost: the web worker that
    # posted them starts a new generation on its first request once Redis
    # answers. A worker that served nothing during the outage has nothing
    # to undo, so until then it may serve the old page (bounded poll).
    wait_for(
        lambda: "while Redis slept" in anonymous.get(stack.scene["topic"]).text,
        "the page cache to drop pages cached before the outage",
        attempts=100,
    )
    for _ in range(6):
        page = anonymous.get(stack.scene["topic"])
        assert page.status == 200
        assert "while Redis slept" in page.text

    # The sweep hands the events kept in the outbox to the worker.
    undispatched = stack.sql(
        "SELECT count(*) FROM notifications_event WHERE dispatched_at IS NULL"
        " AND id > %s",
        events_before,
    )[0][0]
    assert undispatched >= 2
    services.run_django(
        stack.env,
        "from notifications.tasks import sweep_undispatched_events\n"
        "sweep_undispatched_events()\nsweep_undispatched_events()\n",
    )
    wait_for(lambda: _worker_caught_up(stack), "the worker to deliver", attempts=1200)

    users = stack.scene["users"]
    rows = stack.sql(
        "SELECT e.kind, e.actor_id, n.recipient_id, count(*)"
        " FROM notifications_notification n JOIN notifications_event e"
        " ON e.id = n.event_id WHERE e.id > %s GROUP BY 1, 2, 3",
        events_before,
    )
    replies = {
        (actor, recipient): n
        for kind, actor, recipient, n in rows
        if kind == "post.created"
    }
    # Each reply reached the topic's author and the other watcher, once.
    assert replies == {
        (users["alice"], users["author"]): 1,
        (users["alice"], users["bob"]): 1,
        (users["bob"], users["author"]): 1,
        (users["bob"], users["alice"]): 1,
    }
    assert all(n == 1 for *_key, n in rows)
    sent = dict(
        stack.sql(
            "SELECT u.email, count(*) FROM notifications_delivery d"
            " JOIN accounts_user u ON u.id = d.recipient_id"
            " WHERE d.channel = 'email' AND d.status = 'sent' AND d.event_id > %s"
            " GROUP BY 1",
            events_before,
        )
    )
    assert sent == {
        "author@example.com": 2,
        "alice@example.com": 1,
        "bob@example.com": 1,
    }
    for address, count in sent.items():
        assert _emails_to(stack.mail, address) == count
    # Nothing was sent twice: the mailbox holds one message per sent row.
    [(total_sent,)] = stack.sql(
        "SELECT count(*) FROM notifications_delivery WHERE channel = 'email'"
        " AND status = 'sent'"
    )
    total_emails = sum(
        len(re.findall(r"^To: ", path.read_text(errors="replace"), flags=re.M))
        for path in stack.mail.glob("*.log")
    )
    assert total_emails == total_sent

"""The leak-proof guarantee: a page served with the caches on is, byte for
byte, the page a fresh render with every cache off gives the same viewer —
after normalising only the CSRF token's mask — across a sequence of changes
to what each viewer should see.

Viewers: anonymous, a new member, a member, the author of some posts on the
page, a moderator of this category, a moderator of another, a brand
representative, an admin, a silenced and a suspended member. Pages: home, the
category, the topic's first and last page, a profile, search.

"Caches on" is the configured cache (local memory under `make test`, Redis
in CI), warmed by the previous round of requests, so each round reads what
was cached before the change it follows. Signed-in pages are cached per
viewer class (forum/cache.py): the member, a moderator here, the brand
representative, the admin and the silenced member each have a *twin* of the
same class who reads just before them, so after every change they are
served the page their twin's render left, with their own holes filled —
and the test asserts those were cache hits. "Caches off" swaps the cache for
Django's DummyCache (nothing is ever found or kept) with ANON_CACHE_SECONDS=0.
Relative times ("3 minutes ago") would drift between two renders a minute
apart, so the clock is a fixed instant that moves a millisecond per reading.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.middleware.csrf import _unmask_cipher_token  # type: ignore[attr-defined]  # not in django-stubs
from django.test import Client, override_settings

from accounts import actions as account_actions
from accounts.models import User
from accounts.roles import Role, TrustLevel
from forum import actions
from forum.models import Post, Topic
from forum.queries import POSTS_PER_PAGE
from groups import actions as group_actions
from moderation.actions.posts import hide_post
from moderation.actions.topics import lock_topic
from tests.factories import (
    make_admin,
    make_brand,
    make_category,
    make_group,
    make_moderator,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CACHES_OFF = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
_TOKEN = re.compile(
    rb'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")([A-Za-z0-9]{64})'
)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    ticks = itertools.count()
    with mock.patch(
        "django.utils.timezone.now",
        lambda: START + timedelta(milliseconds=next(ticks)),
    ):
        yield


def _normalise(content: bytes) -> bytes:
    """Only the CSRF token's mask: each token is replaced by its secret."""
    return _TOKEN.sub(
        lambda m: m[1] + _unmask_cipher_token(m[2].decode()).encode(), content
    )


@pytest.fixture
def world(django_capture_on_commit_callbacks):
    machines = make_category("Machines", slug="machines")
    grinders = make_category("Grinders", slug="grinders")
    insiders = make_group("Insiders")
    private = make_category("Insiders lounge", slug="lounge", restricted_to=insiders)
    admin = make_admin("admin")
    author = make_user("author", trust_level=TrustLevel.REGULAR)
    member = make_user("member")
    others = [
        make_user(f"regular{n}", trust_level=TrustLevel.REGULAR) for n in range(3)
    ]
    brand = make_brand()
    silence = START + timedelta(days=3)
    # Each "twin" has the viewer class of the viewer after it and reads just
    # before them: what the viewer is served comes from the twin's render.
    viewers: dict[str, User | None] = {
        "anonymous": None,
        "new member": make_user("newcomer", trust_level=TrustLevel.NEW),
        "member twin": make_user("member_twin"),
        "member": member,
        "regular reader": make_user("reader", trust_level=TrustLevel.REGULAR),
        "author": author,
        "moderator twin": make_moderator(machines, "mod_twin"),
        "moderator here": make_moderator(machines, "mod_here"),
        "moderator elsewhere": make_moderator(grinders, "mod_elsewhere"),
        "brand rep twin": make_user("rep_twin", role=Role.BRAND_REP, brand=brand),
        "brand rep": make_user("rep", role=Role.BRAND_REP, brand=brand),
        "admin twin": make_admin("admin_twin"),
        "admin": admin,
        "silenced twin": make_user("quiet_twin", silenced_until=silence),
        "silenced": make_user("quiet", silenced_until=silence),
        "suspended": make_user("away", suspended_until=START + timedelta(days=3)),
    }
    with django_capture_on_commit_callbacks(execute=True):
        topic = make_topic(
            machines, author, title="Pressure profiling on a lever machine"
        )
        writers = itertools.cycle([others[0], author, others[1], others[2]])
        for n in range(POSTS_PER_PAGE + 5):
            actions.reply_to_topic(
                next(writers), topic, body=f"Lever pressure note {n}: preinfusion"
            )
        make_topic(grinders, others[0], title="Burr alignment for flat grinders")
        make_topic(private, admin, title="Insiders: the next prototype")
    topic.refresh_from_db()
    return {
        "viewers": viewers,
        "topic": topic,
        "machines": machines,
        "insiders": insiders,
        "author": author,
        "member": member,
        "admin": admin,
        "moderator": viewers["moderator here"],
    }


def _pages(world) -> list[str]:
    topic = world["topic"]
    url = topic.get_absolute_url()
    return [
        "/",
        world["machines"].get_absolute_url(),
        url,
        f"{url}?page=2",
        f"/u/{world['author'].username}/",
        "/search/?q=preinfusion",
    ]


def _clients(world) -> dict[str, Client]:
    clients = {}
    for name, user in world["viewers"].items():
        client = Client()
        if user is not None:
            client.force_login(user)
        clients[name] = client
    return clients


def _compare_every_page(
    clients: dict[str, Client], pages: list[str], step: str
) -> set[tuple[str, str]]:
    """Each viewer's pages, cached against fresh; the (viewer, page) pairs
    served from the cache."""
    hits = set()
    for (name, client), url in itertools.product(clients.items(), pages):
        cached = client.get(url)
        if cached.get("X-Hearth-Cache") == "hit":
            hits.add((name, url))
        with override_settings(CACHES=CACHES_OFF, ANON_CACHE_SECONDS=0):
            fresh = client.get(url)
        assert cached.status_code == fresh.status_code == 200, (step, name, url)
        served, expected = _normalise(cached.content), _normalise(fresh.content)
        assert served == expected, (
            f"after {step}: {name} sees a stale or foreign {url}:\n"
            + _diff(served, expected)
        )
    return hits


def _diff(served: bytes, expected: bytes) -> str:
    lines = difflib.unified_diff(
        served.decode().splitlines(),
        expected.decode().splitlines(),
        "served",
        "fresh",
        lineterm="",
        n=1,
    )
    return "\n".join(itertools.islice(lines, 40))


def _post(topic: Topic, number: int) -> Post:
    return Post.objects.select_related("topic__category__parent").get(
        topic=topic, number=number
    )


def test_cached_pages_are_the_fresh_render_for_every_viewer(
    world, django_capture_on_commit_callbacks
):
    topic = world["topic"]
    author, member, admin = world["author"], world["member"], world["admin"]
    moderator = world["moderator"]

    # The author's posts are 2, 6, 10 … (the writers take turns).
    changes: list[tuple[str, Callable[[], object]]] = [
        ("a like", lambda: actions.like_post(member, _post(topic, 2))),
        ("a bookmark", lambda: actions.bookmark_post(member, _post(topic, 6))),
        (
            "a hide",
            lambda: hide_post(moderator, _post(topic, 3), rule=None, reason="Spam."),
        ),
        (
            "a lock",
            lambda: lock_topic(moderator, topic, rule=None, reason="Heated thread."),
        ),
        (
            "a role change",
            lambda: account_actions.assign_moderator(admin, member, world["machines"]),
        ),
        (
            "a group change",
            lambda: group_actions.add_member(admin, world["insiders"], author),
        ),
    ]
    clients = _clients(world)
    pages = _pages(world)
    # Warm every cache; reading the pages also moves each reader's read
    # marker, which then stays put (no change below adds a post).
    # The suspended member's first request ends their session (they read on
    # as a visitor with a session cookie).
    assert clients["suspended"].get("/")["Location"] == "/suspended/"
    for client, url in itertools.product(clients.values(), pages):
        assert client.get(url).status_code == 200
    # Unchanged, the pages come from the cache: anonymous and signed in.
    hits = _compare_every_page(clients, pages, "nothing, again")
    assert {("anonymous", url) for url in pages[:4]} <= hits
    assert {("member", url) for url in pages[:4]} <= hits
    home, category, first, last = pages[:4]
    for step, change in changes:
        with django_capture_on_commit_callbacks(execute=True):
            change()
        # Every change bumps the generation: each twin renders the page anew
        # and the viewer after them is served the twin's render, with their
        # own holes filled, identical to their own fresh render.
        hits = _compare_every_page(clients, pages, step)
        shared = {
            ("admin", home),
            ("admin", category),
            ("admin", first),
            ("admin", last),
            ("moderator here", home),
            ("moderator here", first),
            ("silenced", home),
            ("silenced", first),
            ("brand rep", home),
        }
        if step not in ("a role change", "a group change"):
            # The member becomes a moderator at the role change.
            shared |= {("member", home), ("member", category), ("member", last)}
        assert shared <= hits, (step, shared - hits)

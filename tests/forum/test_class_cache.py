"""Signed-in pages served from the per-viewer-class cache (forum/cache.py):
two members of one class share a page, each with their own holes filled, and
one member's own state — name, likes, bookmarks, own-post controls, unread
counts — never reaches another. The byte-for-byte comparison with a fresh
render is tests/forum/test_cache_equivalence.py; the query pins are here."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import TrustLevel
from forum import actions
from forum.models import Post, Topic
from tests.factories import make_category, make_topic, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def forum(django_capture_on_commit_callbacks):
    category = make_category("Machines", slug="machines")
    author = make_user("author_anna", trust_level=TrustLevel.REGULAR)
    writer = make_user("writer_walt", trust_level=TrustLevel.REGULAR)
    with django_capture_on_commit_callbacks(execute=True):
        topic = make_topic(category, author, title="Descaling a dual boiler")
        for n in range(24):
            actions.reply_to_topic(
                author if n % 3 == 0 else writer, topic, body=f"Descale note {n}"
            )
    topic.refresh_from_db()
    return {
        "category": category,
        "topic": topic,
        "author": author,
        # The same class as each other (trust level, no groups, no role).
        "alice": make_user("alice_reader"),
        "bruno": make_user("bruno_reader"),
        # The author's class, owning no post.
        "rita": make_user("rita_regular", trust_level=TrustLevel.REGULAR),
    }


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _post(topic: Topic, number: int) -> Post:
    return Post.objects.select_related("topic__category__parent").get(
        topic=topic, number=number
    )


def _like_pressed(content: bytes, post: Post) -> bool:
    match = re.search(
        rb'id="like-button-%d" [^>]*aria-pressed="(true|false)"' % post.pk, content
    )
    assert match, post.number
    return match[1] == b"true"


def test_members_of_one_class_share_a_page_with_their_own_header(forum):
    alice, bruno = _client(forum["alice"]), _client(forum["bruno"])
    topic = forum["topic"]
    # The topic's last page: reading it leaves nothing unread, so the reader's
    # second visit has the same key as the first.
    last_page = topic.get_absolute_url() + "?page=2"
    for url in ("/", forum["category"].get_absolute_url(), last_page):
        # Bruno renders and stores the page; Alice is served his render.
        assert bruno.get(url)["X-Hearth-Cache"] == "miss"
        served = alice.get(url)
        assert served["X-Hearth-Cache"] == "hit", url
        assert b"alice_reader" in served.content
        assert b"bruno_reader" not in served.content
        assert reverse("accounts:profile", args=["alice_reader"]).encode() in (
            served.content
        )
        # ... and he is served his own header from the same page.
        again = bruno.get(url)
        assert again["X-Hearth-Cache"] == "hit"
        assert b"bruno_reader" in again.content
        assert b"alice_reader" not in again.content
        assert b"@@" not in served.content and b"@@" not in again.content


def test_likes_and_bookmarks_stay_with_the_member(
    forum, django_capture_on_commit_callbacks
):
    alice, bruno = _client(forum["alice"]), _client(forum["bruno"])
    topic = forum["topic"]
    url = topic.get_absolute_url()
    liked, marked = _post(topic, 3), _post(topic, 4)
    with django_capture_on_commit_callbacks(execute=True):
        actions.like_post(forum["alice"], liked)
        actions.bookmark_post(forum["alice"], marked, "grind notes")

    for _ in range(2):  # a miss, then a hit, for each in turn
        mine = alice.get(url).content
        theirs = bruno.get(url).content
        assert _like_pressed(mine, liked)
        assert not _like_pressed(theirs, liked)
        assert b"grind notes" in mine
        assert b"grind notes" not in theirs
    assert bruno.get(url)["X-Hearth-Cache"] == "hit"
    assert alice.get(url)["X-Hearth-Cache"] == "hit"


def test_own_post_controls_never_reach_a_member_of_the_same_class(forum):
    author, rita = _client(forum["author"]), _client(forum["rita"])
    topic = forum["topic"]
    url = topic.get_absolute_url()
    own = Post.objects.filter(
        topic=topic, author=forum["author"], number__gt=1, number__lte=20
    )
    edit_links = [reverse("forum:post_edit", args=[p.pk]).encode() for p in own]
    assert edit_links

    for _ in range(3):  # the third visit of each reads with a settled marker
        mine = author.get(url)
        theirs = rita.get(url)
        assert all(link in mine.content for link in edit_links)
        assert not any(link in theirs.content for link in edit_links)
    # Both come from the cache, from two different entries.
    assert mine["X-Hearth-Cache"] == theirs["X-Hearth-Cache"] == "hit"


def test_unread_counts_are_each_members_own(forum):
    alice, bruno = _client(forum["alice"]), _client(forum["bruno"])
    topic = forum["topic"]
    actions.mark_read(forum["alice"], topic, 5)
    unread = f"{topic.last_post_number - 5} unread".encode()
    for url in ("/", "/latest/", forum["category"].get_absolute_url()):
        theirs = bruno.get(url)
        mine = alice.get(url)
        assert mine["X-Hearth-Cache"] == "hit", url
        assert unread in mine.content
        assert b"label-new" not in mine.content
        again = bruno.get(url)
        assert again["X-Hearth-Cache"] == "hit"
        for content in (theirs.content, again.content):
            assert b"unread</a>" not in content
            assert b'<span class="label label-new">New</span>' in content


def test_reading_from_the_cache_moves_the_read_marker(forum):
    alice, bruno = _client(forum["alice"]), _client(forum["bruno"])
    topic = forum["topic"]
    url = topic.get_absolute_url()
    bruno.get(url)
    assert alice.get(url)["X-Hearth-Cache"] == "hit"
    # Alice's home page: the topic is read up to the end of its first page.
    home = alice.get("/").content
    assert f"{topic.last_post_number - 20} unread".encode() in home


def _count(client: Client, url: str) -> int:
    for _ in range(2):  # the render, then the render under the settled marker
        client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    assert response["X-Hearth-Cache"] == "hit", url
    # Sessions are a query only where they live in the database (SQLite in
    # `make test`); CI and production keep them in the cache.
    return len(
        [q for q in queries.captured_queries if "django_session" not in q["sql"]]
    )


# user, with the header's unread counts (accounts.backends; its groups,
# moderator assignments and decision ownerships come from the cache with the
# viewer's class, forum.cache.load_viewer, and the header's HTML with them);
# then the page's own: one query for the topic row with the reader's read and
# watch state and the posts carrying any state of theirs (topic pages), or
# their watch level (category), and the rows' read state (lists).
PINNED = {"topic": 2, "topic last": 2, "home": 2, "category": 3, "latest": 2}


def _urls(forum) -> dict[str, str]:
    topic = forum["topic"]
    return {
        "topic": topic.get_absolute_url(),
        "topic last": topic.get_absolute_url() + "?page=2",
        "home": "/",
        "category": forum["category"].get_absolute_url(),
        "latest": "/latest/",
    }


def test_cached_signed_in_pages_are_a_small_constant_number_of_queries(
    forum, django_capture_on_commit_callbacks
):
    alice = _client(forum["alice"])
    small = {name: _count(alice, url) for name, url in _urls(forum).items()}
    topic = forum["topic"]
    writer = make_user("late_writer")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(40):
            actions.reply_to_topic(writer, topic, body=f"Later note {n}")
        for n in range(30):
            make_topic(forum["category"], writer, title=f"Another boiler {n}")
    large = {name: _count(alice, url) for name, url in _urls(forum).items()}

    assert small == large == PINNED, (small, large)


def test_a_members_own_brand_request_is_never_shared(
    forum, django_capture_on_commit_callbacks
):
    """The brand panel's "You asked …" is the member's own: it is in the topic
    page's key (so Bruno never reads Alice's entry, nor she his) and the page
    marks itself personal (so it is never stored at all)."""
    from tests.factories import make_brand

    brand = make_brand()
    alice, bruno = _client(forum["alice"]), _client(forum["bruno"])
    topic = forum["topic"]
    url = topic.get_absolute_url() + "?page=2"
    bruno.get(url)
    assert bruno.get(url)["X-Hearth-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        actions.ask_brand(forum["alice"], topic, brand)
    asked = b"You asked Brevetto to respond"
    for _ in range(2):
        mine = alice.get(url)
        assert asked in mine.content
        assert mine.get("X-Hearth-Cache") != "hit"
        theirs = bruno.get(url)
        assert asked not in theirs.content
    assert theirs["X-Hearth-Cache"] == "hit"


def test_the_cached_header_shows_counts_read_for_this_request(
    forum, django_capture_on_commit_callbacks
):
    """The header's HTML is cached per member (forum/holes.py) under its
    counts, read fresh each time: a message that changes no page (no
    generation bump) still reaches the header of a page served from the
    cache, and reading it clears the count."""
    from conversations import actions as conversations

    alice = _client(forum["alice"])
    url = forum["topic"].get_absolute_url() + "?page=2"
    for _ in range(3):
        page = alice.get(url)
    assert page["X-Hearth-Cache"] == "hit"
    assert b"Messages</a>" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        conversation = conversations.start_conversation(
            forum["rita"], [forum["alice"]], subject="Boiler", body="Got a minute?"
        )
    page = alice.get(url)
    assert page["X-Hearth-Cache"] == "hit"
    assert b'Messages<span class="visually-hidden">,</span> ' in page.content
    assert b"1 unread</span></a>" in page.content
    # Bruno, of Alice's class, is served the same page and his own header.
    bruno = _client(forum["bruno"]).get(url)
    assert b"1 unread</span></a>" not in bruno.content
    conversations.mark_conversation_read(forum["alice"], conversation)
    page = alice.get(url)
    assert b"1 unread</span></a>" not in page.content
    assert b"@@" not in page.content


def test_relations_cached_with_the_class_follow_every_change(
    forum, django_capture_on_commit_callbacks
):
    """Groups, moderator assignments and decision ownerships are kept in the
    cache with the viewer's class; each change to them reaches the next
    request, by the action and by a plain save (the admin)."""
    from accounts import actions as accounts
    from accounts.models import User
    from forum.cache import class_and_generation
    from groups import actions as groups
    from ideas import actions as ideas
    from ideas.models import DecisionOwner
    from moderation.models import ModeratorAssignment
    from tests.factories import make_admin, make_brand, make_brand_rep, make_group

    admin = make_admin("admin_ada")
    category = forum["category"]
    group = make_group("Roasters")

    def relations() -> tuple:
        fresh = User.objects.get(pk=forum["alice"].pk)  # a new request's user
        return class_and_generation(fresh)[0][-3:]

    assert relations() == ((), (), ())
    assert relations() == ((), (), ())  # now from the cache
    with django_capture_on_commit_callbacks(execute=True):
        groups.add_member(admin, group, forum["alice"])
    assert relations() == ((group.pk,), (), ())
    with django_capture_on_commit_callbacks(execute=True):
        accounts.assign_moderator(admin, forum["alice"], category)
    assert relations() == ((group.pk,), (category.pk,), ())
    with django_capture_on_commit_callbacks(execute=True):
        ModeratorAssignment.objects.filter(user=forum["alice"]).delete()
    assert relations() == ((group.pk,), (), ())

    brand = make_brand("Brevetto")
    rep = make_brand_rep("rep_rosa")  # of make_brand()'s brand

    def rep_scopes() -> tuple:
        fresh = User.objects.get(pk=rep.pk)
        return class_and_generation(fresh)[0][-1]

    assert rep_scopes() == ()
    with django_capture_on_commit_callbacks(execute=True):
        ideas.name_decision_owner(admin, rep, brand)
    assert rep_scopes() == ((brand.pk, None),)
    with django_capture_on_commit_callbacks(execute=True):
        DecisionOwner.objects.filter(user=rep).delete()  # as the admin site does
    assert rep_scopes() == ()


def test_a_new_moderator_gets_the_moderators_header_at_once(
    forum, django_capture_on_commit_callbacks
):
    from accounts import actions as accounts
    from tests.factories import make_admin

    alice = _client(forum["alice"])
    url = forum["category"].get_absolute_url()
    for _ in range(2):
        page = alice.get(url)
    assert b"Review (" not in page.content
    with django_capture_on_commit_callbacks(execute=True):
        accounts.assign_moderator(
            make_admin("admin_ada"), forum["alice"], forum["category"]
        )
    page = alice.get(url)
    assert b"Review (0)" in page.content
    assert b"Moderation log" in page.content


def test_ones_own_hidden_topic_never_reaches_a_member_of_the_same_class(
    forum, django_capture_on_commit_callbacks
):
    """Its author still sees a hidden topic in lists and search (the policy);
    such a page is never stored for their class."""
    from django.core.cache import cache as page_store

    walt = make_user("walt_reader")  # alice's class
    with django_capture_on_commit_callbacks(execute=True):
        hidden = make_topic(forum["category"], walt, title="Gasket swap preinfusion")
    Topic.objects.filter(pk=hidden.pk).update(is_hidden=True)  # as an admin edit
    page_store.clear()
    walt_client, alice = _client(walt), _client(forum["alice"])
    for url in (
        "/",
        "/latest/",
        forum["category"].get_absolute_url(),
    ):
        for _ in range(2):
            own = walt_client.get(url)
            assert b"label-hidden" in own.content, url  # their row, labelled
            assert own.get("X-Hearth-Cache") != "hit", url
        theirs = alice.get(url)
        # (The category cards never name a hidden topic:
        # tests/forum/test_category_card_latest.py.)
        assert b"label-hidden" not in theirs.content, url

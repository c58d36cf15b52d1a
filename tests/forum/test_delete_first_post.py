"""Deleting the first post of a topic others took part in deletes that post
only: the topic, its title and everyone's replies stay, for everyone, byte
for byte. Checked through HTTP, as people see it."""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from forum.models import Category, CategoryKind, Post, Tag, Topic
from moderation.models import ModerationAction
from tests.factories import (
    PASSWORD,
    make_brand_rep,
    make_category,
    make_post,
    make_tag,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

CRITICAL = "Your grinder broke after **two weeks** and support never answered me."


def _client(user=None) -> Client:
    client = Client()
    if user is not None:
        client.login(username=user.username, password=PASSWORD)
    return client


def _article(html: str, number: int) -> str | None:
    """The <article> of post *number* on a topic page, or None."""
    match = re.search(
        rf'<article id="post-{number}"[^>]*>.*?</article>', html, flags=re.DOTALL
    )
    return match.group(0) if match else None


def _body(html: str, number: int) -> str | None:
    """The rendered body of post *number* as a reader sees it."""
    article = _article(html, number)
    if article is None:
        return None
    match = re.search(
        r'<div class="post-body"[^>]*>(.*?)</div>\s*(?:</div>\s*)?', article, re.DOTALL
    )
    return match.group(1) if match else None


def _counters() -> list:
    return [
        list(
            Topic.objects.order_by("pk").values_list(
                "pk", "reply_count", "last_post_number", "last_post", "first_post"
            )
        ),
        list(
            Category.objects.order_by("pk").values_list(
                "pk", "topic_count", "post_count", "last_topic"
            )
        ),
        list(Tag.objects.order_by("pk").values_list("pk", "topic_count")),
    ]


def _assert_counters_are_right() -> None:
    """What the actions left equals what resync_counters computes."""
    before = _counters()
    call_command("resync_counters")
    assert _counters() == before


@pytest.fixture
def announcement():
    news = make_category("News", slug="news", kind=CategoryKind.ANNOUNCEMENTS)
    make_tag("grinders")
    rep = make_brand_rep("marco")
    topic = make_topic(
        news,
        rep,
        title="Our new grinder is here",
        body="Say hello to the G2.",
        tags=["grinders"],
    )
    critic = make_user("critic")
    fan = make_user("fan")
    critical = make_post(topic, critic, CRITICAL)
    happy = make_post(topic, fan, "Looks *great*, ordered one.")
    own = make_post(topic, rep, "Thanks, all!")
    return {
        "rep": rep,
        "topic": topic,
        "critic": critic,
        "fan": fan,
        "replies": [critical, happy, own],
        "category": news,
    }


def test_rep_deleting_first_post_keeps_topic_and_member_replies(announcement):
    rep, topic = announcement["rep"], announcement["topic"]
    critic, fan = announcement["critic"], announcement["fan"]
    url = topic.get_absolute_url()
    readers = {"anonymous": _client(), "critic": _client(critic), "fan": _client(fan)}
    before = {name: c.get(url).content.decode() for name, c in readers.items()}
    for html in before.values():
        assert "two weeks" in _body(html, 2)
    _assert_counters_are_right()

    confirm = _client(rep).get(f"/p/{topic.first_post_id}/delete/")
    assert "Others have replied" in confirm.content.decode()
    response = _client(rep).post(f"/p/{topic.first_post_id}/delete/")

    assert response.status_code == 302
    assert response["Location"].startswith(url)
    for name, client in readers.items():
        page = client.get(url)
        assert page.status_code == 200, name
        html = page.content.decode()
        for number in (2, 3):
            assert _body(html, number) == _body(before[name], number), (name, number)
        first = _article(html, 1)
        assert "This post was deleted by its author." in first
        assert "Say hello to the G2." not in first
        assert "Our new grinder is here" in html  # the title stays
    listing = _client().get(announcement["category"].get_absolute_url()).content
    assert b"Our new grinder is here" in listing
    assert b"Our new grinder is here" in _client().get("/tags/grinders/").content
    assert b"Say hello" not in _client().get("/feeds/c/news/").content
    topic.refresh_from_db()
    assert topic.deleted_at is None
    assert topic.reply_count == 3
    assert Post.objects.filter(topic=topic, deleted_at__isnull=True).count() == 3
    _assert_counters_are_right()
    assert not ModerationAction.objects.exists()


def test_member_deleting_first_post_of_a_discussion_keeps_the_replies(
    category, member, other_member, client
):
    topic = make_topic(category, member, title="Descaling every week?")
    reply = make_post(topic, other_member, "No, once a month is plenty.")
    before = client.get(topic.get_absolute_url()).content.decode()

    _client(member).post(f"/p/{topic.first_post_id}/delete/")

    after = client.get(topic.get_absolute_url())
    assert after.status_code == 200
    assert _body(after.content.decode(), 2) == _body(before, 2)
    reply_page = client.get(topic.get_post_url(reply.number))
    assert reply_page.status_code in (200, 301, 302)
    _assert_counters_are_right()


def test_a_deleted_reply_by_someone_else_still_keeps_the_topic(
    category, member, other_member
):
    topic = make_topic(category, member, title="Which scale do you use?")
    reply = make_post(topic, other_member, "A cheap one.")
    _client(other_member).post(f"/p/{reply.pk}/delete/")

    _client(member).post(f"/p/{topic.first_post_id}/delete/")

    topic.refresh_from_db()
    assert topic.deleted_at is None
    # The other member's own tombstone and history stay reachable.
    assert _client().get(f"/p/{reply.pk}/history/").status_code == 200
    _assert_counters_are_right()


def test_first_post_nobody_answered_deletes_the_topic_softly(category, member):
    make_tag("burrs")
    topic = make_topic(category, member, title="Burr alignment", tags=["burrs"])
    make_post(topic, member, "Answering myself: shims.")
    _assert_counters_are_right()

    confirm = _client(member).get(f"/p/{topic.first_post_id}/delete/")
    assert "nobody else has posted" in confirm.content.decode()
    response = _client(member).post(f"/p/{topic.first_post_id}/delete/")

    assert response.status_code == 302
    assert response["Location"] == category.get_absolute_url()
    assert _client().get(topic.get_absolute_url()).status_code == 404
    topic.refresh_from_db()
    assert topic.deleted_at is not None
    assert topic.first_post.body_source  # history kept
    _assert_counters_are_right()
    assert Category.objects.get(pk=category.pk).last_topic is None


def test_deleting_a_reply_keeps_counters_right(category, member, other_member):
    topic = make_topic(category, member, title="Milk frothing tips")
    make_post(topic, other_member, "Cold milk.")
    last = make_post(topic, other_member, "Cold jug too.")

    _client(other_member).post(f"/p/{last.pk}/delete/")

    topic.refresh_from_db()
    assert topic.reply_count == 1
    _assert_counters_are_right()


def test_a_reply_from_a_deleted_account_still_keeps_the_topic(
    category, member, other_member
):
    topic = make_topic(category, member, title="Grinder retention numbers")
    reply = make_post(topic, other_member, "About 0.2 g for mine.")
    other_member.delete()  # the post stays, without an author

    _client(member).post(f"/p/{topic.first_post_id}/delete/")

    topic.refresh_from_db()
    assert topic.deleted_at is None
    page = _client().get(topic.get_absolute_url()).content.decode()
    assert "About 0.2 g for mine." in _body(page, reply.number)

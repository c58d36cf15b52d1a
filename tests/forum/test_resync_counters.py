import datetime as dt

import pytest
from django.core.management import call_command

from forum import actions
from forum.models import Category, Post, Tag, Topic
from tests.factories import make_tag, make_topic, make_user

pytestmark = pytest.mark.django_db


def test_resync_counters_repairs_drifted_counters(category, member, other_member):
    make_tag("burrs")
    topic = make_topic(category, member, tags=["burrs"], replies=3)
    reply = Post.objects.get(topic=topic, number=2)
    actions.like_post(make_user(), reply)
    Topic.objects.update(
        reply_count=99, like_count=0, last_post=None, last_post_number=1
    )
    Category.objects.update(topic_count=7, post_count=0, last_topic=None)
    Tag.objects.update(topic_count=5)
    Post.objects.update(like_count=0)

    call_command("resync_counters")

    topic.refresh_from_db()
    category.refresh_from_db()
    assert (topic.reply_count, topic.like_count, topic.last_post_number) == (3, 1, 4)
    assert topic.last_post.number == 4
    assert (category.topic_count, category.post_count, category.last_topic) == (
        1,
        4,
        topic,
    )
    assert Tag.objects.get().topic_count == 1
    assert Post.objects.get(pk=reply.pk).like_count == 1


def test_resync_counts_only_live_rows_and_points_at_the_newest_live_ones(
    category, member
):
    """Deleted posts and topics drop out of every count; pointers skip them."""
    from django.utils import timezone

    from forum.models import Like

    kept = make_topic(category, member, replies=3)
    last = Post.objects.get(topic=kept, number=4)
    liked = Post.objects.get(topic=kept, number=2)
    actions.like_post(make_user(), liked)
    actions.like_post(make_user(), liked)
    Post.objects.filter(pk=last.pk).update(deleted_at=timezone.now())
    make_tag("gone")
    gone = make_topic(category, member, replies=1, tags=["gone"])
    Topic.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    # A post that claims likes nobody gave, and a topic that lost them all.
    claimed = Post.objects.get(topic=kept, number=3)
    Post.objects.filter(pk=claimed.pk).update(like_count=4)
    empty_tag = make_tag("unused")
    Tag.objects.filter(pk=empty_tag.pk).update(topic_count=3)
    other = make_topic(category, member)
    Topic.objects.filter(pk=other.pk).update(
        last_posted_at=timezone.now() - dt.timedelta(days=1)
    )

    call_command("resync_counters")

    kept.refresh_from_db()
    category.refresh_from_db()
    # Numbers are never reused: the deleted post's number stays the last one.
    assert kept.last_post_number == 4
    assert kept.reply_count == 2
    assert kept.last_post.number == 3
    assert kept.first_post.number == 1
    assert kept.like_count == Like.objects.filter(post__topic=kept).count() == 2
    assert Post.objects.get(pk=liked.pk).like_count == 2
    assert Post.objects.get(pk=claimed.pk).like_count == 0
    # The deleted topic counts nowhere; its tag counts no topic.
    assert category.topic_count == 2
    assert category.post_count == 3 + 1  # kept's live posts and other's opening post
    assert category.last_topic == kept
    assert category.last_posted_at == kept.last_posted_at
    assert Tag.objects.get(name="gone").topic_count == 0
    assert Tag.objects.get(pk=empty_tag.pk).topic_count == 0


def test_resync_of_correct_counters_writes_nothing(category, member):
    """A second run finds every counter right and corrects no row."""
    from forum.management.commands.resync_counters import resync_counters

    make_tag("burrs")
    make_topic(category, member, replies=2, tags=["burrs"])
    Category.objects.create(name="Empty", slug="empty")
    resync_counters()

    assert set(resync_counters().values()) == {0}
    empty = Category.objects.get(slug="empty")
    assert (empty.topic_count, empty.post_count, empty.last_topic) == (0, 0, None)


def test_resync_drops_cached_pages_showing_the_wrong_counters(category, member, client):
    """An import writes rows without the actions that invalidate pages and ends
    with this repair: a page cached with the wrong figures is not served again."""
    from django.core.cache import cache

    make_topic(category, member, title="Steam wand drips")
    Category.objects.update(topic_count=7)  # bulk-written, as an import does
    cache.clear()
    client.get("/")
    stale = client.get("/")
    assert stale.get("X-Hearth-Cache") == "hit"
    assert "<dd>7</dd>" in stale.text

    call_command("resync_counters")

    fresh = client.get("/")
    assert fresh.get("X-Hearth-Cache") != "hit"
    assert "<dd>7</dd>" not in fresh.text
    assert "<dd>1</dd>" in fresh.text

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

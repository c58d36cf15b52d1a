"""The effects check itself: it sees a changed body or a vanished topic, and
accepts a post a moderator hid in the open (its public tombstone)."""

import pytest

from forum.models import Post, Topic
from moderation.actions.posts import hide_post
from tests.factories import (
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)
from tests.permissions.effects import VisibleWords

pytestmark = pytest.mark.django_db


@pytest.fixture
def words():
    category = make_category("General", slug="general")
    author = make_user("author")
    topic = make_topic(category, author, title="Tamping pressure, again")
    reply = make_post(topic, make_user("replier"), "Thirty pounds is a *myth*.")
    words = VisibleWords(make_brand_rep("marco"))
    assert len(words.record()) == 4  # two posts, to anonymous and their author
    return {"words": words, "topic": topic, "reply": reply, "category": category}


def test_unchanged_pages_pass(words):
    words["words"].final_check("unchanged")


def test_a_changed_body_fails(words):
    Post.objects.filter(pk=words["reply"].pk).update(body_html="<p>Edited.</p>")
    with pytest.raises(AssertionError, match="edited"):
        words["words"].check("edited")


def test_a_vanished_topic_fails(words):
    Topic.objects.filter(pk=words["topic"].pk).update(deleted_at="2026-01-01T00:00Z")
    with pytest.raises(AssertionError, match="404"):
        words["words"].check("deleted")


def test_a_moderators_public_hide_passes(words):
    moderator = make_moderator(words["category"], "mira")
    hide_post(moderator, words["reply"], rule=None, reason="Off topic here.")
    words["words"].check("hidden by a moderator")
    assert words["words"].full_checks == 1

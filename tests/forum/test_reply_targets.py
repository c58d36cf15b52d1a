"""Regressions from trying Hearth as a new member would: what a reply may point
to (reply_to), and a topic locked or closed between the check and the write."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from forum import actions
from forum.models import Post, Topic
from moderation.actions.posts import hide_post, remove_post
from moderation.actions.topics import close_topic, lock_topic

pytestmark = pytest.mark.django_db


def _hidden(moderator, post):
    hide_post(moderator, post, rule=None, reason="Off topic.")


def _removed(moderator, post):
    remove_post(moderator, post, kind="spam", rule=None, reason="Spam.")


def _deleted(moderator, post):
    actions.delete_post(post.author, post)


GONE = [
    pytest.param(_hidden, id="hidden"),
    pytest.param(_removed, id="removed"),
    pytest.param(_deleted, id="deleted"),
]


@pytest.mark.parametrize("make_gone", GONE)
def test_action_refuses_reply_to_a_post_that_is_no_longer_shown(
    topic, post, member, moderator, make_gone
):
    make_gone(moderator, post)

    with pytest.raises(ValidationError, match="hidden or deleted") as info:
        actions.reply_to_topic(member, topic, body="Agreed!", reply_to=post)

    assert info.value.error_list[0].code == "reply_to"
    assert topic.posts.count() == 2


def test_action_refuses_a_post_hidden_after_the_replier_loaded_it(
    topic, post, member, moderator
):
    """The replier's copy of the post still says "shown": the action reads
    the row again inside its transaction."""
    stale = Post.objects.get(pk=post.pk)
    _hidden(moderator, post)

    with pytest.raises(ValidationError, match="hidden or deleted"):
        actions.reply_to_topic(member, topic, body="Agreed!", reply_to=stale)


def test_reply_to_a_visible_post_still_works(topic, post, member):
    reply = actions.reply_to_topic(member, topic, body="Agreed!", reply_to=post)

    assert reply.reply_to == post


@pytest.mark.parametrize("make_gone", GONE)
def test_reply_page_keeps_the_text_and_drops_the_target(
    client, topic, post, member, moderator, make_gone
):
    make_gone(moderator, post)
    client.force_login(member)
    text = "I had the same problem with my Macina 64."

    response = client.post(
        reverse("forum:reply", args=[topic.pk]), {"body": text, "reply_to": post.pk}
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert text in html
    assert "has been hidden or deleted" in html
    # Nothing of the post it pointed to is shown, and posting again replies
    # to the topic.
    assert "Use citric acid" not in html
    assert "Replying to" not in html
    assert f'name="reply_to" value="{post.pk}"' not in html
    again = client.post(
        reverse("forum:reply", args=[topic.pk]), {"body": text, "reply_to": ""}
    )
    assert again.status_code == 302
    assert Post.objects.get(topic=topic, number=3).reply_to is None


@pytest.mark.parametrize("make_gone", GONE)
def test_reply_page_does_not_offer_a_post_that_is_no_longer_shown(
    client, topic, post, member, moderator, make_gone
):
    make_gone(moderator, post)
    client.force_login(member)

    for param in ("reply_to", "quote"):
        response = client.get(reverse("forum:reply", args=[topic.pk]), {param: post.pk})
        assert response.status_code == 200
        assert b"Replying to" not in response.content
        assert b"Use citric acid" not in response.content


@pytest.mark.parametrize(
    ("shut", "message"),
    [(lock_topic, "locked"), (close_topic, "closed to new replies")],
)
def test_topic_shut_between_the_check_and_the_write_refuses_the_reply(
    topic, member, other_member, moderator, shut, message
):
    """The caller loaded the topic while it was open; a moderator locked or
    closed it before the reply was written: the action asks the policy again
    on the row it locked."""
    loaded_while_open = Topic.objects.select_related("category").get(pk=topic.pk)
    shut(moderator, topic, rule=None, reason="Cooling off.")
    assert loaded_while_open.is_locked is False
    assert loaded_while_open.is_closed is False

    with pytest.raises(PermissionDenied, match=message):
        actions.reply_to_topic(other_member, loaded_while_open, body="Me too!")

    assert Topic.objects.get(pk=topic.pk).reply_count == 0
    assert topic.posts.count() == 1


def test_moderators_still_reply_to_a_topic_locked_meanwhile(topic, moderator):
    loaded_while_open = Topic.objects.select_related("category").get(pk=topic.pk)
    lock_topic(moderator, topic, rule=None, reason="Cooling off.")

    post = actions.reply_to_topic(
        moderator, loaded_while_open, body="Locked: see rule 2."
    )

    assert post.number == 2

"""Limits for new members: posts per hour, links, images and mentions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.roles import TrustLevel
from forum import actions
from forum.limits import check_posting_limits, count_links
from forum.models import Post
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_category,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

THREE_LINKS = "See https://a.example, https://b.example and https://c.example"
TWO_IMAGES = "![one](https://img.example/1.png) ![two](https://img.example/2.png)"


def _new_member(username: str | None = None):
    return make_user(username, trust_level=TrustLevel.NEW)


def _post_times(author, count: int, topic) -> None:
    for n in range(count):
        make_post(topic, author, body=f"Post number {n}")


def _backdate(author, minutes: int) -> None:
    Post.objects.filter(author=author).update(
        created_at=timezone.now() - timedelta(minutes=minutes)
    )


# --- Posts per hour -----------------------------------------------------------------------


def test_posting_limit_refuses_a_new_members_fourth_post_in_an_hour(topic):
    author = _new_member()
    _post_times(author, 3, topic)
    _backdate(author, 46)

    with pytest.raises(ValidationError) as excinfo:
        make_post(topic, author, body="One more thing")

    assert excinfo.value.code == "limits"
    assert excinfo.value.message == (
        "New members can post 3 times an hour. You can post again in 14 minutes "
        "— or take part a little longer to lift the limit."
    )
    assert Post.objects.filter(author=author).count() == 3


def test_posting_limit_counts_new_topics(category):
    author = _new_member()
    for n in range(3):
        make_topic(category, author, title=f"My question number {n}", body=f"Body {n}")

    with pytest.raises(ValidationError, match="New members can post 3 times an hour"):
        make_topic(category, author, title="My question number 4")


def test_posting_limit_forgets_posts_older_than_an_hour(topic):
    author = _new_member()
    _post_times(author, 3, topic)
    _backdate(author, 61)

    post = make_post(topic, author, body="Back again")

    assert post.pk is not None


def test_posting_limit_counts_deleted_posts(topic):
    author = _new_member()
    _post_times(author, 3, topic)
    actions.delete_post(author, Post.objects.filter(author=author).first())

    with pytest.raises(ValidationError, match="can post 3 times an hour"):
        make_post(topic, author, body="Deleting doesn't refund a post")


def test_posting_limit_allows_a_basic_members_fourth_post(topic):
    author = make_user(trust_level=TrustLevel.BASIC)
    _post_times(author, 3, topic)

    post = make_post(topic, author, body="A fourth post is fine")

    assert post.number == 5


def test_posting_limit_refuses_a_basic_members_eleventh_post_in_an_hour(topic):
    author = make_user(trust_level=TrustLevel.BASIC)
    _post_times(author, 10, topic)

    with pytest.raises(
        ValidationError, match="Basic members can post 10 times an hour"
    ):
        make_post(topic, author, body="Too many")


def test_posting_limit_costs_no_query_from_trust_level_member(
    django_assert_num_queries,
):
    author = make_user(trust_level=TrustLevel.MEMBER)

    with django_assert_num_queries(0):
        check_posting_limits(author, "<p>hi</p>", [])


def test_posting_limit_costs_one_query_for_the_rate(django_assert_num_queries):
    author = _new_member()
    # Looked up once per request and cached on the user, like the policy does.
    assert author.assigned_category_ids == frozenset()

    with django_assert_num_queries(1):
        check_posting_limits(author, "<p>hi</p>", [])


def test_posting_limit_follows_settings(settings, topic):
    settings.FORUM_NEW_MEMBER_LIMITS = {0: {"posts_per_hour": 1}}
    author = _new_member()
    make_post(topic, author)

    with pytest.raises(ValidationError, match="New members can post 1 time an hour"):
        make_post(topic, author)


# --- Links, images and mentions ----------------------------------------------------------


def test_content_limit_refuses_too_many_links(topic):
    author = _new_member()

    with pytest.raises(ValidationError) as excinfo:
        make_post(topic, author, body=THREE_LINKS)

    assert excinfo.value.code == "limits"
    assert excinfo.value.message.startswith(
        "New members can include at most 2 links in a post (this one has 3)."
    )


def test_content_limit_allows_links_up_to_the_limit(topic):
    author = _new_member()

    post = make_post(topic, author, body="https://a.example and https://b.example")

    assert post.pk is not None


def test_content_limit_ignores_mentions_and_links_within_the_site(topic, post):
    mentioned = [make_user(f"friend{n}") for n in range(2)]
    body = (
        f"> [{post.author_name} wrote]({post.get_absolute_url()}):\n> Use citric acid.\n\n"
        f"Thanks @{mentioned[0].username} and @{mentioned[1].username}, see "
        f"[the topic]({post.topic.get_absolute_url()}) and https://a.example"
    )

    reply = make_post(topic, _new_member(), body=body)

    assert count_links(reply.body_html) == 1


def test_content_limit_refuses_too_many_images(topic):
    with pytest.raises(
        ValidationError,
        match=r"New members can include at most 1 image in a post \(this one has 2\)",
    ):
        make_post(topic, _new_member(), body=TWO_IMAGES)


def test_content_limit_refuses_too_many_mentions(topic):
    names = [make_user(f"pal{n}").username for n in range(3)]
    body = "Ping " + " ".join(f"@{name}" for name in names)

    with pytest.raises(
        ValidationError,
        match=r"New members can mention at most 2 people in a post "
        r"\(this one mentions 3\)",
    ):
        make_post(topic, _new_member(), body=body)


def test_content_limit_names_every_limit_exceeded(topic):
    with pytest.raises(ValidationError) as excinfo:
        make_post(topic, _new_member(), body=f"{THREE_LINKS}\n\n{TWO_IMAGES}")

    message = excinfo.value.message
    assert "at most 2 links" in message
    assert "at most 1 image" in message
    assert message.endswith("The limits lift as you take part a little longer.")


def test_content_limit_basic_members_have_higher_limits(topic):
    author = make_user(trust_level=TrustLevel.BASIC)

    post = make_post(topic, author, body=f"{THREE_LINKS}\n\n{TWO_IMAGES}")

    assert post.pk is not None


def test_content_limit_checked_on_edits(topic):
    author = _new_member()
    post = make_post(topic, author, body="Nothing linked yet")

    with pytest.raises(ValidationError, match="at most 2 links in a post"):
        actions.edit_post(author, post, body=THREE_LINKS)


def test_edits_do_not_count_toward_the_posting_rate(topic):
    author = _new_member()
    _post_times(author, 3, topic)
    post = Post.objects.filter(author=author).last()

    actions.edit_post(author, post, body="Edited within the hour")

    post.refresh_from_db()
    assert post.body_source == "Edited within the hour"


# --- Who is exempt ------------------------------------------------------------------------


def _exempt_author(kind: str, category):
    if kind == "brand_rep":
        return make_brand_rep(trust_level=TrustLevel.NEW)
    if kind == "moderator":
        user = make_moderator(category)
    elif kind == "moderator_elsewhere":
        user = make_moderator(make_category())
    else:
        user = make_admin()
    user.trust_level = TrustLevel.NEW
    user.save(update_fields=["trust_level"])
    return user


@pytest.mark.parametrize(
    "kind", ["brand_rep", "moderator", "moderator_elsewhere", "admin"]
)
def test_limits_exempt_staff_reps_and_moderators(kind, category, topic):
    author = _exempt_author(kind, category)

    _post_times(author, 4, topic)
    make_post(topic, author, body=f"{THREE_LINKS}\n\n{TWO_IMAGES}")

    assert Post.objects.filter(author=author).count() == 5


def test_limits_apply_to_a_brand_rep_whose_role_was_revoked(topic):
    former = make_brand_rep(trust_level=TrustLevel.NEW)
    former.role = "member"
    former.brand = None
    former.save(update_fields=["role", "brand"])

    with pytest.raises(ValidationError, match="at most 2 links"):
        make_post(topic, former, body=THREE_LINKS)


# --- Over HTTP ----------------------------------------------------------------------------


def test_reply_view_shows_the_limit_and_keeps_the_text(client, topic):
    author = _new_member()
    client.force_login(author)

    response = client.post(
        reverse("forum:reply", args=[topic.pk]), {"body": THREE_LINKS}
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "New members can include at most 2 links in a post (this one has 3)." in (
        content
    )
    assert THREE_LINKS in content
    assert Post.objects.filter(author=author).exists() is False


def test_reply_view_shows_the_posting_rate(client, topic):
    author = _new_member()
    _post_times(author, 3, topic)
    client.force_login(author)

    response = client.post(
        reverse("forum:reply", args=[topic.pk]), {"body": "My fourth reply"}
    )

    assert response.status_code == 400
    content = response.content.decode()
    assert "New members can post 3 times an hour." in content
    assert "My fourth reply" in content

"""The whole moderation story over HTTP, as docs/architecture.md tells it:
flag → hidden pending review at the threshold (brand-rep flags weigh
nothing) → review → action citing a rule → tombstone and public log entry →
appeal decided by a different moderator → outcome in public."""

import pytest
from django.urls import reverse

from accounts.roles import TrustLevel
from forum.models import Post
from moderation.models import Appeal, ModerationAction, Rule
from tests.factories import make_brand_rep, make_moderator, make_user

pytestmark = pytest.mark.django_db


def test_flag_review_tombstone_log_appeal(client, settings, topic, category):
    settings.FORUM_FLAG_HIDE_THRESHOLD = 5
    rule = Rule.objects.create(number=2, title="Stay on topic")
    first_moderator = make_moderator(category, "mira")
    second_moderator = make_moderator(category, "theo")
    author = make_user("walt")
    post = Post.objects.get(topic=topic, number=1)
    client.force_login(author)
    client.post(
        reverse("forum:reply", args=[topic.pk]),
        {"body": "Off-topic rant about prices."},
    )
    post = Post.objects.get(topic=topic, number=2)
    flag_url = reverse("moderation:flag_post", args=[post.pk])

    # Brand representatives' flags carry no weight.
    for n in range(4):
        client.force_login(make_brand_rep(f"rep{n}"))
        assert client.post(flag_url, {"kind": "off_topic"}).status_code in (200, 302)
    post.refresh_from_db()
    assert post.pending_review is False

    # Three regulars (weight 2 each) reach the threshold of 5.
    for n in range(3):
        client.force_login(make_user(f"regular{n}", trust_level=TrustLevel.MEMBER))
        client.post(flag_url, {"kind": "off_topic"})
    post.refresh_from_db()
    assert post.pending_review is True
    client.logout()
    assert b"Hidden pending review" in client.get(topic.get_absolute_url()).content

    # A moderator of the category reviews it and agrees, citing a rule.
    client.force_login(first_moderator)
    queue = client.get(reverse("moderation:queue"))
    assert queue.status_code == 200
    assert b"Off-topic rant" in queue.content
    response = client.post(
        reverse("moderation:queue_decide", args=[post.pk]),
        {
            "decision": "agree",
            "outcome": "hide",
            "rule": str(rule.pk),
            "reason": "Please keep to descaling.",
        },
    )
    assert response.status_code == 302
    post.refresh_from_db()
    assert (post.is_hidden, post.pending_review) == (True, False)
    action = ModerationAction.objects.get(kind="post_hidden")
    assert action.followed_brand_flag is True  # brand reps flagged it too
    alias = action.actor_alias
    assert alias.startswith("Moderator #")

    # The public sees a tombstone and a log entry with the alias, not the name.
    client.logout()
    page = client.get(topic.get_absolute_url()).content.decode()
    assert "Hid a post" in page and alias in page and "2. Stay on topic" in page
    assert "mira" not in page
    log = client.get(reverse("moderation:log")).content.decode()
    assert alias in log and "Please keep to descaling." in log and "mira" not in log
    client.force_login(second_moderator)
    assert "mira" in client.get(reverse("moderation:log")).content.decode()

    # The author appeals once; the moderator who acted can't decide it.
    client.force_login(author)
    appeal_url = reverse("moderation:appeal", args=[action.pk])
    client.post(
        appeal_url, {"statement": "It was about the descaler's price, on topic."}
    )
    appeal = Appeal.objects.get(action=action)
    assert client.post(
        appeal_url, {"statement": "Second try at appealing this."}
    ).status_code in (400, 403)
    decide_url = reverse("moderation:appeal_decide", args=[appeal.pk])
    client.force_login(first_moderator)
    assert (
        client.post(decide_url, {"decision": "uphold", "reason": "Mine."}).status_code
        == 403
    )

    # A different moderator upholds it: the post is back, in public.
    client.force_login(second_moderator)
    client.post(
        decide_url, {"decision": "uphold", "reason": "Price talk is on topic here."}
    )
    post.refresh_from_db()
    action.refresh_from_db()
    assert post.is_hidden is False
    assert action.reversed_at is not None
    client.logout()
    assert "Upheld" in client.get(reverse("moderation:log")).content.decode()
    assert (
        "Off-topic rant about prices."
        in client.get(topic.get_absolute_url()).content.decode()
    )

"""The public moderation log, its Atom feed, the transparency summary and
the rules page."""

from datetime import timedelta

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation.actions.appeals import appeal_action, decide_appeal
from moderation.actions.posts import hide_post
from moderation.models import (
    Flag,
    FlagStatus,
    ModerationAction,
    Rule,
)
from tests.factories import (
    make_brand_rep,
    make_category,
    make_group,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db

LOG = reverse("moderation:log")
STATEMENT = "I was quoting the manual, not advertising anything at all."


@pytest.fixture
def rule():
    return Rule.objects.create(number=1, title="Be kind", description="No insults.")


@pytest.fixture
def hidden(moderator, post, rule):
    return hide_post(moderator, post, rule=rule, reason="Advertising a shop")


@pytest.fixture
def private_scene(rule):
    """A post hidden in a category only the beta group can see."""
    insider, tester = make_user("insider"), make_user("tester")
    group = make_group("Beta testers", members=[insider, tester])
    beta = make_category("Beta lab", slug="beta-lab", restricted_to=group)
    moderator = make_moderator(beta, "bea")
    topic = make_topic(beta, insider, title="Secret prototype grinder")
    post = make_post(topic, tester, body="The prototype leaks water.")
    action = hide_post(moderator, post, rule=rule, reason="Leaked photos")
    return {
        "insider": insider,
        "moderator": moderator,
        "action": action,
        "topic": topic,
    }


# --- The log ---------------------------------------------------------------------------


def test_log_shows_the_action_with_alias_rule_and_reason(client, hidden, post):
    response = client.get(LOG)

    assert response.status_code == 200
    text = response.text
    assert f'id="action-{hidden.pk}"' in text
    assert hidden.actor_alias in text
    assert "Hid a post" in text
    assert "1. Be kind" in text
    assert "Advertising a shop" in text
    assert post.topic.title in text
    assert post.topic.get_absolute_url() in text
    assert "Not appealed." in text


def test_log_shows_names_to_staff_only(
    client, hidden, moderator, member, brand_rep, admin_user
):
    client.logout()
    assert moderator.username not in client.get(LOG).text
    for viewer in (member, brand_rep):
        client.force_login(viewer)
        assert f"— {moderator.username}" not in client.get(LOG).text, viewer
    for viewer in (moderator, admin_user):
        client.force_login(viewer)
        assert f"— {moderator.username}" in client.get(LOG).text, viewer


def test_log_newest_first_and_paginated_by_50(client, category, moderator, rule):
    topic = make_topic(category, make_user(), title="A long and busy thread")
    posts = [make_post(topic, make_user(), body=f"Reply {i} here") for i in range(52)]
    actions = [
        hide_post(moderator, post, rule=rule, reason=f"Reason {i}")
        for i, post in enumerate(posts)
    ]

    first = client.get(LOG).text
    second = client.get(LOG, {"page": 2}).text

    assert f'id="action-{actions[-1].pk}"' in first
    assert f'id="action-{actions[0].pk}"' not in first
    assert f'id="action-{actions[0].pk}"' in second
    assert first.index(f"action-{actions[-1].pk}") < first.index(
        f"action-{actions[-2].pk}"
    )


def test_log_labels_actions_that_followed_a_brand_flag(client, moderator, post, rule):
    hide_post(moderator, post, rule=rule, reason="Off topic", followed_brand_flag=True)

    assert "Followed a brand representative's flag" in client.get(LOG).text


def test_log_filters_by_kind_category_and_alias(client, category, moderator, rule):
    other_category = make_category("Elsewhere", slug="elsewhere")
    other_moderator = make_moderator(other_category, "otto")
    here = hide_post(
        moderator,
        make_post(make_topic(category, make_user()), make_user()),
        rule=rule,
        reason="Here",
    )
    there = hide_post(
        other_moderator,
        make_post(make_topic(other_category, make_user()), make_user()),
        rule=rule,
        reason="There",
    )
    ModerationAction.objects.filter(pk=there.pk).update(kind="topic_locked")

    by_category = client.get(LOG, {"category": "elsewhere"}).text
    by_kind = client.get(LOG, {"kind": "post_hidden"}).text
    by_alias = client.get(LOG, {"moderator": here.actor_alias}).text
    by_number = client.get(LOG, {"moderator": there.actor_alias.split(" ")[-1]}).text

    assert f'id="action-{there.pk}"' in by_category
    assert f'id="action-{here.pk}"' not in by_category
    assert f'id="action-{here.pk}"' in by_kind
    assert f'id="action-{there.pk}"' not in by_kind
    assert f'id="action-{here.pk}"' in by_alias
    assert f'id="action-{there.pk}"' not in by_alias
    assert f'id="action-{there.pk}"' in by_number
    assert f'id="action-{here.pk}"' not in by_number


def test_log_bad_filter_is_a_400_with_the_form(client, hidden):
    response = client.get(LOG, {"kind": "nonsense", "moderator": "Moderator #1"})

    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert 'value="Moderator #1"' in response.text


def test_log_leaves_out_restricted_categories(client, private_scene, hidden, brand_rep):
    action = private_scene["action"]
    title = private_scene["topic"].title

    for viewer in (None, make_user("outsider"), brand_rep):
        if viewer is None:
            client.logout()
        else:
            client.force_login(viewer)
        text = client.get(LOG).text
        assert f'id="action-{action.pk}"' not in text
        assert title not in text
        assert "Beta lab" not in text  # not even in the category filter
        assert "Leaked photos" not in text
        assert f'id="action-{hidden.pk}"' in text
        assert client.get(LOG, {"category": "beta-lab"}).status_code == 400

    for viewer in (private_scene["insider"], private_scene["moderator"]):
        client.force_login(viewer)
        text = client.get(LOG).text
        assert f'id="action-{action.pk}"' in text
        assert title in text


def test_log_hides_the_title_of_a_topic_no_longer_visible(
    client, category, moderator, member, rule
):
    topic = make_topic(category, member, title="Soon deleted by its author")
    post = make_post(topic, make_user(), body="A reply to hide.")
    action = hide_post(moderator, post, rule=rule, reason="Rude")
    topic.deleted_at = timezone.now()
    topic.save(update_fields=["deleted_at"])

    text = client.get(LOG).text

    assert f'id="action-{action.pk}"' in text
    assert "Soon deleted by its author" not in text
    assert "A topic you can't see" in text


def _log_queries(client, params=None) -> int:
    client.get(LOG, params or {})
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(LOG, params or {})
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _actions(n, category, moderator, rule, *, appeal_every=2):
    topic = make_topic(category, make_user(), title="Thread with many hides")
    decider = make_moderator(category)
    for i in range(n):
        author = make_user()
        post = make_post(topic, author, body=f"Reply number {i}")
        action = hide_post(moderator, post, rule=rule, reason=f"Reason {i}")
        if i % appeal_every == 0:
            appeal = appeal_action(author, action, statement=STATEMENT)
            decide_appeal(decider, appeal, uphold=i % 4 == 0, reason="Decided")


@pytest.mark.parametrize("viewer", ["anonymous", "moderator", "member"])
def test_log_query_count_is_constant(client, category, moderator, rule, member, viewer):
    if viewer == "moderator":
        client.force_login(moderator)
    elif viewer == "member":
        client.force_login(member)
    _actions(3, category, moderator, rule)
    few = _log_queries(client)
    _actions(27, category, moderator, rule)
    many = _log_queries(client)
    filtered = _log_queries(client, {"category": "general", "kind": "post_hidden"})

    assert ModerationAction.objects.count() == 30
    assert few == many
    assert filtered <= many + 1


def test_log_refuses_post(client, hidden):
    assert client.post(LOG).status_code == 405


# --- The feed --------------------------------------------------------------------------


def test_log_feed_parses_and_shows_aliases_only(
    client, hidden, moderator, private_scene, other_member
):
    appeal = appeal_action(other_member, hidden, statement=STATEMENT)
    decide_appeal(
        make_moderator(hidden.category, "otto"), appeal, uphold=False, reason="Ad"
    )

    response = client.get(reverse("moderation:log_feed"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo
    assert len(feed.entries) == 1  # the restricted action is left out
    entry = feed.entries[0]
    assert entry.title == f"{hidden.actor_alias}: Hid a post"
    assert entry.author == hidden.actor_alias
    assert entry.link.endswith(f"/moderation/log/#action-{hidden.pk}")
    assert "Advertising a shop" in entry.summary
    assert "Denied" in entry.summary
    body = response.content.decode()
    for name in ("mira", "otto", "bea"):
        assert name not in body
    assert private_scene["topic"].title not in body


def test_log_feed_is_get_only(client):
    assert client.post(reverse("moderation:log_feed")).status_code == 405


def test_log_feed_limits_to_50(client, category, moderator, rule):
    topic = make_topic(category, make_user(), title="Very many hides")
    for i in range(52):
        hide_post(
            moderator, make_post(topic, make_user(), f"Post {i}"), rule=rule, reason="x"
        )

    feed = feedparser.parse(client.get(reverse("moderation:log_feed")).content)

    assert len(feed.entries) == 50


# --- Transparency ----------------------------------------------------------------------


def _month(value):
    return value.strftime("%Y-%m")


def test_transparency_counts_the_month(
    client, category, moderator, topic, rule, other_member
):
    second = make_moderator(category, "otto")
    rep = make_brand_rep("marco")
    posts = [make_post(topic, make_user(), f"Reply {i} here") for i in range(4)]
    hide = [hide_post(moderator, p, rule=rule, reason="Ad") for p in posts[:3]]
    hide_post(
        moderator, posts[3], rule=None, reason="Other reason", followed_brand_flag=True
    )
    upheld = appeal_action(posts[0].author, hide[0], statement=STATEMENT)
    decide_appeal(second, upheld, uphold=True, reason="Fine")
    denied = appeal_action(posts[1].author, hide[1], statement=STATEMENT)
    decide_appeal(second, denied, uphold=False, reason="Ad")
    appeal_action(posts[2].author, hide[2], statement=STATEMENT)
    now = timezone.now()
    Flag.objects.create(post=posts[0], flagger=other_member, kind="spam", weight=1)
    Flag.objects.create(
        post=posts[1],
        flagger=make_user(),
        kind="spam",
        weight=1,
        status=FlagStatus.AGREED,
        resolved_at=now,
    )
    Flag.objects.create(
        post=posts[2],
        flagger=make_user(),
        kind="spam",
        weight=1,
        status=FlagStatus.DISAGREED,
        resolved_at=now,
    )
    Flag.objects.create(
        post=posts[3],
        flagger=rep,
        kind="off_topic",
        weight=0,
        from_brand_rep=True,
        status=FlagStatus.AGREED,
        resolved_at=now,
    )
    # An action last month counts last month.
    old = hide_post(
        moderator, make_post(topic, make_user(), "Old post"), rule=rule, reason="Old"
    )
    ModerationAction.objects.filter(pk=old.pk).update(
        created_at=now.replace(day=1) - timedelta(days=3)
    )

    response = client.get(reverse("moderation:transparency"))

    assert response.status_code == 200
    counts = response.context
    assert counts["action_totals"] == {"total": 4, "followed_brand_flag": 1}
    assert counts["by_kind"] == [{"kind": "Hid a post", "count": 4}]
    assert counts["by_rule"] == [
        {"rule": "1. Be kind", "count": 3},
        {"rule": "Other (no rule cited)", "count": 1},
    ]
    assert counts["appeals"] == {"received": 3, "upheld": 1, "denied": 1, "pending": 1}
    assert counts["flags"] == {
        "received": 4,
        "agreed": 2,
        "disagreed": 1,
        "brand_received": 1,
        "brand_agreed": 1,
        "brand_disagreed": 0,
    }
    assert 'data-count="appeals-upheld">1<' in response.text
    assert 'data-count="brand-flags-agreed">1<' in response.text

    previous = now.replace(day=1) - timedelta(days=3)
    last_month = client.get(
        reverse("moderation:transparency"), {"month": _month(previous)}
    )
    assert last_month.context["action_totals"]["total"] == 1
    assert f"?month={_month(previous)}" in response.text


def test_transparency_query_count_is_constant(client, category, moderator, rule):
    url = reverse("moderation:transparency")
    _actions(2, category, moderator, rule)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _actions(12, category, moderator, rule)
    with CaptureQueriesContext(connection) as many:
        client.get(url)

    assert len(few.captured_queries) == len(many.captured_queries)


@pytest.mark.parametrize("month", ["2025-13", "march", "2025-3", "1900-01", "2999-01"])
def test_transparency_bad_month_is_a_clear_400(client, month):
    response = client.get(reverse("moderation:transparency"), {"month": month})

    assert response.status_code == 400
    assert 'role="alert"' in response.text


# --- Rules ------------------------------------------------------------------------------


def test_rules_page_lists_active_rules_in_order(client):
    Rule.objects.create(number=2, title="Stay on topic")
    Rule.objects.create(number=1, title="Be kind", description="No insults.")
    Rule.objects.create(number=3, title="Retired rule", is_active=False)

    response = client.get(reverse("moderation:rules"))

    assert response.status_code == 200
    text = response.text
    assert text.index("1. Be kind") < text.index("2. Stay on topic")
    assert "No insults." in text
    assert "Retired rule" not in text


def test_footer_links_to_log_rules_and_transparency(client):
    text = client.get(reverse("moderation:rules")).text

    for name in ("moderation:log", "moderation:rules", "moderation:transparency"):
        assert f'href="{reverse(name)}"' in text

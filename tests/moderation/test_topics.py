"""Moderator actions on topics: lock, close, pin, retitle, move, merge, split
and slow mode, through the actions and over HTTP."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum import actions as forum_actions
from forum.models import Category, Post, PostRevision, ReadState, Topic
from moderation.actions import topics as topic_actions
from moderation.actions.topics import REVERSALS
from moderation.models import (
    ActionKind,
    AuditEntry,
    ModerationAction,
    ModeratorAssignment,
    Rule,
)
from notifications.models import TopicWatch
from tests.factories import (
    make_category,
    make_group,
    make_moderator,
    make_post,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rule():
    return Rule.objects.create(number=1, title="Be kind")


@pytest.fixture
def elsewhere(moderator):
    """A second category that the same moderator also looks after."""
    other = make_category("Espresso", slug="espresso")
    ModeratorAssignment.objects.create(user=moderator, category=other)
    for cached in ("assigned_category_ids", "_memberships"):  # cached_property
        moderator.__dict__.pop(cached, None)
    return other


@pytest.fixture
def other_moderator(db):
    return make_moderator(make_category("Elsewhere", slug="elsewhere"), "otto")


def _url(verb, topic):
    return reverse(f"moderation:topic_{verb}", args=[topic.pk])


def _topic_row(topic):
    return Topic.objects.values().get(pk=topic.pk)


def _posts(topic):
    return list(
        Post.objects.filter(topic=topic)
        .order_by("number")
        .values_list("number", "body_source")
    )


# --- Every verb over HTTP: who may, who may not ---------------------------------------------

VERBS = [
    "lock",
    "unlock",
    "close",
    "reopen",
    "pin",
    "unpin",
    "retitle",
    "move",
    "merge",
    "split",
    "slow_mode",
]

EXPECTED_KIND = {
    "lock": ActionKind.TOPIC_LOCKED,
    "unlock": ActionKind.TOPIC_UNLOCKED,
    "close": ActionKind.TOPIC_CLOSED,
    "reopen": ActionKind.TOPIC_REOPENED,
    "pin": ActionKind.TOPIC_PINNED,
    "unpin": ActionKind.TOPIC_UNPINNED,
    "retitle": ActionKind.TOPIC_RETITLED,
    "move": ActionKind.TOPIC_MOVED,
    "merge": ActionKind.TOPIC_MERGED,
    "split": ActionKind.TOPIC_SPLIT,
    "slow_mode": ActionKind.SLOW_MODE_SET,
}


@pytest.fixture
def scene(category, member, other_member, topic, post, elsewhere):
    """A topic with two replies, a second topic to merge into, and a state
    that each "un-" verb can undo."""
    make_post(topic, member, body="Thanks, I'll try that.")
    Topic.objects.filter(pk=topic.pk).update(
        is_locked=False, is_closed=False, is_pinned=False
    )
    topic.refresh_from_db()
    target = make_topic(category, other_member, title="Descaling, the FAQ")
    return {"topic": topic, "target": target, "elsewhere": elsewhere}


def _prepare(verb, scene, rule):
    """Set the state the verb changes and return the POST payload."""
    topic = scene["topic"]
    flags = {"unlock": "is_locked", "reopen": "is_closed", "unpin": "is_pinned"}
    if verb in flags:
        Topic.objects.filter(pk=topic.pk).update(**{flags[verb]: True})
    payload: dict[str, Any] = {"rule": str(rule.pk), "reason": "Keeping the forum tidy"}
    extra: dict[str, dict[str, Any]] = {
        "retitle": {"title": "Descaling an espresso machine"},
        "move": {"category": str(scene["elsewhere"].pk)},
        "merge": {"target": str(scene["target"].pk)},
        "split": {
            "title": "Citric acid versus vinegar",
            "posts": ["2"],
            "category": str(topic.category_id),
        },
        "slow_mode": {"seconds": "300"},
    }
    payload.update(extra.get(verb, {}))
    return payload


def _check_state(verb, scene):
    topic = Topic.objects.get(pk=scene["topic"].pk)
    checks = {
        "lock": topic.is_locked is True,
        "unlock": topic.is_locked is False,
        "close": topic.is_closed is True,
        "reopen": topic.is_closed is False,
        "pin": topic.is_pinned is True,
        "unpin": topic.is_pinned is False,
        "retitle": topic.title == "Descaling an espresso machine",
        "move": topic.category_id == scene["elsewhere"].pk,
        "merge": topic.merged_into_id == scene["target"].pk,
        "split": Topic.objects.filter(title="Citric acid versus vinegar").exists(),
        "slow_mode": topic.slow_mode_seconds == 300,
    }
    return checks[verb]


@pytest.mark.parametrize("verb", VERBS)
def test_topic_verb_by_category_moderator_acts_and_leaves_tombstone(
    client, verb, scene, moderator, rule
):
    payload = _prepare(verb, scene, rule)
    client.force_login(moderator)

    assert client.get(_url(verb, scene["topic"])).status_code == 200
    response = client.post(_url(verb, scene["topic"]), payload)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _check_state(verb, scene) is True
    action = ModerationAction.objects.get()
    assert action.kind == EXPECTED_KIND[verb]
    assert (action.rule, action.reason) == (rule, "Keeping the forum tidy")
    assert action.actor_alias.startswith("Moderator #")
    assert AuditEntry.objects.filter(verb=f"moderation.{action.kind}").exists()
    page = client.get(action.topic.get_absolute_url())
    assert f'id="moderation-{action.pk}"' in page.content.decode()


@pytest.mark.parametrize("verb", VERBS)
@pytest.mark.parametrize("who", ["brand_rep", "member", "other_moderator"])
def test_topic_verb_refused_with_403_and_nothing_changes(
    client, verb, who, scene, rule, request
):
    actor = request.getfixturevalue(who)
    payload = _prepare(verb, scene, rule)
    topic = scene["topic"]
    before = (_topic_row(topic), _posts(topic), _topic_row(scene["target"]))
    client.force_login(actor)

    get = client.get(_url(verb, topic))
    post = client.post(_url(verb, topic), payload)

    assert (get.status_code, post.status_code) == (403, 403)
    assert (_topic_row(topic), _posts(topic), _topic_row(scene["target"])) == before
    assert Topic.objects.count() == 2
    assert not ModerationAction.objects.exists()


@pytest.mark.parametrize("verb", VERBS)
def test_topic_verb_sends_visitor_to_sign_in(client, verb, topic):
    response = client.post(_url(verb, topic), {"reason": "x"})

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_topic_verb_in_hidden_category_is_404_for_outsider(client, member, rule):
    tester = make_user()
    group = make_group("Beta testers", members=[tester])
    secret = make_category("Beta lab", slug="beta-lab", restricted_to=group)
    topic = make_topic(secret, tester)
    client.force_login(member)

    response = client.post(_url("lock", topic), {"rule": rule.pk, "reason": "x"})

    assert response.status_code == 404


def test_topic_lock_without_reason_rerenders_form_with_400(
    client, moderator, topic, rule
):
    client.force_login(moderator)

    response = client.post(_url("lock", topic), {"rule": str(rule.pk), "reason": ""})

    assert response.status_code == 400
    assert b"field-error" in response.content
    topic.refresh_from_db()
    assert topic.is_locked is False


def test_topic_moderate_toolbar_shown_only_to_moderators(
    client, topic, moderator, member, brand_rep
):
    shown = {}
    for user in (moderator, member, brand_rep):
        client.force_login(user)
        shown[user.username] = (
            b"Moderate this topic" in client.get(topic.get_absolute_url()).content
        )

    assert shown == {"mira": True, "alice": False, "marco": False}


def test_topic_moderate_toolbar_offers_unlock_on_a_locked_topic(
    client, topic, moderator
):
    Topic.objects.filter(pk=topic.pk).update(is_locked=True)
    client.force_login(moderator)

    content = client.get(topic.get_absolute_url()).content.decode()

    assert _url("unlock", topic) in content
    assert _url("lock", topic) not in content


# --- Lock, close, pin ------------------------------------------------------------------------


def test_lock_topic_twice_writes_one_record(moderator, topic, rule):
    topic_actions.lock_topic(moderator, topic, rule=rule, reason="Heated")
    topic_actions.lock_topic(moderator, topic, rule=rule, reason="Heated")

    assert ModerationAction.objects.count() == 1
    assert Topic.objects.get(pk=topic.pk).is_locked is True


def test_lock_topic_by_brand_rep_is_denied(brand_rep, topic, rule):
    with pytest.raises(PermissionDenied, match="Brand representatives"):
        topic_actions.lock_topic(brand_rep, topic, rule=rule, reason="Criticism")

    assert Topic.objects.get(pk=topic.pk).is_locked is False
    assert not ModerationAction.objects.exists()


def test_lock_topic_record_names_topic_category_and_author(
    moderator, topic, member, rule
):
    topic_actions.lock_topic(moderator, topic, rule=rule, reason="Heated")

    action = ModerationAction.objects.get()
    assert (action.topic, action.category, action.target_user, action.post) == (
        topic,
        topic.category,
        member,
        None,
    )


def test_locked_topic_refuses_replies_and_edits(
    client, moderator, topic, member, other_member, rule
):
    topic_actions.lock_topic(moderator, topic, rule=rule, reason="Heated")
    first = Post.objects.get(topic=topic, number=1)

    client.force_login(other_member)
    reply = client.post(reverse("forum:reply", args=[topic.pk]), {"body": "Me too"})
    client.force_login(member)
    edit = client.post(
        reverse("forum:post_edit", args=[first.pk]), {"body": "Changed my mind"}
    )

    assert (reply.status_code, edit.status_code) == (403, 403)
    assert Post.objects.filter(topic=topic).count() == 1
    assert Post.objects.get(pk=first.pk).body_source != "Changed my mind"


def test_closed_topic_refuses_replies_but_author_can_edit(
    client, moderator, topic, member, other_member, rule
):
    topic_actions.close_topic(moderator, topic, rule=rule, reason="Answered")
    first = Post.objects.get(topic=topic, number=1)

    client.force_login(other_member)
    reply = client.post(reverse("forum:reply", args=[topic.pk]), {"body": "Me too"})
    client.force_login(member)
    edit = client.post(
        reverse("forum:post_edit", args=[first.pk]),
        {"body": "Solved: citric acid works.", "title": topic.title},
    )

    assert reply.status_code == 403
    assert edit.status_code == 302
    assert Post.objects.get(pk=first.pk).body_source == "Solved: citric acid works."


def test_moderator_can_still_reply_to_a_closed_topic(moderator, topic, rule):
    topic_actions.close_topic(moderator, topic, rule=rule, reason="Answered")

    forum_actions.reply_to_topic(moderator, topic, body="Closing note.")

    assert Topic.objects.get(pk=topic.pk).reply_count == 1


def test_pin_topic_puts_it_first_in_the_category(
    client, moderator, category, topic, rule
):
    make_topic(category, make_user(), title="A newer topic here")
    topic_actions.pin_topic(moderator, topic, rule=rule, reason="FAQ")

    listed = list(Topic.objects.filter(category=category))

    assert listed[0] == topic


# --- Retitle ---------------------------------------------------------------------------------


def test_retitle_topic_keeps_first_post_and_old_slug_redirects(
    client, moderator, topic, rule
):
    old_url = topic.get_absolute_url()
    first = Post.objects.get(topic=topic, number=1)
    revisions = PostRevision.objects.filter(post=first).count()

    topic_actions.retitle_topic(
        moderator, topic, title="Descaling a Gaggia", rule=rule, reason="Clearer"
    )

    topic.refresh_from_db()
    assert (topic.title, topic.slug) == ("Descaling a Gaggia", "descaling-a-gaggia")
    assert PostRevision.objects.filter(post=first).count() == revisions
    assert Post.objects.get(pk=first.pk).body_source == first.body_source
    action = ModerationAction.objects.get()
    assert action.details == {
        "old_title": "How do I descale?",
        "new_title": "Descaling a Gaggia",
    }
    response = client.get(old_url)
    assert response.status_code == 301
    assert response["Location"] == topic.get_absolute_url()


def test_retitle_topic_tombstone_shows_old_title(client, moderator, topic, rule):
    topic_actions.retitle_topic(
        moderator, topic, title="Descaling a Gaggia", rule=rule, reason="Clearer"
    )

    content = client.get(topic.get_absolute_url()).content.decode()

    assert "Was titled “How do I descale?”" in content


def test_retitle_topic_with_too_short_title_is_refused(client, moderator, topic, rule):
    client.force_login(moderator)

    response = client.post(
        _url("retitle", topic), {"title": "Hi", "rule": rule.pk, "reason": "Clearer"}
    )

    assert response.status_code == 400
    assert "at least" in response.content.decode()
    assert 'value="Hi"' in response.content.decode()
    assert Topic.objects.get(pk=topic.pk).title == "How do I descale?"


def test_retitle_topic_to_same_title_records_nothing(moderator, topic, rule):
    topic_actions.retitle_topic(
        moderator, topic, title="How do I descale?", rule=rule, reason="Same"
    )

    assert not ModerationAction.objects.exists()


# --- Move ------------------------------------------------------------------------------------


def test_move_topic_updates_both_categories_counters(
    moderator, category, topic, post, elsewhere, rule
):
    make_post(topic, make_user())  # three posts, one of them deleted below
    Post.objects.filter(topic=topic, number=3).update(deleted_at=timezone.now())
    older = make_topic(elsewhere, make_user(), title="An older espresso topic")
    Topic.objects.filter(pk=older.pk).update(
        last_posted_at=timezone.now() - timedelta(days=3)
    )

    topic_actions.move_topic(
        moderator, topic, category=elsewhere, rule=rule, reason="Wrong place"
    )

    category.refresh_from_db()
    elsewhere.refresh_from_db()
    assert (category.topic_count, category.post_count, category.last_topic) == (
        0,
        1,
        None,
    )
    assert (elsewhere.topic_count, elsewhere.post_count, elsewhere.last_topic) == (
        2,
        3,
        topic,
    )
    action = ModerationAction.objects.get()
    assert action.details == {
        "from_category": "General",
        "to_category": "Espresso",
        "from_category_id": category.pk,
        "to_category_id": elsewhere.pk,
    }
    assert action.category == elsewhere


def test_move_topic_into_unmoderated_category_is_denied(moderator, topic, rule):
    foreign = make_category("Foreign", slug="foreign")

    with pytest.raises(PermissionDenied, match="categories you moderate"):
        topic_actions.move_topic(
            moderator, topic, category=foreign, rule=rule, reason="Wrong place"
        )

    assert Topic.objects.get(pk=topic.pk).category_id == topic.category_id


def test_move_topic_into_its_own_category_is_refused(moderator, topic, rule):
    with pytest.raises(ValidationError):
        topic_actions.move_topic(
            moderator, topic, category=topic.category, rule=rule, reason="Nope"
        )


def test_move_form_lists_only_moderated_categories(client, moderator, topic, elsewhere):
    make_category("Foreign", slug="foreign")
    client.force_login(moderator)

    content = client.get(_url("move", topic)).content.decode()

    assert "Espresso" in content
    assert "Foreign" not in content


def test_move_form_refuses_unmoderated_category_with_400(
    client, moderator, topic, rule
):
    foreign = make_category("Foreign", slug="foreign")
    client.force_login(moderator)

    response = client.post(
        _url("move", topic),
        {"category": foreign.pk, "rule": rule.pk, "reason": "Wrong place"},
    )

    assert response.status_code == 400
    assert Topic.objects.get(pk=topic.pk).category_id == topic.category_id


def test_moved_topic_tombstone_names_both_categories(
    client, moderator, topic, elsewhere, rule
):
    topic_actions.move_topic(
        moderator, topic, category=elsewhere, rule=rule, reason="Wrong place"
    )

    content = client.get(topic.get_absolute_url()).content.decode()

    assert "Moved from General to Espresso." in content


# --- Merge -----------------------------------------------------------------------------------


@pytest.fixture
def two_topics(category, member, other_member):
    """*into* has posts 1-3; *source* has 2 posts, one written before into's
    last reply."""
    now = timezone.now()
    into = make_topic(category, member, title="Descaling, the FAQ", replies=2)
    source = make_topic(category, other_member, title="Descale question again")
    make_post(source, make_user(), body="Also curious about this.")
    Post.objects.filter(topic=into, number=1).update(created_at=now - timedelta(3))
    Post.objects.filter(topic=into, number=2).update(created_at=now - timedelta(2))
    Post.objects.filter(topic=into, number=3).update(created_at=now)
    Post.objects.filter(topic=source, number=1).update(created_at=now - timedelta(1))
    # Dates need not follow numbers (imported posts): merge orders by date.
    Post.objects.filter(topic=source, number=2).update(
        created_at=now - timedelta(days=1, hours=1)
    )
    return into, source


def test_merge_topics_appends_posts_in_time_order(moderator, two_topics, rule):
    into, source = two_topics
    source_first = Post.objects.get(topic=source, number=1)
    source_second = Post.objects.get(topic=source, number=2)

    topic_actions.merge_topics(moderator, source, into=into, rule=rule, reason="Dupe")

    assert list(
        Post.objects.filter(topic=into).order_by("number").values_list("pk", flat=True)
    )[3:] == [source_second.pk, source_first.pk]
    assert sorted(Post.objects.filter(topic=into).values_list("number", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
    ]
    into.refresh_from_db()
    assert (into.reply_count, into.last_post_number) == (4, 5)
    assert into.last_post.number == 5


def test_merge_topics_leaves_a_redirecting_shell(
    client, moderator, member, two_topics, rule
):
    into, source = two_topics
    old_url = source.get_absolute_url()
    forum_actions.mark_read(member, source, 2)

    topic_actions.merge_topics(moderator, source, into=into, rule=rule, reason="Dupe")

    source.refresh_from_db()
    assert source.merged_into == into
    assert (source.reply_count, source.last_post_number) == (0, 0)
    assert not Post.objects.filter(topic=source).exists()
    assert not ReadState.objects.filter(topic=source).exists()
    client.force_login(member)
    for url in (old_url, reverse("forum:topic_short", args=[source.pk])):
        response = client.get(url)
        assert response.status_code == 301, url
        assert response["Location"] == into.get_absolute_url()


def test_merge_topics_updates_category_counters_and_records_on_target(
    moderator, category, two_topics, other_member, rule
):
    into, source = two_topics
    category.refresh_from_db()
    before = (category.topic_count, category.post_count)

    topic_actions.merge_topics(moderator, source, into=into, rule=rule, reason="Dupe")

    category.refresh_from_db()
    assert (category.topic_count, category.post_count) == (before[0] - 1, before[1])
    action = ModerationAction.objects.get()
    assert (action.kind, action.topic, action.target_user) == (
        ActionKind.TOPIC_MERGED,
        into,
        other_member,
    )
    assert action.details["merged_from_title"] == "Descale question again"
    assert action.details["merged_from_id"] == source.pk


def test_merge_topics_across_categories_moves_post_counts(
    moderator, two_topics, elsewhere, rule
):
    into, source = two_topics
    Topic.objects.filter(pk=source.pk).update(category=elsewhere)
    Category.objects.filter(pk=elsewhere.pk).update(topic_count=1, post_count=2)
    source.refresh_from_db()
    general = into.category
    general_posts = Category.objects.get(pk=general.pk).post_count

    topic_actions.merge_topics(moderator, source, into=into, rule=rule, reason="Dupe")

    elsewhere.refresh_from_db()
    assert (elsewhere.topic_count, elsewhere.post_count) == (0, 0)
    assert Category.objects.get(pk=general.pk).post_count == general_posts + 2


def test_merge_topics_carries_watchers_over(moderator, two_topics, rule):
    into, source = two_topics
    watcher = make_user()
    TopicWatch.objects.create(user=watcher, topic=source, level=3)

    topic_actions.merge_topics(moderator, source, into=into, rule=rule, reason="Dupe")

    assert TopicWatch.objects.filter(user=watcher, topic=into, level=3).exists()


def test_merge_topic_into_itself_is_refused(moderator, topic, rule):
    with pytest.raises(ValidationError, match="itself"):
        topic_actions.merge_topics(moderator, topic, into=topic, rule=rule, reason="x")


def test_merge_into_a_merged_topic_is_refused(moderator, category, two_topics, rule):
    into, source = two_topics
    third = make_topic(category, make_user(), title="Third descaling topic")
    topic_actions.merge_topics(moderator, source, into=into, rule=rule, reason="Dupe")

    with pytest.raises(ValidationError, match="merged into another"):
        topic_actions.merge_topics(
            moderator,
            third,
            into=Topic.objects.get(pk=source.pk),
            rule=rule,
            reason="x",
        )


def test_merge_into_a_topic_the_moderator_does_not_moderate_is_denied(
    moderator, topic, rule
):
    foreign = make_topic(make_category("Foreign", slug="foreign"), make_user())

    with pytest.raises(PermissionDenied):
        topic_actions.merge_topics(
            moderator, topic, into=foreign, rule=rule, reason="x"
        )

    assert Topic.objects.get(pk=topic.pk).merged_into is None


@pytest.mark.parametrize("form", ["id", "path", "full_url", "short_url"])
def test_merge_form_accepts_topic_number_or_link(
    client, moderator, two_topics, rule, form
):
    into, source = two_topics
    target = {
        "id": str(into.pk),
        "path": into.get_absolute_url(),
        "full_url": "https://forum.example" + into.get_absolute_url() + "?page=1",
        "short_url": f"/t/{into.pk}/",
    }[form]
    client.force_login(moderator)

    response = client.post(
        _url("merge", source), {"target": target, "rule": rule.pk, "reason": "Dupe"}
    )

    assert response.status_code == 302
    assert response["Location"] == into.get_absolute_url()


def test_merge_form_with_unknown_topic_rerenders_with_400(
    client, moderator, topic, rule
):
    client.force_login(moderator)

    response = client.post(
        _url("merge", topic), {"target": "not a topic", "rule": rule.pk, "reason": "x"}
    )

    assert response.status_code == 400
    assert 'value="not a topic"' in response.content.decode()


def test_merge_form_refuses_target_outside_moderated_categories(
    client, moderator, topic, rule
):
    foreign = make_topic(make_category("Foreign", slug="foreign"), make_user())
    client.force_login(moderator)

    response = client.post(
        _url("merge", topic),
        {"target": str(foreign.pk), "rule": rule.pk, "reason": "x"},
    )

    assert response.status_code == 400
    assert Topic.objects.get(pk=topic.pk).merged_into is None


def test_merged_shell_refuses_replies(moderator, other_member, two_topics, rule):
    into, source = two_topics
    topic_actions.merge_topics(moderator, source, into=into, rule=rule, reason="Dupe")

    with pytest.raises(Http404):
        forum_actions.reply_to_topic(
            other_member, Topic.objects.get(pk=source.pk), body="Late reply"
        )


# --- Split -----------------------------------------------------------------------------------


@pytest.fixture
def long_topic(category, member):
    """Posts 1-6 by alternating authors."""
    topic = make_topic(category, member, title="Grinder settings thread")
    authors = [make_user(f"author{n}") for n in range(2, 7)]
    for n, author in enumerate(authors, start=2):
        forum_actions.reply_to_topic(author, topic, body=f"Post number {n}")
    topic.refresh_from_db()
    return topic


def test_split_topic_creates_dense_new_topic_and_keeps_old_dense(
    moderator, category, long_topic, rule
):
    reply_to_four = Post.objects.get(topic=long_topic, number=6)
    Post.objects.filter(pk=reply_to_four.pk).update(
        reply_to=Post.objects.get(topic=long_topic, number=4)
    )
    topic_count = Category.objects.get(pk=category.pk).topic_count

    new = topic_actions.split_topic(
        moderator,
        long_topic,
        post_numbers=[3, 5],
        title="Burr alignment tangent",
        rule=rule,
        reason="Off-topic tangent",
    )

    assert _posts(new) == [(1, "Post number 3"), (2, "Post number 5")]
    assert (new.author.username, new.author_name) == ("author3", "author3")
    assert (new.reply_count, new.last_post_number) == (1, 2)
    assert new.first_post.number == 1
    assert new.last_post.number == 2
    assert _posts(long_topic) == [
        (1, Post.objects.get(topic=long_topic, number=1).body_source),
        (2, "Post number 2"),
        (3, "Post number 4"),
        (4, "Post number 6"),
    ]
    long_topic.refresh_from_db()
    assert (long_topic.reply_count, long_topic.last_post_number) == (3, 4)
    assert long_topic.last_post.body_source == "Post number 6"
    # "in reply to #4" still points at the same post, now #3.
    assert Post.objects.get(pk=reply_to_four.pk).reply_to.number == 3
    assert Category.objects.get(pk=category.pk).topic_count == topic_count + 1
    action = ModerationAction.objects.get()
    assert (action.kind, action.topic) == (ActionKind.TOPIC_SPLIT, long_topic)
    assert action.details == {
        "new_topic_id": new.pk,
        "new_title": "Burr alignment tangent",
        "count": 2,
    }


def test_split_topic_clears_reply_links_across_the_cut(moderator, long_topic, rule):
    Post.objects.filter(topic=long_topic, number=5).update(
        reply_to=Post.objects.get(topic=long_topic, number=2)
    )

    new = topic_actions.split_topic(
        moderator,
        long_topic,
        post_numbers=[5],
        title="A tangent",
        rule=rule,
        reason="x",
    )

    assert Post.objects.get(topic=new, number=1).reply_to is None


def test_split_topic_into_another_category(
    moderator, category, elsewhere, long_topic, rule
):
    posts_before = Category.objects.get(pk=category.pk).post_count

    new = topic_actions.split_topic(
        moderator,
        long_topic,
        post_numbers=[2, 3],
        title="Espresso tangent",
        category=elsewhere,
        rule=rule,
        reason="Belongs there",
    )

    assert new.category == elsewhere
    elsewhere.refresh_from_db()
    assert (elsewhere.topic_count, elsewhere.post_count, elsewhere.last_topic) == (
        1,
        2,
        new,
    )
    assert Category.objects.get(pk=category.pk).post_count == posts_before - 2


@pytest.mark.parametrize(
    ("numbers", "message"),
    [([], "at least one"), ([1, 2], "first post"), ([2, 99], "no post #99")],
)
def test_split_topic_refuses_bad_selection(
    moderator, long_topic, rule, numbers, message
):
    with pytest.raises(ValidationError, match=message):
        topic_actions.split_topic(
            moderator,
            long_topic,
            post_numbers=numbers,
            title="A tangent",
            rule=rule,
            reason="x",
        )

    assert Topic.objects.count() == 1


def test_split_form_accepts_typed_ranges(client, moderator, long_topic, rule):
    client.force_login(moderator)

    response = client.post(
        _url("split", long_topic),
        {
            "title": "Tangent on burrs",
            "post_numbers": "3, 5 - 6",
            "category": long_topic.category_id,
            "rule": rule.pk,
            "reason": "Tangent",
        },
    )

    assert response.status_code == 302
    new = Topic.objects.get(title="Tangent on burrs")
    assert response["Location"] == new.get_absolute_url()
    assert [body for _n, body in _posts(new)] == [
        "Post number 3",
        "Post number 5",
        "Post number 6",
    ]
    assert [n for n, _body in _posts(long_topic)] == [1, 2, 3]


@pytest.mark.parametrize("typed", ["3, x", "9-4", "1-100"])
def test_split_form_rejects_bad_numbers_with_400(
    client, moderator, long_topic, rule, typed
):
    client.force_login(moderator)

    response = client.post(
        _url("split", long_topic),
        {
            "title": "Tangent on burrs",
            "post_numbers": typed,
            "category": long_topic.category_id,
            "rule": rule.pk,
            "reason": "Tangent",
        },
    )

    assert response.status_code == 400
    assert Topic.objects.count() == 1


def test_split_form_lists_replies_with_checkboxes(client, moderator, long_topic):
    client.force_login(moderator)

    content = client.get(_url("split", long_topic)).content.decode()

    assert 'name="posts" value="2"' in content
    assert 'name="posts" value="6"' in content
    assert 'name="posts" value="1"' not in content


# --- Slow mode -------------------------------------------------------------------------------


def test_slow_mode_set_over_http_is_enforced_on_replies(
    client, moderator, topic, other_member, rule
):
    client.force_login(moderator)
    client.post(
        _url("slow_mode", topic), {"seconds": "300", "rule": rule.pk, "reason": "Calm"}
    )
    client.force_login(other_member)
    reply_url = reverse("forum:reply", args=[topic.pk])

    first = client.post(reply_url, {"body": "First thoughts."})
    second = client.post(reply_url, {"body": "Second thoughts."})

    assert first.status_code == 302
    assert second.status_code == 400
    assert "slow mode" in second.content.decode()
    assert Topic.objects.get(pk=topic.pk).reply_count == 1


def test_slow_mode_off_records_cleared(moderator, topic, rule):
    topic_actions.set_slow_mode(moderator, topic, seconds=900, rule=rule, reason="x")
    topic_actions.set_slow_mode(moderator, topic, seconds=0, rule=rule, reason="y")

    kinds = list(ModerationAction.objects.order_by("pk").values_list("kind", "details"))
    assert kinds == [
        (ActionKind.SLOW_MODE_SET, {"seconds": 900, "previous": 0}),
        (ActionKind.SLOW_MODE_CLEARED, {"seconds": 0, "previous": 900}),
    ]


def test_slow_mode_refuses_unlisted_duration(moderator, topic, rule):
    with pytest.raises(ValidationError):
        topic_actions.set_slow_mode(moderator, topic, seconds=42, rule=rule, reason="x")


# --- Reversal on appeal ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action_name", "field", "before"),
    [
        ("lock_topic", "is_locked", False),
        ("unlock_topic", "is_locked", True),
        ("close_topic", "is_closed", False),
        ("reopen_topic", "is_closed", True),
        ("pin_topic", "is_pinned", False),
        ("unpin_topic", "is_pinned", True),
    ],
)
def test_reversal_restores_flag(
    moderator, admin_user, topic, rule, action_name, field, before
):
    Topic.objects.filter(pk=topic.pk).update(**{field: before})
    topic.refresh_from_db()
    getattr(topic_actions, action_name)(moderator, topic, rule=rule, reason="x")
    action = ModerationAction.objects.get()

    REVERSALS[action.kind](admin_user, action)

    assert getattr(Topic.objects.get(pk=topic.pk), field) is before
    assert ModerationAction.objects.count() == 1


def test_reversal_restores_title(admin_user, moderator, topic, rule):
    old_url = topic.get_absolute_url()
    topic_actions.retitle_topic(
        moderator, topic, title="Something else", rule=rule, reason="x"
    )

    REVERSALS[ActionKind.TOPIC_RETITLED](admin_user, ModerationAction.objects.get())

    topic.refresh_from_db()
    assert (topic.title, topic.get_absolute_url()) == ("How do I descale?", old_url)
    assert ModerationAction.objects.count() == 1


def test_reversal_moves_topic_back_with_counters(
    admin_user, moderator, category, elsewhere, topic, post, rule
):
    category.refresh_from_db()
    before = (category.topic_count, category.post_count, category.last_topic)
    topic_actions.move_topic(
        moderator, topic, category=elsewhere, rule=rule, reason="x"
    )

    REVERSALS[ActionKind.TOPIC_MOVED](admin_user, ModerationAction.objects.get())

    category.refresh_from_db()
    elsewhere.refresh_from_db()
    assert Topic.objects.get(pk=topic.pk).category == category
    assert (category.topic_count, category.post_count, category.last_topic) == before
    assert (elsewhere.topic_count, elsewhere.post_count) == (0, 0)


def test_reversal_restores_previous_slow_mode(admin_user, moderator, topic, rule):
    topic_actions.set_slow_mode(moderator, topic, seconds=60, rule=rule, reason="x")
    topic_actions.set_slow_mode(moderator, topic, seconds=3600, rule=rule, reason="y")

    REVERSALS[ActionKind.SLOW_MODE_SET](
        admin_user, ModerationAction.objects.order_by("pk").last()
    )

    assert Topic.objects.get(pk=topic.pk).slow_mode_seconds == 60


def test_reversal_of_merge_and_split_is_refused(
    admin_user, moderator, two_topics, long_topic, rule
):
    into, source = two_topics
    topic_actions.merge_topics(moderator, source, into=into, rule=rule, reason="x")
    topic_actions.split_topic(
        moderator,
        long_topic,
        post_numbers=[2],
        title="A tangent",
        rule=rule,
        reason="x",
    )

    for action in ModerationAction.objects.all():
        with pytest.raises(ValidationError, match="can't be undone"):
            REVERSALS[action.kind](admin_user, action)


def test_every_topic_action_kind_has_a_reversal_entry():
    topic_kinds = {k for k in ActionKind.values if k.startswith(("topic_", "slow_"))}

    assert set(REVERSALS) == topic_kinds


# --- Query budget ----------------------------------------------------------------------------


def test_topic_page_query_count_is_constant_for_a_moderator(
    client, category, rule, settings
):
    settings.ANON_CACHE_SECONDS = 0  # the render, not the per-class cache
    moderator = make_moderator(category, "quinn")
    small = make_topic(category, make_user(), replies=2)
    big = make_topic(category, make_user(), replies=30)
    for t in (small, big):
        topic_actions.lock_topic(moderator, t, rule=rule, reason="Heated")
    client.force_login(moderator)

    counts = []
    for t in (small, big):
        client.get(t.get_absolute_url())
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(t.get_absolute_url())
        assert b"Moderate this topic" in response.content
        counts.append(len(ctx.captured_queries))

    assert counts[0] == counts[1]

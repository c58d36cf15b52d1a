"""The fan-out: who hears of what, visibility, mute, idempotency, bulk cost."""

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from accounts.models import GroupMembership, User
from forum import actions
from notifications.models import (
    CategoryWatch,
    Delivery,
    Event,
    Notification,
    NotificationKind,
    TopicWatch,
    WatchLevel,
)
from notifications.tasks import dispatch_event
from permissions import policy
from permissions.policy import Perm
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_category,
    make_group,
    make_moderator,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def _dispatch_all() -> None:
    for event_id in Event.objects.filter(dispatched_at__isnull=True).values_list(
        "pk", flat=True
    ):
        dispatch_event(event_id)


def _kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user).values_list("kind", flat=True)
    )


def test_reply_notifies_topic_author_once(topic, other_member):
    _dispatch_all()

    actions.reply_to_topic(other_member, topic, body="Try citric acid.")
    _dispatch_all()
    _dispatch_all()  # a second run finds nothing left to do

    assert _kinds(topic.author) == [NotificationKind.REPLIED]
    notification = Notification.objects.get(recipient=topic.author)
    assert notification.url == topic.get_post_url(2)
    assert "replied" in notification.text


def test_dispatching_the_same_event_twice_delivers_once(topic, other_member):
    actions.reply_to_topic(other_member, topic, body="Hello there.")
    event = Event.objects.get(kind="post.created")
    dispatch_event(event.pk)
    Event.objects.filter(pk=event.pk).update(dispatched_at=None)  # as if a retry

    dispatch_event(event.pk)

    assert Notification.objects.filter(recipient=topic.author).count() == 1
    assert Delivery.objects.filter(event=event, channel="app").count() == 1


def test_actor_is_never_notified_of_own_post(topic):
    actions.reply_to_topic(topic.author, topic, body="Bumping my own topic.")
    _dispatch_all()

    assert _kinds(topic.author) == []


def test_watchers_hear_of_every_post_and_mute_wins(topic, other_member):
    watcher, muted = make_user("watcher"), make_user("muted")
    TopicWatch.objects.create(user=watcher, topic=topic, level=WatchLevel.WATCHING)
    TopicWatch.objects.create(user=muted, topic=topic, level=WatchLevel.MUTED)
    CategoryWatch.objects.create(
        user=muted, category=topic.category, level=WatchLevel.WATCHING
    )

    actions.reply_to_topic(other_member, topic, body="News!")
    _dispatch_all()

    assert _kinds(watcher) == [NotificationKind.WATCHED_TOPIC_POST]
    assert _kinds(muted) == []


def test_muted_topic_silences_replies_to_you(topic, other_member):
    TopicWatch.objects.update_or_create(
        user=topic.author, topic=topic, defaults={"level": WatchLevel.MUTED}
    )

    actions.reply_to_topic(other_member, topic, body="Hello?")
    _dispatch_all()

    assert _kinds(topic.author) == []


def test_mention_notifies_once_not_twice(topic, other_member):
    actions.reply_to_topic(other_member, topic, body=f"@{topic.author.username} look")
    _dispatch_all()

    assert _kinds(topic.author) == [NotificationKind.MENTIONED]


def test_category_watchers_hear_of_new_topics(category, member):
    watcher = make_user("watcher")
    CategoryWatch.objects.create(
        user=watcher, category=category, level=WatchLevel.WATCHING
    )

    make_topic(category, member, title="A brand new topic")
    _dispatch_all()

    assert _kinds(watcher) == [NotificationKind.WATCHED_CATEGORY_TOPIC]


def test_nobody_hears_of_a_category_they_cannot_read(member):
    insider, outsider = make_user("insider"), make_user("outsider")
    beta = make_category("Beta", restricted_to=make_group(members=[insider, member]))
    for person in (insider, outsider):
        CategoryWatch.objects.create(
            user=person, category=beta, level=WatchLevel.WATCHING
        )

    make_topic(beta, member, title="Secret firmware notes")
    _dispatch_all()

    assert _kinds(insider) == [NotificationKind.WATCHED_CATEGORY_TOPIC]
    assert _kinds(outsider) == []


def test_likes_are_batched_into_one_unread_notification(post):
    for name in ("a1", "a2", "a3"):
        actions.like_post(make_user(name), post)
    _dispatch_all()

    notification = Notification.objects.get(recipient=post.author, kind="liked")
    assert notification.count == 3
    assert "and 2 others liked your post" in notification.text


def test_brand_request_notifies_reps_of_that_brand(topic, member):
    rep = make_brand_rep("marco")
    actions.ask_brand(member, topic, rep.brand)
    _dispatch_all()

    assert _kinds(rep) == [NotificationKind.BRAND_REQUEST]


def test_rep_answer_notifies_the_member_who_asked(topic, member):
    rep = make_brand_rep("marco")
    asker = make_user("asker")
    actions.ask_brand(asker, topic, rep.brand)
    actions.reply_to_topic(rep, topic, body="Here is the answer.")
    _dispatch_all()

    assert NotificationKind.BRAND_ANSWERED in _kinds(asker)


def test_escalation_notifies_the_asker_privately(topic):
    rep = make_brand_rep("marco")
    actions.escalate_to_support(rep, topic)
    _dispatch_all()

    assert _kinds(topic.author) == [NotificationKind.ESCALATED]


def test_fan_out_cost_does_not_grow_with_watchers(topic, other_member):
    def watchers(n):
        people = User.objects.bulk_create(
            [
                User(username=f"w{n}-{i}", email=f"w{n}-{i}@example.com")
                for i in range(n)
            ]
        )
        TopicWatch.objects.bulk_create(
            [TopicWatch(user=p, topic=topic, level=WatchLevel.WATCHING) for p in people]
        )

    def cost() -> int:
        actions.reply_to_topic(
            other_member, topic, body=f"post {Event.objects.count()}"
        )
        event = Event.objects.filter(kind="post.created").latest("pk")
        with CaptureQueriesContext(connection) as ctx:
            dispatch_event(event.pk)
        return len(ctx.captured_queries)

    watchers(20)
    small = cost()
    watchers(1500)
    large = cost()

    # Bulk inserts, never one statement per watcher. PostgreSQL takes 1,000
    # rows per INSERT; SQLite's bound-variable limit makes Django use smaller
    # batches there, still dozens of rows per statement.
    if connection.vendor == "postgresql":
        assert large <= small + 6
    else:
        assert large - small < 1500 / 25
    assert Notification.objects.filter(kind="watched_topic_post").count() >= 1520


@pytest.mark.parametrize("hidden", [False, True])
def test_bulk_visibility_agrees_with_the_policy(hidden, member):
    insider = make_user("insider")
    group = make_group(members=[insider])
    public = make_category("Public", slug="public")
    beta = make_category("Beta", slug="beta", restricted_to=group)
    beta_child = make_category("Beta child", slug="beta-child", parent=beta)
    people = [
        member,
        insider,
        make_user("outsider"),
        make_brand_rep("rep"),
        make_admin("admin"),
        make_moderator(beta, "mod_beta"),
        make_moderator(public, "mod_public"),
        make_user("gone", is_active=False),
    ]
    for category in (public, beta, beta_child):
        topic = make_topic(category, insider, title=f"Topic in {category.name}")
        if hidden:
            topic.is_hidden = True
        ids = {p.pk for p in people}

        bulk = policy.users_who_can_view_topic(topic, ids)
        one_by_one = {
            p.pk
            for p in User.objects.filter(pk__in=ids)
            if p.is_active and policy.can(p, Perm.VIEW_TOPIC, topic)
        }

        assert bulk == one_by_one, category.name


def test_a_large_fan_out_reaches_exactly_who_it_should(other_member):
    """Above config.sql.ARRAY_FROM recipients the fan-out takes its bulk
    paths (on PostgreSQL: arrays and INSERT … SELECT FROM unnest); who hears,
    by which channel and with which address must not change."""
    from config.sql import ARRAY_FROM
    from notifications.models import EmailFrequency, NotificationPreferences

    author = make_user("lab_author")
    insiders = make_group("Insiders", members=[author, other_member])
    category = make_category("Beta lab", slug="beta-lab", restricted_to=insiders)
    topic = make_topic(category, author)
    n = ARRAY_FROM + 200
    people = User.objects.bulk_create(
        [User(username=f"big-{i}", email=f"big-{i}@example.com") for i in range(n)]
    )
    # Everyone watches; all but the last 50 are in the group that may see it.
    GroupMembership.objects.bulk_create(
        [GroupMembership(group=insiders, user=p) for p in people[:-50]]
    )
    TopicWatch.objects.bulk_create(
        [TopicWatch(user=p, topic=topic, level=WatchLevel.WATCHING) for p in people]
    )
    muted_topic, muted_category = people[0], people[1]
    TopicWatch.objects.filter(user=muted_topic).update(level=WatchLevel.MUTED)
    CategoryWatch.objects.create(
        user=muted_category, category=category, level=WatchLevel.MUTED
    )
    weekly = people[2]
    NotificationPreferences.objects.create(
        user=weekly, email_frequency=EmailFrequency.WEEKLY
    )
    _dispatch_all()

    reply = actions.reply_to_topic(other_member, topic, body="Firmware 2.1 is out.")
    _dispatch_all()

    event = Event.objects.get(kind="post.created", post=reply)
    told = set(
        Notification.objects.filter(event=event).values_list("recipient_id", flat=True)
    )
    expected = {p.pk for p in people[:-50]} - {muted_topic.pk, muted_category.pk}
    expected.add(author.pk)  # the topic's author hears of the reply
    assert told == expected
    watched = Notification.objects.filter(
        event=event, kind=NotificationKind.WATCHED_TOPIC_POST
    ).first()
    assert watched is not None
    assert watched.url == topic.get_post_url(reply.number)
    assert watched.actor_id == other_member.pk
    assert watched.text and watched.count == 1 and watched.read_at is None
    in_app = Delivery.objects.filter(event=event, channel=Delivery.Channel.IN_APP)
    assert set(in_app.values_list("recipient_id", flat=True)) == expected
    assert not in_app.exclude(status=Delivery.Status.SENT).exists()
    emails = Delivery.objects.filter(event=event, channel=Delivery.Channel.EMAIL)
    assert set(emails.values_list("recipient_id", flat=True)) == expected - {weekly.pk}
    # Each delivery points at its recipient's own notification.
    assert not emails.exclude(notification__recipient_id=F("recipient_id")).exists()

    dispatch_event(event.pk)  # a retry adds nothing
    assert Notification.objects.filter(event=event).count() == len(expected)

"""Watch levels: set over HTTP, then used by the fan-out.

Replies and topics are created through forum.actions; each outbox event is
then dispatched by calling notifications.tasks.dispatch_event directly.
"""

import pytest
from django.urls import reverse

from forum import actions
from notifications.models import (
    CategoryWatch,
    Event,
    Notification,
    NotificationKind,
    TopicWatch,
    WatchLevel,
)
from notifications.tasks import dispatch_event
from tests.factories import make_category, make_group, make_topic, make_user

pytestmark = pytest.mark.django_db


def _dispatch_all() -> None:
    for event_id in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event_id.pk)


def _kinds(user) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user)
        .order_by("pk")
        .values_list("kind", flat=True)
    )


def _watch_topic(client, user, topic, level, **headers):
    client.force_login(user)
    return client.post(
        reverse("notifications:watch_topic", args=[topic.pk]),
        {"level": str(level)},
        **headers,
    )


def _watch_category(client, user, category, level, **headers):
    client.force_login(user)
    return client.post(
        reverse("notifications:watch_category", args=[category.slug]),
        {"level": str(level)},
        **headers,
    )


@pytest.fixture
def reader(db):
    """A member who follows the topic without having written in it."""
    return make_user("wren")


@pytest.fixture
def replier(db):
    return make_user("rory")


# --- Setting the level over HTTP ------------------------------------------------------------


def test_watch_topic_saves_level_and_redirects_back_with_message(client, topic, reader):
    response = _watch_topic(client, reader, topic, WatchLevel.TRACKING, follow=True)

    watch = TopicWatch.objects.get(user=reader, topic=topic)
    assert watch.level == WatchLevel.TRACKING
    assert response.redirect_chain[-1][0] == topic.get_absolute_url()
    assert b"Saved. Tracking" in response.content


def test_watch_topic_over_htmx_returns_the_control_with_the_new_level(
    client, topic, reader
):
    response = _watch_topic(
        client, reader, topic, WatchLevel.MUTED, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<form class="watch-form"')
    assert f'<option value="{WatchLevel.MUTED}" selected>' in html
    assert 'role="status"' in html
    assert TopicWatch.objects.get(user=reader, topic=topic).level == WatchLevel.MUTED


def test_watch_topic_rejects_unknown_level_and_keeps_the_old_one(client, topic, member):
    response = _watch_topic(client, member, topic, 7, follow=True)

    assert b"Choose Watching, Tracking, Normal or Muted." in response.content
    # The author's automatic watch is untouched.
    assert TopicWatch.objects.get(user=member, topic=topic).level == (
        WatchLevel.WATCHING
    )


def test_watch_topic_over_htmx_with_unknown_level_is_400_with_reason(
    client, topic, reader
):
    response = _watch_topic(client, reader, topic, "loud", HTTP_HX_REQUEST="true")

    assert response.status_code == 400
    assert b"data-error-reason" in response.content
    assert not TopicWatch.objects.filter(user=reader).exists()


def test_watch_topic_requires_sign_in(client, topic):
    response = client.post(
        reverse("notifications:watch_topic", args=[topic.pk]), {"level": "3"}
    )

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not TopicWatch.objects.exclude(user=topic.author).exists()


def test_watch_topic_page_shows_current_level_selected(client, topic, reader):
    _watch_topic(client, reader, topic, WatchLevel.TRACKING)

    html = client.get(topic.get_absolute_url()).content.decode()

    assert "Notifications for this topic" in html
    assert f'<option value="{WatchLevel.TRACKING}" selected>' in html
    assert str(WatchLevel.MUTED.label) in html


def test_watch_topic_defaults_to_normal_on_the_page(client, topic, reader):
    client.force_login(reader)

    html = client.get(topic.get_absolute_url()).content.decode()

    assert f'<option value="{WatchLevel.NORMAL}" selected>' in html


def test_watch_control_is_not_shown_to_visitors(client, topic):
    html = client.get(topic.get_absolute_url()).content.decode()

    assert "watch-form" not in html
    assert (
        "watch-form"
        not in client.get(topic.category.get_absolute_url()).content.decode()
    )


def test_watch_category_saves_level_and_shows_it(client, category, reader):
    response = _watch_category(client, reader, category, WatchLevel.WATCHING)

    assert response.status_code == 302
    assert response["Location"] == category.get_absolute_url()
    assert CategoryWatch.objects.get(user=reader, category=category).level == (
        WatchLevel.WATCHING
    )
    html = client.get(category.get_absolute_url()).content.decode()
    assert "Notifications for this category" in html
    assert f'<option value="{WatchLevel.WATCHING}" selected>' in html


def test_watch_category_is_404_for_a_category_the_member_cannot_read(client, reader):
    insiders = make_group("Insiders", members=[make_user("insider")])
    private = make_category("Private", slug="private", restricted_to=insiders)

    response = _watch_category(client, reader, private, WatchLevel.WATCHING)

    assert response.status_code == 404
    assert not CategoryWatch.objects.exists()


def test_watch_topic_is_404_for_a_topic_the_member_cannot_read(client, reader):
    insider = make_user("insider")
    insiders = make_group("Insiders", members=[insider])
    private = make_category("Private", slug="private", restricted_to=insiders)
    topic = make_topic(private, insider)

    response = _watch_topic(client, reader, topic, WatchLevel.WATCHING)

    assert response.status_code == 404
    assert not TopicWatch.objects.filter(user=reader).exists()


def test_watch_topic_with_bad_level_on_a_hidden_topic_is_404(client, reader):
    insider = make_user("insider")
    insiders = make_group("Insiders", members=[insider])
    private = make_category("Private", slug="private", restricted_to=insiders)
    topic = make_topic(private, insider, title="Secret launch plans")

    response = _watch_topic(client, reader, topic, "loud")

    assert response.status_code == 404
    assert b"secret-launch-plans" not in response.content


def test_explicit_normal_survives_replying_again(client, topic, reader):
    _watch_topic(client, reader, topic, WatchLevel.NORMAL)

    actions.reply_to_topic(reader, topic, body="One more thing.")

    assert TopicWatch.objects.get(user=reader, topic=topic).level == WatchLevel.NORMAL


# --- The fan-out uses the levels -----------------------------------------------------------------


def test_watching_member_is_notified_of_every_post(client, topic, reader, replier):
    _watch_topic(client, reader, topic, WatchLevel.WATCHING)
    _dispatch_all()

    actions.reply_to_topic(replier, topic, body="First reply.")
    actions.reply_to_topic(replier, topic, body="Second reply.")
    _dispatch_all()

    assert _kinds(reader) == [NotificationKind.WATCHED_TOPIC_POST] * 2


def test_normal_member_is_not_notified_of_other_posts(client, topic, reader, replier):
    _watch_topic(client, reader, topic, WatchLevel.NORMAL)

    actions.reply_to_topic(replier, topic, body="A reply to the topic.")
    _dispatch_all()

    assert _kinds(reader) == []


def test_tracking_member_is_not_notified_of_other_posts(client, topic, reader, replier):
    _watch_topic(client, reader, topic, WatchLevel.TRACKING)

    actions.reply_to_topic(replier, topic, body="A reply to the topic.")
    _dispatch_all()

    assert _kinds(reader) == []


def test_normal_member_is_notified_when_replied_to_or_mentioned(
    client, topic, reader, replier
):
    own = actions.reply_to_topic(reader, topic, body="My question too.")
    _watch_topic(client, reader, topic, WatchLevel.NORMAL)
    _dispatch_all()
    Notification.objects.all().delete()

    actions.reply_to_topic(replier, topic, body="Answering you.", reply_to=own)
    actions.reply_to_topic(replier, topic, body="Ask @wren about it.")
    actions.reply_to_topic(replier, topic, body="Unrelated chatter.")
    _dispatch_all()

    assert _kinds(reader) == [NotificationKind.REPLIED, NotificationKind.MENTIONED]


def test_muted_member_hears_nothing_even_when_replied_to(
    client, topic, member, reader, replier
):
    own = actions.reply_to_topic(reader, topic, body="My question too.")
    _watch_topic(client, reader, topic, WatchLevel.MUTED)
    _watch_topic(client, member, topic, WatchLevel.MUTED)  # the topic's author
    _dispatch_all()
    Notification.objects.all().delete()

    actions.reply_to_topic(replier, topic, body="Answering you @wren.", reply_to=own)
    actions.reply_to_topic(replier, topic, body="And the topic too.")
    _dispatch_all()

    assert _kinds(reader) == []
    assert _kinds(member) == []


def test_muted_category_silences_a_watched_topic(
    client, category, topic, reader, replier
):
    _watch_topic(client, reader, topic, WatchLevel.WATCHING)
    _watch_category(client, reader, category, WatchLevel.MUTED)

    actions.reply_to_topic(replier, topic, body="Anyone there?")
    _dispatch_all()

    assert _kinds(reader) == []


def test_category_watching_member_is_notified_of_new_topics(
    client, category, reader, replier
):
    _watch_category(client, reader, category, WatchLevel.WATCHING)

    make_topic(category, replier, title="A brand new discussion")
    make_topic(make_category("Elsewhere", slug="elsewhere"), replier)
    _dispatch_all()

    notifications = list(Notification.objects.filter(recipient=reader))
    assert [n.kind for n in notifications] == [NotificationKind.WATCHED_CATEGORY_TOPIC]
    assert "A brand new discussion" in notifications[0].text


def test_category_normal_member_is_not_notified_of_new_topics(
    client, category, reader, replier
):
    _watch_category(client, reader, category, WatchLevel.NORMAL)

    make_topic(category, replier)
    _dispatch_all()

    assert _kinds(reader) == []


def test_member_who_cannot_read_a_restricted_category_gets_nothing_from_it(
    reader, replier
):
    insiders = make_group("Insiders", members=[replier])
    private = make_category("Private", slug="private", restricted_to=insiders)
    # A watch left over from before the category was restricted, and a mention.
    CategoryWatch.objects.create(
        user=reader, category=private, level=WatchLevel.WATCHING
    )

    topic = make_topic(private, replier, body="Secret plans, cc @wren")
    actions.reply_to_topic(replier, topic, body="More secrets for @wren.")
    _dispatch_all()

    assert _kinds(reader) == []
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 0

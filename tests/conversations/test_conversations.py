"""Private conversations over HTTP: the peer-resource rule, privacy from
moderators and administrators, reports, ignoring, deleting, caps (issue 23)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import TrustLevel
from conversations import actions
from conversations.models import Conversation, Message
from forum import actions as forum_actions
from moderation.actions.posts import hide_post
from notifications.models import Delivery, Event, Notification, NotificationKind
from notifications.tasks import dispatch_event
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

START = reverse("conversations:conversation_start")
REFUSED = "Brand representatives speak when spoken to"


def _dispatch() -> None:
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event.pk)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _notified(user, kind=NotificationKind.PRIVATE_MESSAGE) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind=kind))


@pytest.fixture
def world():
    category = make_category("Machines", slug="machines")
    return {
        "category": category,
        "anna": make_user("anna"),
        "bruno": make_user("bruno"),
        "rep": make_brand_rep("marco"),
        "moderator": make_moderator(category, "mira"),
        "admin": make_admin("ines"),
        "topic": make_topic(category, make_user("carla"), title="Steam wand clogs"),
    }


def _start(client, to: str, subject="Grinder advice", body="Which **burrs**?"):
    return client.post(START, {"to": to, "subject": subject, "body": body})


def test_a_member_writes_to_another_who_reads_it_and_is_notified(world):
    response = _start(_client(world["anna"]), "bruno")

    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == conversation.get_absolute_url()
    _dispatch()
    bruno = _client(world["bruno"])
    inbox = bruno.get(reverse("conversations:inbox"))
    assert b"Grinder advice" in inbox.content
    assert b"1 unread" in inbox.content  # the header's inbox link
    page = bruno.get(conversation.get_absolute_url())
    assert b"<strong>burrs</strong>" in page.content  # Markdown, rendered once
    [notification] = _notified(world["bruno"])
    assert notification.text == "anna sent you a private message"
    assert notification.url.startswith(conversation.get_absolute_url())
    # Read now: the header no longer counts it.
    assert b"1 unread</span></a>" not in bruno.get(reverse("forum:home")).content


def test_a_representative_is_refused_to_cold_message_with_the_reason(world):
    response = _start(_client(world["rep"]), "anna", body="Try our new grinder!")

    assert response.status_code == 400
    assert REFUSED.encode() in response.content
    assert b"Try our new grinder!" in response.content  # the text comes back
    assert not Conversation.objects.exists()


def test_a_representative_answers_a_conversation_a_member_started(world):
    _start(_client(world["anna"]), "marco", subject="Warranty", body="Is it covered?")
    conversation = Conversation.objects.get()
    rep = _client(world["rep"])

    response = rep.post(
        conversation.get_absolute_url(), {"body": "Yes, for two years."}
    )

    assert response.status_code == 302
    page = _client(world["anna"]).get(conversation.get_absolute_url())
    assert b"Yes, for two years." in page.content
    assert b"Brevetto \xc2\xb7 peer resource" in page.content


def test_a_representative_writes_first_to_a_member_who_asked_the_brand(world):
    anna, rep = world["anna"], world["rep"]
    topic = make_topic(world["category"], anna, title="Pump noise")
    forum_actions.ask_brand(anna, topic, rep.brand)

    response = _start(_client(rep), "anna", subject="Your pump", body="Serial?")

    assert response.status_code == 302
    assert Conversation.objects.get().started_by == rep
    # Another member, who asked nothing, is still refused.
    refused = _start(_client(rep), "bruno", subject="Hello", body="Hi")
    assert refused.status_code == 400
    assert REFUSED.encode() in refused.content


def test_a_representative_writes_first_to_a_member_whose_topic_was_escalated(world):
    anna, rep = world["anna"], world["rep"]
    topic = make_topic(world["category"], anna, title="Boiler leak")
    forum_actions.escalate_to_support(rep, topic)

    response = _start(_client(rep), "anna", subject="Your boiler", body="Photos?")

    assert response.status_code == 302


@pytest.mark.parametrize("who", ["moderator", "admin"])
def test_neither_a_moderator_nor_an_admin_opens_a_conversation_they_are_not_in(
    world, who
):
    actions.start_conversation(
        world["anna"], [world["bruno"]], subject="Secret plan", body="Just us."
    )
    conversation = Conversation.objects.get()
    message = Message.objects.get()
    outsider = _client(world[who])

    for url in (
        conversation.get_absolute_url(),
        reverse("conversations:message_report", args=[message.pk]),
    ):
        response = outsider.get(url)
        assert response.status_code == 404, url
        assert b"Just us." not in response.content
    assert (
        outsider.post(conversation.get_absolute_url(), {"body": "Hi"}).status_code
        == 404
    )
    assert b"Secret plan" not in outsider.get(reverse("conversations:inbox")).content


def test_message_bodies_are_not_in_the_admin(world):
    actions.start_conversation(
        world["anna"], [world["bruno"]], subject="Private", body="Just us."
    )
    admin = _client(world["admin"])

    assert admin.get("/admin/conversations/message/").status_code == 404
    assert b"Just us." not in admin.get("/admin/").content


def test_a_reported_message_and_only_it_reaches_the_admins(world):
    anna, bruno = world["anna"], world["bruno"]
    conversation = actions.start_conversation(
        anna, [bruno], subject="Deal", body="A friendly first message."
    )
    actions.send_message(anna, conversation, body="Send me your password.")
    reported = Message.objects.get(body_source="Send me your password.")
    client = _client(bruno)

    empty = client.post(
        reverse("conversations:message_report", args=[reported.pk]), {"reason": " "}
    )
    assert empty.status_code == 400
    assert b"Say what is wrong" in empty.content
    response = client.post(
        reverse("conversations:message_report", args=[reported.pk]),
        {"reason": "Phishing"},
    )

    assert response.status_code == 302
    queue = _client(world["admin"]).get(reverse("conversations:message_reports"))
    assert b"Send me your password." in queue.content
    assert b"Phishing" in queue.content
    assert b"A friendly first message." not in queue.content
    assert b"Deal" not in queue.content  # not even the subject
    # Nobody else reads the queue, moderators and representatives included.
    for who in ("moderator", "rep", "bruno"):
        assert (
            _client(world[who])
            .get(reverse("conversations:message_reports"))
            .status_code
            == 403
        ), who


def test_deleting_your_own_message_leaves_message_deleted_for_the_others(world):
    anna, bruno = world["anna"], world["bruno"]
    conversation = actions.start_conversation(
        anna, [bruno], subject="Oops", body="Sent to the wrong person."
    )
    message = Message.objects.get()
    # Someone else's message can't be deleted.
    assert (
        _client(bruno)
        .post(reverse("conversations:message_delete", args=[message.pk]))
        .status_code
        == 403
    )

    _client(anna).post(reverse("conversations:message_delete", args=[message.pk]))

    page = _client(bruno).get(conversation.get_absolute_url())
    assert b"Message deleted." in page.content
    assert b"wrong person" not in page.content


def test_an_ignored_members_messages_and_mentions_stop_reaching_you(world):
    anna, bruno = world["anna"], world["bruno"]
    conversation = actions.start_conversation(
        anna, [bruno], subject="Hi", body="Hello there."
    )
    _dispatch()
    Notification.objects.all().delete()

    response = _client(bruno).post(
        reverse("conversations:member_ignore", args=["anna"]), {"ignore": "on"}
    )
    assert response.status_code == 302
    actions.send_message(anna, conversation, body="Are you ignoring me?")
    forum_actions.reply_to_topic(anna, world["topic"], body="Ask @bruno about it.")
    _dispatch()

    assert Notification.objects.filter(recipient=bruno).count() == 0
    page = _client(bruno).get(conversation.get_absolute_url())
    assert b"Are you ignoring me?" not in page.content
    assert b"whom you ignore" in page.content
    # Stop ignoring: the next message reaches bruno again.
    _client(bruno).post(
        reverse("conversations:member_ignore", args=["anna"]), {"ignore": "off"}
    )
    actions.send_message(anna, conversation, body="Hello again.")
    _dispatch()
    assert len(_notified(bruno)) == 1


def test_moderators_cannot_be_ignored(world):
    response = _client(world["anna"]).post(
        reverse("conversations:member_ignore", args=["mira"]),
        {"ignore": "on"},
        follow=True,
    )

    assert b"can&#x27;t be ignored" in response.content


def test_a_moderator_writes_about_an_action_and_the_message_links_the_log(world):
    bruno = world["bruno"]
    post = make_post(world["topic"], bruno, body="You are all idiots.")
    action = hide_post(world["moderator"], post, rule=None, reason="Insulting.")
    assert action is not None
    client = _client(world["moderator"])
    form = client.get(f"{START}?to=bruno&about={action.pk}")
    assert f"#action-{action.pk}".encode() in form.content

    response = client.post(
        START,
        {
            "to": "bruno",
            "about": str(action.pk),
            "subject": "About your hidden post",
            "body": "Please keep it civil.",
        },
    )

    assert response.status_code == 302
    page = _client(bruno).get(response["Location"])
    assert f"/moderation/log/#action-{action.pk}".encode() in page.content or (
        f"#action-{action.pk}".encode() in page.content
    )
    # A member can't attach a moderation action.
    assert _client(world["anna"]).get(f"{START}?about={action.pk}").status_code == 403


def test_the_public_log_offers_moderators_a_private_word_with_the_member(world):
    bruno = world["bruno"]
    post = make_post(world["topic"], bruno, body="You are all idiots.")
    action = hide_post(world["moderator"], post, rule=None, reason="Insulting.")
    assert action is not None
    link = f"{START}?to=bruno&amp;about={action.pk}".encode()

    assert link in _client(world["moderator"]).get("/moderation/log/").content
    for who in ("anna", "rep"):
        assert link not in _client(world[who]).get("/moderation/log/").content
    assert link not in Client().get("/moderation/log/").content


def test_new_members_have_a_daily_cap_on_starting_conversations(world, settings):
    settings.CONVERSATIONS_NEW_MEMBER_DAILY = 2
    newbie = make_user("newbie", trust_level=TrustLevel.NEW)
    client = _client(newbie)
    for n in range(2):
        assert _start(client, "anna", subject=f"Hi {n}").status_code == 302

    response = _start(client, "anna", subject="Third", body="One more thing")

    assert response.status_code == 400
    assert b"conversations a day" in response.content
    assert b"One more thing" in response.content
    # Replying is not capped.
    conversation = Conversation.objects.filter(started_by=newbie).first()
    assert conversation is not None
    assert (
        client.post(conversation.get_absolute_url(), {"body": "Ok"}).status_code == 302
    )


def test_a_conversation_has_a_participant_limit(world, settings):
    settings.CONVERSATIONS_MAX_PARTICIPANTS = 2

    response = _start(_client(world["anna"]), "bruno carla")

    assert response.status_code == 400
    assert b"at most 2 people" in response.content


def test_bad_input_comes_back_with_a_message(world):
    client = _client(world["anna"])
    unknown = _start(client, "nobody_here", body="Keep my words")
    assert unknown.status_code == 400
    assert b"Nobody here is called @nobody_here" in unknown.content
    assert b"Keep my words" in unknown.content
    no_subject = _start(client, "bruno", subject="  ")
    assert b"Give the conversation a subject" in no_subject.content
    empty = _start(client, "bruno", body="   ")
    assert empty.status_code == 400
    conversation = actions.start_conversation(
        world["anna"], [world["bruno"]], subject="Hi", body="Hello"
    )
    reply = client.post(conversation.get_absolute_url(), {"body": ""})
    assert reply.status_code == 400


def test_muting_and_leaving_stop_notifications(world):
    anna, bruno, carla = world["anna"], world["bruno"], make_user("dora")
    conversation = actions.start_conversation(
        anna, [bruno, carla], subject="Group buy", body="Who is in?"
    )
    _dispatch()
    Notification.objects.all().delete()
    _client(bruno).post(
        reverse("conversations:conversation_mute", args=[conversation.pk]),
        {"muted": "on"},
    )
    _client(carla).post(
        reverse("conversations:conversation_leave", args=[conversation.pk])
    )

    actions.send_message(anna, conversation, body="Last call.")
    _dispatch()

    assert Notification.objects.count() == 0
    assert (
        not Delivery.objects.exclude(recipient=anna)
        .filter(event__kind="message.sent", event__dispatched_at__isnull=False)
        .exclude(notification__isnull=True)
        .exists()
    )
    # Left: the conversation is no longer readable to carla.
    assert _client(carla).get(conversation.get_absolute_url()).status_code == 404
    assert _client(bruno).get(conversation.get_absolute_url()).status_code == 200


def _count(client, url) -> int:
    client.get(url)  # the session's first request reads more; count the next
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    # The session is a query only where sessions live in the database
    # (SQLite in `make test`); CI and production keep them in the cache.
    return len(
        [q for q in queries.captured_queries if "django_session" not in q["sql"]]
    )


# user, the header's work check (forum.templatetags.work_nav: whether the
# reader moderates anything) and its one count query, then the page's reads
PINNED = {"inbox": 6, "conversation": 9}


@pytest.mark.parametrize("page", ["inbox", "conversation"])
def test_pages_keep_a_constant_number_of_queries(world, page):
    anna = world["anna"]
    others = [make_user(f"friend{n}") for n in range(6)]

    def grow(conversations: int, people: int) -> Conversation:
        conversation = None
        for i in range(conversations):
            conversation = actions.start_conversation(
                anna, others[:people], subject=f"Topic {i}", body=f"Message {i}"
            )
            for other in others[:people]:
                actions.send_message(other, conversation, body="Reply")
        assert conversation is not None
        return conversation

    client = _client(anna)
    small = grow(1, 1)
    url = reverse("conversations:inbox")
    if page == "conversation":
        url = small.get_absolute_url()
    assert _count(client, url) == PINNED[page]
    large = grow(5, 6)
    if page == "conversation":
        url = large.get_absolute_url()
    assert _count(client, url) == PINNED[page]

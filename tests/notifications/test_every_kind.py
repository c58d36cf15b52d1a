"""Every planned event kind, from its real action to the Notification rows and the email.

Each scenario sets up a small world, then performs ONE action through
forum / moderation actions (never by writing Event rows). The events that
action wrote are dispatched (newest first, as a sweep might) and every
pending email is delivered to the locmem outbox, with every member set to
be emailed right away. The test asserts the exact recipients: who got
which in-app notification, and who got exactly one email.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from accounts.models import (
    CommunityGroup,
    GroupMembership,
    JoinPolicy,
    MentionPolicy,
    User,
)
from conversations.actions import ignore_member, send_message, start_conversation
from conversations.models import Conversation
from forum import actions
from forum.models import CategoryKind, IdeaStatus
from groups import actions as groups_actions
from ideas import actions as ideas_actions
from ideas.models import DecisionOwner
from insights.actions import send_weekly_reports
from moderation.actions.appeals import appeal_action, decide_appeal
from moderation.actions.flags import decide_flags, flag_post, request_review
from moderation.actions.posts import hide_post
from moderation.models import Appeal, ModerationAction
from notifications.actions import set_category_watch, set_topic_watch
from notifications.emails import deliver_email
from notifications.fanout import REGISTRY, Planned
from notifications.models import (
    Delivery,
    EmailFrequency,
    Event,
    EventKind,
    KindPreference,
    Notification,
    NotificationKind,
    NotificationPreferences,
    WatchLevel,
)
from notifications.tasks import dispatch_event
from privacy.actions import build_data_export, request_data_export
from recognition.actions import confirm_answer
from support.actions import receive_status_update
from support.models import SupportDesk
from support.signing import sign
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

STATEMENT = "The post was a joke between friends, not an insult."
Expected = dict[User, NotificationKind]


class World:
    """A category with two moderators, an admin, a brand and its representative."""

    def __init__(self) -> None:
        self.category = make_category("General", slug="general")
        self.moderator = make_moderator(self.category, "mira")
        self.second_moderator = make_moderator(self.category, "otto")
        self.admin = make_admin("ines")
        self.rep = make_brand_rep("marco")
        self.author = make_user("teodor")  # starts the topics
        self.topic = make_topic(
            self.category, self.author, title="Descaling a Brevetto"
        )
        self.replier = make_user("bob")
        self.post = make_post(self.topic, self.replier, body="Use citric acid.")


def _start(world: World) -> None:
    """Forget what setting up the world caused; email everyone right away."""
    Event.objects.filter(dispatched_at__isnull=True).update(
        dispatched_at=timezone.now()
    )
    Notification.objects.all().delete()
    Delivery.objects.all().delete()
    mail.outbox.clear()
    everything = {kind.value: KindPreference.IMMEDIATELY for kind in NotificationKind}
    for user in User.objects.all():
        NotificationPreferences.objects.update_or_create(
            user=user,
            defaults={
                "email_frequency": EmailFrequency.IMMEDIATELY,
                "per_kind": everything,
            },
        )


def _deliver() -> None:
    """Dispatch what the action wrote, newest event first, then send the emails."""
    for event_id in Event.objects.filter(dispatched_at__isnull=True).order_by("-pk"):
        dispatch_event(event_id.pk)
    for delivery_id in Delivery.objects.filter(
        channel=Delivery.Channel.EMAIL, status=Delivery.Status.PENDING
    ).values_list("pk", flat=True):
        deliver_email(delivery_id)


# --- One scenario per planned kind: set up, _start(), act, return who hears of it -------------


def topic_created(w: World) -> Expected:
    watcher = make_user("watcher")
    set_category_watch(watcher, w.category, WatchLevel.WATCHING)
    _start(w)
    make_topic(w.category, make_user("starter"), title="A new topic to watch")
    return {watcher: NotificationKind.WATCHED_CATEGORY_TOPIC}


def post_created(w: World) -> Expected:
    watcher = make_user("watcher")
    set_topic_watch(watcher, w.topic, WatchLevel.WATCHING)
    _start(w)
    actions.reply_to_topic(make_user("newcomer"), w.topic, body="Vinegar works too.")
    # The topic's author watches it too (auto-watch) and hears the more
    # specific "replied"; the post replied to is not theirs.
    return {
        w.author: NotificationKind.REPLIED,
        w.replier: NotificationKind.WATCHED_TOPIC_POST,
        watcher: NotificationKind.WATCHED_TOPIC_POST,
    }


def post_liked(w: World) -> Expected:
    _start(w)
    actions.like_post(make_user("fan"), w.post)
    return {w.replier: NotificationKind.LIKED}


def answer_accepted(w: World) -> Expected:
    help_desk = make_category("Help", slug="help", kind=CategoryKind.QUESTIONS)
    question = make_topic(help_desk, w.author, title="Which descaler is safe?")
    answer = make_post(question, w.replier, body="Citric acid is safe.")
    _start(w)
    actions.accept_answer(w.author, answer)
    return {w.replier: NotificationKind.ANSWER_ACCEPTED}


def user_mentioned(w: World) -> Expected:
    mentioned = make_user("lena")
    _start(w)
    actions.reply_to_topic(
        make_user("newcomer"), w.topic, body="@lena knows this machine well."
    )
    return {
        mentioned: NotificationKind.MENTIONED,
        w.author: NotificationKind.REPLIED,
        w.replier: NotificationKind.WATCHED_TOPIC_POST,
    }


def brand_requested(w: World) -> Expected:
    _start(w)
    actions.ask_brand(w.author, w.topic, w.rep.brand)
    return {w.rep: NotificationKind.BRAND_REQUEST}


def brand_answered(w: World) -> Expected:
    actions.ask_brand(w.author, w.topic, w.rep.brand)
    _start(w)
    actions.reply_to_topic(w.rep, w.topic, body="Use our descaler, 1:10 in water.")
    # The asker started the topic and watches it: a reply, a watched post
    # and a brand answer about one post make ONE notification, the answer.
    return {
        w.author: NotificationKind.BRAND_ANSWERED,
        w.replier: NotificationKind.WATCHED_TOPIC_POST,
    }


def topic_escalated(w: World) -> Expected:
    _start(w)
    actions.escalate_to_support(w.rep, w.topic, note="Needs a repair ticket.")
    return {w.author: NotificationKind.ESCALATED}


def idea_status_set(w: World) -> Expected:
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    idea = make_topic(ideas, w.author, title="A quieter pump")
    follower = make_user("follower")
    set_topic_watch(follower, idea, WatchLevel.WATCHING)
    _start(w)
    voter = make_user("voter")
    ideas_actions.vote(voter, idea)
    ideas_actions.vote(follower, idea)  # votes and watches: told once
    DecisionOwner.objects.create(brand=w.rep.brand, user=w.rep)
    _start(w)
    ideas_actions.decide(
        w.rep, idea, status=IdeaStatus.PLANNED, rationale="It's in the next batch."
    )
    return {
        w.author: NotificationKind.IDEA_STATUS,
        follower: NotificationKind.IDEA_STATUS,
        voter: NotificationKind.IDEA_STATUS,
    }


def idea_response_due(w: World, settings) -> Expected:
    settings.IDEAS_RESPONSE_VOTES = 2
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    idea = make_topic(ideas, w.author, title="A quieter pump")
    DecisionOwner.objects.create(brand=w.rep.brand, user=w.rep)
    ideas_actions.vote(make_user("v1"), idea)
    ideas_actions.vote(make_user("v2"), idea)
    _start(w)
    ideas_actions.notify_responses_due()
    return {w.rep: NotificationKind.IDEA_RESPONSE_DUE}


def flag_created(w: World) -> Expected:
    _start(w)
    flag_post(make_user("flagger"), w.post, kind="inappropriate")
    return {
        w.moderator: NotificationKind.FLAGGED,
        w.second_moderator: NotificationKind.FLAGGED,
        w.admin: NotificationKind.FLAGGED,
    }


def flag_resolved(w: World) -> Expected:
    flagger = make_user("flagger")
    flag_post(flagger, w.post, kind="inappropriate")
    _start(w)
    decide_flags(w.moderator, w.post, decision="disagree", reason="It is fine.")
    return {flagger: NotificationKind.FLAG_RESOLVED}


def _hidden_pending_review(w: World, settings) -> User:
    settings.FORUM_FLAG_HIDE_THRESHOLD = 1
    flagger = make_user("flagger")
    flag_post(flagger, w.post, kind="inappropriate")
    w.post.refresh_from_db()
    return flagger


def post_pending_review(w: World, settings) -> Expected:
    settings.FORUM_FLAG_HIDE_THRESHOLD = 1
    _start(w)
    flag_post(make_user("flagger"), w.post, kind="inappropriate")
    return {
        w.replier: NotificationKind.MODERATION,
        w.moderator: NotificationKind.FLAGGED,
        w.second_moderator: NotificationKind.FLAGGED,
        w.admin: NotificationKind.FLAGGED,
    }


def post_review_cleared(w: World, settings) -> Expected:
    flagger = _hidden_pending_review(w, settings)
    _start(w)
    decide_flags(w.moderator, w.post, decision="disagree", reason="It is fine.")
    return {
        w.replier: NotificationKind.REVIEW_CLEARED,
        flagger: NotificationKind.FLAG_RESOLVED,
    }


def review_requested(w: World, settings) -> Expected:
    _hidden_pending_review(w, settings)
    _start(w)
    request_review(w.replier, w.post)
    return {
        w.moderator: NotificationKind.REVIEW_REQUESTED,
        w.second_moderator: NotificationKind.REVIEW_REQUESTED,
        w.admin: NotificationKind.REVIEW_REQUESTED,
    }


def _hide(w: World) -> ModerationAction:
    action = hide_post(w.moderator, w.post, rule=None, reason="Insulting.")
    assert action is not None
    return action


def appeal_created(w: World) -> Expected:
    action = _hide(w)
    # A suspended moderator may not decide (policy), so is not told either.
    suspended = make_moderator(w.category, "sus")
    User.objects.filter(pk=suspended.pk).update(
        suspended_until=timezone.now() + timedelta(days=3)
    )
    _start(w)
    appeal_action(w.replier, action, statement=STATEMENT)
    # Never the moderator who acted, never the appellant.
    return {
        w.second_moderator: NotificationKind.APPEAL_CREATED,
        w.admin: NotificationKind.APPEAL_CREATED,
    }


def appeal_decided(w: World) -> Expected:
    appeal_action(w.replier, _hide(w), statement=STATEMENT)
    _start(w)
    decide_appeal(
        w.second_moderator,
        Appeal.objects.get(),
        uphold=False,
        reason="Insulting all the same.",
    )
    return {w.replier: NotificationKind.APPEAL_DECIDED}


def moderation_action(w: World) -> Expected:
    _start(w)
    _hide(w)
    return {w.replier: NotificationKind.MODERATION}


# support
def support_status_changed(w: World) -> Expected:
    SupportDesk.objects.create(brand=w.rep.brand, webhook_secret="desk-secret")
    escalation = actions.escalate_to_support(w.rep, w.topic)
    _start(w)
    body = json.dumps(
        {"event_id": "evt-1", "reference": escalation.reference, "status": "resolved"}
    ).encode()
    now = timezone.now()
    timestamp = str(int(now.timestamp()))
    receive_status_update(
        w.rep.brand.slug,
        timestamp=timestamp,
        signature=sign("desk-secret", timestamp, body),
        body=body,
        now=now,
    )
    return {w.author: NotificationKind.SUPPORT_STATUS}


# insights
def insights_weekly(w: World) -> Expected:
    make_post(w.topic, make_user("helper"), body="Descale every two months.")
    _start(w)
    send_weekly_reports()
    return {w.rep: NotificationKind.INSIGHTS_WEEKLY}


# groups
def _beta(w: World) -> CommunityGroup:
    """A beta taking applications; its lab sits under General, so General's
    moderators and the admin manage it (the representative never does)."""
    group = CommunityGroup.objects.create(
        name="Beta testers", slug="beta", join_policy=JoinPolicy.APPLICATION
    )
    make_category("Beta lab", slug="beta-lab", parent=w.category, restricted_to=group)
    return group


def group_applied(w: World) -> Expected:
    group = _beta(w)
    _start(w)
    groups_actions.apply_to_group(make_user("applicant"), group)
    return {
        w.moderator: NotificationKind.GROUP_APPLICATION,
        w.second_moderator: NotificationKind.GROUP_APPLICATION,
        w.admin: NotificationKind.GROUP_APPLICATION,
    }


def group_membership(w: World) -> Expected:
    applicant = make_user("applicant")
    application = groups_actions.apply_to_group(applicant, _beta(w))
    _start(w)
    groups_actions.decide_application(
        w.moderator, application, accept=True, reason="Welcome."
    )
    return {applicant: NotificationKind.GROUP_MEMBERSHIP}


def group_mentioned(w: World) -> Expected:
    experts = CommunityGroup.objects.create(
        name="Descaling experts",
        slug="descalers",
        mentionable=True,
        mention_policy=MentionPolicy.ANYONE,
    )
    lena, kim = make_user("lena"), make_user("kim")
    GroupMembership.objects.create(group=experts, user=lena)
    GroupMembership.objects.create(group=experts, user=kim)
    _start(w)
    actions.reply_to_topic(
        make_user("newcomer"), w.topic, body="@descalers which acid is safest?"
    )
    return {
        lena: NotificationKind.GROUP_MENTIONED,
        kim: NotificationKind.GROUP_MENTIONED,
        w.author: NotificationKind.REPLIED,
        w.replier: NotificationKind.WATCHED_TOPIC_POST,
    }


# recognition
def answer_confirmed(w: World) -> Expected:
    _start(w)
    confirm_answer(w.rep, w.post, note="Matches our descaling guide.")
    return {w.replier: NotificationKind.ANSWER_CONFIRMED}


# conversations: a member writes to two others; one of them ignores the
# replier, so only the conversation's starter hears of the reply.
def message_sent(w: World) -> Expected:
    lena = make_user("lena")
    start_conversation(
        w.author, [w.replier, lena], subject="Descaling", body="First **hello**."
    )
    ignore_member(lena, w.replier, ignore=True)
    conversation = Conversation.objects.get()
    _start(w)
    send_message(w.replier, conversation, body="Citric acid, 2%.")
    return {w.author: NotificationKind.PRIVATE_MESSAGE}


# privacy: a member's archive is built by the task; only they hear of it
def data_export_ready(w: World) -> Expected:
    export = request_data_export(w.replier)
    _start(w)
    build_data_export(export.pk)
    return {w.replier: NotificationKind.DATA_EXPORT}


SCENARIOS: dict[EventKind, Callable[..., Expected]] = {
    EventKind.TOPIC_CREATED: topic_created,
    EventKind.POST_CREATED: post_created,
    EventKind.POST_LIKED: post_liked,
    EventKind.ANSWER_ACCEPTED: answer_accepted,
    EventKind.USER_MENTIONED: user_mentioned,
    EventKind.BRAND_REQUESTED: brand_requested,
    EventKind.BRAND_ANSWERED: brand_answered,
    EventKind.TOPIC_ESCALATED: topic_escalated,
    EventKind.IDEA_STATUS_SET: idea_status_set,
    EventKind.IDEA_RESPONSE_DUE: idea_response_due,
    EventKind.FLAG_CREATED: flag_created,
    EventKind.FLAG_RESOLVED: flag_resolved,
    EventKind.POST_PENDING_REVIEW: post_pending_review,
    EventKind.POST_REVIEW_CLEARED: post_review_cleared,
    EventKind.REVIEW_REQUESTED: review_requested,
    EventKind.APPEAL_CREATED: appeal_created,
    EventKind.APPEAL_DECIDED: appeal_decided,
    EventKind.MODERATION_ACTION: moderation_action,
    EventKind.INSIGHTS_WEEKLY: insights_weekly,  # insights
    # groups
    EventKind.GROUP_APPLIED: group_applied,
    EventKind.GROUP_MEMBERSHIP: group_membership,
    EventKind.GROUP_MENTIONED: group_mentioned,
    EventKind.ANSWER_CONFIRMED: answer_confirmed,  # recognition
    EventKind.SUPPORT_STATUS_CHANGED: support_status_changed,  # support
    EventKind.MESSAGE_SENT: message_sent,  # conversations
    EventKind.DATA_EXPORT_READY: data_export_ready,  # privacy
}
_NEEDS_SETTINGS = {
    post_pending_review,
    post_review_cleared,
    review_requested,
    idea_response_due,
}


def test_every_planned_kind_has_a_scenario():
    planned = {kind for kind, spec in REGISTRY.items() if isinstance(spec, Planned)}

    assert set(SCENARIOS) == planned


@pytest.mark.parametrize("kind", list(SCENARIOS), ids=lambda kind: kind.value)
def test_kind_reaches_exactly_its_recipients_in_app_and_by_email(
    kind, settings, client
):
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 100
    world = World()
    scenario = SCENARIOS[kind]
    expected = (
        scenario(world, settings) if scenario in _NEEDS_SETTINGS else scenario(world)
    )
    assert Event.objects.filter(kind=kind, dispatched_at__isnull=True).exists(), (
        f"the action behind {kind.value} did not emit it"
    )

    _deliver()

    got = {
        (n.recipient.username, n.kind)
        for n in Notification.objects.select_related("recipient")
    }
    assert got == {(user.username, str(k)) for user, k in expected.items()}
    # One notification per person, and one email each.
    assert Notification.objects.count() == len(expected)
    assert sorted(to for message in mail.outbox for to in message.to) == sorted(
        user.email for user in expected
    )
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    # Each email says what its notification says, in both parts, with the
    # kind's own explanation where it has a template of its own.
    texts = {
        n.recipient.email: n for n in Notification.objects.select_related("recipient")
    }
    for message in mail.outbox:
        notification = texts[message.to[0]]
        assert notification.text.split("“")[0].strip() in message.subject
        assert isinstance(message, EmailMultiAlternatives)
        html = message.alternatives[0][0]
        phrase = KIND_PHRASES.get(NotificationKind(notification.kind))
        if phrase:
            assert phrase in message.body and phrase in str(html)
    # And the link leads each recipient somewhere they may go.
    for notification in Notification.objects.select_related("recipient"):
        client.force_login(notification.recipient)
        response = client.get(notification.url, follow=True)
        assert response.status_code == 200, (notification.kind, notification.url)


KIND_PHRASES = {
    NotificationKind.FLAGGED: "Open the review queue",
    NotificationKind.REVIEW_REQUESTED: "stays hidden pending review",
    NotificationKind.APPEAL_CREATED: "Read the member’s statement",
    NotificationKind.REVIEW_CLEARED: "visible to everyone again",
    NotificationKind.IDEA_STATUS: "public status history",
    NotificationKind.IDEA_RESPONSE_DUE: "your response record is public",
    NotificationKind.INSIGHTS_WEEKLY: "Members to thank",  # insights
    # groups
    NotificationKind.GROUP_APPLICATION: "accept or decline the application",
    NotificationKind.GROUP_MEMBERSHIP: "brand representatives never decide",
    NotificationKind.GROUP_MENTIONED: "a group you belong to was mentioned",
    NotificationKind.ANSWER_CONFIRMED: "the credit for them stay yours",
    NotificationKind.SUPPORT_STATUS: "shows publicly in your topic",  # support
    NotificationKind.PRIVATE_MESSAGE: "Only its participants can read it",
    NotificationKind.DATA_EXPORT: "only while you are signed in",  # privacy
}


def test_brand_answer_to_someone_elses_topic_reaches_asker_once(settings):
    world = World()
    asker = make_user("asker")
    actions.ask_brand(asker, world.topic, world.rep.brand)
    # The asker also replied earlier, so watches the topic.
    actions.reply_to_topic(asker, world.topic, body="Same problem here.")
    _start(world)

    actions.reply_to_topic(
        world.rep, world.topic, body="Here is the answer.", reply_to=None
    )
    _deliver()

    mine = Notification.objects.filter(recipient=asker)
    assert [n.kind for n in mine] == [NotificationKind.BRAND_ANSWERED]
    assert [m.to for m in mail.outbox].count([asker.email]) == 1


def test_a_question_routed_after_the_peer_first_window_reaches_the_reps_once(
    settings,
):
    """The system request (nobody asked) is told in its own words, in app and
    by email, to the brand's representatives only."""
    settings.NOTIFICATIONS_DAILY_EMAIL_CAP = 100
    w = World()
    help_desk = make_category("Help", slug="help", kind=CategoryKind.QUESTIONS)
    question = make_topic(help_desk, w.author, title="Group head drips when off")
    _start(w)

    routed = actions.route_unanswered_questions(
        now=question.created_at + timedelta(hours=settings.PEER_FIRST_HOURS)
    )
    _deliver()

    assert routed == 1
    notification = Notification.objects.get()
    assert notification.recipient == w.rep
    assert notification.kind == NotificationKind.BRAND_REQUEST
    assert "No community answer yet" in notification.text
    assert [m.to for m in mail.outbox] == [[w.rep.email]]

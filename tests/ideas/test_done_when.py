"""Issue 15's "Done when" chain, over HTTP: a member proposes → members vote →
the threshold is reached → the owner is told and the idea shows the clock →
a non-owner representative and a moderator are refused a status change → the
owner decides with a rationale → voters are told once each and the decision
shows in the thread and the history → "Not planned" leaves the discussion
open → merging a duplicate moves its votes exactly once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from forum.models import CategoryKind, Topic
from ideas import actions as ideas_actions
from ideas.models import DecisionOwner, Idea, IdeaDecision, IdeaVote
from moderation.models import ActionKind, ModerationAction, Rule
from notifications.models import Event, Notification, NotificationKind
from notifications.tasks import dispatch_event
from tests.factories import (
    PASSWORD,
    make_admin,
    make_brand_rep,
    make_category,
    make_moderator,
    make_user,
)

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _dispatch() -> None:
    for event in Event.objects.filter(dispatched_at__isnull=True).order_by("pk"):
        dispatch_event(event.pk)


def _propose(author, ideas) -> Topic:
    response = _client(author).post(
        reverse("forum:topic_start", args=[ideas.slug]),
        {"title": "A quieter pump for the Piccola", "body": "It hums at 6am."},
    )
    assert response.status_code == 302
    return Topic.objects.get(title="A quieter pump for the Piccola")


def test_the_whole_chain(settings):
    settings.IDEAS_RESPONSE_VOTES = 3
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    author = make_user("ana")
    owner = make_brand_rep("olga")
    DecisionOwner.objects.create(brand=owner.brand, user=owner)
    other_rep = make_brand_rep("rick")
    moderator = make_moderator(ideas, "mira")
    idea = _propose(author, ideas)
    voters = [make_user(f"voter{i}") for i in range(3)]

    # Members vote (a plain form post; a second vote changes nothing).
    for voter in voters:
        client = _client(voter)
        assert client.post(reverse("ideas:vote", args=[idea.pk])).status_code == 302
    _client(voters[0]).post(reverse("ideas:vote", args=[idea.pk]))
    # A representative's vote is shown apart and never counted.
    _client(other_rep).post(reverse("ideas:vote", args=[idea.pk]))
    state = Idea.objects.get(pk=idea.pk)
    assert (state.community_votes, state.staff_votes) == (3, 1)
    assert state.threshold_reached_at is not None
    page = Client().get(idea.get_absolute_url()).content.decode()
    assert 'data-votes="3"' in page
    assert "also voted, not counted" in page and "rick" in page

    # The beat task tells the owner, once; the idea shows the clock.
    Event.objects.update(dispatched_at=timezone.now())
    assert ideas_actions.notify_responses_due() == 1
    assert ideas_actions.notify_responses_due() == 0
    _dispatch()
    due = Notification.objects.filter(kind=NotificationKind.IDEA_RESPONSE_DUE)
    assert [n.recipient_id for n in due] == [owner.pk]
    assert (
        "A response is due by" in Client().get(idea.get_absolute_url()).content.decode()
    )
    Idea.objects.filter(pk=idea.pk).update(
        threshold_reached_at=timezone.now() - timedelta(days=31)
    )
    reader = _client(make_user("reader"))
    assert "Response overdue" in reader.get(idea.get_absolute_url()).content.decode()

    # A non-owner representative and a moderator are refused.
    for refused in (other_rep, moderator):
        response = _client(refused).post(
            reverse("ideas:decide", args=[idea.pk]),
            {"status": "planned", "rationale": "Because."},
        )
        assert response.status_code == 403
    assert not IdeaDecision.objects.exists()

    # A missing rationale re-renders the form with a clear message.
    owner_client = _client(owner)
    response = owner_client.post(
        reverse("ideas:decide", args=[idea.pk]), {"status": "planned", "rationale": " "}
    )
    assert response.status_code == 400

    # The owner decides with a rationale.
    response = owner_client.post(
        reverse("ideas:decide", args=[idea.pk]),
        {"status": "not_planned", "rationale": "The pump is **sourced**; we can't."},
    )
    assert response.status_code == 302
    _dispatch()
    told = Notification.objects.filter(kind=NotificationKind.IDEA_STATUS)
    recipients = sorted(n.recipient_id for n in told)
    # Every voter (the representative who voted too) and the author, once each.
    assert recipients == sorted([v.pk for v in voters] + [author.pk, other_rep.pk])
    page = Client().get(idea.get_absolute_url()).content.decode()
    assert "<strong>sourced</strong>" in page and "olga" in page
    assert "Brevetto · decision owner" in page
    history = Client().get(reverse("ideas:history", args=[idea.pk])).content.decode()
    assert "Not planned" in history and "<strong>sourced</strong>" in history
    assert "Last response from the decision owner: 0 days ago" in page
    assert "Response overdue" not in page

    # "Not planned" leaves the discussion open.
    idea.refresh_from_db()
    assert not (idea.is_closed or idea.is_locked or idea.is_hidden)
    assert idea.deleted_at is None
    reply = _client(voters[1]).post(
        reverse("forum:reply", args=[idea.pk]),
        {"body": "Shame, but thanks for saying why."},
    )
    assert reply.status_code == 302
    assert idea.posts.count() == 2


def test_merging_a_duplicate_moves_votes_exactly_once():
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    moderator = make_moderator(ideas, "mira")
    rep = make_brand_rep("rick")
    rule = Rule.objects.create(number=1, title="One topic per idea")
    a, b, both = make_user("a"), make_user("b"), make_user("both")
    original = _propose(make_user("first"), ideas)
    Topic.objects.filter(pk=original.pk).update(title="The original")
    duplicate = _propose(make_user("second"), ideas)
    for voter in (a, both):
        ideas_actions.vote(voter, original)
    for voter in (b, both):
        ideas_actions.vote(voter, duplicate)
    payload = {
        "rule": str(rule.pk),
        "reason": "Duplicate idea",
        "target": str(original.pk),
    }
    url = reverse("moderation:topic_merge", args=[duplicate.pk])

    # A brand representative may not merge.
    assert _client(rep).post(url, payload).status_code == 403
    response = _client(moderator).post(url, payload)
    assert response.status_code == 302

    assert sorted(
        IdeaVote.objects.filter(topic=original).values_list("user__username", flat=True)
    ) == ["a", "b", "both"]
    assert not IdeaVote.objects.filter(topic=duplicate).exists()
    assert Idea.objects.get(pk=original.pk).community_votes == 3
    # The usual tombstone and public log entry.
    action = ModerationAction.objects.get(kind=ActionKind.TOPIC_MERGED)
    assert action.topic_id == original.pk
    assert (
        "Duplicate idea" in Client().get(original.get_absolute_url()).content.decode()
    )


def test_admin_names_owners_never_moderators(client):
    admin = make_admin("ines")
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    moderator = make_moderator(ideas, "mira")
    rep = make_brand_rep("olga")
    client.login(username=admin.username, password=PASSWORD)
    add = reverse("admin:ideas_decisionowner_add")
    assert client.get(add).status_code == 200

    response = client.post(add, {"brand": str(rep.brand_id), "user": str(moderator.pk)})
    assert response.status_code == 200
    assert "volunteer moderator" in response.content.decode()
    assert not DecisionOwner.objects.exists()

    response = client.post(
        add,
        {"brand": str(rep.brand_id), "user": str(rep.pk), "category": str(ideas.pk)},
    )
    assert response.status_code == 302
    assert DecisionOwner.objects.filter(user=rep, category=ideas).exists()
    roster = client.get(reverse("permissions:roster")).content.decode()
    assert 'data-owner="olga"' in roster


def test_unvote_withdraws_and_htmx_swaps_the_panel(settings):
    ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
    idea = _propose(make_user("ana"), ideas)
    voter = _client(make_user("val"))
    response = voter.post(
        reverse("ideas:vote", args=[idea.pk]), HTTP_HX_REQUEST="true", follow=True
    )
    assert 'data-votes="1"' in response.content.decode()
    voter.post(reverse("ideas:unvote", args=[idea.pk]))
    assert Idea.objects.get(pk=idea.pk).community_votes == 0
    assert not IdeaVote.objects.exists()

"""The board, "You said, we did", the decisions feed, the status history and
the roster's response record: what they show, and a constant number of
queries at two data sizes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from forum.models import CategoryKind, IdeaStatus, Topic
from ideas import actions as ideas_actions
from ideas.models import DecisionOwner, Idea, IdeaDecision, IdeaVote
from notifications.fanout import _detail
from notifications.models import Event, EventKind
from tests.factories import (
    make_admin,
    make_brand_rep,
    make_category,
    make_topic,
    make_user,
)

pytestmark = pytest.mark.django_db


def _count(client, url: str) -> int:
    client.get(url)  # warm per-process caches
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


class Board:
    def __init__(self) -> None:
        self.ideas = make_category("Ideas", slug="ideas", kind=CategoryKind.IDEAS)
        self.product = make_category(
            "Product ideas",
            slug="product-ideas",
            kind=CategoryKind.IDEAS,
            parent=self.ideas,
        )
        self.owner = make_brand_rep("olga")
        DecisionOwner.objects.create(brand=self.owner.brand, user=self.owner)
        self.admin = make_admin("ines")
        self.people = [make_user() for _ in range(6)]
        self.count = 0

    def add(self, n: int) -> list[Topic]:
        """*n* ideas, each with a few votes (one of them staff), every third
        decided, every fifth shipped."""
        topics = []
        for _ in range(n):
            i = self.count
            self.count += 1
            topic = make_topic(
                self.product if i % 2 else self.ideas,
                self.people[i % 6],
                title=f"Idea number {i} for the grinder",
            )
            for person in self.people[: i % 5 + 1]:
                ideas_actions.vote(person, topic)
            ideas_actions.vote(self.admin, topic)
            if i % 3 == 0:
                status = IdeaStatus.SHIPPED if i % 5 == 0 else IdeaStatus.PLANNED
                ideas_actions.decide(
                    self.owner, topic, status=status, rationale=f"Reason **{i}**."
                )
            topics.append(topic)
        return topics


def _urls(board: Board, idea: Topic) -> list[str]:
    board_url = reverse("ideas:board")
    return [
        board_url,
        board_url + "?sort=velocity",
        board_url + "?sort=newest",
        board_url + "?sort=waiting&status=new",
        board_url + "?status=planned",
        reverse("ideas:category_board", args=["ideas"]),
        reverse("ideas:shipped"),
        reverse("ideas:feed"),
        reverse("ideas:history", args=[idea.pk]),
        reverse("permissions:roster"),
        idea.get_absolute_url(),
    ]


@pytest.mark.parametrize("signed_in", [False, True])
def test_board_pages_keep_a_constant_query_count(client, signed_in, settings):
    settings.ANON_CACHE_SECONDS = 0  # count the page's own queries
    settings.IDEAS_RESPONSE_VOTES = 3
    board = Board()
    idea = board.add(6)[0]
    if signed_in:
        client.force_login(board.people[0])
    small = {url: _count(client, url) for url in _urls(board, idea)}

    board.add(40)
    for _ in range(3):  # more decisions and votes on the idea itself
        ideas_actions.decide(board.owner, idea, status="in_progress", rationale="More.")
    for person in [make_user() for _ in range(5)]:
        ideas_actions.vote(person, idea)
    large = {url: _count(client, url) for url in _urls(board, idea)}

    assert large == small


def test_board_sorts_and_filters(client, settings):
    settings.IDEAS_RESPONSE_VOTES = 2
    board = Board()
    few, many, fresh = (
        make_topic(board.ideas, board.people[0], title=title)
        for title in ("Few votes idea", "Many votes idea", "Fresh votes idea")
    )
    voters = [make_user() for _ in range(4)]
    for voter in voters[:3]:
        ideas_actions.vote(voter, many)
    ideas_actions.vote(voters[0], few)
    ideas_actions.vote(board.admin, few)  # staff: never counted
    for voter in voters[:2]:
        ideas_actions.vote(voter, fresh)
    # The many votes are old: the velocity sort prefers the fresh ones.
    IdeaVote.objects.filter(topic=many).update(
        created_at=timezone.now() - timedelta(days=30)
    )
    # Longest waiting: "many" reached the threshold long ago.
    Idea.objects.filter(pk=many.pk).update(
        threshold_reached_at=timezone.now() - timedelta(days=40)
    )

    def titles(query: str) -> list[str]:
        html = client.get(reverse("ideas:board") + query).content.decode()
        order = [t.title for t in (few, many, fresh)]
        return sorted(order, key=lambda t: html.find(t) if t in html else 10**9)

    assert titles("")[0] == "Many votes idea"
    assert titles("?sort=velocity")[0] == "Fresh votes idea"
    assert titles("?sort=waiting")[:2] == ["Many votes idea", "Fresh votes idea"]
    assert titles("?sort=newest")[0] == "Fresh votes idea"
    html = client.get(reverse("ideas:board")).content.decode()
    assert "+1 staff vote, not counted" in html
    assert html.count("Response overdue") == 1  # "many", waiting 40 days
    ideas_actions.decide(board.owner, many, status="planned", rationale="Yes.")
    planned = client.get(reverse("ideas:board") + "?status=planned").content.decode()
    assert "Many votes idea" in planned and "Few votes idea" not in planned
    # Nonsense filters never break the page.
    assert (
        client.get(reverse("ideas:board") + "?status=x&sort=y&page=z").status_code
        == 200
    )


def test_you_said_we_did_credits_the_proposer_and_the_feed_has_the_decision(client):
    board = Board()
    author = make_user("proposer")
    idea = make_topic(board.ideas, author, title="A tamper that fits the basket")
    ideas_actions.vote(board.people[0], idea)
    ideas_actions.decide(
        board.owner, idea, status=IdeaStatus.SHIPPED, rationale="In the box from May."
    )

    shipped = client.get(reverse("ideas:shipped")).content.decode()
    assert "A tamper that fits the basket" in shipped
    assert "Proposed by <strong>proposer</strong>" in shipped
    feed = client.get(reverse("ideas:feed")).content.decode()
    assert "Shipped: A tamper that fits the basket" in feed
    assert "In the box from May." in feed


def test_shipped_notification_credits_author_and_voters(settings):
    board = Board()
    idea = make_topic(board.ideas, board.people[0], title="A quieter pump")
    ideas_actions.vote(board.people[1], idea)
    ideas_actions.decide(board.owner, idea, status="shipped", rationale="Done.")
    event = Event.objects.filter(kind=EventKind.IDEA_STATUS_SET).latest("pk")
    assert "credited to" in _detail(event)
    assert "voted for it" in _detail(event)


def test_roster_shows_the_response_record(client, settings):
    settings.IDEAS_RESPONSE_VOTES = 1
    settings.IDEAS_RESPONSE_DAYS = 30
    board = Board()
    on_time = make_topic(board.ideas, board.people[0], title="Answered in time")
    late = make_topic(board.ideas, board.people[0], title="Answered late")
    for topic in (on_time, late):
        ideas_actions.vote(board.people[1], topic)
    Idea.objects.filter(pk=late.pk).update(
        threshold_reached_at=timezone.now() - timedelta(days=40)
    )
    Idea.objects.filter(pk=on_time.pk).update(
        threshold_reached_at=timezone.now() - timedelta(days=4)
    )
    for topic in (on_time, late):
        ideas_actions.decide(board.owner, topic, status="planned", rationale="Yes.")

    html = client.get(reverse("permissions:roster")).content.decode()
    row = html[html.index('data-owner="olga"') :]
    assert "50% (1/2)" in row[:2000]
    assert IdeaDecision.objects.count() == 2

"""Reading the ideas board: the board's list (votes in the same query), an
idea's panel on its topic, the decisions feed, "You said, we did" and the
decision owners' public response record."""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from forum.models import Category, CategoryKind, IdeaStatus, Topic
from ideas.models import FINAL_STATUSES, DecisionOwner, Idea, IdeaDecision, IdeaVote
from permissions import policy
from permissions.policy import Actor, Perm

IDEAS_PER_PAGE = 30

SORTS = {
    "votes": "Most votes",
    "velocity": "Recent votes",
    "newest": "Newest",
    "waiting": "Longest waiting for a response",
}
DEFAULT_SORT = "votes"


def _pending_q(prefix: str = "idea__") -> Q:
    """Ideas due a response: threshold reached, no response since, not final."""
    return (
        Q(**{f"{prefix}threshold_reached_at__isnull": False})
        & (
            Q(**{f"{prefix}last_response_at__isnull": True})
            | Q(**{f"{prefix}last_response_at__lt": F(f"{prefix}threshold_reached_at")})
        )
        & ~Q(idea_status__in=list(FINAL_STATUSES))
    )


def board(
    actor: Actor,
    *,
    category: Category | None = None,
    status: str | None = None,
    sort: str = DEFAULT_SORT,
) -> QuerySet[Topic]:
    """Visible ideas with their votes, recent votes and clock, in one query
    (plus the tags prefetch)."""
    categories = policy.visible_categories(
        actor, Category.objects.filter(kind=CategoryKind.IDEAS)
    )
    topics = Topic.objects.filter(
        category__in=categories, deleted_at__isnull=True, merged_into__isnull=True
    )
    if category is not None:
        topics = topics.filter(Q(category=category) | Q(category__parent=category))
    if status is not None and status in IdeaStatus.values:
        topics = topics.filter(idea_status=status)
    since = timezone.now() - timedelta(days=settings.IDEAS_VELOCITY_DAYS)
    recent = (
        IdeaVote.objects.filter(
            topic_id=OuterRef("pk"), is_staff_vote=False, created_at__gte=since
        )
        .order_by()
        .values("topic_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    topics = (
        policy.visible_topics(actor, topics)
        .select_related("category", "category__parent", "idea")
        .annotate(
            votes=Coalesce("idea__community_votes", 0),
            staff_vote_count=Coalesce("idea__staff_votes", 0),
            recent_votes=Coalesce(Subquery(recent, output_field=IntegerField()), 0),
            waiting_since=Case(
                When(_pending_q(), then=F("idea__threshold_reached_at")),
                default=Value(None),
                output_field=DateTimeField(),
            ),
        )
    )
    orders: dict[str, list[Any]] = {
        "votes": ["-votes", "-created_at", "-pk"],
        "velocity": ["-recent_votes", "-votes", "-pk"],
        "newest": ["-created_at", "-pk"],
        "waiting": [F("waiting_since").asc(nulls_last=True), "-votes", "-pk"],
    }
    return topics.order_by(*orders[sort if sort in SORTS else DEFAULT_SORT])


def attach_my_votes(actor: Actor, topics: list[Topic]) -> None:
    """Set ``my_vote`` (one query) and ``overdue`` on each topic of the board."""
    mine: set[int] = set()
    if actor.is_authenticated and topics:
        mine = set(
            IdeaVote.objects.filter(
                user_id=actor.pk, topic_id__in=[t.pk for t in topics]
            ).values_list("topic_id", flat=True)
        )
    overdue_before = timezone.now() - timedelta(days=settings.IDEAS_RESPONSE_DAYS)
    for topic in topics:
        topic.my_vote = topic.pk in mine  # type: ignore[attr-defined]
        waiting = getattr(topic, "waiting_since", None)
        topic.overdue = waiting is not None and waiting < overdue_before  # type: ignore[attr-defined]


@dataclass
class Clock:
    """An idea's accountability clock, for the panel and the board."""

    threshold_reached_at: datetime | None
    due_at: datetime | None
    last_response_at: datetime | None
    pending: bool
    overdue: bool
    days_since_response: int | None


def clock(idea: Idea | None, status: str, now: datetime | None = None) -> Clock:
    now = now or timezone.now()
    if idea is None:
        return Clock(None, None, None, False, False, None)
    reached = idea.threshold_reached_at
    last = idea.last_response_at
    pending = (
        reached is not None
        and (last is None or last < reached)
        and status not in FINAL_STATUSES
    )
    due_at = reached + timedelta(days=settings.IDEAS_RESPONSE_DAYS) if reached else None
    return Clock(
        threshold_reached_at=reached,
        due_at=due_at,
        last_response_at=last,
        pending=pending,
        overdue=pending and due_at is not None and now > due_at,
        days_since_response=(now - last).days if last is not None else None,
    )


@dataclass
class Panel:
    """What an idea's topic shows about it."""

    topic: Topic
    idea: Idea | None
    community_votes: int
    staff_voters: list[User]
    my_vote: bool
    decisions: list[IdeaDecision]
    clock: Clock
    can_vote: bool
    can_decide: bool
    threshold: int = field(default_factory=lambda: settings.IDEAS_RESPONSE_VOTES)
    statuses: list[tuple[str, Any]] = field(
        default_factory=lambda: list(IdeaStatus.choices)
    )


def panel(actor: Actor, topic: Topic) -> Panel:
    """The idea panel of *topic*: a constant number of queries."""
    idea = Idea.objects.filter(topic_id=topic.pk).first()
    staff_voters = [
        vote.user
        for vote in IdeaVote.objects.filter(topic_id=topic.pk, is_staff_vote=True)
        .select_related("user", "user__brand")
        .order_by("created_at", "pk")
    ]
    my_vote = (
        actor.is_authenticated
        and IdeaVote.objects.filter(topic_id=topic.pk, user_id=actor.pk).exists()
    )
    decisions = list(
        IdeaDecision.objects.filter(topic_id=topic.pk).order_by("created_at", "pk")
    )
    return Panel(
        topic=topic,
        idea=idea,
        community_votes=idea.community_votes if idea else 0,
        staff_voters=staff_voters,
        my_vote=my_vote,
        decisions=decisions,
        clock=clock(idea, topic.idea_status),
        can_vote=policy.can(actor, Perm.VOTE_IDEA, topic),
        can_decide=policy.can(actor, Perm.SET_IDEA_STATUS, topic),
    )


def recent_decisions(actor: Actor, limit: int = 50) -> list[IdeaDecision]:
    """The latest decisions on ideas *actor* may see (the Atom feed)."""
    topics = policy.visible_topics(actor, Topic.objects.filter(deleted_at__isnull=True))
    return list(
        IdeaDecision.objects.filter(topic__in=topics)
        .select_related("topic")
        .order_by("-created_at", "-pk")[:limit]
    )


def shipped(actor: Actor) -> list[Topic]:
    """ "You said, we did": shipped ideas, newest shipping first, each with the
    decision that shipped it (``shipping``) and who proposed it."""
    last_ship = (
        IdeaDecision.objects.filter(topic_id=OuterRef("pk"), status=IdeaStatus.SHIPPED)
        .order_by("-created_at", "-pk")
        .values("pk")[:1]
    )
    topics: list[Any] = list(
        board(actor, sort="newest")
        .filter(idea_status=IdeaStatus.SHIPPED)
        .annotate(shipping_id=Subquery(last_ship))
        .select_related("author")
        .order_by("-pk")
    )
    decisions = IdeaDecision.objects.in_bulk(
        [t.shipping_id for t in topics if t.shipping_id]
    )
    for topic in topics:
        topic.shipping = decisions.get(topic.shipping_id)
    topics.sort(
        key=lambda t: t.shipping.created_at if t.shipping else t.created_at,
        reverse=True,
    )
    return topics


# --- The owners' public response record -------------------------------------------------------


@dataclass
class OwnerRecord:
    owner: DecisionOwner
    due: int = 0  # ideas in scope that fell due (reached the threshold)
    answered_in_time: int = 0
    decisions: int = 0
    response_days: list[float] = field(default_factory=list)

    @property
    def share_in_time(self) -> int | None:
        """Percent of the ideas due a response that were answered in time."""
        return round(100 * self.answered_in_time / self.due) if self.due else None

    @property
    def median_days(self) -> float | None:
        if not self.response_days:
            return None
        return round(statistics.median(self.response_days), 1)


def owner_roster() -> list[OwnerRecord]:
    """Every decision owner with the response record of the ideas in their
    scope: of the ideas that reached the vote threshold (and whose time is up or
    that were answered), the share answered by a decision (any owner's) within
    IDEAS_RESPONSE_DAYS, and the median days to that first response. Three
    queries."""
    owners = list(
        DecisionOwner.objects.filter(user__is_active=True)
        .select_related("user", "brand", "category")
        .order_by("brand__name", "brand_id", "category_id", "created_at", "pk")
    )
    if not owners:
        return []
    ideas = list(
        Idea.objects.filter(
            threshold_reached_at__isnull=False,
            topic__deleted_at__isnull=True,
            topic__merged_into__isnull=True,
        ).values(
            "topic_id",
            "threshold_reached_at",
            "topic__category_id",
            "topic__category__parent_id",
        )
    )
    decided_by: dict[int | None, int] = defaultdict(int)
    decisions_by_topic: dict[int, list[datetime]] = defaultdict(list)
    for row in IdeaDecision.objects.order_by("created_at", "pk").values(
        "topic_id", "created_at", "owner_id"
    ):
        decided_by[row["owner_id"]] += 1
        decisions_by_topic[row["topic_id"]].append(row["created_at"])
    now = timezone.now()
    limit = timedelta(days=settings.IDEAS_RESPONSE_DAYS)
    records = []
    for owner in owners:
        record = OwnerRecord(owner=owner, decisions=decided_by.get(owner.user_id, 0))
        for idea in ideas:
            in_scope = owner.category_id is None or owner.category_id in (
                idea["topic__category_id"],
                idea["topic__category__parent_id"],
            )
            if not in_scope:
                continue
            reached = idea["threshold_reached_at"]
            if reached is None:  # excluded by the filter; keeps mypy honest
                continue
            response = next(
                (d for d in decisions_by_topic[idea["topic_id"]] if d >= reached), None
            )
            if response is None and now - reached <= limit:
                continue  # still within its time: not counted either way yet
            record.due += 1
            if response is not None:
                record.response_days.append(
                    (response - reached).total_seconds() / 86400
                )
                if response - reached <= limit:
                    record.answered_in_time += 1
        records.append(record)
    return records

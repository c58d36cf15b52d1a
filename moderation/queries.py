"""The read side of moderation: the public log (its page and its feed) and
the work waiting for a moderator (the header's counts)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import User
from forum.models import Category, Post, Topic
from moderation.models import (
    Appeal,
    AppealStatus,
    Flag,
    FlagStatus,
    ModerationAction,
)
from permissions import policy
from permissions.policy import Actor


def visible_actions(viewer: Actor) -> QuerySet[ModerationAction]:
    """The actions *viewer* may see in the log, newest first, ready to render
    without a query per row."""
    categories = policy.visible_categories(viewer, Category.objects.all())
    return (
        ModerationAction.objects.filter(
            Q(category__isnull=True) | Q(category__in=categories)
        )
        .select_related(
            "category",
            "topic",
            "post__topic",
            "target_user",
            "appeal__decided_by",
        )
        .order_by("-created_at", "-pk")
    )


def attach_targets(viewer: Actor, actions: list[ModerationAction]) -> None:
    """Set `.target_topic` on each action: the topic it concerns when *viewer*
    may open it, else None (so no title or link leaks). One query."""
    topics = {}
    for action in actions:
        topic = action.topic
        if topic is None and action.post is not None:
            topic = action.post.topic
        topics[action.pk] = topic
    topic_ids = {topic.pk for topic in topics.values() if topic is not None}
    visible: set[int] = set()
    if topic_ids:
        visible = set(
            policy.visible_topics(
                viewer, Topic.objects.filter(pk__in=topic_ids)
            ).values_list("pk", flat=True)
        )
    for action in actions:
        topic = topics[action.pk]
        action.concerns_topic = topic is not None
        action.target_topic = (
            topic if topic is not None and topic.pk in visible else None
        )


def appeal_of(action: ModerationAction) -> Appeal | None:
    try:
        return action.appeal
    except Appeal.DoesNotExist:
        return None


@dataclass(frozen=True)
class WaitingWork:
    """What waits for a moderator: posts in their review queue, appeals to decide."""

    review: int
    appeals: int


def _count(queryset: QuerySet[Post] | QuerySet[Appeal]) -> Coalesce:
    """A scalar subquery counting *queryset*'s rows (0 when there are none)."""
    return Coalesce(
        Subquery(
            queryset.order_by()
            .annotate(one=Value(1))
            .values("one")
            .annotate(n=Count("pk"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def waiting_work(actor: Actor) -> WaitingWork | None:
    """The counts behind the header's "Review (N)" and "Appeals (N)" links, in
    one query; None (and no query) for people who don't moderate.

    The same scopes as the two queues: posts with pending flags the actor may
    review (policy.reviewable_posts) and pending appeals they may decide
    (policy.decidable_appeals).
    """
    if not actor.is_authenticated or not policy.can(
        actor, policy.Perm.VIEW_REVIEW_QUEUE, None
    ):
        return None
    pending = Flag.objects.filter(
        post=OuterRef("pk"), status__in=(FlagStatus.OPEN, FlagStatus.DEFERRED)
    )
    review = policy.reviewable_posts(actor, Post.objects.filter(Exists(pending)))
    appeals = policy.decidable_appeals(
        actor, Appeal.objects.filter(status=AppealStatus.PENDING)
    )
    row = (
        User.objects.filter(pk=actor.pk)
        .annotate(waiting_review=_count(review), waiting_appeals=_count(appeals))
        .values("waiting_review", "waiting_appeals")
        .get()
    )
    return WaitingWork(review=row["waiting_review"], appeals=row["waiting_appeals"])

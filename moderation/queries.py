"""The read side of the public moderation log, shared by its page and its feed."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from forum.models import Category, Topic
from moderation.models import Appeal, ModerationAction
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

"""Reading drafts: a member's own, and where each one continues."""

from __future__ import annotations

from django.db.models import QuerySet
from django.urls import reverse

from accounts.models import User
from drafts.models import Draft

REPLY = "reply"
TOPIC = "topic"


def parse_key(key: str) -> tuple[str, int] | None:
    """``("reply", topic id)`` or ``("topic", category id)``; None if malformed."""
    kind, _sep, number = key.partition(":")
    if kind not in (REPLY, TOPIC) or not number.isdigit() or len(number) > 18:
        return None
    return kind, int(number)


def reply_key(topic_id: int) -> str:
    return f"{REPLY}:{topic_id}"


def topic_key(category_id: int) -> str:
    return f"{TOPIC}:{category_id}"


def drafts_of(user: User) -> QuerySet[Draft]:
    """The member's drafts, newest first, with what their page needs."""
    return Draft.objects.filter(user=user).select_related(
        "topic__category__parent", "category__parent"
    )


def draft_for(user: User, key: str) -> Draft | None:
    return Draft.objects.filter(user=user, key=key).first()


def continue_url(draft: Draft) -> str:
    """Where the member goes on writing it (the composer restores it there)."""
    if draft.topic is not None:
        return reverse("forum:reply", args=[draft.topic.pk])
    assert draft.category is not None  # noqa: S101 - one of the two is always set
    return reverse("forum:topic_start", args=[draft.category.slug])

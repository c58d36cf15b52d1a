"""Saving drafts as a member writes, and discarding them.

The composer saves what is being written (debounced, and once more when the
page is left); a draft is restored in the same composer on any device,
listed on /drafts/, discarded on request, and discarded by forum.actions when
the reply or topic is posted (``discard_posted_draft``).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from drafts import queries
from drafts.models import Draft
from forum.models import Category, Topic
from permissions import policy
from permissions.policy import Actor, Perm

# Longer than any post may be (forum.markup); a draft may run over while the
# member trims it, but not without bound.
MAX_DRAFT_CHARS = 100_000
MAX_TITLE_CHARS = 300


def _target(actor: Actor, key: str) -> tuple[Topic | None, Category | None]:
    parsed = queries.parse_key(key)
    if parsed is None:
        raise Http404("No such composer.")
    kind, number = parsed
    if kind == queries.REPLY:
        topic = (
            Topic.objects.select_related("category__parent").filter(pk=number).first()
        )
        if topic is None:
            raise Http404("No such topic.")
        policy.require(actor, Perm.VIEW_TOPIC, topic)
        return topic, None
    category = Category.objects.select_related("parent").filter(pk=number).first()
    if category is None:
        raise Http404("No such category.")
    policy.require(actor, Perm.VIEW_CATEGORY, category)
    return None, category


def save_draft(
    actor: Actor, *, key: str, body: str, title: str = "", now: datetime | None = None
) -> Draft | None:
    """Keep what *actor* has written in the composer *key*; an empty composer
    discards the draft (returns None)."""
    policy.require(actor, Perm.KEEP_OWN_STATE, None)
    assert isinstance(actor, User)  # noqa: S101 - the policy admits members only
    topic, category = _target(actor, key)
    if len(body) > MAX_DRAFT_CHARS or len(title) > MAX_TITLE_CHARS:
        raise ValidationError(
            "This draft is too long to keep; shorten it.", code="too_long"
        )
    if not body.strip() and not title.strip():
        Draft.objects.filter(user=actor, key=key).delete()
        return None
    draft, _created = Draft.objects.update_or_create(
        user=actor,
        key=key,
        defaults={
            "topic": topic,
            "category": category,
            "title": title if topic is None else "",
            "body": body,
            "updated_at": now or timezone.now(),
        },
    )
    return draft


def discard_draft(actor: Actor, draft_id: int) -> None:
    """Delete one of *actor*'s drafts (someone else's is not found)."""
    policy.require(actor, Perm.KEEP_OWN_STATE, None)
    assert isinstance(actor, User)  # noqa: S101 - the policy admits members only
    deleted, _rows = Draft.objects.filter(pk=draft_id, user=actor).delete()
    if not deleted:
        raise Http404("No such draft.")


def discard_posted_draft(
    author: User, *, topic: Topic | None = None, category: Category | None = None
) -> None:
    """The reply or topic was posted: its draft has served."""
    if topic is not None:
        key = queries.reply_key(topic.pk)
    elif category is not None:
        key = queries.topic_key(category.pk)
    else:
        return
    Draft.objects.filter(user=author, key=key).delete()

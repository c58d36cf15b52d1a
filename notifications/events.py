"""Emit events from inside an action's transaction (the transactional outbox)."""

import logging
from typing import Any

from django.db import transaction

from accounts.models import User
from forum.cache import safe_bump
from forum.models import Post, Topic
from notifications.models import Event

logger = logging.getLogger(__name__)


class EventKind:
    TOPIC_CREATED = "topic.created"
    POST_CREATED = "post.created"
    POST_EDITED = "post.edited"
    POST_DELETED = "post.deleted"
    POST_LIKED = "post.liked"
    ANSWER_ACCEPTED = "answer.accepted"
    ANSWER_UNACCEPTED = "answer.unaccepted"
    USER_MENTIONED = "user.mentioned"
    BRAND_REQUESTED = "brand.requested"
    BRAND_ANSWERED = "brand.answered"
    TOPIC_ESCALATED = "topic.escalated"
    IDEA_STATUS_SET = "idea.status_set"


def emit(
    kind: str,
    *,
    actor: User | None = None,
    topic: Topic | None = None,
    post: Post | None = None,
    **payload: Any,
) -> Event:
    """Write an event row and dispatch it to the workers once the transaction commits.

    Call inside the action's transaction. If the broker cannot be reached at
    commit time, the change still stands and the periodic sweep dispatches
    the event later.
    """
    event = Event.objects.create(
        kind=kind, actor=actor, topic=topic, post=post, payload=payload
    )
    event_id = event.pk
    # Every change emits an event, so this keeps anonymous page caches fresh:
    # invalidate now and after commit (see forum.cache.bump_on_commit).
    safe_bump()
    transaction.on_commit(lambda: _after_commit(event_id), robust=True)
    return event


def _after_commit(event_id: int) -> None:
    safe_bump()
    enqueue_dispatch(event_id)


def enqueue_dispatch(event_id: int) -> None:
    from notifications.tasks import dispatch_event

    try:
        dispatch_event.delay(event_id)
    except Exception:  # the broker is down; the sweep will retry
        logger.warning("Could not enqueue event %s; the sweep will retry.", event_id)

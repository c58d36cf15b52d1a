"""Emit events from inside an action's transaction (the transactional outbox).

The contract every feature adds to:

- ``EventKind`` is the one vocabulary (defined beside the Event model, which
  takes its choices from it, and re-exported here).
- Each kind has a payload type below (a TypedDict), listed in ``PAYLOADS``.
  Build the payload with its constructor, ``PostCreated(official=True, ...)``,
  so mypy checks the keys and types at the call site; ``emit()`` checks them
  again at run time and refuses a bare string kind.
- ``notifications.fanout.REGISTRY`` gives each kind its recipients, or says
  why it is recorded only; a test and a system check fail when a kind has no
  entry.

Events are not a cache-invalidation mechanism: an action that changes what
visitors see calls ``forum.cache.bump_on_commit()`` itself.

All events written in one transaction share a batch id. The batch is
dispatched as one unit (one task on commit; the sweep's re-dispatch of any
member plans the whole batch), so a member hears once per post of what one
action did: a brand representative's answer is one "answered your request",
not that plus "replied".
"""

from __future__ import annotations

import logging
import types
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypedDict, Union

from celery import current_app
from django.db import DEFAULT_DB_ALIAS, transaction

from accounts.models import User
from forum.models import Post, Topic
from notifications.models import Event, EventKind

__all__ = ["PAYLOADS", "EventKind", "emit", "enqueue_dispatch"]

logger = logging.getLogger(__name__)

# Sent by name: this module is imported by actions, which sit below tasks.
DISPATCH_TASK = "notifications.dispatch_event"


# --- Payloads, one per kind ---------------------------------------------------------------


class NoPayload(TypedDict):
    """The event's actor, topic and post say it all."""


class PostCreated(TypedDict):
    reply_to_post_id: int | None
    quoted_post_ids: list[int]
    official: bool
    # Mentioned members hear of it through user.mentioned, once.
    mentioned_ids: list[int]


class ToUsers(TypedDict):
    """Addressed to the listed members (chosen by the action)."""

    user_ids: list[int]


class BrandRequested(TypedDict):
    brand_id: int
    request_id: int


class TopicEscalated(TypedDict):
    escalation_id: int
    user_ids: list[int]


class IdeaStatusSet(TypedDict):
    """A decision owner's decision (ideas.models.IdeaDecision)."""

    decision_id: int
    status: str


class FlagCreated(TypedDict):
    flag_id: int
    category_id: int
    flag_kind: str
    weight: int
    from_brand_rep: bool


class FlagResolved(TypedDict):
    decision: str
    outcome: str
    action_id: int | None
    user_ids: list[int]


class ReviewCleared(TypedDict):
    action_id: int
    user_ids: list[int]


class ReviewRequested(TypedDict):
    category_id: int
    edited_at: str | None
    reopened_flags: int


class AppealCreated(TypedDict):
    appeal_id: int
    action_id: int


class AppealDecided(TypedDict):
    appeal_id: int
    action_id: int
    status: str
    user_ids: list[int]


class ModerationActionTaken(TypedDict):
    action_id: int
    action_kind: str
    user_ids: list[int]


# insights
class InsightsWeekly(TypedDict):
    """The weekly listening report of one brand, for one ISO week ("2026-W49")."""

    brand_id: int
    week: str


# groups
class GroupApplied(TypedDict):
    """An application waiting for the group's managers."""

    group_id: int
    group_slug: str
    group_name: str
    application_id: int


class GroupMembershipChanged(TypedDict):
    """Accepted, declined, added, removed, ending soon or ended; *text* is
    the sentence the member reads (with the manager's reason)."""

    group_id: int
    group_slug: str
    change: str
    text: str
    user_ids: list[int]


class GroupMentioned(TypedDict):
    """@group in a post: the members of the groups, once each."""

    group_slugs: list[str]
    user_ids: list[int]


# recognition
class AnswerConfirmed(TypedDict):
    """A recognition.ConfirmationEntry: confirmed, or withdrawn."""

    entry_id: int
    brand_name: str
    withdrawn: bool


# support
class SupportStatusChanged(TypedDict):
    """A support desk's accepted status update (support.models.StatusUpdate);
    *note* is the public line the thread shows ("Brevetto support: resolved")."""

    update_id: int
    status: str
    note: str
    user_ids: list[int]


class MessageSent(TypedDict):
    """conversations: a message; its conversation's other participants hear."""

    conversation_id: int
    message_id: int


# privacy
class DataExportReady(TypedDict):
    """A member's archive (privacy.models.DataExport) is ready; *user_ids*
    is its owner alone."""

    export_id: int
    user_ids: list[int]


PAYLOADS: dict[EventKind, type] = {
    EventKind.TOPIC_CREATED: NoPayload,
    EventKind.POST_CREATED: PostCreated,
    EventKind.POST_LIKED: NoPayload,
    EventKind.ANSWER_ACCEPTED: NoPayload,
    EventKind.USER_MENTIONED: ToUsers,
    EventKind.BRAND_REQUESTED: BrandRequested,
    EventKind.BRAND_ANSWERED: ToUsers,
    EventKind.TOPIC_ESCALATED: TopicEscalated,
    EventKind.IDEA_STATUS_SET: IdeaStatusSet,
    EventKind.IDEA_RESPONSE_DUE: ToUsers,
    EventKind.FLAG_CREATED: FlagCreated,
    EventKind.FLAG_RESOLVED: FlagResolved,
    EventKind.POST_PENDING_REVIEW: ToUsers,
    EventKind.POST_REVIEW_CLEARED: ReviewCleared,
    EventKind.REVIEW_REQUESTED: ReviewRequested,
    EventKind.APPEAL_CREATED: AppealCreated,
    EventKind.APPEAL_DECIDED: AppealDecided,
    EventKind.MODERATION_ACTION: ModerationActionTaken,
    # insights
    EventKind.INSIGHTS_WEEKLY: InsightsWeekly,
    # groups
    EventKind.GROUP_APPLIED: GroupApplied,
    EventKind.GROUP_MEMBERSHIP: GroupMembershipChanged,
    EventKind.GROUP_MENTIONED: GroupMentioned,
    # recognition
    EventKind.ANSWER_CONFIRMED: AnswerConfirmed,
    # support
    EventKind.SUPPORT_STATUS_CHANGED: SupportStatusChanged,
    EventKind.MESSAGE_SENT: MessageSent,  # conversations
    EventKind.DATA_EXPORT_READY: DataExportReady,  # privacy
}


def check_payload(kind: EventKind, payload: Mapping[str, object]) -> None:
    """Raise TypeError unless *payload* has exactly the keys and value types
    of *kind*'s payload type."""
    spec = PAYLOADS.get(kind)
    if spec is None:
        raise TypeError(f"{kind.value} has no payload type in PAYLOADS")
    hints = typing.get_type_hints(spec)
    missing = set(hints) - set(payload)
    extra = set(payload) - set(hints)
    if missing or extra:
        raise TypeError(
            f"{kind.value} payload: missing {sorted(missing)}, unexpected {sorted(extra)}"
        )
    for key, hint in hints.items():
        if not _conforms(payload[key], hint):
            raise TypeError(
                f"{kind.value} payload: {key}={payload[key]!r} is not {hint}"
            )


def _conforms(value: object, hint: Any) -> bool:
    """Enough of isinstance() for JSON-able payload hints: int, str, bool,
    None, X | Y and list[X]."""
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        return any(_conforms(value, arm) for arm in typing.get_args(hint))
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and all(_conforms(v, item) for v in value)
    if hint is type(None):
        return value is None
    if hint is int:  # a bool is an int to isinstance(), not to a payload
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


# --- Emitting -----------------------------------------------------------------------------


def emit(
    kind: EventKind,
    payload: Mapping[str, object] | None = None,
    *,
    actor: User | None = None,
    topic: Topic | None = None,
    post: Post | None = None,
) -> Event:
    """Write an event row and dispatch its batch to the workers once the
    transaction commits.

    Call inside the action's transaction. If the broker cannot be reached at
    commit time, the change still stands and the periodic sweep dispatches
    the event later. Raises TypeError for a kind that is not an EventKind or
    a payload that does not match the kind's payload type.
    """
    if not isinstance(kind, EventKind):
        raise TypeError(f"emit() takes an EventKind, not {kind!r}")
    data = dict(payload or {})
    check_payload(kind, data)
    if not transaction.get_connection(DEFAULT_DB_ALIAS).in_atomic_block:
        # Autocommit: the row is committed as it is written, a batch of one.
        event = Event.objects.create(
            kind=kind,
            batch=uuid.uuid4(),
            actor=actor,
            topic=topic,
            post=post,
            payload=data,
        )
        enqueue_dispatch(event.pk)
        return event
    batch = _current_batch()
    event = Event.objects.create(
        kind=kind, batch=batch.id, actor=actor, topic=topic, post=post, payload=data
    )
    batch.event_ids.append(event.pk)
    return event


@dataclass
class _Batch:
    """The events of one transaction; registered with on_commit once, it
    enqueues one dispatch for all of them."""

    scope: str | None
    id: uuid.UUID = field(default_factory=uuid.uuid4)
    event_ids: list[int] = field(default_factory=list)

    def __call__(self) -> None:
        if self.event_ids:
            enqueue_dispatch(self.event_ids[0])


def _current_batch() -> _Batch:
    """The batch of the transaction being written, started on first use.

    Found among the transaction's own on-commit callbacks, which Django
    clears when the transaction commits or rolls back, so a batch never
    outlives its transaction. Under the test suite every test runs inside
    an atomic block of its own (marked _from_testcase); the outermost block
    opened by the code under test then stands for the transaction, as it
    does in production.
    """
    connection = transaction.get_connection(DEFAULT_DB_ALIAS)
    scope = _scope(connection)
    for _sids, callback, _robust in connection.run_on_commit:
        if isinstance(callback, _Batch) and callback.scope == scope:
            return callback
    batch = _Batch(scope=scope)
    transaction.on_commit(batch, robust=True)
    return batch


def _scope(connection: Any) -> str | None:
    """The savepoint id of the outermost atomic block that is not a test's
    wrapper, or None when that block is the real transaction."""
    blocks = connection.atomic_blocks
    for index, block in enumerate(blocks):
        if getattr(block, "_from_testcase", False):
            continue
        if index == 0:
            return None
        sid = connection.savepoint_ids[index - 1]
        return str(sid) if sid is not None else f"block-{id(block)}"
    return None


def enqueue_dispatch(event_id: int) -> None:
    """Queue dispatch_event for *event_id* (and so for its whole batch)."""
    try:
        current_app.signature(DISPATCH_TASK, args=(event_id,)).delay()
    except Exception:  # the broker is down; the sweep will retry
        logger.warning("Could not enqueue event %s; the sweep will retry.", event_id)

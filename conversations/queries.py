"""Reads for private conversations: the header counts, the inbox, one
conversation and the report queue. Each costs a constant number of queries,
whatever the sizes."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import connections, router
from django.db.models import Count, F, Q

from accounts.models import User
from conversations.models import (
    Conversation,
    Ignore,
    Message,
    MessageReport,
    Participant,
)
from notifications.models import Notification

INBOX_SIZE = 100
REPORTS_SHOWN = 100

_UNREAD = Q(left_at__isnull=True, muted=False) & (
    Q(last_read_at__isnull=True)
    | Q(conversation__last_message_at__gt=F("last_read_at"))
)


def header_counts_columns(user_column: str) -> str:
    """The header's two counts as two SELECT columns, for the user whose id
    is *user_column*: ``hearth_unread_notifications`` and
    ``hearth_unread_conversations`` (accounts.backends reads them with the
    user's row)."""
    participant = Participant._meta.db_table
    conversation = Conversation._meta.db_table
    notification = Notification._meta.db_table
    return f"""
        (SELECT COUNT(*) FROM {notification} n
         WHERE n.recipient_id = {user_column} AND n.read_at IS NULL)
            AS hearth_unread_notifications,
        (SELECT COUNT(*) FROM {participant} p
         JOIN {conversation} c ON c.id = p.conversation_id
         WHERE p.user_id = {user_column} AND p.left_at IS NULL AND NOT p.muted
           AND (p.last_read_at IS NULL OR c.last_message_at > p.last_read_at))
            AS hearth_unread_conversations"""  # noqa: S608 -- names, no values


def header_counts(user: User) -> tuple[int, int]:
    """(unread notifications, unread conversations) for the header, in ONE
    query: the bell's count and the inbox's, folded together.

    Plain SQL: every signed-in page runs it, and building the ORM's two
    correlated subqueries cost about 2 ms of CPU, a hundred times what
    the database spends on it (two index scans)."""
    sql = f"SELECT {header_counts_columns('%s')}"
    with connections[router.db_for_read(Notification)].cursor() as cursor:
        cursor.execute(sql, [user.pk, user.pk])
        row = cursor.fetchone()
    return (int(row[0]), int(row[1])) if row else (0, 0)


@dataclass
class InboxRow:
    conversation: Conversation
    unread: bool
    muted: bool
    others: list[str] = field(default_factory=list)


def inbox(user: User) -> list[InboxRow]:
    """The conversations *user* is in, latest first (two queries)."""
    rows = list(
        Participant.objects.filter(user=user, left_at__isnull=True)
        .select_related("conversation")
        .annotate(is_unread=Count("pk", filter=_UNREAD))
        .order_by("-conversation__last_message_at", "-pk")[:INBOX_SIZE]
    )
    others: dict[int, list[str]] = {}
    for participant in (
        Participant.objects.filter(
            conversation_id__in=[row.conversation_id for row in rows],
            left_at__isnull=True,
        )
        .exclude(user=user)
        .select_related("user")
        .order_by("pk")
    ):
        others.setdefault(participant.conversation_id, []).append(participant.user.name)
    return [
        InboxRow(
            conversation=row.conversation,
            unread=bool(row.is_unread),
            muted=row.muted,
            others=others.get(row.conversation_id, []),
        )
        for row in rows
    ]


@dataclass
class ConversationPage:
    conversation: Conversation
    me: Participant
    people: list[Participant]
    messages: list[Message]
    ignored_ids: frozenset[int]


def conversation_or_none(conversation_id: int) -> Conversation | None:
    return (
        Conversation.objects.select_related("moderation_action")
        .filter(pk=conversation_id)
        .first()
    )


def message_or_none(message_id: int) -> Message | None:
    return Message.objects.select_related("conversation").filter(pk=message_id).first()


def conversation_page(user: User, conversation: Conversation) -> ConversationPage:
    """One conversation as *user* (a participant; the view asked the policy)
    reads it: the people in it, the messages, whom *user* ignores."""
    people = list(
        Participant.objects.filter(conversation=conversation)
        .select_related("user", "user__brand")
        .order_by("pk")
    )
    me = next(p for p in people if p.user_id == user.pk)
    messages = list(Message.objects.filter(conversation=conversation))
    ignored = frozenset(
        Ignore.objects.filter(user=user).values_list("ignored_id", flat=True)
    )
    return ConversationPage(
        conversation=conversation,
        me=me,
        people=[p for p in people if p.left_at is None],
        messages=messages,
        ignored_ids=ignored,
    )


def report_queue() -> list[MessageReport]:
    """Open reports, each with only the reported message's words."""
    return list(
        MessageReport.objects.filter(resolved_at__isnull=True)
        .select_related("reporter", "message")
        .order_by("created_at")[:REPORTS_SHOWN]
    )


def report_or_none(report_id: int) -> MessageReport | None:
    return MessageReport.objects.filter(pk=report_id).first()


def ignored_members(user: User) -> list[User]:
    """The members *user* ignores, for the Messages page."""
    return list(
        User.objects.filter(
            pk__in=Ignore.objects.filter(user=user).values("ignored_id")
        ).order_by("username")
    )

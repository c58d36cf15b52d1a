"""Fan an outbox event out to its recipients, in bulk.

For each event kind: who should hear of it, as which notification kind.
Then, for all of them at once: drop muted recipients and anyone who may not
see the topic (one query, permissions.policy.users_who_can_view_topic),
drop those already delivered to (a retry after a crash), and write the
in-app notifications and the delivery rows with bulk inserts. Runs inside
dispatch_event's transaction, so a worker killed half-way leaves nothing
behind and the retry starts clean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from forum.models import Post, Topic
from notifications.models import (
    CategoryWatch,
    Delivery,
    Event,
    Notification,
    NotificationKind,
    TopicWatch,
    WatchLevel,
)
from notifications.preferences import preferences_for_many, wants_immediate_email
from permissions import policy

BATCH = 1000


@dataclass(frozen=True)
class Plan:
    """Who hears of an event: {user id: notification kind}, most specific first."""

    recipients: dict[int, str]


def plan_for(event: Event) -> Plan:
    handler = _PLANNERS.get(event.kind)
    if handler is None:
        return Plan({})
    recipients = handler(event)
    if event.actor_id is not None:
        recipients.pop(event.actor_id, None)  # nobody hears of their own doing
    return Plan(recipients)


def _add(recipients: dict[int, str], user_ids: Iterable[int | None], kind: str) -> None:
    for user_id in user_ids:
        if user_id is not None and user_id not in recipients:
            recipients[user_id] = kind


def _watchers(topic: Topic, *, new_topic: bool) -> list[int]:
    category_ids = [topic.category_id]
    if topic.category.parent_id:
        category_ids.append(topic.category.parent_id)
    watching = list(
        CategoryWatch.objects.filter(
            category_id__in=category_ids, level=WatchLevel.WATCHING
        ).values_list("user_id", flat=True)
    )
    if not new_topic:
        watching += TopicWatch.objects.filter(
            topic=topic, level=WatchLevel.WATCHING
        ).values_list("user_id", flat=True)
    return watching


def _muted(topic: Topic, user_ids: Iterable[int]) -> set[int]:
    """Mute wins: muting the topic or its category silences everything."""
    ids = list(user_ids)
    category_ids = [topic.category_id]
    if topic.category.parent_id:
        category_ids.append(topic.category.parent_id)
    muted = set(
        TopicWatch.objects.filter(
            topic=topic, level=WatchLevel.MUTED, user_id__in=ids
        ).values_list("user_id", flat=True)
    )
    muted |= set(
        CategoryWatch.objects.filter(
            category_id__in=category_ids, level=WatchLevel.MUTED, user_id__in=ids
        ).values_list("user_id", flat=True)
    )
    return muted


def _topic_of(event: Event) -> Topic:
    """The topic of a post.created or topic.created event, which always has one."""
    if event.topic is None:
        raise ValueError(f"{event} has no topic")
    return event.topic


def _plan_post_created(event: Event) -> dict[int, str]:
    topic, payload = _topic_of(event), event.payload
    recipients: dict[int, str] = {}
    # Mentions arrive as their own event; don't notify twice for one post.
    mentioned = set(payload.get("mentioned_ids", []))
    if payload.get("official"):
        _add(recipients, [topic.author_id], NotificationKind.OFFICIAL_ANSWER)
    if payload.get("reply_to_post_id"):
        reply_to_author = (
            Post.objects.filter(pk=payload["reply_to_post_id"])
            .values_list("author_id", flat=True)
            .first()
        )
        _add(recipients, [reply_to_author], NotificationKind.REPLIED)
    _add(recipients, [topic.author_id], NotificationKind.REPLIED)
    if payload.get("quoted_post_ids"):
        quoted = Post.objects.filter(
            pk__in=payload["quoted_post_ids"], topic__isnull=False
        ).values_list("author_id", flat=True)
        _add(recipients, quoted, NotificationKind.QUOTED)
    _add(
        recipients,
        _watchers(topic, new_topic=False),
        NotificationKind.WATCHED_TOPIC_POST,
    )
    for user_id in mentioned:
        recipients.pop(user_id, None)
    return recipients


def _plan_topic_created(event: Event) -> dict[int, str]:
    recipients: dict[int, str] = {}
    _add(
        recipients,
        _watchers(_topic_of(event), new_topic=True),
        NotificationKind.WATCHED_CATEGORY_TOPIC,
    )
    return recipients


def _to_payload_users(kind: str) -> Callable[[Event], dict[int, str]]:
    def plan(event: Event) -> dict[int, str]:
        recipients: dict[int, str] = {}
        _add(recipients, event.payload.get("user_ids", []), kind)
        return recipients

    return plan


def _to_post_author(kind: str) -> Callable[[Event], dict[int, str]]:
    def plan(event: Event) -> dict[int, str]:
        recipients: dict[int, str] = {}
        if event.post is not None:
            _add(recipients, [event.post.author_id], kind)
        return recipients

    return plan


def _plan_brand_requested(event: Event) -> dict[int, str]:
    recipients: dict[int, str] = {}
    reps = User.objects.filter(
        role=Role.BRAND_REP, brand_id=event.payload.get("brand_id"), is_active=True
    ).values_list("pk", flat=True)
    _add(recipients, reps, NotificationKind.BRAND_REQUEST)
    return recipients


_PLANNERS = {
    "post.created": _plan_post_created,
    "topic.created": _plan_topic_created,
    "user.mentioned": _to_payload_users(NotificationKind.MENTIONED),
    "post.liked": _to_post_author(NotificationKind.LIKED),
    "answer.accepted": _to_post_author(NotificationKind.ANSWER_ACCEPTED),
    "brand.requested": _plan_brand_requested,
    "brand.answered": _to_payload_users(NotificationKind.BRAND_ANSWERED),
    "topic.escalated": _to_payload_users(NotificationKind.ESCALATED),
    "moderation.action": _to_payload_users(NotificationKind.MODERATION),
    "post.pending_review": _to_post_author(NotificationKind.MODERATION),
    "flag.resolved": _to_payload_users(NotificationKind.FLAG_RESOLVED),
    "appeal.decided": _to_payload_users(NotificationKind.APPEAL_DECIDED),
}


# --- Text and links ------------------------------------------------------------------------

_TEXTS: dict[str, str] = {
    NotificationKind.REPLIED: _("%(actor)s replied in “%(title)s”"),
    NotificationKind.MENTIONED: _("%(actor)s mentioned you in “%(title)s”"),
    NotificationKind.QUOTED: _("%(actor)s quoted you in “%(title)s”"),
    NotificationKind.LIKED: _("%(actor)s liked your post in “%(title)s”"),
    NotificationKind.WATCHED_TOPIC_POST: _("%(actor)s posted in “%(title)s”"),
    NotificationKind.WATCHED_CATEGORY_TOPIC: _("%(actor)s started “%(title)s”"),
    NotificationKind.ANSWER_ACCEPTED: _("Your answer in “%(title)s” was accepted"),
    NotificationKind.BRAND_ANSWERED: _(
        "%(actor)s answered your request in “%(title)s”"
    ),
    NotificationKind.OFFICIAL_ANSWER: _(
        "%(actor)s posted an official answer in “%(title)s”"
    ),
    NotificationKind.ESCALATED: _(
        "“%(title)s” was escalated to support; see your reference"
    ),
    NotificationKind.MODERATION: _("A moderator acted on your content: %(detail)s"),
    NotificationKind.FLAG_RESOLVED: _(
        "Moderators reviewed a post you flagged in “%(title)s”"
    ),
    NotificationKind.APPEAL_DECIDED: _("Your appeal was decided: %(detail)s"),
    NotificationKind.BRAND_REQUEST: _("%(actor)s asked the brand in “%(title)s”"),
}


def _text(kind: str, event: Event) -> str:
    detail = event.payload.get("action_kind") or event.payload.get("decision") or ""
    if event.kind == "post.pending_review":
        detail = _("your post is hidden pending review after flags")
    values = {
        "actor": event.actor.name if event.actor else _("Someone"),
        "title": event.topic.title if event.topic else "",
        "detail": str(detail).replace("_", " "),
    }
    return str(_TEXTS[kind] % values)[:300]


def _url(event: Event) -> str:
    if event.post is not None and event.topic is not None:
        return event.topic.get_post_url(event.post.number)
    if event.topic is not None:
        return event.topic.get_absolute_url()
    return "/"


# --- The fan-out ------------------------------------------------------------------------------


def fan_out(event: Event) -> list[int]:
    """Create the in-app notifications for *event*; return the ids of email
    deliveries to send now. Idempotent per (event, recipient, channel)."""
    plan = plan_for(event)
    if not plan.recipients:
        return []
    candidates = set(plan.recipients)
    if event.topic is not None:
        candidates &= policy.users_who_can_view_topic(event.topic, candidates)
        candidates -= _muted(event.topic, candidates)
    else:
        candidates = set(
            User.objects.filter(pk__in=candidates, is_active=True).values_list(
                "pk", flat=True
            )
        )
    already = set(
        Delivery.objects.filter(
            event=event, channel=Delivery.Channel.IN_APP, recipient_id__in=candidates
        ).values_list("recipient_id", flat=True)
    )
    recipients = sorted(candidates - already)
    if not recipients:
        return []

    now = timezone.now()
    url = _url(event)
    likes = [r for r in recipients if plan.recipients[r] == NotificationKind.LIKED]
    batched = _batch_likes(event, likes, now) if likes else {}
    fresh = [
        Notification(
            recipient_id=user_id,
            kind=plan.recipients[user_id],
            event=event,
            actor_id=event.actor_id,
            actor_name=event.actor.name if event.actor else "",
            topic_id=event.topic_id,
            post_id=event.post_id,
            url=url,
            text=_text(plan.recipients[user_id], event),
            created_at=now,
        )
        for user_id in recipients
        if user_id not in batched
    ]
    created = Notification.objects.bulk_create(fresh, batch_size=BATCH)
    by_user = {n.recipient_id: n.pk for n in created} | batched
    Delivery.objects.bulk_create(
        [
            Delivery(
                event=event,
                recipient_id=user_id,
                channel=Delivery.Channel.IN_APP,
                status=Delivery.Status.SENT,
                notification_id=by_user[user_id],
            )
            for user_id in recipients
        ],
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    prefs = preferences_for_many(recipients)
    email_to = [
        user_id
        for user_id in recipients
        if user_id not in batched
        and wants_immediate_email(prefs[user_id], plan.recipients[user_id])
    ]
    emails = Delivery.objects.bulk_create(
        [
            Delivery(
                event=event,
                recipient_id=user_id,
                channel=Delivery.Channel.EMAIL,
                notification_id=by_user[user_id],
            )
            for user_id in email_to
        ],
        batch_size=BATCH,
    )
    return [delivery.pk for delivery in emails]


def _batch_likes(event: Event, user_ids: list[int], now: datetime) -> dict[int, int]:
    """Fold a like into the recipient's unread like notification for the same
    post ("3 members liked your post"); return {user id: notification id}."""
    if event.post_id is None:  # only post.liked events plan likes, and they have a post
        return {}
    existing = dict(
        Notification.objects.filter(
            recipient_id__in=user_ids,
            kind=NotificationKind.LIKED,
            post_id=event.post_id,
            read_at__isnull=True,
        ).values_list("recipient_id", "pk")
    )
    actor = event.actor.name if event.actor else ""
    title = event.topic.title if event.topic else ""
    for notification in Notification.objects.filter(pk__in=existing.values()):
        notification.count = F("count") + 1
        notification.actor_name = actor
        notification.created_at = now
        notification.save(update_fields=["count", "actor_name", "created_at"])
        notification.refresh_from_db(fields=["count"])
        notification.text = str(
            _("%(actor)s and %(n)d others liked your post in “%(title)s”")
            % {"actor": actor, "n": notification.count - 1, "title": title}
        )[:300]
        notification.save(update_fields=["text"])
    return existing


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

"""Fan outbox events out to their recipients, in bulk, a transaction's batch at a time.

REGISTRY gives every EventKind its planner (who should hear of it, as which
notification kind) or declares it recorded only, with the reason. Then, for
the whole batch at once: drop muted recipients and anyone who may not see
the topic (one query per event, permissions.policy.users_who_can_view_topic),
keep one notification per (recipient, post), the most specific one (a brand
answer beats a plain reply, a mention beats a watch), drop those already
delivered to (a retry after a crash), and write the in-app notifications and
the delivery rows with bulk inserts. Runs inside dispatch_event's
transaction, so a worker killed half-way leaves nothing behind and the retry
starts clean.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from django.conf import settings
from django.db import connection
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from accounts.roles import Role
from config.sql import many_ids
from conversations.models import Ignore, Participant
from forum.models import CategoryKind, IdeaStatus, Post, Topic
from groups.models import ExpertRoute
from ideas.models import IdeaVote
from moderation.models import Appeal, Flag, FlagStatus, ModerationAction
from notifications.events import PAYLOADS
from notifications.models import (
    CategoryWatch,
    Delivery,
    Event,
    EventKind,
    Notification,
    NotificationKind,
    TopicWatch,
    WatchLevel,
)
from notifications.preferences import preferences_for_many, wants_immediate_email
from permissions import policy
from permissions.policy import Perm
from privacy.links import export_download_path

BATCH = 1000

Recipients = dict[int, str]  # {user id: notification kind}
Planner = Callable[[Event], Recipients]


# --- Planners: who hears of each kind -----------------------------------------------------


def _add(recipients: Recipients, user_ids: Iterable[int | None], kind: str) -> None:
    for user_id in user_ids:
        if user_id is not None and user_id not in recipients:
            recipients[user_id] = kind


def _category_ids(topic: Topic) -> list[int]:
    category_ids = [topic.category_id]
    if topic.category.parent_id:
        category_ids.append(topic.category.parent_id)
    return category_ids


def _watchers(topic: Topic, *, new_topic: bool) -> list[int]:
    watching = list(
        CategoryWatch.objects.filter(
            category_id__in=_category_ids(topic), level=WatchLevel.WATCHING
        ).values_list("user_id", flat=True)
    )
    if not new_topic:
        watching += _topic_watchers(topic)
    return watching


def _topic_watchers(topic: Topic) -> list[int]:
    return list(
        TopicWatch.objects.filter(topic=topic, level=WatchLevel.WATCHING).values_list(
            "user_id", flat=True
        )
    )


def _muted(topic: Topic, user_ids: Iterable[int]) -> set[int]:
    """Mute wins: muting the topic or its category silences everything."""
    ids = list(user_ids)
    muted = set(
        TopicWatch.objects.filter(
            topic=topic, level=WatchLevel.MUTED, user_id__in=many_ids(ids)
        ).values_list("user_id", flat=True)
    )
    muted |= set(
        CategoryWatch.objects.filter(
            category_id__in=_category_ids(topic),
            level=WatchLevel.MUTED,
            user_id__in=many_ids(ids),
        ).values_list("user_id", flat=True)
    )
    return muted


def _topic_of(event: Event) -> Topic:
    """The topic of an event about a topic or a post, which always has one."""
    if event.topic is None:
        raise ValueError(f"{event} has no topic")
    return event.topic


def _plan_post_created(event: Event) -> Recipients:
    topic, payload = _topic_of(event), event.payload
    recipients: Recipients = {}
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
    return recipients


def _plan_topic_created(event: Event) -> Recipients:
    recipients: Recipients = {}
    topic = _topic_of(event)
    # groups: a new question reaches the expert groups routed to its
    # category or tags at once, ahead of any brand representative.
    _add(recipients, _experts(topic), NotificationKind.EXPERT_QUESTION)
    _add(
        recipients,
        _watchers(topic, new_topic=True),
        NotificationKind.WATCHED_CATEGORY_TOPIC,
    )
    return recipients


def _experts(topic: Topic) -> list[int]:
    """Members of the expert groups whose route covers *topic* (a question):
    its category or parent, its tags, or both when a route names both."""
    if topic.category.kind != CategoryKind.QUESTIONS:
        return []
    tag_ids = list(topic.tags.values_list("pk", flat=True))
    in_category = Q(category__isnull=True) | Q(category_id__in=_category_ids(topic))
    tagged = Q(tag__isnull=True) | Q(tag_id__in=tag_ids)
    groups = ExpertRoute.objects.filter(in_category & tagged).values("group_id")
    return sorted(
        set(
            User.objects.filter(group_memberships__group_id__in=groups).values_list(
                "pk", flat=True
            )
        )
    )


def _plan_group_applied(event: Event) -> Recipients:
    """Whoever may manage the group (policy.users_who_may_manage_group)."""
    recipients: Recipients = {}
    _add(
        recipients,
        sorted(policy.users_who_may_manage_group(event.payload.get("group_id"))),
        NotificationKind.GROUP_APPLICATION,
    )
    return recipients


def _to_payload_users(kind: str) -> Planner:
    def plan(event: Event) -> Recipients:
        recipients: Recipients = {}
        _add(recipients, event.payload.get("user_ids", []), kind)
        return recipients

    return plan


def _to_post_author(kind: str) -> Planner:
    def plan(event: Event) -> Recipients:
        recipients: Recipients = {}
        if event.post is not None:
            _add(recipients, [event.post.author_id], kind)
        return recipients

    return plan


def _plan_brand_requested(event: Event) -> Recipients:
    recipients: Recipients = {}
    reps = User.objects.filter(
        role=Role.BRAND_REP, brand_id=event.payload.get("brand_id"), is_active=True
    ).values_list("pk", flat=True)
    _add(recipients, reps, NotificationKind.BRAND_REQUEST)
    return recipients


def _plan_idea_status_set(event: Event) -> Recipients:
    topic = _topic_of(event)
    recipients: Recipients = {}
    _add(recipients, [topic.author_id], NotificationKind.IDEA_STATUS)
    voters = IdeaVote.objects.filter(topic_id=topic.pk).values_list(
        "user_id", flat=True
    )
    _add(recipients, voters, NotificationKind.IDEA_STATUS)
    _add(recipients, _topic_watchers(topic), NotificationKind.IDEA_STATUS)
    return recipients


_Row = TypeVar("_Row")


def _deciders(
    who: Callable[[_Row], set[int]], row: _Row | None, kind: str
) -> Recipients:
    """Everyone the policy's bulk form *who* lets act on *row* (a flag to
    review, an appeal to decide), sorted; nobody when the row is gone."""
    recipients: Recipients = {}
    if row is not None:
        _add(recipients, sorted(who(row)), kind)
    return recipients


def _plan_flag_created(event: Event) -> Recipients:
    flag = (
        Flag.objects.select_related("post__topic__category__parent")
        .filter(pk=event.payload.get("flag_id"))
        .first()
    )
    return _deciders(policy.users_who_may_review_flag, flag, NotificationKind.FLAGGED)


def _plan_review_requested(event: Event) -> Recipients:
    """Whoever may review one of the post's pending flags."""
    recipients: Recipients = {}
    if event.post is None:
        return recipients
    flags = Flag.objects.select_related("post__topic__category__parent").filter(
        post=event.post, status__in=(FlagStatus.OPEN, FlagStatus.DEFERRED)
    )
    reviewers: set[int] = set()
    # At most two distinct answers: flags from members, flags from representatives.
    for from_brand_rep in {flag.from_brand_rep: flag for flag in flags}.values():
        reviewers |= policy.users_who_may_review_flag(from_brand_rep)
    _add(recipients, sorted(reviewers), NotificationKind.REVIEW_REQUESTED)
    return recipients


def _plan_appeal_created(event: Event) -> Recipients:
    appeal = (
        Appeal.objects.select_related("action__category__parent")
        .filter(pk=event.payload.get("appeal_id"))
        .first()
    )
    return _deciders(
        policy.users_who_may_decide_appeal, appeal, NotificationKind.APPEAL_CREATED
    )


# insights
def _plan_insights_weekly(event: Event) -> Recipients:
    recipients: Recipients = {}
    reps = User.objects.filter(
        role=Role.BRAND_REP, brand_id=event.payload.get("brand_id"), is_active=True
    ).values_list("pk", flat=True)
    _add(recipients, reps, NotificationKind.INSIGHTS_WEEKLY)
    return recipients


# conversations
def _plan_message_sent(event: Event) -> Recipients:
    """The conversation's other participants who have not left or muted it."""
    recipients: Recipients = {}
    listening = Participant.objects.filter(
        conversation_id=event.payload.get("conversation_id"),
        left_at__isnull=True,
        muted=False,
    ).values_list("user_id", flat=True)
    _add(recipients, listening, NotificationKind.PRIVATE_MESSAGE)
    return recipients


@dataclass(frozen=True)
class Planned:
    """The kind notifies *who* (in words, for people), found by *planner*."""

    who: str
    planner: Planner


@dataclass(frozen=True)
class RecordedOnly:
    """The kind is written to the outbox and tells nobody, because *reason*."""

    reason: str


REGISTRY: dict[EventKind, Planned | RecordedOnly] = {
    EventKind.TOPIC_CREATED: Planned(
        "watchers of the category (and its parent)", _plan_topic_created
    ),
    EventKind.POST_CREATED: Planned(
        "the topic's author (official answer or reply), the author of the post "
        "replied to, quoted authors, the topic's watchers",
        _plan_post_created,
    ),
    EventKind.POST_LIKED: Planned(
        "the post's author, batched per post while unread",
        _to_post_author(NotificationKind.LIKED),
    ),
    EventKind.ANSWER_ACCEPTED: Planned(
        "the answer's author", _to_post_author(NotificationKind.ANSWER_ACCEPTED)
    ),
    EventKind.USER_MENTIONED: Planned(
        "the members mentioned", _to_payload_users(NotificationKind.MENTIONED)
    ),
    EventKind.BRAND_REQUESTED: Planned(
        "the brand's active representatives", _plan_brand_requested
    ),
    EventKind.BRAND_ANSWERED: Planned(
        "the members whose requests the answer answered",
        _to_payload_users(NotificationKind.BRAND_ANSWERED),
    ),
    EventKind.TOPIC_ESCALATED: Planned(
        "the topic's author", _to_payload_users(NotificationKind.ESCALATED)
    ),
    EventKind.IDEA_STATUS_SET: Planned(
        "the idea's author, everyone who voted for it and its watchers, once each",
        _plan_idea_status_set,
    ),
    EventKind.IDEA_RESPONSE_DUE: Planned(
        "the idea's decision owners (policy.decision_owner_ids)",
        _to_payload_users(NotificationKind.IDEA_RESPONSE_DUE),
    ),
    EventKind.FLAG_CREATED: Planned(
        "moderators who may review the flag (policy.users_who_may_review_flag: "
        "unaffiliated ones for a representative's flag), batched per post while "
        "unread",
        _plan_flag_created,
    ),
    EventKind.FLAG_RESOLVED: Planned(
        "the flaggers", _to_payload_users(NotificationKind.FLAG_RESOLVED)
    ),
    EventKind.POST_PENDING_REVIEW: Planned(
        "the post's author", _to_payload_users(NotificationKind.MODERATION)
    ),
    EventKind.POST_REVIEW_CLEARED: Planned(
        "the post's author", _to_payload_users(NotificationKind.REVIEW_CLEARED)
    ),
    EventKind.REVIEW_REQUESTED: Planned(
        "moderators who may review the post's pending flags", _plan_review_requested
    ),
    EventKind.APPEAL_CREATED: Planned(
        "everyone the policy allows to decide the appeal "
        "(policy.users_who_may_decide_appeal)",
        _plan_appeal_created,
    ),
    EventKind.APPEAL_DECIDED: Planned(
        "the appellant", _to_payload_users(NotificationKind.APPEAL_DECIDED)
    ),
    EventKind.MODERATION_ACTION: Planned(
        "the member the action affected, if any",
        _to_payload_users(NotificationKind.MODERATION),
    ),
    # insights
    EventKind.INSIGHTS_WEEKLY: Planned(
        "the brand's active representatives", _plan_insights_weekly
    ),
    # groups
    EventKind.GROUP_APPLIED: Planned(
        "the group's managers: moderators of its categories and administrators, "
        "never brand representatives",
        _plan_group_applied,
    ),
    EventKind.GROUP_MEMBERSHIP: Planned(
        "the member the decision or the end concerns",
        _to_payload_users(NotificationKind.GROUP_MEMBERSHIP),
    ),
    EventKind.GROUP_MENTIONED: Planned(
        "the members of the mentioned groups who may read the topic, once each",
        _to_payload_users(NotificationKind.GROUP_MENTIONED),
    ),
    # recognition
    EventKind.ANSWER_CONFIRMED: Planned(
        "the answer's author", _to_post_author(NotificationKind.ANSWER_CONFIRMED)
    ),
    # support
    EventKind.SUPPORT_STATUS_CHANGED: Planned(
        "the member whose topic was escalated (its author)",
        _to_payload_users(NotificationKind.SUPPORT_STATUS),
    ),
    # conversations
    EventKind.MESSAGE_SENT: Planned(
        "the conversation's other participants, unless they left or muted it "
        "or ignore the author",
        _plan_message_sent,
    ),
    # privacy
    EventKind.DATA_EXPORT_READY: Planned(
        "the member who asked for the archive",
        _to_payload_users(NotificationKind.DATA_EXPORT),
    ),
}

# conversations: kinds an ignored member's doing never reaches the one who
# ignores them with (their messages, mentions, replies and quotes). Moderation,
# appeals and the brand's answers to one's own requests still arrive.
IGNORABLE = frozenset(
    {
        EventKind.MESSAGE_SENT,
        EventKind.USER_MENTIONED,
        EventKind.GROUP_MENTIONED,
        EventKind.POST_CREATED,
        EventKind.POST_LIKED,
    }
)


def unregistered_kinds() -> list[EventKind]:
    """Kinds missing a payload type or a REGISTRY entry (must be none)."""
    return [kind for kind in EventKind if kind not in REGISTRY or kind not in PAYLOADS]


def plan_for(event: Event) -> Recipients:
    """Who hears of *event*, before visibility and mutes; never its actor."""
    spec = REGISTRY.get(EventKind(event.kind)) if event.kind in EventKind else None
    if not isinstance(spec, Planned):
        return {}  # recorded only, or a kind retired since the row was written
    recipients = spec.planner(event)
    if event.actor_id is not None:
        recipients.pop(event.actor_id, None)  # nobody hears of their own doing
    if event.actor_id is not None and recipients and event.kind in IGNORABLE:
        ignoring = Ignore.objects.filter(
            ignored_id=event.actor_id, user_id__in=list(recipients)
        ).values_list("user_id", flat=True)
        for user_id in ignoring:
            recipients.pop(user_id, None)
    return recipients


# --- One notification per (recipient, post) -------------------------------------------------

# Most specific first: when one transaction gives a member several reasons
# to hear of the same post, the first of these wins.
SPECIFICITY: list[NotificationKind] = [
    NotificationKind.MODERATION,
    NotificationKind.APPEAL_DECIDED,
    NotificationKind.APPEAL_CREATED,
    NotificationKind.REVIEW_CLEARED,
    NotificationKind.ESCALATED,
    NotificationKind.SUPPORT_STATUS,  # support
    NotificationKind.BRAND_ANSWERED,
    NotificationKind.OFFICIAL_ANSWER,
    NotificationKind.ANSWER_ACCEPTED,
    NotificationKind.ANSWER_CONFIRMED,  # recognition
    NotificationKind.PRIVATE_MESSAGE,  # conversations
    NotificationKind.MENTIONED,
    NotificationKind.GROUP_MENTIONED,  # groups
    NotificationKind.QUOTED,
    NotificationKind.REPLIED,
    NotificationKind.FLAG_RESOLVED,
    NotificationKind.REVIEW_REQUESTED,
    NotificationKind.FLAGGED,
    NotificationKind.BRAND_REQUEST,
    NotificationKind.IDEA_STATUS,
    NotificationKind.IDEA_RESPONSE_DUE,
    NotificationKind.LIKED,
    NotificationKind.EXPERT_QUESTION,  # groups
    NotificationKind.WATCHED_TOPIC_POST,
    NotificationKind.WATCHED_CATEGORY_TOPIC,
    NotificationKind.INSIGHTS_WEEKLY,  # insights
    NotificationKind.GROUP_APPLICATION,  # groups
    NotificationKind.GROUP_MEMBERSHIP,
    NotificationKind.DATA_EXPORT,  # privacy
]
_RANK = {kind: rank for rank, kind in enumerate(SPECIFICITY)}

# A moderator's duties reach them even in a topic or category they muted
# for reading.
_DUTIES = frozenset(
    {
        NotificationKind.FLAGGED,
        NotificationKind.REVIEW_REQUESTED,
        NotificationKind.APPEAL_CREATED,
    }
)


# A suspended member is still told of actions against them and of the
# outcome of their appeals (the email carries the appeal link);
# users_who_can_view_topic leaves suspended accounts out, so these few
# recipients are asked of the per-object rule instead.
REACHES_SUSPENDED = frozenset(
    {NotificationKind.MODERATION, NotificationKind.APPEAL_DECIDED}
)


def _reachable(event: Event, recipients: Recipients) -> Recipients:
    """Drop those who may not see the topic (or are inactive) and those who muted it."""
    candidates = set(recipients)
    if not candidates:
        return {}
    if event.topic is not None:
        viewers = policy.users_who_can_view_topic(event.topic, candidates)
        left_out = [
            u for u in candidates - viewers if recipients[u] in REACHES_SUSPENDED
        ]
        for user in User.objects.filter(pk__in=left_out, is_active=True):
            if policy.can(user, Perm.VIEW_TOPIC, event.topic):
                viewers.add(user.pk)
        candidates &= viewers
        muted = _muted(event.topic, candidates)
        candidates -= {u for u in muted if recipients[u] not in _DUTIES}
    else:
        candidates = set(
            User.objects.filter(pk__in=candidates, is_active=True).values_list(
                "pk", flat=True
            )
        )
    return {user_id: recipients[user_id] for user_id in candidates}


def plan_batch(events: Sequence[Event]) -> dict[int, Recipients]:
    """{event id: its recipients} for the events of one batch, after
    visibility and mutes, each (recipient, post) kept by the most specific
    notification only; ties go to the earlier event."""
    best: dict[tuple[int, int | str], tuple[int, int, str]] = {}
    for order, event in enumerate(sorted(events, key=lambda e: e.pk)):
        for user_id, kind in _reachable(event, plan_for(event)).items():
            # Events without a post (a brand request, an escalation, a
            # sanction) are never folded together.
            key = (user_id, event.post_id if event.post_id else f"event-{event.pk}")
            rank = _RANK.get(NotificationKind(kind), len(_RANK))
            current = best.get(key)
            if current is None or (rank, order) < (current[0], current[1]):
                best[key] = (rank, order, kind)
    ordered = sorted(events, key=lambda e: e.pk)
    plans: dict[int, Recipients] = {event.pk: {} for event in events}
    for (user_id, _post), (_rank, order, kind) in best.items():
        plans[ordered[order].pk][user_id] = kind
    return plans


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
    NotificationKind.IDEA_STATUS: _("%(actor)s marked “%(title)s” as %(detail)s"),
    NotificationKind.IDEA_RESPONSE_DUE: _(
        "“%(title)s” reached its vote threshold: a decision owner's response is "
        "due %(detail)s"
    ),
    NotificationKind.REVIEW_CLEARED: _(
        "Moderators reviewed your post in “%(title)s”: it is visible again"
    ),
    NotificationKind.FLAGGED: _("A post in “%(title)s” was flagged for review"),
    NotificationKind.REVIEW_REQUESTED: _(
        "%(actor)s asked for another review of their post in “%(title)s”"
    ),
    NotificationKind.APPEAL_CREATED: _(
        "%(actor)s appealed a moderation action (%(detail)s); you may decide it"
    ),
    # insights
    NotificationKind.INSIGHTS_WEEKLY: _(
        "Your weekly listening report is ready (%(detail)s)"
    ),
    # groups
    NotificationKind.GROUP_APPLICATION: _(
        "%(actor)s applied to join %(detail)s; you may decide"
    ),
    NotificationKind.GROUP_MEMBERSHIP: "%(detail)s",
    NotificationKind.GROUP_MENTIONED: _(
        "%(actor)s mentioned %(detail)s in “%(title)s”"
    ),
    NotificationKind.EXPERT_QUESTION: _(
        "%(actor)s asked a question for your expert group: “%(title)s”"
    ),
    # recognition: the whole sentence is the detail (confirmed or withdrawn)
    NotificationKind.ANSWER_CONFIRMED: _("%(detail)s in “%(title)s”"),
    NotificationKind.BRAND_REQUEST + ":peer_first": _(
        "No community answer yet in “%(title)s”: it is waiting for the brand"
    ),
    # support
    NotificationKind.SUPPORT_STATUS: _("Your escalated topic “%(title)s”: %(detail)s"),
    # conversations: the subject is the participants' own, shown only to them
    NotificationKind.PRIVATE_MESSAGE: _("%(actor)s sent you a private message"),
    # privacy: the link is the notification's URL, signed and expiring
    NotificationKind.DATA_EXPORT: _("Your data is ready to download"),
}

# Kinds that never name the event's actor: flaggers stay out of notifications
# (moderators see them in the review queue).
_ANONYMOUS = frozenset({NotificationKind.FLAGGED})


def _detail(event: Event) -> str:
    payload = event.payload
    if event.kind == EventKind.POST_PENDING_REVIEW:
        return _("your post is hidden pending review after flags")
    if event.kind == EventKind.IDEA_STATUS_SET:
        status = payload.get("status", "")
        label = str(IdeaStatus(status).label) if status in IdeaStatus.values else ""
        if status == IdeaStatus.SHIPPED:
            # The credit: the author who proposed it and everyone who voted.
            return _(
                "%(status)s, credited to %(author)s who proposed it and the "
                "members who voted for it"
            ) % {
                "status": label,
                "author": event.topic.author_name if event.topic else _("its author"),
            }
        return label
    if event.kind == EventKind.IDEA_RESPONSE_DUE:
        days = settings.IDEAS_RESPONSE_DAYS
        return ngettext("within %(n)d day", "within %(n)d days", days) % {"n": days}
    if event.kind == EventKind.APPEAL_CREATED:
        action = ModerationAction.objects.filter(pk=payload.get("action_id")).first()
        return action.get_kind_display() if action is not None else ""
    if event.kind == EventKind.INSIGHTS_WEEKLY:  # insights
        return str(payload.get("week", ""))
    if event.kind == EventKind.GROUP_MEMBERSHIP:  # groups
        return str(payload.get("text", ""))
    if event.kind == EventKind.GROUP_APPLIED:
        return str(payload.get("group_name", ""))
    if event.kind == EventKind.GROUP_MENTIONED:
        return ", ".join(f"@{slug}" for slug in payload.get("group_slugs", []))
    if event.kind == EventKind.ANSWER_CONFIRMED:  # recognition
        values = {
            "actor": event.actor.name if event.actor else _("Someone"),
            "brand": payload.get("brand_name", ""),
        }
        if payload.get("withdrawn"):
            return (
                _("%(actor)s withdrew %(brand)s's confirmation of your answer") % values
            )
        return _("%(actor)s confirmed your answer for %(brand)s") % values
    if event.kind == EventKind.SUPPORT_STATUS_CHANGED:  # support
        return str(payload.get("note", ""))
    detail = payload.get("action_kind") or payload.get("decision") or ""
    if event.kind == EventKind.APPEAL_DECIDED:
        detail = payload.get("status") or detail
    return str(detail).replace("_", " ")


def _text(kind: str, event: Event) -> str:
    if (
        kind == NotificationKind.BRAND_REQUEST
        and event.kind == EventKind.BRAND_REQUESTED
        and event.actor_id is None
    ):
        # Peer-first routing opened the request: nobody asked.
        kind = NotificationKind.BRAND_REQUEST + ":peer_first"
    values = {
        "actor": event.actor.name if event.actor else _("Someone"),
        "title": event.topic.title if event.topic else "",
        "detail": _detail(event),
    }
    return str(_TEXTS[kind] % values)[:300]


def _url(kind: str, event: Event) -> str:
    # The queue and the appeals list, at the item (each has an id anchor).
    if kind in (NotificationKind.FLAGGED, NotificationKind.REVIEW_REQUESTED):
        anchor = f"#queue-{event.post_id}" if event.post_id else ""
        return reverse("moderation:queue") + anchor
    if kind == NotificationKind.APPEAL_CREATED:
        appeal_id = event.payload.get("appeal_id")
        return reverse("moderation:appeals") + (
            f"#appeal-{appeal_id}" if appeal_id else ""
        )
    if kind == NotificationKind.INSIGHTS_WEEKLY:  # insights
        return reverse("insights:report")
    if kind == NotificationKind.GROUP_APPLICATION:  # groups
        return reverse("groups:group_manage", args=[event.payload.get("group_slug")])
    if kind == NotificationKind.GROUP_MEMBERSHIP:
        return reverse("groups:group", args=[event.payload.get("group_slug")])
    if kind == NotificationKind.PRIVATE_MESSAGE:  # conversations
        return (
            reverse(
                "conversations:conversation",
                args=[event.payload.get("conversation_id")],
            )
            + f"#message-{event.payload.get('message_id')}"
        )
    if kind == NotificationKind.DATA_EXPORT:  # privacy
        user_ids = event.payload.get("user_ids") or [0]
        return export_download_path(int(event.payload["export_id"]), int(user_ids[0]))
    if event.post is not None and event.topic is not None:
        return event.topic.get_post_url(event.post.number)
    if event.topic is not None:
        return event.topic.get_absolute_url()
    return "/"


# --- Folding: one unread notification per post for likes and flags ---------------------------


def _liked_text(actor: str, others: int, title: str) -> str:
    return ngettext(
        "%(actor)s and %(n)d other liked your post in “%(title)s”",
        "%(actor)s and %(n)d others liked your post in “%(title)s”",
        others,
    ) % {"actor": actor, "n": others, "title": title}


def _flagged_text(actor: str, count: int, title: str) -> str:
    return ngettext(
        "A post in “%(title)s” has %(n)d flag to review",
        "A post in “%(title)s” has %(n)d flags to review",
        count,
    ) % {"n": count, "title": title}


_FOLDED: dict[str, Callable[[str, int, str], str]] = {
    NotificationKind.LIKED: lambda actor, count, title: _liked_text(
        actor, count - 1, title
    ),
    NotificationKind.FLAGGED: _flagged_text,
}


def _fold(
    event: Event, kind: str, user_ids: list[int], now: datetime
) -> dict[int, int]:
    """Fold *event* into each recipient's unread *kind* notification for the
    same post ("3 members liked your post"); return {user id: notification id}
    for those folded."""
    if event.post_id is None or not user_ids:
        return {}
    existing = dict(
        Notification.objects.filter(
            recipient_id__in=user_ids,
            kind=kind,
            post_id=event.post_id,
            read_at__isnull=True,
        ).values_list("recipient_id", "pk")
    )
    actor = "" if kind in _ANONYMOUS else (event.actor.name if event.actor else "")
    title = event.topic.title if event.topic else ""
    for notification in Notification.objects.filter(pk__in=existing.values()):
        notification.count = F("count") + 1
        notification.actor_name = actor
        notification.created_at = now
        notification.save(update_fields=["count", "actor_name", "created_at"])
        notification.refresh_from_db(fields=["count"])
        notification.text = _FOLDED[kind](actor, notification.count, title)[:300]
        notification.save(update_fields=["text"])
    return existing


# --- The fan-out ------------------------------------------------------------------------------


def fan_out(events: Sequence[Event], pending: Iterable[int] | None = None) -> list[int]:
    """Create the in-app notifications for the *pending* events (all when
    None) of one batch, planned with the whole batch; return the ids of email
    deliveries to send now. Idempotent per (event, recipient, channel)."""
    plans = plan_batch(events)
    to_write = set(plans) if pending is None else set(pending)
    email_ids: list[int] = []
    for event in sorted(events, key=lambda e: e.pk):
        if event.pk in to_write and plans[event.pk]:
            email_ids += _write(event, plans[event.pk])
    return email_ids


def _write(event: Event, plan: Recipients) -> list[int]:
    # Every in-app delivery of this event is to one of its recipients: no
    # need to send the whole plan (100,000 ids) back to the database.
    already = set(
        Delivery.objects.filter(
            event=event, channel=Delivery.Channel.IN_APP
        ).values_list("recipient_id", flat=True)
    )
    recipients = sorted(set(plan) - already)
    if not recipients:
        return []

    now = timezone.now()
    folded: dict[int, int] = {}
    for kind in _FOLDED:
        folded |= _fold(event, kind, [r for r in recipients if plan[r] == kind], now)
    # One text and one address per kind: 10,000 watchers are not 10,000
    # renders.
    kinds = sorted({plan[r] for r in recipients})
    texts = {kind: _text(kind, event) for kind in kinds}
    urls = {kind: _url(kind, event) for kind in kinds}
    fresh = [user_id for user_id in recipients if user_id not in folded]
    insert = _PostgresInserts() if connection.vendor == "postgresql" else _OrmInserts()
    by_user = insert.notifications(event, fresh, plan, texts, urls, now) | folded
    insert.deliveries(
        event,
        recipients,
        by_user,
        channel=Delivery.Channel.IN_APP,
        status=Delivery.Status.SENT,
        now=now,
    )
    email_to = _wanting_immediate_email(fresh, plan)
    return insert.deliveries(
        event,
        email_to,
        by_user,
        channel=Delivery.Channel.EMAIL,
        status=Delivery.Status.PENDING,
        now=now,
    )


def _wanting_immediate_email(user_ids: list[int], plan: Recipients) -> list[int]:
    """Those of *user_ids* who want this notification by email now. Only
    members who changed their preferences have a row; everyone else shares
    the defaults, decided once per kind."""
    prefs = preferences_for_many(user_ids, defaults_shared=True)
    return [
        user_id
        for user_id in user_ids
        if wants_immediate_email(prefs[user_id], plan[user_id])
    ]


class _OrmInserts:
    """The fan-out's inserts through the ORM (SQLite under `make run`)."""

    def notifications(
        self,
        event: Event,
        user_ids: list[int],
        plan: Recipients,
        texts: dict[str, str],
        urls: dict[str, str],
        now: datetime,
    ) -> dict[int, int]:
        created = Notification.objects.bulk_create(
            [
                _notification(
                    event, user_id, plan[user_id], texts[plan[user_id]], now, urls
                )
                for user_id in user_ids
            ],
            batch_size=BATCH,
        )
        return {n.recipient_id: n.pk for n in created}

    def deliveries(
        self,
        event: Event,
        user_ids: list[int],
        by_user: dict[int, int],
        *,
        channel: str,
        status: str,
        now: datetime,
    ) -> list[int]:
        created = Delivery.objects.bulk_create(
            [
                Delivery(
                    event=event,
                    recipient_id=user_id,
                    channel=channel,
                    status=status,
                    notification_id=by_user[user_id],
                )
                for user_id in user_ids
            ],
            batch_size=BATCH,
            # In-app deliveries are idempotent per (event, recipient, channel).
            ignore_conflicts=channel == Delivery.Channel.IN_APP,
        )
        return [delivery.pk for delivery in created if delivery.pk is not None]


class _PostgresInserts:
    """The same inserts on PostgreSQL as one ``INSERT … SELECT FROM unnest``
    per table: the recipients travel as two arrays instead of 100,000 model
    instances, which is what made a fan-out to 100,000 watchers slow (the
    ORM spent most of the time preparing values; `make bench`, fan-out)."""

    def notifications(
        self,
        event: Event,
        user_ids: list[int],
        plan: Recipients,
        texts: dict[str, str],
        urls: dict[str, str],
        now: datetime,
    ) -> dict[int, int]:
        if not user_ids:
            return {}
        kinds = sorted(texts)
        index = {kind: i + 1 for i, kind in enumerate(kinds)}  # SQL arrays count from 1
        actor_ids = [None if k in _ANONYMOUS else event.actor_id for k in kinds]
        actor_names = [
            "" if k in _ANONYMOUS or event.actor is None else event.actor.name
            for k in kinds
        ]
        table = Notification._meta.db_table
        sql = f"""
            INSERT INTO {table} (recipient_id, kind, event_id, actor_id, actor_name,
                                 topic_id, post_id, url, text, count, created_at)
            SELECT r.uid, (%(kinds)s::text[])[r.k], %(event)s,
                   (%(actor_ids)s::bigint[])[r.k], (%(actor_names)s::text[])[r.k],
                   %(topic)s, %(post)s, (%(urls)s::text[])[r.k],
                   (%(texts)s::text[])[r.k], 1, %(now)s
            FROM unnest(%(uids)s::bigint[], %(ks)s::int[]) AS r(uid, k)
            RETURNING recipient_id, id
        """  # noqa: S608 - the table name is the model's, every value a parameter
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                {
                    "kinds": kinds,
                    "event": event.pk,
                    "actor_ids": actor_ids,
                    "actor_names": actor_names,
                    "topic": event.topic_id,
                    "post": event.post_id,
                    "urls": [urls[k] for k in kinds],
                    "texts": [texts[k] for k in kinds],
                    "now": now,
                    "uids": user_ids,
                    "ks": [index[plan[user_id]] for user_id in user_ids],
                },
            )
            return dict(cursor.fetchall())

    def deliveries(
        self,
        event: Event,
        user_ids: list[int],
        by_user: dict[int, int],
        *,
        channel: str,
        status: str,
        now: datetime,
    ) -> list[int]:
        if not user_ids:
            return []
        table = Delivery._meta.db_table
        conflict = (
            "ON CONFLICT DO NOTHING" if channel == Delivery.Channel.IN_APP else ""
        )
        sql = f"""
            INSERT INTO {table} (event_id, recipient_id, channel, status,
                                 notification_id, attempts, detail, created_at,
                                 updated_at)
            SELECT %(event)s, r.uid, %(channel)s, %(status)s, r.nid, 0, '',
                   %(now)s, %(now)s
            FROM unnest(%(uids)s::bigint[], %(nids)s::bigint[]) AS r(uid, nid)
            {conflict}
            RETURNING id
        """  # noqa: S608 - the table name is the model's, every value a parameter
        with connection.cursor() as cursor:
            cursor.execute(
                sql,
                {
                    "event": event.pk,
                    "channel": channel,
                    "status": status,
                    "now": now,
                    "uids": user_ids,
                    "nids": [by_user[user_id] for user_id in user_ids],
                },
            )
            return [row[0] for row in cursor.fetchall()]


def _notification(
    event: Event,
    user_id: int,
    kind: str,
    text: str,
    now: datetime,
    urls: dict[str, str],
) -> Notification:
    anonymous = kind in _ANONYMOUS
    return Notification(
        recipient_id=user_id,
        kind=kind,
        event=event,
        actor_id=None if anonymous else event.actor_id,
        actor_name="" if anonymous or event.actor is None else event.actor.name,
        topic_id=event.topic_id,
        post_id=event.post_id,
        url=urls[kind],
        text=text,
        created_at=now,
    )


def unread_count(user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

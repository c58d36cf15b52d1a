"""Moderator actions on topics: lock, close, pin, retitle, move, merge, split
and slow mode.

Each action asks the policy first (a brand representative is always refused
there), changes rows in one transaction, and writes the public record with
moderation.log.record_action(): the tombstone in the thread, the entry in
the public log and the notice to the topic's author. Nothing here rewrites
anyone's words: retitling changes the topic's title, never the first post,
and the old title stays in the public record.

REVERSALS maps each reversible ActionKind to a function that undoes the
state change without writing a new record; the appeals code calls it when
an appeal is upheld (and writes the record of that decision itself).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max, Sum
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import User
from forum.actions import _update_search_vector, clean_title
from forum.models import Category, Post, ReadState, Tag, Topic
from forum.queries import newest_public_topic
from ideas.actions import carry_votes_on_merge
from moderation.log import clean_rule_and_reason, record_action
from moderation.models import ActionKind, ModerationAction, Rule
from notifications.models import TopicWatch
from permissions import policy
from permissions.policy import Perm

# Slow mode: the waits a moderator can choose, in seconds (0 turns it off).
SLOW_MODE_SECONDS = (0, 60, 300, 900, 3600, 21600, 86400)


# --- Lock, close, pin ----------------------------------------------------------------------


def lock_topic(actor: User, topic: Topic, *, rule: Rule | None, reason: str) -> Topic:
    """Freeze *topic*: no replies and no edits (moderators of the category
    can still reply). Idempotent: locking a locked topic records nothing."""
    return _set_flag(
        actor,
        topic,
        Perm.LOCK_TOPIC,
        "is_locked",
        True,
        ActionKind.TOPIC_LOCKED,
        rule=rule,
        reason=reason,
    )


def unlock_topic(actor: User, topic: Topic, *, rule: Rule | None, reason: str) -> Topic:
    """Lift a lock. Idempotent."""
    return _set_flag(
        actor,
        topic,
        Perm.LOCK_TOPIC,
        "is_locked",
        False,
        ActionKind.TOPIC_UNLOCKED,
        rule=rule,
        reason=reason,
    )


def close_topic(actor: User, topic: Topic, *, rule: Rule | None, reason: str) -> Topic:
    """Close *topic* to new replies; authors can still edit their posts.
    Idempotent."""
    return _set_flag(
        actor,
        topic,
        Perm.CLOSE_TOPIC,
        "is_closed",
        True,
        ActionKind.TOPIC_CLOSED,
        rule=rule,
        reason=reason,
    )


def reopen_topic(actor: User, topic: Topic, *, rule: Rule | None, reason: str) -> Topic:
    """Open a closed topic to replies again. Idempotent."""
    return _set_flag(
        actor,
        topic,
        Perm.CLOSE_TOPIC,
        "is_closed",
        False,
        ActionKind.TOPIC_REOPENED,
        rule=rule,
        reason=reason,
    )


def pin_topic(actor: User, topic: Topic, *, rule: Rule | None, reason: str) -> Topic:
    """Pin *topic* to the top of its lists. Idempotent."""
    return _set_flag(
        actor,
        topic,
        Perm.PIN_TOPIC,
        "is_pinned",
        True,
        ActionKind.TOPIC_PINNED,
        rule=rule,
        reason=reason,
    )


def unpin_topic(actor: User, topic: Topic, *, rule: Rule | None, reason: str) -> Topic:
    """Unpin *topic*. Idempotent."""
    return _set_flag(
        actor,
        topic,
        Perm.PIN_TOPIC,
        "is_pinned",
        False,
        ActionKind.TOPIC_UNPINNED,
        rule=rule,
        reason=reason,
    )


def _set_flag(
    actor: User,
    topic: Topic,
    perm: Perm,
    field: str,
    value: bool,
    kind: str,
    *,
    rule: Rule | None,
    reason: str,
) -> Topic:
    policy.require(actor, perm, topic)
    clean_rule_and_reason(rule, reason)
    with transaction.atomic():
        locked = _lock(topic)
        _refuse_merged(locked)
        if getattr(locked, field) == value:
            setattr(topic, field, value)
            return topic
        setattr(locked, field, value)
        locked.save(update_fields=[field])
        record_action(
            actor,
            kind,
            rule=rule,
            reason=reason,
            category=locked.category,
            topic=locked,
            target_user=locked.author,
        )
    setattr(topic, field, value)
    return topic


# --- Retitle -------------------------------------------------------------------------------


def retitle_topic(
    actor: User, topic: Topic, *, title: str, rule: Rule | None, reason: str
) -> Topic:
    """Give *topic* a new title (and slug; old URLs keep redirecting).

    The first post is not touched and no revision is written in its author's
    name: the old title lives on in the public record (details old_title).
    Setting the same title records nothing.
    """
    policy.require(actor, Perm.RETITLE_TOPIC, topic)
    title = clean_title(title)
    clean_rule_and_reason(rule, reason)
    with transaction.atomic():
        locked = _lock(topic)
        _refuse_merged(locked)
        old_title = locked.title
        if title == old_title:
            return topic
        _set_title(locked, title)
        record_action(
            actor,
            ActionKind.TOPIC_RETITLED,
            rule=rule,
            reason=reason,
            category=locked.category,
            topic=locked,
            target_user=locked.author,
            old_title=old_title,
            new_title=title,
        )
    topic.title, topic.slug = locked.title, locked.slug
    return topic


def _set_title(topic: Topic, title: str) -> None:
    topic.title = title
    topic.slug = slugify(title)[:160] or "topic"
    topic.save(update_fields=["title", "slug"])
    first = Post.objects.filter(topic=topic, number=1).first()
    if first is not None:
        _update_search_vector(first, title)


# --- Move ----------------------------------------------------------------------------------


def move_topic(
    actor: User,
    topic: Topic,
    *,
    category: Category,
    rule: Rule | None,
    reason: str,
) -> Topic:
    """Move *topic* to *category*; the actor must moderate both categories.

    Both categories' counters (topics, posts) and latest-topic pointers are
    updated. The record names both categories and keeps the source's id, so
    an upheld appeal can move the topic back.
    """
    policy.require(actor, Perm.MOVE_TOPIC, topic)
    if not policy.moderates(actor, category):
        raise PermissionDenied(
            _("You can only move topics into categories you moderate.")
        )
    clean_rule_and_reason(rule, reason)
    with transaction.atomic():
        locked = _lock(topic)
        _refuse_merged(locked)
        source = locked.category
        if source.pk == category.pk:
            raise ValidationError(
                _("The topic is already in %(category)s.") % {"category": source.name},
                code="category",
            )
        _move(locked, category)
        record_action(
            actor,
            ActionKind.TOPIC_MOVED,
            rule=rule,
            reason=reason,
            category=category,
            topic=locked,
            target_user=locked.author,
            from_category=source.name,
            to_category=category.name,
            from_category_id=source.pk,
            to_category_id=category.pk,
        )
    topic.category, topic.category_id = category, category.pk
    return topic


def _move(topic: Topic, destination: Category) -> None:
    """Put *topic* (locked by the caller) in *destination*, with counters."""
    source_id = topic.category_id
    topic.category = destination
    topic.save(update_fields=["category"])
    if topic.deleted_at is None:
        posts = Post.objects.filter(topic=topic, deleted_at__isnull=True).count()
        _add_to_category(source_id, topics=-1, posts=-posts)
        _add_to_category(destination.pk, topics=1, posts=posts)
    _refresh_latest([source_id, destination.pk])


# --- Merge ---------------------------------------------------------------------------------


def merge_topics(
    actor: User,
    source: Topic,
    *,
    into: Topic,
    rule: Rule | None,
    reason: str,
) -> Topic:
    """Move every post of *source* to the end of *into*; return *into*.

    The moved posts are numbered after into's last post, in the order they
    were written. *source* stays behind as an empty shell pointing at *into*
    (merged_into; its pages redirect there) and no longer counts as a topic
    (deleted_at is set, so lists and counters leave it out). Its readers'
    read positions are dropped, its watchers now watch *into*. One public
    record goes on *into*, naming the source's title and id. The actor must
    be allowed to merge both topics. Not reversible by appeal.
    """
    policy.require(actor, Perm.MERGE_TOPIC, source)
    policy.require(actor, Perm.MERGE_TOPIC, into)
    clean_rule_and_reason(rule, reason)
    if source.pk == into.pk:
        raise ValidationError(_("A topic can't be merged into itself."), code="target")
    now = timezone.now()
    with transaction.atomic():
        locked = {
            t.pk: t
            for t in Topic.objects.select_for_update(of=("self",))
            .select_related("category", "author")
            .filter(pk__in=[source.pk, into.pk])
            .order_by("pk")
        }
        src, dst = locked[source.pk], locked[into.pk]
        _refuse_merged(src)
        if dst.merged_into_id is not None:
            raise ValidationError(
                _(
                    "“%(title)s” was itself merged into another topic; merge into that one."
                )
                % {"title": dst.title},
                code="target",
            )
        if src.deleted_at is not None or dst.deleted_at is not None:
            raise ValidationError(_("Deleted topics can't be merged."), code="target")

        posts = list(
            Post.objects.filter(topic=src)
            .order_by("created_at", "number")
            .only("pk", "number", "topic", "deleted_at")
        )
        old_first = next((p for p in posts if p.number == 1), None)
        number = dst.last_post_number
        for post in posts:
            number += 1
            post.topic_id = dst.pk
            post.number = number
        # New numbers are all above into's highest, so no (topic, number) clash.
        Post.objects.bulk_update(posts, ["topic", "number"], batch_size=500)
        live = sum(1 for p in posts if p.deleted_at is None)
        if old_first is not None:
            _update_search_vector(old_first)  # a reply now: drop the old title

        _refresh_topic(dst)
        # An idea's votes go with it: a member who voted for both counts once.
        carry_votes_on_merge(src, dst)
        tag_ids = list(src.tags.values_list("pk", flat=True))
        src.merged_into = dst
        src.deleted_at = now
        src.reply_count = src.last_post_number = src.like_count = 0
        src.first_post = src.last_post = src.accepted_post = None
        src.is_solved = False
        src.save(
            update_fields=[
                "merged_into",
                "deleted_at",
                "reply_count",
                "last_post_number",
                "like_count",
                "first_post",
                "last_post",
                "accepted_post",
                "is_solved",
            ]
        )
        # Shells merged into the source now lead straight to the target.
        Topic.objects.filter(merged_into=src).update(merged_into=dst)
        ReadState.objects.filter(topic=src).delete()
        _move_watches(src, dst)
        if tag_ids:
            Tag.objects.filter(pk__in=tag_ids).update(
                topic_count=Greatest(F("topic_count") - 1, 0)
            )
        _add_to_category(src.category_id, topics=-1, posts=-live)
        _add_to_category(dst.category_id, topics=0, posts=live)
        _refresh_latest([src.category_id, dst.category_id])

        record_action(
            actor,
            ActionKind.TOPIC_MERGED,
            rule=rule,
            reason=reason,
            category=dst.category,
            topic=dst,
            target_user=src.author,
            merged_from_title=src.title,
            merged_from_id=src.pk,
            count=len(posts),
        )
    source.merged_into, source.deleted_at = dst, now
    return dst


def _move_watches(source: Topic, into: Topic) -> None:
    """People watching *source* keep their level on *into*, unless they
    already chose one there."""
    already = set(
        TopicWatch.objects.filter(topic=into).values_list("user_id", flat=True)
    )
    TopicWatch.objects.bulk_create(
        [
            TopicWatch(user_id=watch.user_id, topic=into, level=watch.level)
            for watch in TopicWatch.objects.filter(topic=source)
            if watch.user_id not in already
        ],
        ignore_conflicts=True,
    )


# --- Split ---------------------------------------------------------------------------------


def split_topic(
    actor: User,
    topic: Topic,
    *,
    post_numbers: Iterable[int],
    title: str,
    category: Category | None = None,
    rule: Rule | None,
    reason: str,
) -> Topic:
    """Move the chosen replies of *topic* into a new topic; return it.

    The new topic's author is the author of the first moved post; the moved
    posts are numbered 1..n in their original order. The original topic
    keeps post #1 and the other replies, renumbered so the numbers stay
    dense (1..m). Replies that pointed across the cut lose their
    "in reply to" link (the number would point into the wrong topic); a
    moved accepted answer is unaccepted. Counters of both topics and both
    categories are updated. Not reversible by appeal.
    """
    policy.require(actor, Perm.SPLIT_TOPIC, topic)
    destination = category or topic.category
    if destination.pk != topic.category_id and not policy.moderates(actor, destination):
        raise PermissionDenied(
            _("You can only split topics into categories you moderate.")
        )
    title = clean_title(title)
    clean_rule_and_reason(rule, reason)
    numbers = sorted(set(post_numbers))
    if not numbers:
        raise ValidationError(
            _("Choose at least one reply to split off."), code="posts"
        )
    if numbers[0] < 2:
        raise ValidationError(
            _("The first post stays with its topic; choose replies only."),
            code="posts",
        )
    with transaction.atomic():
        original = _lock(topic)
        _refuse_merged(original)
        if original.deleted_at is not None:
            raise ValidationError(
                _("Posts can't be split off a deleted topic."), code="posts"
            )
        moved = list(
            Post.objects.filter(topic=original, number__in=numbers).order_by("number")
        )
        missing = sorted(set(numbers) - {p.number for p in moved})
        if missing:
            raise ValidationError(
                ngettext(
                    "This topic has no post %(numbers)s.",
                    "This topic has no posts %(numbers)s.",
                    len(missing),
                )
                % {"numbers": ", ".join(f"#{n}" for n in missing)},
                code="posts",
            )
        first = moved[0]
        if first.deleted_at is not None:
            raise ValidationError(
                _("A new topic can't start with a deleted post (#%(n)d).")
                % {"n": first.number},
                code="posts",
            )

        new = Topic.objects.create(
            category=destination,
            title=title,
            slug=slugify(title)[:160] or "topic",
            author_id=first.author_id,
            author_name=first.author_name,
            created_at=first.created_at,
            last_posted_at=first.created_at,
            last_poster_name=first.author_name,
        )
        moved_ids = {p.pk for p in moved}
        for number, post in enumerate(moved, start=1):
            post.topic = new
            post.number = number
            if post.reply_to_id is not None and post.reply_to_id not in moved_ids:
                post.reply_to_id = None
        Post.objects.bulk_update(moved, ["topic", "number", "reply_to"], batch_size=500)
        Post.objects.filter(topic=original, reply_to_id__in=moved_ids).update(
            reply_to=None
        )
        _close_gaps(original, after=numbers[0])
        _update_search_vector(first, title)

        if original.accepted_post_id in moved_ids:
            original.accepted_post = None
            original.is_solved = False
            original.save(update_fields=["accepted_post", "is_solved"])
        _refresh_topic(original)
        _refresh_topic(new)
        remaining = original.last_post_number
        ReadState.objects.filter(topic=original, last_read_number__gt=remaining).update(
            last_read_number=remaining
        )

        live = sum(1 for p in moved if p.deleted_at is None)
        _add_to_category(original.category_id, topics=0, posts=-live)
        _add_to_category(destination.pk, topics=1, posts=live)
        _refresh_latest([original.category_id, destination.pk])

        record_action(
            actor,
            ActionKind.TOPIC_SPLIT,
            rule=rule,
            reason=reason,
            category=original.category,
            topic=original,
            target_user=original.author,
            new_topic_id=new.pk,
            new_title=new.title,
            count=len(moved),
        )
    topic.last_post_number = original.last_post_number
    topic.reply_count = original.reply_count
    return new


def _close_gaps(topic: Topic, *, after: int) -> None:
    """Renumber *topic*'s posts above *after* to 1..m without gaps.

    (topic, number) is unique and checked row by row, so the posts first
    move out of the way (above the highest number in use), then take their
    final numbers. Numbers are unsigned, hence an offset, not negatives.
    """
    offset = topic.last_post_number
    Post.objects.filter(topic=topic, number__gt=after).update(
        number=F("number") + offset
    )
    shifted = list(
        Post.objects.filter(topic=topic, number__gt=after)
        .order_by("number")
        .only("pk", "number")
    )
    for number, post in enumerate(shifted, start=after):
        post.number = number
    Post.objects.bulk_update(shifted, ["number"], batch_size=500)


# --- Slow mode -----------------------------------------------------------------------------


def set_slow_mode(
    actor: User, topic: Topic, *, seconds: int, rule: Rule | None, reason: str
) -> Topic:
    """Make members wait *seconds* between their posts in *topic* (0 turns
    slow mode off). Moderators of the category are never slowed down; the
    wait is enforced on reply by forum.limits.check_slow_mode. Setting the
    current value records nothing."""
    policy.require(actor, Perm.SLOW_MODE, topic)
    if seconds not in SLOW_MODE_SECONDS:
        raise ValidationError(
            _("Choose one of the listed slow mode durations."), code="seconds"
        )
    clean_rule_and_reason(rule, reason)
    with transaction.atomic():
        locked = _lock(topic)
        _refuse_merged(locked)
        previous = locked.slow_mode_seconds
        if previous == seconds:
            return topic
        locked.slow_mode_seconds = seconds
        locked.save(update_fields=["slow_mode_seconds"])
        record_action(
            actor,
            ActionKind.SLOW_MODE_SET if seconds else ActionKind.SLOW_MODE_CLEARED,
            rule=rule,
            reason=reason,
            category=locked.category,
            topic=locked,
            target_user=locked.author,
            seconds=seconds,
            previous=previous,
        )
    topic.slow_mode_seconds = seconds
    return topic


# --- Reversal on appeal --------------------------------------------------------------------


def _flag_reversal(field: str, value: bool) -> Callable[[User, ModerationAction], None]:
    def reverse(actor: User, action: ModerationAction) -> None:
        with transaction.atomic():
            topic = _action_topic(action)
            Topic.objects.filter(pk=topic.pk).update(**{field: value})

    reverse.__doc__ = f"Set {field} back to {value}."
    return reverse


def _reverse_retitle(actor: User, action: ModerationAction) -> None:
    """Give the topic back the title it had before the action."""
    old_title = action.details.get("old_title")
    if not old_title:
        raise ValidationError(_("This record doesn't say what the old title was."))
    with transaction.atomic():
        topic = _action_topic(action)
        if topic.title != old_title:
            _set_title(topic, old_title)


def _reverse_move(actor: User, action: ModerationAction) -> None:
    """Move the topic back to the category it was moved from."""
    source_id = action.details.get("from_category_id")
    source = Category.objects.filter(pk=source_id).first() if source_id else None
    if source is None:
        raise ValidationError(_("The category the topic came from no longer exists."))
    with transaction.atomic():
        topic = _action_topic(action)
        if topic.category_id != source.pk:
            _move(topic, source)


def _reverse_slow_mode(actor: User, action: ModerationAction) -> None:
    """Restore the slow mode the topic had before the action."""
    previous = int(action.details.get("previous", 0))
    with transaction.atomic():
        topic = _action_topic(action)
        Topic.objects.filter(pk=topic.pk).update(slow_mode_seconds=previous)


def _not_reversible(actor: User, action: ModerationAction) -> None:
    """Merges and splits move posts between topics and renumber them; undoing
    that automatically would break links again, so an appeal can't reverse
    them. A moderator splits or merges the posts back by hand instead."""
    raise ValidationError(
        _(
            "A merge or split can't be undone by an appeal. A moderator can move "
            "the posts back with another split or merge."
        ),
        code="not_reversible",
    )


REVERSALS: dict[str, Callable[[User, ModerationAction], None]] = {
    ActionKind.TOPIC_LOCKED: _flag_reversal("is_locked", False),
    ActionKind.TOPIC_UNLOCKED: _flag_reversal("is_locked", True),
    ActionKind.TOPIC_CLOSED: _flag_reversal("is_closed", False),
    ActionKind.TOPIC_REOPENED: _flag_reversal("is_closed", True),
    ActionKind.TOPIC_PINNED: _flag_reversal("is_pinned", False),
    ActionKind.TOPIC_UNPINNED: _flag_reversal("is_pinned", True),
    ActionKind.TOPIC_RETITLED: _reverse_retitle,
    ActionKind.TOPIC_MOVED: _reverse_move,
    ActionKind.SLOW_MODE_SET: _reverse_slow_mode,
    ActionKind.SLOW_MODE_CLEARED: _reverse_slow_mode,
    ActionKind.TOPIC_MERGED: _not_reversible,
    ActionKind.TOPIC_SPLIT: _not_reversible,
}


def _action_topic(action: ModerationAction) -> Topic:
    """The action's topic, locked for the reversal."""
    if action.topic_id is None:
        raise ValidationError(_("The topic of this action no longer exists."))
    return (
        Topic.objects.select_for_update(of=("self",))
        .select_related("category")
        .get(pk=action.topic_id)
    )


# --- Shared helpers ------------------------------------------------------------------------


def _lock(topic: Topic) -> Topic:
    return (
        Topic.objects.select_for_update(of=("self",))
        .select_related("category", "author")
        .get(pk=topic.pk)
    )


def _refuse_merged(topic: Topic) -> None:
    if topic.merged_into_id is not None:
        raise ValidationError(
            _("This topic was merged into another one; moderate that one instead."),
            code="merged",
        )


def _add_to_category(category_id: int, *, topics: int, posts: int) -> None:
    if not topics and not posts:
        return
    Category.objects.filter(pk=category_id).update(
        topic_count=Greatest(F("topic_count") + topics, 0),
        post_count=Greatest(F("post_count") + posts, 0),
    )


def _refresh_latest(category_ids: Sequence[int]) -> None:
    """Recompute each category's latest public topic (as resync_counters does)."""
    for category_id in dict.fromkeys(category_ids):
        newest = newest_public_topic(category_id)
        Category.objects.filter(pk=category_id).update(
            last_topic_id=newest[0] if newest else None,
            last_posted_at=newest[1] if newest else None,
        )


def _refresh_topic(topic: Topic) -> None:
    """Recompute *topic*'s counters and pointers from its posts, after posts
    moved in or out. Sets the fields on *topic* too."""
    posts = Post.objects.filter(topic=topic)
    live = posts.filter(deleted_at__isnull=True)
    totals = posts.aggregate(last_number=Max("number"), likes=Sum("like_count"))
    last = live.order_by("-number").only("pk", "author_name", "created_at").first()
    latest = live.aggregate(at=Max("created_at"))["at"]
    topic.last_post_number = totals["last_number"] or 0
    topic.like_count = totals["likes"] or 0
    topic.reply_count = live.filter(number__gt=1).count()
    topic.first_post_id = posts.filter(number=1).values_list("pk", flat=True).first()
    topic.last_post = last
    if latest is not None:
        topic.last_posted_at = latest
    if last is not None:
        topic.last_poster_name = last.author_name
    topic.save(
        update_fields=[
            "last_post_number",
            "like_count",
            "reply_count",
            "first_post",
            "last_post",
            "last_posted_at",
            "last_poster_name",
        ]
    )

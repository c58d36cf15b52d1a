"""The public record of moderation: aliases, actions, tombstones.

Every moderation action calls record_action() inside its transaction: it
writes the public ModerationAction (the in-thread tombstone and the entry in
the public log), the staff audit row, and the event that tells the affected
member, all of which exist exactly when the change does, and makes the
anonymous page cache stale on commit.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum.cache import bump_on_commit
from forum.models import Category, Post, Topic
from moderation.audit import record
from moderation.models import ModerationAction, Rule
from notifications.events import EventKind, ModerationActionTaken, emit
from permissions import policy
from recognition.enqueue import recompute_topic_awards_on_commit

REASON_MAX_LENGTH = 1000


def alias_for(actor: User) -> str:
    """The actor's stable public pseudonym, e.g. "Moderator #7".

    The number is handed out once, on the first moderation action, and
    never changes; the label follows the role at the time.
    """
    if actor.moderator_alias is None:
        with transaction.atomic():
            locked = User.objects.select_for_update().get(pk=actor.pk)
            if locked.moderator_alias is None:
                # Two first actions at once could pick the same number; the
                # unique constraint on moderator_alias refuses the second.
                highest = User.objects.aggregate(m=Max("moderator_alias"))["m"] or 0
                locked.moderator_alias = highest + 1
                locked.save(update_fields=["moderator_alias"])
            actor.moderator_alias = locked.moderator_alias
    role = _("Admin") if policy.is_admin(actor) else _("Moderator")
    return f"{role} #{actor.moderator_alias}"


def clean_rule_and_reason(rule: Rule | None, reason: str) -> tuple[Rule | None, str]:
    """Every action cites a rule, or "other" with a written reason."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            _("Write the reason: the member and the public log will see it."),
            code="reason",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            code="reason",
        )
    if rule is not None and not rule.is_active:
        raise ValidationError(_("That rule is no longer in force."), code="rule")
    return rule, reason


def record_action(
    actor: User,
    kind: str,
    *,
    rule: Rule | None,
    reason: str,
    category: Category | None = None,
    topic: Topic | None = None,
    post: Post | None = None,
    target_user: User | None = None,
    followed_brand_flag: bool = False,
    **details: Any,
) -> ModerationAction:
    """Write the public record of one action; call inside the action's transaction."""
    rule, reason = clean_rule_and_reason(rule, reason)
    action = ModerationAction.objects.create(
        kind=kind,
        actor=actor,
        actor_name=actor.username,
        actor_role="admin" if policy.is_admin(actor) else "moderator",
        actor_alias=alias_for(actor),
        rule=rule,
        rule_text=str(rule) if rule is not None else _("Other"),
        reason=reason,
        category=category,
        topic=topic,
        post=post,
        target_user=target_user,
        target_name=target_user.username if target_user is not None else "",
        details=details,
        followed_brand_flag=followed_brand_flag,
        created_at=timezone.now(),
    )
    if topic is not None:
        # Hiding, removing or restoring posts changes what awards rest on.
        recompute_topic_awards_on_commit(topic.pk)
    record(
        actor,
        f"moderation.{kind}",
        action,
        category_id=category.pk if category is not None else None,
        reason=reason,
    )
    emit(
        EventKind.MODERATION_ACTION,
        ModerationActionTaken(
            action_id=action.pk,
            action_kind=kind,
            user_ids=[target_user.pk] if target_user is not None else [],
        ),
        actor=actor,
        topic=topic,
        post=post,
    )
    # The tombstone, the public log and the content itself change.
    bump_on_commit()
    return action

"""Ending a beta: an admin opens its feedback category to everyone, or moves
its topics to a public ideas category with moderation's move_topic (each
moved topic carries the public tombstone). Nothing is deleted: criticism in a
beta outlives the beta."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import CommunityGroup, User
from forum.cache import bump_on_commit
from forum.models import Category, CategoryKind, Topic
from groups.actions import AuditVerb
from moderation.actions.topics import move_topic
from moderation.audit import record
from permissions import policy
from permissions.policy import Perm


class BetaOutcome:
    OPEN = "open"
    MOVE = "move"


def end_beta(
    actor: User,
    group: CommunityGroup,
    *,
    outcome: str,
    into: Category | None = None,
    reason: str = "",
) -> int:
    """Open the group's categories to everyone (outcome "open"), or move every
    topic in them to the public ideas category *into* ("move"), each with a
    tombstone citing *reason*. Returns the number of categories opened or
    topics moved."""
    policy.require(actor, Perm.END_BETA, group)
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            _("Write the reason: members read it in every moved topic."),
            code="reason",
        )
    categories = list(Category.objects.filter(restricted_to=group).order_by("pk"))
    if not categories:
        raise ValidationError(
            _("This group has no members-only category to open or move."),
            code="outcome",
        )
    if outcome == BetaOutcome.OPEN:
        with transaction.atomic():
            for category in categories:
                Category.objects.filter(pk=category.pk).update(restricted_to=None)
                record(
                    actor,
                    AuditVerb.BETA_OPENED,
                    group,
                    category_id=category.pk,
                    reason=reason,
                )
            bump_on_commit()
        return len(categories)
    if outcome != BetaOutcome.MOVE:
        raise ValidationError(
            _("Choose what happens to the beta's topics."), code="outcome"
        )
    if into is None:
        raise ValidationError(
            _("Choose the ideas category to move the topics to."), code="into"
        )
    if into.kind != CategoryKind.IDEAS or into.restricted_to_id is not None:
        raise ValidationError(
            _("Move the topics to a public ideas category."), code="into"
        )
    if into.parent is not None and into.parent.restricted_to_id is not None:
        raise ValidationError(
            _("Move the topics to a public ideas category."), code="into"
        )
    topics = list(
        Topic.objects.filter(category__in=categories, merged_into__isnull=True)
        .select_related("category__parent")
        .order_by("pk")
    )
    with transaction.atomic():
        for topic in topics:
            move_topic(actor, topic, category=into, rule=None, reason=reason)
        record(
            actor,
            AuditVerb.BETA_MOVED,
            group,
            category_id=into.pk,
            reason=reason,
            topics=len(topics),
        )
        bump_on_commit()
    return len(topics)

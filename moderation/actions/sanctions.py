"""Sanctions on members: warn, silence (may read, not post), suspend (may not
sign in).

A Sanction row keeps each decision; User.silenced_until and
User.suspended_until are the denormalized "until when" that the policy,
the authentication backends and SuspensionMiddleware read on every request.
Only this module writes them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum.models import Post
from moderation.log import clean_rule_and_reason, record_action
from moderation.models import (
    ActionKind,
    ModerationAction,
    Rule,
    Sanction,
    SanctionKind,
)
from permissions import policy
from permissions.policy import Perm

MIN_DURATION = timedelta(hours=1)
MAX_DURATION = timedelta(days=365)

_ACTION_KIND: dict[str, ActionKind] = {
    SanctionKind.WARNING: ActionKind.USER_WARNED,
    SanctionKind.SILENCE: ActionKind.USER_SILENCED,
    SanctionKind.SUSPENSION: ActionKind.USER_SUSPENDED,
}
# The denormalized field each timed sanction keeps up to date.
_UNTIL_FIELD: dict[str, str] = {
    SanctionKind.SILENCE: "silenced_until",
    SanctionKind.SUSPENSION: "suspended_until",
}


def clean_duration(kind: str, duration: timedelta | None) -> timedelta | None:
    """A warning has no duration; a silence or suspension lasts 1 hour to 365 days."""
    if kind == SanctionKind.WARNING:
        if duration is not None:
            raise ValidationError(
                _("A warning has no duration; leave the duration empty."),
                code="duration",
            )
        return None
    if duration is None:
        raise ValidationError(
            _("Say how long the %(kind)s lasts.")
            % {
                "kind": _("silence")
                if kind == SanctionKind.SILENCE
                else _("suspension")
            },
            code="duration",
        )
    if duration < MIN_DURATION:
        raise ValidationError(_("The shortest sanction is one hour."), code="duration")
    if duration > MAX_DURATION:
        raise ValidationError(_("The longest sanction is 365 days."), code="duration")
    return duration


def sanction_user(
    actor: User,
    user: User,
    *,
    kind: str,
    rule: Rule | None,
    reason: str,
    duration: timedelta | None = None,
    post: Post | None = None,
    followed_brand_flag: bool = False,
) -> ModerationAction:
    """Warn, silence or suspend *user*, citing a rule and a reason.

    A silence or suspension ends at now + *duration*; when one is already
    running, the later end wins (a shorter sanction never shortens a longer
    one). *post*, when given, must be by *user*: the record then shows in
    that thread and belongs to its category. The member is notified through
    the public record; a suspension also ends their sessions on their next
    request (SuspensionMiddleware).
    """
    policy.require(actor, Perm.SANCTION_USER, user)
    if kind not in _ACTION_KIND:
        raise ValidationError(
            _("Choose a warning, a silence or a suspension."), code="kind"
        )
    duration = clean_duration(kind, duration)
    rule, reason = clean_rule_and_reason(rule, reason)
    if post is not None and post.author_id != user.pk:
        raise ValidationError(
            _("That post isn't by %(name)s.") % {"name": user.username}, code="post"
        )
    now = timezone.now()
    ends_at = now + duration if duration is not None else None

    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        sanction = Sanction.objects.create(
            user=locked,
            kind=kind,
            rule=rule,
            reason=reason,
            created_by=actor,
            starts_at=now,
            ends_at=ends_at,
        )
        details: dict[str, object] = {"sanction_id": sanction.pk}
        if ends_at is not None and duration is not None:
            field = _UNTIL_FIELD[kind]
            current: datetime | None = getattr(locked, field)
            setattr(locked, field, max(current, ends_at) if current else ends_at)
            locked.save(update_fields=[field])
            setattr(user, field, getattr(locked, field))
            details["until"] = ends_at.isoformat()
            details["days"] = duration.days
            details["hours"] = int(duration.total_seconds() // 3600)
        action = record_action(
            actor,
            _ACTION_KIND[kind],
            rule=rule,
            reason=reason,
            category=post.topic.category if post is not None else None,
            topic=post.topic if post is not None else None,
            post=post,
            target_user=locked,
            followed_brand_flag=followed_brand_flag,
            **details,
        )
    return action


def lift_sanction(actor: User, action: ModerationAction) -> None:
    """Undo the sanction *action* recorded (an upheld appeal).

    Revokes its Sanction row and recomputes silenced_until / suspended_until
    from the sanctions still in force, so an unrelated, longer sanction
    keeps running. Writes no ModerationAction: the appeal is the record.
    Lifting a sanction takes the power to impose it (Perm.SANCTION_USER on
    the member), asked here whatever the caller checked.
    """
    policy.require(actor, Perm.SANCTION_USER, action.target_user)
    sanction_id = action.details.get("sanction_id")
    if action.target_user_id is None:
        return
    now = timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=action.target_user_id)
        if sanction_id is not None:
            Sanction.objects.filter(
                pk=sanction_id, user=user, revoked_at__isnull=True
            ).update(revoked_at=now)
        recompute_sanction_state(user)


def recompute_sanction_state(user: User) -> None:
    """Set silenced_until / suspended_until from the sanctions not revoked.

    Call inside a transaction with *user* locked.
    """
    in_force = Sanction.objects.filter(
        user=user, revoked_at__isnull=True, ends_at__gt=timezone.now()
    )
    ends = {
        row["kind"]: row["end"]
        for row in in_force.order_by().values("kind").annotate(end=Max("ends_at"))
    }
    for kind, field in _UNTIL_FIELD.items():
        setattr(user, field, ends.get(kind))
    user.save(update_fields=list(_UNTIL_FIELD.values()))


REVERSALS: dict[str, Callable[[User, ModerationAction], None]] = {
    ActionKind.USER_WARNED: lift_sanction,
    ActionKind.USER_SILENCED: lift_sanction,
    ActionKind.USER_SUSPENDED: lift_sanction,
}

"""Appeals: the affected member appeals an action once; a different moderator decides.

An upheld appeal undoes the action through the REVERSALS table that each
action module (posts, topics, sanctions) exports, and marks the original
ModerationAction reversed; a denied appeal leaves it standing. Either way
the outcome is public: the tombstone and the moderation log show it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum.cache import bump_on_commit
from moderation.actions import posts, sanctions, topics
from moderation.audit import record
from moderation.log import REASON_MAX_LENGTH, alias_for
from moderation.models import Appeal, AppealStatus, ModerationAction
from notifications.events import AppealCreated, AppealDecided, EventKind, emit
from permissions import policy
from permissions.policy import Perm

STATEMENT_MIN_LENGTH = 20
STATEMENT_MAX_LENGTH = 2000

Reversal = Callable[[User, ModerationAction], None]


def reversals() -> dict[str, Reversal]:
    """Every action kind that can be undone, merged from the action modules."""
    merged: dict[str, Reversal] = {}
    for module in (posts, topics, sanctions):
        merged.update(getattr(module, "REVERSALS", {}))
    return merged


def clean_statement(statement: str) -> str:
    """The appellant explains why the action was wrong: 20 to 2000 characters."""
    statement = statement.strip()
    if len(statement) < STATEMENT_MIN_LENGTH:
        raise ValidationError(
            _(
                "Explain why in at least %(n)d characters: the moderator who decides reads it."
            )
            % {"n": STATEMENT_MIN_LENGTH},
            code="statement",
        )
    if len(statement) > STATEMENT_MAX_LENGTH:
        raise ValidationError(
            _("Keep your appeal under %(n)d characters.") % {"n": STATEMENT_MAX_LENGTH},
            code="statement",
        )
    return statement


def clean_decision_reason(reason: str) -> str:
    """A decision always says why: the appellant and the public log see it."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            _(
                "Write the reason for your decision: the member and the public log see it."
            ),
            code="reason",
        )
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            _("Keep the reason under %(n)d characters.") % {"n": REASON_MAX_LENGTH},
            code="reason",
        )
    return reason


def appeal_action(actor: User, action: ModerationAction, *, statement: str) -> Appeal:
    """File the affected member's one appeal against *action*.

    Only the member the action affected may appeal, once per action, within
    30 days, and not after the action was reversed (the policy's
    APPEAL_ACTION rule). The action row is locked so that two submissions at
    once make one appeal; the second gets a ValidationError. Writes an audit
    row and emits "appeal.created" to the moderators who may decide it.
    """
    policy.require(actor, Perm.APPEAL_ACTION, action)
    statement = clean_statement(statement)
    caller_action = action

    with transaction.atomic():
        action = (
            ModerationAction.objects.select_related("category", "topic", "post")
            .select_for_update(of=("self",))
            .get(pk=action.pk)
        )
        if Appeal.objects.filter(action_id=action.pk).exists():
            raise ValidationError(
                _("Each action can be appealed once, and this one was."),
                code="appealed",
            )
        # Re-asked on the locked row: it may have been reversed meanwhile.
        policy.require(actor, Perm.APPEAL_ACTION, action)
        appeal = Appeal.objects.create(
            action=action, appellant=actor, statement=statement
        )
        record(
            actor,
            "appeal.created",
            appeal,
            category_id=action.category_id,
            action_id=action.pk,
        )
        bump_on_commit()  # the tombstone says "Appeal: pending"
        # The deciders are found when the event is dispatched, by the policy
        # (permissions.policy.users_who_may_decide_appeal).
        emit(
            EventKind.APPEAL_CREATED,
            AppealCreated(appeal_id=appeal.pk, action_id=action.pk),
            actor=actor,
            topic=action.topic,
            post=action.post,
        )
    # The caller's instance may have cached "no appeal"; tell it the news.
    caller_action.appeal = appeal
    return appeal


def decide_appeal(actor: User, appeal: Appeal, *, uphold: bool, reason: str) -> Appeal:
    """Uphold or deny *appeal*, with a public reason.

    Decided by a different moderator of the action's category (never the one
    who acted, never a brand representative, never the appellant) or an
    admin: the policy's DECIDE_APPEAL rule. Upheld: the action's reversal
    runs inside this transaction and the action is marked reversed; if the
    reversal refuses (ValidationError, e.g. a merge can't be undone) nothing
    changes. Denied: the action stands. A decided appeal can't be decided
    again. Writes an audit row and emits "appeal.decided" to the appellant.
    """
    policy.require(actor, Perm.DECIDE_APPEAL, appeal)
    reason = clean_decision_reason(reason)

    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
        action = (
            ModerationAction.objects.select_related(
                "category", "topic", "post", "target_user"
            )
            .select_for_update(of=("self",))
            .get(pk=appeal.action_id)
        )
        appeal.action = action
        if appeal.status != AppealStatus.PENDING:
            raise ValidationError(_("This appeal was already decided."), code="decided")
        now = timezone.now()
        if uphold:
            reverse = reversals().get(action.kind)
            if reverse is None:
                raise ValidationError(
                    _(
                        "“%(kind)s” can't be reversed on appeal. Deny the appeal and "
                        "explain, or take a new action."
                    )
                    % {"kind": action.get_kind_display()},
                    code="irreversible",
                )
            if action.reversed_at is None:
                reverse(actor, action)
                action.reversed_at = now
                action.save(update_fields=["reversed_at"])
        appeal.status = AppealStatus.UPHELD if uphold else AppealStatus.DENIED
        appeal.decided_by = actor
        appeal.decided_by_alias = alias_for(actor)
        appeal.decided_at = now
        appeal.decision_reason = reason
        appeal.save(
            update_fields=[
                "status",
                "decided_by",
                "decided_by_alias",
                "decided_at",
                "decision_reason",
            ]
        )
        record(
            actor,
            f"appeal.{appeal.status}",
            appeal,
            category_id=action.category_id,
            reason=reason,
            action_id=action.pk,
        )
        emit(
            EventKind.APPEAL_DECIDED,
            AppealDecided(
                appeal_id=appeal.pk,
                action_id=action.pk,
                status=appeal.status,
                user_ids=[appeal.appellant_id],
            ),
            actor=actor,
            topic=action.topic,
            post=action.post,
        )
        # An upheld appeal undoes the action; either way the log shows it.
        bump_on_commit()
    return appeal

"""Flags, the automatic hide pending review, and the review queue's decisions.

Members flag posts; each flag weighs more with the flagger's trust level
(settings.FORUM_FLAG_WEIGHTS). When the open flags on a post weigh
settings.FORUM_FLAG_HIDE_THRESHOLD or more, the post is hidden *pending
review*: the community, not a moderator, put it out of sight, so there is no
ModerationAction, and the post stays readable on click.

A brand representative may flag like any member, but the flag weighs 0 and
never counts toward the automatic hide. Such flags go to moderators who are
not affiliated with any brand: in Hearth a moderator can never be a brand
representative (ModeratorAssignment and User refuse it, and the policy
ignores stray assignments), so every moderator who sees the review queue is
unaffiliated. The queue labels these flags "Flagged by a brand
representative", and an action that follows them records
followed_brand_flag=True in the public log.

Who flagged is never shown to anyone but moderators (Perm.VIEW_FLAGGERS):
events sent to authors and to the public carry no flagger.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from forum.cache import bump_on_commit
from forum.models import Post
from moderation.actions.posts import hide_post, remove_post
from moderation.actions.sanctions import sanction_user
from moderation.log import clean_rule_and_reason, record_action
from moderation.models import (
    ActionKind,
    Flag,
    FlagKind,
    FlagStatus,
    ModerationAction,
    Rule,
)
from notifications.events import (
    EventKind,
    FlagCreated,
    FlagResolved,
    ReviewCleared,
    ReviewRequested,
    ToUsers,
    emit,
)
from permissions import policy
from permissions.policy import Perm

FLAG_MESSAGE_MAX_LENGTH = 1000
PENDING = (FlagStatus.OPEN, FlagStatus.DEFERRED)

Decision = Literal["agree", "disagree", "defer"]
DECISIONS = ("agree", "disagree", "defer")
# What a moderator may do when agreeing with the flags.
POST_OUTCOMES = ("hide", "remove_spam", "remove_illegal")
SANCTION_OUTCOMES = {"warn": "warning", "silence": "silence", "suspend": "suspension"}
OUTCOMES = (*POST_OUTCOMES, *SANCTION_OUTCOMES)


def flag_weight(flagger: User) -> int:
    """How much *flagger*'s flag counts toward the automatic hide."""
    if policy.is_brand_rep(flagger):
        return 0
    weights: dict[int, int] = settings.FORUM_FLAG_WEIGHTS
    return weights.get(int(flagger.trust_level), 1)


def open_flag_weight(post: Post) -> int:
    """Total weight of the OPEN flags on *post* (brand representatives' excluded)."""
    total = Flag.objects.filter(
        post=post, status=FlagStatus.OPEN, from_brand_rep=False
    ).aggregate(total=Sum("weight"))["total"]
    return total or 0


def flag_post(actor: User, post: Post, *, kind: str, message: str = "") -> Flag:
    """Report *post* to the moderators of its category.

    One pending (open or deferred) flag per member per post: a second one
    raises ValidationError (code "duplicate") and writes nothing. When the
    open flags reach settings.FORUM_FLAG_HIDE_THRESHOLD, the post is hidden
    pending review (Post.pending_review, not is_hidden) and its author is
    told, without learning who flagged. That hide is automatic, so no
    ModerationAction is written. Emits "flag.created" for the moderators.
    """
    policy.require(actor, Perm.FLAG_POST, post)
    if kind not in FlagKind.values:
        raise ValidationError(_("Choose what is wrong with the post."), code="kind")
    message = message.strip()
    if kind == FlagKind.OTHER and not message:
        raise ValidationError(
            _("Tell the moderators what is wrong with the post."), code="message"
        )
    if len(message) > FLAG_MESSAGE_MAX_LENGTH:
        raise ValidationError(
            _("Keep the message under %(n)d characters.")
            % {"n": FLAG_MESSAGE_MAX_LENGTH},
            code="message",
        )
    weight = flag_weight(actor)
    threshold: int = settings.FORUM_FLAG_HIDE_THRESHOLD
    duplicate = ValidationError(
        _("You already flagged this post; moderators will look at it."),
        code="duplicate",
    )

    with transaction.atomic():
        # The post's row lock serializes flags on one post, so exactly one
        # flag crosses the threshold.
        locked = Post.objects.select_for_update().get(pk=post.pk)
        if Flag.objects.filter(post=post, flagger=actor, status__in=PENDING).exists():
            raise duplicate
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    post=post,
                    flagger=actor,
                    kind=kind,
                    message=message,
                    weight=weight,
                    from_brand_rep=policy.is_brand_rep(actor),
                )
        except IntegrityError as exc:  # one_open_flag_per_member
            raise duplicate from exc
        emit(
            EventKind.FLAG_CREATED,
            FlagCreated(
                flag_id=flag.pk,
                category_id=post.topic.category_id,
                flag_kind=kind,
                weight=weight,
                from_brand_rep=flag.from_brand_rep,
            ),
            actor=actor,
            topic=post.topic,
            post=post,
        )
        if (
            not locked.pending_review
            and not locked.is_hidden
            and locked.removed_at is None
            and open_flag_weight(post) >= threshold
        ):
            locked.pending_review = True
            locked.save(update_fields=["pending_review"])
            post.pending_review = True
            emit(
                EventKind.POST_PENDING_REVIEW,
                ToUsers(user_ids=[post.author_id] if post.author_id else []),
                actor=None,  # never reveal who flagged
                topic=post.topic,
                post=post,
            )
            bump_on_commit()  # out of sight for readers
    return flag


def decide_flags(
    actor: User,
    post: Post,
    *,
    decision: str,
    outcome: str | None = None,
    rule: Rule | None = None,
    reason: str = "",
    duration: timedelta | None = None,
) -> ModerationAction | None:
    """Decide the pending flags on *post* from the review queue.

    - "agree" with an *outcome* calls the matching moderation action ("hide",
      "remove_spam", "remove_illegal" on the post; "warn", "silence",
      "suspend" on its author, where *duration* applies to the last two),
      which checks its own permission and writes the public record. A post
      hidden pending review stays out of sight after a sanction: it is
      hidden by the moderator too, with the same rule and reason. The flags
      become AGREED and point at the action.
    - "disagree" marks the flags DISAGREED, lifts the hide pending review
      and writes a public FLAGS_CLEARED action (rule optional: "Other").
    - "defer" marks open flags DEFERRED: the post stays in the queue, below
      the open ones, and stays as it is.

    Flags from brand representatives make the action record
    followed_brand_flag=True. After agree or disagree the flaggers get one
    "flag.resolved" event. Returns the ModerationAction written, or None
    (defer, or an action that changed nothing). Raises ValidationError when
    there is nothing pending (code "resolved") or the input is incomplete.
    """
    policy.require(actor, Perm.REVIEW_FLAGS, post)
    if decision not in DECISIONS:
        raise ValidationError(_("Choose agree, disagree or defer."), code="decision")
    if decision == "agree" and outcome not in OUTCOMES:
        raise ValidationError(_("Choose what to do about the post."), code="outcome")
    if decision != "defer":
        rule, reason = clean_rule_and_reason(rule, reason)
    with transaction.atomic():
        locked = Post.objects.select_for_update().get(pk=post.pk)
        flags = list(
            Flag.objects.select_for_update()
            .filter(post=post, status__in=PENDING)
            .order_by("pk")
        )
        if not flags:
            raise ValidationError(
                _("These flags were already decided."), code="resolved"
            )
        followed_brand_flag = any(flag.from_brand_rep for flag in flags)
        now = timezone.now()

        if decision == "defer":
            Flag.objects.filter(
                pk__in=[f.pk for f in flags], status=FlagStatus.OPEN
            ).update(status=FlagStatus.DEFERRED)
            return None

        action: ModerationAction | None
        if decision == "agree":
            action = _carry_out(
                actor,
                post,
                outcome=outcome or "",  # validated above
                rule=rule,
                reason=reason,
                duration=duration,
                followed_brand_flag=followed_brand_flag,
                pending_review=locked.pending_review,
            )
            status = FlagStatus.AGREED
        else:
            action = record_action(
                actor,
                ActionKind.FLAGS_CLEARED,
                rule=rule,
                reason=reason,
                category=post.topic.category,
                topic=post.topic,
                post=post,
                followed_brand_flag=followed_brand_flag,
                flags=len(flags),
            )
            status = FlagStatus.DISAGREED
            if locked.pending_review:
                emit(
                    EventKind.POST_REVIEW_CLEARED,
                    ReviewCleared(
                        action_id=action.pk,
                        user_ids=[post.author_id] if post.author_id else [],
                    ),
                    actor=None,
                    topic=post.topic,
                    post=post,
                )

        # Reviewed: whatever the outcome, the post is no longer waiting.
        Post.objects.filter(pk=post.pk).update(pending_review=False)
        post.pending_review = False
        bump_on_commit()
        Flag.objects.filter(pk__in=[f.pk for f in flags]).update(
            status=status, resolved_by=actor, resolved_at=now, outcome_action=action
        )
        emit(
            EventKind.FLAG_RESOLVED,
            FlagResolved(
                decision=decision,
                outcome=outcome or "",
                action_id=action.pk if action is not None else None,
                user_ids=sorted({f.flagger_id for f in flags}),
            ),
            actor=None,  # flaggers see the moderator's alias, not their name
            topic=post.topic,
            post=post,
        )
    return action


def _carry_out(
    actor: User,
    post: Post,
    *,
    outcome: str,
    rule: Rule | None,
    reason: str,
    duration: timedelta | None,
    followed_brand_flag: bool,
    pending_review: bool,
) -> ModerationAction | None:
    """Call the moderation action an "agree" outcome stands for."""
    if outcome == "hide":
        return hide_post(
            actor,
            post,
            rule=rule,
            reason=reason,
            followed_brand_flag=followed_brand_flag,
        )
    if outcome in ("remove_spam", "remove_illegal"):
        return remove_post(
            actor,
            post,
            kind="spam" if outcome == "remove_spam" else "illegal",
            rule=rule,
            reason=reason,
            followed_brand_flag=followed_brand_flag,
        )
    author = post.author
    if author is None:
        raise ValidationError(
            _("The author's account no longer exists."), code="outcome"
        )
    action: ModerationAction | None = sanction_user(
        actor,
        author,
        kind=SANCTION_OUTCOMES[outcome],
        rule=rule,
        reason=reason,
        duration=None if outcome == "warn" else duration,
        post=post,
        followed_brand_flag=followed_brand_flag,
    )
    if pending_review:
        # The community hid it and the moderator agreed: it stays hidden,
        # now by a moderator, with a public record.
        hidden = hide_post(
            actor,
            post,
            rule=rule,
            reason=reason,
            followed_brand_flag=followed_brand_flag,
        )
        action = action or hidden
    return action


def request_review(actor: User, post: Post) -> None:
    """Ask the moderators to look again at one's post hidden pending review.

    Meant for after editing it (edit_post allows editing such a post). The
    request reopens the deferred flags on the post, so it moves back up
    among the open items of the review queue, stamps the pending flags with
    Flag.review_requested_at (what the queue shows as "the author asked for
    another review") and emits "review.requested" for the moderators who
    may review them. The post stays hidden until a moderator decides. One
    request per hide: the hide lasts as long as its flags are pending, so
    asking again before a moderator decides raises ValidationError (code
    "duplicate").
    """
    policy.require(actor, Perm.REQUEST_REVIEW, post)

    with transaction.atomic():
        Post.objects.select_for_update().get(pk=post.pk)
        pending = Flag.objects.filter(post=post, status__in=PENDING)
        if pending.filter(review_requested_at__isnull=False).exists():
            raise ValidationError(
                _("You already asked for another review; moderators will look at it."),
                code="duplicate",
            )
        reopened = Flag.objects.filter(post=post, status=FlagStatus.DEFERRED).update(
            status=FlagStatus.OPEN
        )
        pending.update(review_requested_at=timezone.now())
        emit(
            EventKind.REVIEW_REQUESTED,
            ReviewRequested(
                category_id=post.topic.category_id,
                edited_at=post.edited_at.isoformat() if post.edited_at else None,
                reopened_flags=reopened,
            ),
            actor=actor,
            topic=post.topic,
            post=post,
        )
